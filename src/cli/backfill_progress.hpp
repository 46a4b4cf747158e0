// A running backfill's progress on stderr, in the style the user or the pipeline wants: a bar
// redrawn in place on a terminal, a log line every few seconds for log collectors, or one JSON
// object per line (start, progress, throttle, resume, retry, vacuum, done) for rollout pipelines.
// Whatever the style, waits and retries are reported when they happen, not at the next tick.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "cli/backfill_settings.hpp"
#include "engine/runner.hpp"

namespace migrate {

// `automatic` becomes json with --format json, a bar when stderr is a terminal, log lines
// otherwise.
ProgressStyle resolve_progress_style(ProgressStyle style, bool json_format, bool terminal);

class BackfillProgressReporter {
  public:
    BackfillProgressReporter(std::ostream& out, ProgressStyle style) : m_out(out), m_style(style) {}

    void report(const PhaseRun& run, const Action& action, const BackfillEvent& event);
    // Before anything else is printed: ends a bar drawn in place.
    void clear();

    ProgressStyle style() const { return m_style; }

  private:
    void draw_bar(const PhaseRun& run, const BackfillEvent& event);
    void write_log(const PhaseRun& run, const BackfillEvent& event, const std::string& what);
    void write_json(const PhaseRun& run, const Action& action, const BackfillEvent& event);

    std::ostream& m_out;
    ProgressStyle m_style;
    std::chrono::steady_clock::time_point m_last{};
    bool m_bar_drawn = false;
    std::string m_waiting;  // the throttle that holds it now
};

// "1,234,567"
std::string grouped(std::int64_t number);

}  // namespace migrate
