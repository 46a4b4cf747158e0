#include "cli/backfill_progress.hpp"

#include <cmath>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/clock.hpp"

namespace migrate {

namespace {

using Kind = BackfillEvent::Kind;

constexpr auto bar_interval = std::chrono::milliseconds(200);
constexpr auto log_interval = std::chrono::seconds(5);
constexpr auto json_interval = std::chrono::seconds(1);

const char* event_name(Kind kind) {
    switch (kind) {
        case Kind::started:
            return "start";
        case Kind::batch:
            return "progress";
        case Kind::waiting:
            return "throttle";
        case Kind::going:
            return "resume";
        case Kind::vacuumed:
            return "vacuum";
        case Kind::retrying:
            return "retry";
        case Kind::counting:
            return "count";
        case Kind::counted:
            return "counted";
        case Kind::finished:
            return "done";
    }
    return "progress";
}

// Share of the current pass walked, from the key count the run found at its start; nullopt when
// the table's size is unknown.
std::optional<double> fraction(const BackfillEvent& event) {
    if (event.progress.estimated_rows <= 0) {
        return std::nullopt;
    }
    return std::min(
        1.0, static_cast<double>(event.progress.rows_scanned) / static_cast<double>(event.progress.estimated_rows));
}

std::optional<Duration> eta(const BackfillEvent& event) {
    if (event.progress.estimated_rows <= 0 || event.keys_per_second <= 0) {
        return std::nullopt;
    }
    double left = std::max<double>(0, static_cast<double>(event.progress.estimated_rows - event.progress.rows_scanned));
    return Duration(static_cast<Duration::rep>(left / event.keys_per_second * 1000));
}

std::string eta_text(Duration left) {
    if (left < std::chrono::seconds(1)) {
        return "<1s";
    }
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(left));
}

std::string bytes(std::int64_t size) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double value = static_cast<double>(size);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} B", size) : fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace

std::string grouped(std::int64_t number) {
    std::string digits = std::to_string(number < 0 ? -number : number);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return number < 0 ? "-" + out : out;
}

ProgressStyle resolve_progress_style(ProgressStyle style, bool json_format, bool terminal) {
    if (style != ProgressStyle::automatic) {
        return style;
    }
    if (json_format) {
        return ProgressStyle::json;
    }
    return terminal ? ProgressStyle::bar : ProgressStyle::log;
}

void BackfillProgressReporter::clear() {
    if (m_bar_drawn) {
        m_out << "\r\x1b[K" << std::flush;
        m_bar_drawn = false;
    }
}

void BackfillProgressReporter::report(const PhaseRun& run, const Action& action, const BackfillEvent& event) {
    if (event.kind == Kind::waiting) {
        m_waiting = event.throttle;
    } else if (event.kind == Kind::going || event.kind == Kind::finished) {
        m_waiting.clear();
    }
    auto now = std::chrono::steady_clock::now();
    bool routine = event.kind == Kind::batch || event.kind == Kind::counting;
    switch (m_style) {
        case ProgressStyle::none:
        case ProgressStyle::automatic:
            return;
        case ProgressStyle::json:
            if (!routine || now - m_last >= json_interval) {
                m_last = now;
                write_json(run, action, event);
            }
            return;
        case ProgressStyle::log:
            if (event.kind == Kind::started) {
                write_log(run, event, "started");
            } else if (event.kind == Kind::waiting) {
                write_log(run, event, "waiting: " + event.throttle);
            } else if (event.kind == Kind::going) {
                write_log(run, event, fmt::format("going on after waiting {}", format_duration(event.waited)));
            } else if (event.kind == Kind::retrying || event.kind == Kind::vacuumed || event.kind == Kind::counted) {
                write_log(run, event, event.message);
            } else if (event.kind == Kind::finished) {
                write_log(run, event, "done");
            } else if (now - m_last >= log_interval) {
                write_log(run, event, event.kind == Kind::counting ? event.message : std::string());
            } else {
                return;
            }
            m_last = now;
            return;
        case ProgressStyle::bar:
            if (event.kind == Kind::retrying || event.kind == Kind::vacuumed) {
                clear();
                m_out << "      ... " << event.message << "\n";
            }
            if (event.kind == Kind::finished) {
                clear();
                return;
            }
            if (!routine || now - m_last >= bar_interval) {
                m_last = now;
                draw_bar(run, event);
            }
            return;
    }
}

