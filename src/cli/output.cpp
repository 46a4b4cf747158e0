#include "cli/output.hpp"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "support/clock.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

std::string indent(const std::string& text, const std::string& prefix) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        std::string_view line =
            std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (line.empty() && end == std::string::npos) {
            break;  // text ending in a newline has no last line to indent
        }
        out += prefix;
        out += line;
        out += '\n';
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return out;
}

std::string how_it_runs(const PhaseRun& run) {
    if (run.actions.empty()) {
        return "no steps";
    }
    if (run.direction == Direction::up && run.phase == Phase::backfill) {
        return "keyset batches, one transaction each";
    }
    if (run.transactional()) {
        return "one transaction";
    }
    for (const Action& action : run.actions) {
        if (!action.traits.transactional) {
            return fmt::format("step by step: {}", action.traits.reason);
        }
    }
    return "step by step";
}

std::string backfill_sql(const BackfillSpec& step) {
    return fmt::format("UPDATE {} SET {} WHERE {}", step.table, step.set, step.where);
}

std::string short_time(const std::string& timestamp) {
    // "2026-11-26T02:49:08.123Z" -> "2026-11-26 02:49:08"
    std::string out = timestamp.substr(0, 19);
    std::replace(out.begin(), out.end(), 'T', ' ');
    return out;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

nlohmann::json backfill_json(const BackfillProgress& progress) {
    return {{"step", progress.step + 1},
            {"table", progress.table},
            {"rows_updated", progress.rows_updated},
            {"batches", progress.batches},
            {"passes", progress.passes},
            {"last_key", key_to_json(progress.last_key)},
            {"completed", progress.completed},
            {"started_at", progress.started_at},
            {"updated_at", progress.updated_at},
            {"rows_scanned", progress.rows_scanned},
            {"estimated_rows", progress.estimated_rows > 0 ? nlohmann::json(progress.estimated_rows) : nullptr},
            {"rows_per_second", progress.rows_per_second},
            {"batch_size", progress.batch_size},
            {"throttle", progress.throttle.empty() ? nlohmann::json(nullptr) : nlohmann::json(progress.throttle)}};
}

std::string backfill_summary(const BackfillProgress& progress) {
    return fmt::format("{}: {} rows in {} batches{}", progress.table, progress.rows_updated, progress.batches,
                       progress.passes > 1 ? fmt::format(", {} passes", progress.passes) : "");
}

// "expand stopped after step 2 of 3 (steps 1, 2 done)": what a rerun resumes after.
std::string part_done_summary(const PartDone& part) {
    std::string steps;
    for (int step : part.steps) {
        steps += (steps.empty() ? "" : ", ") + std::to_string(step + 1);
    }
    std::string of = part.total > 0 ? fmt::format(" of {}", part.total) : "";
    if (part.direction == Direction::down) {
        return fmt::format("{} rollback stopped part-way: step{} {}{} undone", to_string(part.phase),
                           part.steps.size() == 1 ? "" : "s", steps, of);
    }
    return fmt::format("{} stopped after step {}{} (step{} {} done)", to_string(part.phase), part.steps.back() + 1, of,
                       part.steps.size() == 1 ? "" : "s", steps);
}

std::string problem_kind(Problem::Kind kind) {
    switch (kind) {
        case Problem::Kind::modified:
            return "modified";
        case Problem::Kind::missing_file:
            return "missing_file";
        case Problem::Kind::out_of_order:
            return "out_of_order";
    }
    return "unknown";
}

}  // namespace

namespace {

// The findings of one step of a planned phase.
std::vector<const lint::Finding*> step_findings(const std::vector<lint::Finding>& findings, const PhaseRun& run,
                                                const Action& action) {
    std::vector<const lint::Finding*> out;
    for (const lint::Finding& finding : findings) {
        if (finding.migration == run.migration->label() && finding.phase == run.phase &&
            finding.direction == run.direction && finding.step == action.step) {
            out.push_back(&finding);
        }
    }
    return out;
}

}  // namespace

