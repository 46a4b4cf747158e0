// Rendering for the terminal and for pipelines: plans, run progress and status, as text or as
// JSON documents whose "version" field versions their shape.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/backfill_progress.hpp"
#include "cli/settings.hpp"
#include "engine/gate.hpp"
#include "engine/project.hpp"
#include "engine/status.hpp"
#include "lint/finding.hpp"

namespace migrate {

// Version of the JSON documents below; bumped on any incompatible change.
inline constexpr int json_format_version = 1;

// "apply" or "rollback" plans; `findings` (from lint_plan) are shown beside the steps they concern.
nlohmann::json plan_to_json(const Plan& plan, const Settings& settings, const std::string& operation,
                            const std::vector<lint::Finding>& findings = {});
void print_plan_text(std::ostream& out, const Plan& plan, const Settings& settings, const std::string& operation,
                     const std::vector<lint::Finding>& findings = {});

// One app instance, and where one migration's contract stands, as every JSON document shows them.
nlohmann::json fleet_instance_json(const FleetInstanceView& view);
nlohmann::json contract_gate_json(const ContractReadiness& readiness);

nlohmann::json status_to_json(const StatusReport& report, const Settings& settings);
void print_status_text(std::ostream& out, const StatusReport& report, const Settings& settings);

nlohmann::json error_to_json(const std::exception& error);

// Reports a run as it happens: a line per phase; a backfill's progress goes to `progress`.
class TextRunObserver final : public RunObserver {
  public:
    // `header` is printed before the first phase starts, or by print_header().
    TextRunObserver(std::ostream& out, std::string header, BackfillProgressReporter& progress)
        : m_out(out), m_header(std::move(header)), m_progress(progress) {}
    void print_header();
    void phase_started(const PhaseRun& run) override;
    void backfill(const PhaseRun& run, const Action& action, const BackfillEvent& event) override;
    void retrying(const PhaseRun* run, int attempt, int retries, Duration delay, const Error& error) override;
    void note(const PhaseRun& run, const std::string& message) override;
    void phase_finished(const PhaseRun& run, Duration took) override;
    // Ends the line of a phase that threw, if one is open.
    void phase_failed();

  private:
    std::ostream& m_out;
    std::string m_header;
    BackfillProgressReporter& m_progress;
    bool m_header_printed = false;
    std::vector<BackfillProgress> m_backfills;  // of the running phase, latest per step
    bool m_open = false;
    bool m_sublines = false;  // the running phase printed lines below its own
};

// Collects a run into one JSON document, printed at the end (also after a failure); a backfill's
// progress goes to `progress` as it happens.
class JsonRunObserver final : public RunObserver {
  public:
    explicit JsonRunObserver(BackfillProgressReporter& progress) : m_progress(progress) {}
    void phase_started(const PhaseRun& run) override;
    void backfill(const PhaseRun& run, const Action& action, const BackfillEvent& event) override;
    void retrying(const PhaseRun* run, int attempt, int retries, Duration delay, const Error& error) override;
    void note(const PhaseRun& run, const std::string& message) override;
    void phase_finished(const PhaseRun& run, Duration took) override;

    nlohmann::json document(const Settings& settings, const std::string& operation) const;

  private:
    BackfillProgressReporter& m_progress;
    nlohmann::json m_phases = nlohmann::json::array();
    nlohmann::json m_waits = nlohmann::json::array();  // retries before the first phase
    nlohmann::json m_current;
};

}  // namespace migrate