void BackfillProgressReporter::draw_bar(const PhaseRun& run, const BackfillEvent& event) {
    constexpr int width = 24;
    auto drawn = [&](double done) {
        int filled = static_cast<int>(std::lround(done * width));
        return fmt::format("[{}{}] {:3.0f}%", std::string(static_cast<std::size_t>(filled), '#'),
                           std::string(static_cast<std::size_t>(width - filled), '-'), done * 100);
    };
    if (event.kind == Kind::counting || event.kind == Kind::counted) {
        std::string line =
            fmt::format("      {} {} counting rows left {}, {} found", run.migration->id, event.progress.table,
                        event.counted ? drawn(*event.counted) : std::string(), grouped(event.rows_left));
        if (!m_waiting.empty()) {
            line += ", waiting: " + m_waiting;
        }
        m_out << "\r\x1b[K" << line << std::flush;
        m_bar_drawn = true;
        return;
    }
    std::optional<double> done = fraction(event);
    std::string bar = done ? drawn(*done) : fmt::format("[{} batches]", grouped(event.progress.batches));
    std::string line =
        fmt::format("      {} {} {} {} rows, {}/s", run.migration->id, event.progress.table, bar,
                    grouped(event.progress.rows_updated), grouped(static_cast<std::int64_t>(event.rows_per_second)));
    if (auto left = eta(event); left && m_waiting.empty()) {
        line += fmt::format(", ETA {}", eta_text(*left));
    }
    line += fmt::format(", batch {}", grouped(event.batch_rows));
    if (!m_waiting.empty()) {
        line += ", waiting: " + m_waiting;
    } else if (!event.throttle.empty()) {
        line += ", slowed by " + event.throttle;
    }
    m_out << "\r\x1b[K" << line << std::flush;
    m_bar_drawn = true;
}

void BackfillProgressReporter::write_log(const PhaseRun& run, const BackfillEvent& event, const std::string& what) {
    std::string line =
        fmt::format("{} backfill {} {}: {} rows updated, {} keys walked", utc_timestamp(), run.migration->id,
                    event.progress.table, grouped(event.progress.rows_updated), grouped(event.progress.rows_scanned));
    if (auto done = fraction(event)) {
        line += fmt::format(" of ~{} ({:.0f}%)", grouped(event.progress.estimated_rows), *done * 100);
    }
    line += fmt::format(", {} rows/s, batch {}", grouped(static_cast<std::int64_t>(event.rows_per_second)),
                        grouped(event.batch_rows));
    if (auto left = eta(event); left && event.kind == Kind::batch) {
        line += fmt::format(", ETA {}", eta_text(*left));
    }
    if (event.kind == Kind::batch && !event.throttle.empty()) {
        line += ", slowed by " + event.throttle;
    }
    if (event.kind == Kind::started && event.size_before) {
        line += fmt::format(", table size {}", bytes(*event.size_before));
    }
    if ((event.kind == Kind::finished || event.kind == Kind::vacuumed) && event.size_after) {
        line += fmt::format(", table size {}", bytes(*event.size_after));
        if (event.size_before) {
            line += fmt::format(" (was {})", bytes(*event.size_before));
        }
    }
    if (!what.empty()) {
        line += "; " + what;
    }
    m_out << line << "\n" << std::flush;
}

void BackfillProgressReporter::write_json(const PhaseRun& run, const Action& action, const BackfillEvent& event) {
    const BackfillProgress& progress = event.progress;
    nlohmann::json line = {{"event", event_name(event.kind)},
                           {"time", utc_timestamp()},
                           {"migration", run.migration->id},
                           {"step", action.step + 1},
                           {"table", progress.table},
                           {"rows_updated", progress.rows_updated},
                           {"rows_scanned", progress.rows_scanned},
                           {"batches", progress.batches},
                           {"pass", progress.passes},
                           {"batch_size", event.batch_rows},
                           {"rows_per_second", std::llround(event.rows_per_second)},
                           {"elapsed_ms", event.elapsed.count()}};
    line["estimated_rows"] =
        progress.estimated_rows > 0 ? nlohmann::json(progress.estimated_rows) : nlohmann::json(nullptr);
    auto left = eta(event);
    line["eta_seconds"] = left ? nlohmann::json(left->count() / 1000) : nlohmann::json(nullptr);
    if (event.kind == Kind::batch) {
        line["batch_ms"] = event.batch_took.count();
        line["batch_rows_updated"] = event.batch_updated;
    }
    if (!event.throttle.empty()) {
        line["throttle"] = event.throttle;
    }
    if (event.kind == Kind::going || event.kind == Kind::retrying || event.kind == Kind::waiting) {
        line["waited_ms"] = event.waited.count();
    }
    if (event.kind == Kind::counting || event.kind == Kind::counted) {
        line["rows_left"] = event.rows_left;
        line["share_counted"] =
            event.counted ? nlohmann::json(std::round(*event.counted * 1000) / 1000) : nlohmann::json(nullptr);
        line["parts"] = event.parts;
    }
    if (!event.message.empty()) {
        line["message"] = event.message;
    }
    if (event.size_before) {
        line["table_bytes_before"] = *event.size_before;
    }
    if (event.size_after) {
        line["table_bytes_after"] = *event.size_after;
    }
    m_out << line.dump() << "\n" << std::flush;
}

}  // namespace migrate
