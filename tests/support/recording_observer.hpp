// A RunObserver for tests that drive the engine directly: it prints nothing and remembers what
// a user would have seen (batches, retries, notes), so tests can assert on it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/runner.hpp"

namespace migrate::testing {

class RecordingObserver final : public RunObserver {
  public:
    void phase_started(const PhaseRun& run) override {
        if (on_phase_started) {
            on_phase_started(run);
        }
    }
    void backfill(const PhaseRun&, const Action&, const BackfillEvent& event) override {
        events.push_back(event);
        if (on_backfill_event) {
            on_backfill_event(event);
        }
        if (event.kind == BackfillEvent::Kind::batch) {
            ++batches;
        }
        if (event.kind == BackfillEvent::Kind::retrying) {
            retries.push_back(event.error_code);
        }
    }
    void retrying(const PhaseRun*, int, int, Duration, const Error& error) override { retries.push_back(error.code()); }
    void note(const PhaseRun&, const std::string& message) override { notes.push_back(message); }
    void phase_finished(const PhaseRun&, Duration) override {}

    // What happens in the world as a phase starts: another process changing the fleet, say.
    std::function<void(const PhaseRun&)> on_phase_started;
    // What the application does while a backfill runs, between its batches.
    std::function<void(const BackfillEvent&)> on_backfill_event;
    int batches = 0;
    std::vector<BackfillEvent> events;
    std::vector<std::string> retries;  // the error code of each retry
    std::vector<std::string> notes;
};

}  // namespace migrate::testing