nlohmann::json plan_to_json(const Plan& plan, const Settings& settings, const std::string& operation,
                            const std::vector<lint::Finding>& findings) {
    nlohmann::json phases = nlohmann::json::array();
    for (const PhaseRun& run : plan.runs) {
        nlohmann::json actions = nlohmann::json::array();
        for (const Action& action : run.actions) {
            nlohmann::json item = {{"step", action.step + 1},
                                   {"kind", action.kind == ActionKind::sql ? "sql" : "backfill"},
                                   {"line", action.location.line},
                                   {"transactional", action.traits.transactional},
                                   {"done", action.done}};
            if (action.kind == ActionKind::backfill) {
                item["table"] = action.backfill.table;
                item["set"] = action.backfill.set;
                item["where"] = action.backfill.where;
                item["sql"] = backfill_sql(action.backfill);
                const BatchSizing& batching = settings.backfill.options.batch;
                item["batch_size"] = batching.fixed > 0 ? nlohmann::json(batching.fixed) : nlohmann::json(nullptr);
                item["batch_time_ms"] = batching.target.count();
                item["min_batch"] = batching.min;
                item["max_batch"] = batching.max;
            } else {
                item["sql"] = action.sql;
            }
            if (!action.traits.reason.empty()) {
                item["reason"] = action.traits.reason;
            }
            if (!action.traits.note.empty()) {
                item["note"] = action.traits.note;
            }
            if (action.loses_data) {
                item["loses_data"] = true;
            }
            nlohmann::json lint = nlohmann::json::array();
            for (const lint::Finding* finding : step_findings(findings, run, action)) {
                lint.push_back({{"rule", finding->rule},
                                {"severity", lint::to_string(finding->severity)},
                                {"message", finding->message},
                                {"file", finding->file},
                                {"line", finding->line},
                                {"column", finding->column}});
            }
            item["lint"] = std::move(lint);
            actions.push_back(std::move(item));
        }
        phases.push_back(
            {{"migration", run.migration->id},
             {"name", run.migration->name},
             {"file", run.migration->path.string()},
             {"phase", to_string(run.phase)},
             {"direction", to_string(run.direction)},
             {"part_done", run.part_done},
             {"transactional",
              run.direction == Direction::up && run.phase == Phase::backfill ? false : run.transactional()},
             {"actions", std::move(actions)}});
        if (run.gate) {
            phases.back()["gate"] = {{"open", run.gate->open}, {"summary", run.gate->summary}};
        }
    }
    return {{"version", json_format_version},
            {"operation", operation},
            {"database", require_url(settings).redacted()},
            {"dir", settings.dir.string()},
            {"phases", std::move(phases)}};
}

void print_plan_text(std::ostream& out, const Plan& plan, const Settings& settings, const std::string& operation,
                     const std::vector<lint::Finding>& findings) {
    out << fmt::format("Plan: {} on {} from {}\n", operation, require_url(settings).redacted(), settings.dir.string());
    if (plan.runs.empty()) {
        out << (operation == "rollback" ? "Nothing to roll back.\n"
                                        : "Nothing to apply: the database is up to date.\n");
        return;
    }
    for (const PhaseRun& run : plan.runs) {
        out << fmt::format("\n{} · {}{} · {}\n", run.migration->label(), to_string(run.phase),
                           run.part_done                      ? " (rollback of the steps that ran before it stopped)"
                           : run.direction == Direction::down ? " (rollback)"
                                                              : "",
                           how_it_runs(run));
        if (run.gate) {
            std::string needs = run.gate->requirement ? fmt::format(" ({} >= {})", run.gate->requirement->app,
                                                                    run.gate->requirement->min_version.to_string())
                                                      : "";
            out << fmt::format("  -- gate{}: {}: {}\n", needs,
                               !run.gate->requirement ? "none, apply needs --no-gate"
                               : run.gate->open       ? "open"
                                                      : "closed",
                               run.gate->summary);
        }
        if (run.actions.empty()) {
            bool had_backfill = run.phase == Phase::backfill && !run.migration->backfill.empty();
            out << (had_backfill ? "    (no down SQL: backfill progress is forgotten; rows keep the values it wrote)\n"
                                 : "    (no steps: only the recorded phase changes)\n");
        }
        for (const Action& action : run.actions) {
            std::string note;
            if (action.done) {
                note = "  [done in an earlier run; skipped]";
            } else if (action.loses_data) {
                note = "  [restores the structure, not the data]";
            }
            if (!action.traits.note.empty()) {
                note += fmt::format("  [{}]", action.traits.note);
            }
            out << fmt::format("  -- step {}{} ({}:{}){}\n", action.step + 1,
                               run.direction == Direction::down ? " down" : "", run.migration->path.string(),
                               action.location.line, note);
            if (action.kind == ActionKind::backfill) {
                out << indent(backfill_sql(action.backfill), "    ");
                out << fmt::format("    -- in keyset batches by primary key ({}), until no row matches the WHERE\n",
                                   describe_batching(settings.backfill.options.batch));
            } else {
                out << indent(action.sql, "    ");
            }
            for (const lint::Finding* finding : step_findings(findings, run, action)) {
                out << fmt::format("    ^ {}:{}:{}: {}: {} [{}]\n", finding->file, finding->line, finding->column,
                                   lint::to_string(finding->severity), finding->message, finding->rule);
            }
        }
    }
    out << fmt::format("\n{} phase{}.\n", plan.runs.size(), plan.runs.size() == 1 ? "" : "s");
}

nlohmann::json fleet_instance_json(const FleetInstanceView& view) {
    return {{"app", view.member.app},
            {"instance", view.member.instance},
            {"version", view.member.version},
            {"ttl_seconds", view.member.ttl_seconds},
            {"first_seen", utc_timestamp_of_epoch(view.member.first_seen)},
            {"last_seen", utc_timestamp_of_epoch(view.member.last_seen)},
            {"seen_seconds_ago", view.seen_seconds_ago},
            {"state", view.live ? "live" : "stale"}};
}

nlohmann::json contract_gate_json(const ContractReadiness& readiness) {
    auto instances = [](const std::vector<FleetInstanceView>& views) {
        nlohmann::json list = nlohmann::json::array();
        for (const FleetInstanceView& view : views) {
            list.push_back(fleet_instance_json(view));
        }
        return list;
    };
    const GateDecision& decision = readiness.decision;
    nlohmann::json requires_ = nullptr;
    if (decision.requirement) {
        requires_ = {{"app", decision.requirement->app},
                     {"min_version", decision.requirement->min_version.to_string()}};
    }
    return {{"state", readiness.state},           {"summary", readiness.summary},
            {"requires", std::move(requires_)},   {"blocking", instances(decision.blocking)},
            {"ready", instances(decision.ready)}, {"stale", instances(decision.stale)}};
}

nlohmann::json status_to_json(const StatusReport& report, const Settings& settings) {
    nlohmann::json migrations = nlohmann::json::array();
    for (const StatusEntry& entry : report.entries) {
        nlohmann::json applied = nlohmann::json::object();
        for (const auto& [phase, record] : entry.applied) {
            applied[std::string(to_string(phase))] = {
                {"seq", record.seq}, {"at", record.applied_at}, {"by", record.applied_by}};
        }
        nlohmann::json backfills = nlohmann::json::array();
        for (const BackfillProgress& progress : entry.backfills) {
            backfills.push_back(backfill_json(progress));
        }
        nlohmann::json problems = nlohmann::json::array();
        for (const Problem& problem : entry.problems) {
            problems.push_back(problem_kind(problem.kind));
        }
        nlohmann::json item = {{"id", entry.id},
                               {"name", entry.name},
                               {"file", entry.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(entry.file)},
                               {"phase", to_string(entry.phase)},
                               {"status", entry.status},
                               {"applied", std::move(applied)},
                               {"backfill", std::move(backfills)},
                               {"problems", std::move(problems)}};
        nlohmann::json part_done = nlohmann::json::array();
        for (const PartDone& part : entry.part_done) {
            nlohmann::json done = nlohmann::json::array();
            for (int step : part.steps) {
                done.push_back(step + 1);
            }
            part_done.push_back({{"phase", to_string(part.phase)},
                                 {"direction", to_string(part.direction)},
                                 {"steps_done", std::move(done)},
                                 {"steps", part.total}});
        }
        item["part_done"] = std::move(part_done);
        item["gate"] = entry.contract ? contract_gate_json(*entry.contract) : nlohmann::json(nullptr);
        if (entry.last_failure) {
            item["last_failure"] = {
                {"at", entry.last_failure->occurred_at},      {"by", entry.last_failure->run_by},
                {"host", entry.last_failure->run_on},         {"phase", entry.last_failure->phase},
                {"direction", entry.last_failure->direction}, {"message", entry.last_failure->detail}};
        }
        migrations.push_back(std::move(item));
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const Problem& problem : report.problems) {
        nlohmann::json item = {
            {"kind", problem_kind(problem.kind)}, {"migration", problem.migration_id}, {"message", problem.message}};
        if (!problem.detail.empty()) {
            item["diff"] = problem.detail;
        }
        problems.push_back(std::move(item));
    }
    nlohmann::json fleet = nlohmann::json::array();
    for (const FleetInstanceView& view : report.fleet) {
        fleet.push_back(fleet_instance_json(view));
    }
    return {{"version", json_format_version},    {"database", require_url(settings).redacted()},
            {"dir", settings.dir.string()},      {"database_exists", report.database_exists},
            {"initialized", report.initialized}, {"migrations", std::move(migrations)},
            {"fleet", std::move(fleet)},         {"problems", std::move(problems)},
            {"file_errors", report.file_errors}};
}

void print_status_text(std::ostream& out, const StatusReport& report, const Settings& settings) {
    out << fmt::format("Database:   {}{}\n", require_url(settings).redacted(),
                       !report.database_exists ? " (does not exist yet)"
                       : !report.initialized   ? " (no state store yet: run 'migrate init' or 'migrate apply')"
                                               : "");
    out << fmt::format("Migrations: {}\n\n", settings.dir.string());
    if (report.entries.empty() && report.file_errors.empty()) {
        out << "No migrations yet: create one with 'migrate new NAME'.\n";
        return;
    }
    std::size_t name_width = 4;
    for (const StatusEntry& entry : report.entries) {
        name_width = std::max(name_width, entry.name.size());
    }
    std::size_t id_width = 2;
    for (const StatusEntry& entry : report.entries) {
        id_width = std::max(id_width, entry.id.size());
    }
    out << fmt::format("{:<{}}  {:<{}}  {:<10}  {:<11}  {}\n", "ID", id_width, "NAME", name_width, "PHASE", "STATUS",
                       "NOTE");
    for (const StatusEntry& entry : report.entries) {
        std::vector<std::string> notes;
        for (const Problem& problem : entry.problems) {
            notes.push_back(problem.kind == Problem::Kind::modified       ? "MODIFIED since applied"
                            : problem.kind == Problem::Kind::missing_file ? "FILE MISSING"
                                                                          : "OUT OF ORDER");
        }
        for (const BackfillProgress& progress : entry.backfills) {
            if (!progress.completed) {
                notes.push_back("backfill " + backfill_summary(progress) + " so far");
            }
        }
        for (const PartDone& part : entry.part_done) {
            notes.push_back(part_done_summary(part));
        }
        if (entry.last_failure) {
            notes.push_back(fmt::format("last {} {} FAILED at {}", entry.last_failure->phase,
                                        entry.last_failure->direction == "down" ? "rollback" : "run",
                                        short_time(entry.last_failure->occurred_at)));
        }
        if (entry.contract && entry.contract->state != "done" && entry.contract->state != "waiting") {
            notes.push_back(fmt::format("contract gate {}: {}", entry.contract->state, entry.contract->summary));
        }
        if (notes.empty() && !entry.applied.empty()) {
            auto latest = std::max_element(entry.applied.begin(), entry.applied.end(),
                                           [](const auto& a, const auto& b) { return a.second.seq < b.second.seq; });
            notes.push_back(fmt::format("{} at {} by {}", to_string(latest->first),
                                        short_time(latest->second.applied_at), latest->second.applied_by));
        }
        std::string note;
        for (const std::string& n : notes) {
            note += (note.empty() ? "" : "; ") + n;
        }
        out << fmt::format("{:<{}}  {:<{}}  {:<10}  {:<11}  {}\n", entry.id, id_width, entry.name, name_width,
                           to_string(entry.phase), entry.status, note);
    }
    if (!report.file_errors.empty()) {
        out << "\nUnreadable migration files:\n";
        for (const std::string& error : report.file_errors) {
            out << indent(error, "  ");
        }
    }
    if (!report.fleet.empty()) {
        // A summary per app; 'migrate fleet list' has every instance.
        out << "\nApp fleet:\n";
        for (std::size_t i = 0; i < report.fleet.size();) {
            const std::string& app = report.fleet[i].member.app;
            std::map<std::string, int> live_versions;
            int stale = 0;
            for (; i < report.fleet.size() && report.fleet[i].member.app == app; ++i) {
                if (report.fleet[i].live) {
                    ++live_versions[report.fleet[i].member.version];
                } else {
                    ++stale;
                }
            }
            std::string versions;
            for (const auto& [version, count] : live_versions) {
                versions += fmt::format("{}{} x{}", versions.empty() ? "" : ", ", version, count);
            }
            out << fmt::format("  {}: {}{}\n", app, versions.empty() ? "no live instance" : "live " + versions,
                               stale > 0 ? fmt::format(" ({} stale)", stale) : "");
        }
    }
    if (!report.problems.empty()) {
        out << "\nProblems:\n";
        for (const Problem& problem : report.problems) {
            out << "  " << problem.message << "\n";
            if (!problem.detail.empty()) {
                out << indent(problem.detail, "    ");
            }
        }
    }
    for (const StatusEntry& entry : report.entries) {
        if (entry.last_failure) {
            out << fmt::format("\n{}_{}: last failure ({} by {} on {}):\n{}", entry.id, entry.name,
                               short_time(entry.last_failure->occurred_at), entry.last_failure->run_by,
                               entry.last_failure->run_on, indent(entry.last_failure->detail, "  "));
        }
    }
}

nlohmann::json error_to_json(const std::exception& error) {
    nlohmann::json item = {{"message", error.what()}};
    if (const auto* e = dynamic_cast<const Error*>(&error)) {
        item["kind"] = to_string(e->kind());
        if (!e->code().empty()) {
            item["code"] = e->code();
        }
        if (!e->hint().empty()) {
            item["hint"] = e->hint();
        }
    }
    return item;
}

void TextRunObserver::print_header() {
    if (!m_header_printed) {
        m_out << m_header << "\n";
        m_header_printed = true;
    }
}

void TextRunObserver::phase_started(const PhaseRun& run) {
    print_header();
    m_open = true;
    m_sublines = false;
    m_backfills.clear();
    m_out << fmt::format("  {:<32} {:<9}{}", run.migration->label(), to_string(run.phase),
                         run.direction == Direction::down ? " rollback" : "")
          << std::flush;
}

void TextRunObserver::backfill(const PhaseRun& run, const Action& action, const BackfillEvent& event) {
    auto slot = static_cast<std::size_t>(action.step);
    if (m_backfills.size() <= slot) {
        m_backfills.resize(slot + 1);
    }
    m_backfills[slot] = event.progress;
    if (event.kind == BackfillEvent::Kind::started && m_progress.style() != ProgressStyle::none) {
        // The progress goes below the phase's line, on stderr.
        m_out << "\n" << std::flush;
        m_sublines = true;
    }
    m_progress.report(run, action, event);
}

void TextRunObserver::retrying(const PhaseRun* run, int attempt, int retries, Duration delay, const Error& error) {
    if (run == nullptr) {
        // Before any phase: reading the state store waits on the application too.
        print_header();
        m_out << "  waiting for the database:";
    }
    std::string code = error.code().empty() ? "" : fmt::format(" ({})", error.code());
    m_out << fmt::format("\n      ... {}{}; retry {}/{} in {}", first_line(error.what()), code, attempt, retries,
                         format_duration(delay))
          << std::flush;
    if (run == nullptr) {
        m_out << "\n";
        return;
    }
    m_sublines = true;
}

void TextRunObserver::note(const PhaseRun&, const std::string& message) {
    m_out << fmt::format("\n      ... {}", message) << std::flush;
    m_sublines = true;
}

void TextRunObserver::phase_failed() {
    m_progress.clear();
    if (m_open) {
        m_out << (m_sublines ? "\n      FAILED\n" : " FAILED\n") << std::flush;
        m_open = false;
    }
}

void TextRunObserver::phase_finished(const PhaseRun& run, Duration took) {
    m_progress.clear();
    m_open = false;
    std::string detail;
    for (const BackfillProgress& progress : m_backfills) {
        if (!progress.table.empty()) {
            detail += (detail.empty() ? " (" : "; ") + backfill_summary(progress);
        }
    }
    if (!detail.empty()) {
        detail += ")";
    }
    std::size_t skipped = static_cast<std::size_t>(
        std::count_if(run.actions.begin(), run.actions.end(), [](const Action& a) { return a.done; }));
    if (skipped > 0) {
        detail += fmt::format(" (resumed: {} step{} already done)", skipped, skipped == 1 ? "" : "s");
    }
    for (const Action& action : run.actions) {
        if (action.loses_data) {
            detail += fmt::format(" (step {}: structure restored, data not)", action.step + 1);
        }
    }
    if (run.actions.empty()) {
        detail += " (no steps)";
    }
    // After lines of progress, retries or notes, "done" goes on a line of its own.
    bool own_line = m_sublines && !(m_backfills.size() > 0 && m_progress.style() != ProgressStyle::none);
    m_out << fmt::format("{}done in {}{}\n",
                         own_line     ? "\n      "
                         : m_sublines ? "      "
                                      : " ",
                         format_duration(took), detail)
          << std::flush;
}

void JsonRunObserver::phase_started(const PhaseRun& run) {
    m_current = {{"migration", run.migration->id},     {"name", run.migration->name},
                 {"phase", to_string(run.phase)},      {"direction", to_string(run.direction)},
                 {"steps", run.actions.size()},        {"backfill", nlohmann::json::array()},
                 {"retries", nlohmann::json::array()}, {"notes", nlohmann::json::array()}};
}

void JsonRunObserver::backfill(const PhaseRun& run, const Action& action, const BackfillEvent& event) {
    auto& backfills = m_current["backfill"];
    auto slot = static_cast<std::size_t>(action.step);
    while (backfills.size() <= slot) {
        backfills.push_back(nullptr);
    }
    backfills[slot] = backfill_json(event.progress);
    m_progress.report(run, action, event);
}

void JsonRunObserver::retrying(const PhaseRun* run, int attempt, int, Duration delay, const Error& error) {
    nlohmann::json retry = {
        {"attempt", attempt}, {"delay_ms", delay.count()}, {"code", error.code()}, {"message", error.what()}};
    (run == nullptr ? m_waits : m_current["retries"]).push_back(std::move(retry));
}

void JsonRunObserver::note(const PhaseRun&, const std::string& message) {
    m_current["notes"].push_back(message);
}

void JsonRunObserver::phase_finished(const PhaseRun&, Duration took) {
    m_current["duration_ms"] = took.count();
    m_phases.push_back(std::move(m_current));
    m_current = nullptr;
}

nlohmann::json JsonRunObserver::document(const Settings& settings, const std::string& operation) const {
    return {{"version", json_format_version}, {"operation", operation}, {"database", require_url(settings).redacted()},
            {"dir", settings.dir.string()},   {"waits", m_waits},       {"phases", m_phases}};
}

}  // namespace migrate
