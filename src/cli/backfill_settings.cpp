#include "cli/backfill_settings.hpp"

#include <charconv>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

namespace {

constexpr std::string_view backfill_keys =
    "batch_size, batch_time, min_batch, max_batch, max_rows_per_second, sleep_ratio, replicas, max_replica_lag, "
    "max_load, critical_load, pause_file, vacuum_every, progress";

std::optional<ProgressStyle> parse_progress(std::string_view text) {
    if (text == "auto") {
        return ProgressStyle::automatic;
    }
    if (text == "bar") {
        return ProgressStyle::bar;
    }
    if (text == "log") {
        return ProgressStyle::log;
    }
    if (text == "json") {
        return ProgressStyle::json;
    }
    if (text == "none") {
        return ProgressStyle::none;
    }
    return std::nullopt;
}

std::optional<double> parse_ratio(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 100) {
        return std::nullopt;
    }
    return value;
}

Error file_error(const std::filesystem::path& path, const toml::node& node, const std::string& message) {
    return input_error(path.string(), static_cast<int>(node.source().begin.line),
                       static_cast<int>(node.source().begin.column), message);
}

}  // namespace

void add_backfill_options(CLI::App& command, BackfillCliOptions& options) {
    const char* group = "Backfill options";
    command
        .add_option("--batch-size", options.batch_size,
                    "Rows per backfill batch, fixed (default: adaptive, see --batch-time)")
        ->check(CLI::Range(1, max_batch_size))
        ->type_name("N")
        ->group(group);
    command
        .add_option("--batch-time", options.batch_time,
                    "Size each batch to take about this long, between --min-batch and --max-batch (default: 500ms)")
        ->type_name("DURATION")
        ->group(group);
    command.add_option("--min-batch", options.min_batch, "Smallest adaptive batch (default: 100)")
        ->check(CLI::Range(1, max_batch_size))
        ->type_name("N")
        ->group(group);
    command.add_option("--max-batch", options.max_batch, "Largest adaptive batch (default: 50000)")
        ->check(CLI::Range(1, max_batch_size))
        ->type_name("N")
        ->group(group);
    command
        .add_option("--max-rows-per-second", options.max_rows_per_second,
                    "Update at most this many rows per second (default: no limit)")
        ->check(CLI::PositiveNumber)
        ->type_name("N")
        ->group(group);
    command
        .add_option("--sleep-ratio", options.sleep_ratio,
                    "After each batch, sleep this fraction of its time: 1 halves the backfill's share (default: 0)")
        ->type_name("RATIO")
        ->group(group);
    command
        .add_option("--replica", options.replicas,
                    "Wait while this replica replays more than --max-replica-lag behind (repeatable)")
        ->type_name("URL")
        ->group(group);
    command.add_option("--max-replica-lag", options.max_replica_lag, "Replica lag to wait at (default: 1s)")
        ->type_name("DURATION")
        ->group(group);
    command
        .add_option("--max-load", options.max_load,
                    "Wait while the server runs this many statements or more besides the backfill (PostgreSQL "
                    "active backends, MySQL Threads_running; default: no limit)")
        ->check(CLI::PositiveNumber)
        ->type_name("N")
        ->group(group);
    command
        .add_option("--critical-load", options.critical_load,
                    "Stop the backfill (cursor saved, exit 1) when the server runs this many statements or more")
        ->check(CLI::PositiveNumber)
        ->type_name("N")
        ->group(group);
    command
        .add_option("--pause-file", options.pause_file,
                    "Wait while this file exists (also: 'migrate backfill pause' from any host)")
        ->type_name("PATH")
        ->group(group);
    command
        .add_option("--vacuum-every", options.vacuum_every,
                    "PostgreSQL: VACUUM the table every N batches, so the dead rows of earlier batches are reused")
        ->check(CLI::PositiveNumber)
        ->type_name("N")
        ->group(group);
    command
        .add_option("--progress", options.progress,
                    "Backfill progress on stderr: bar (a terminal), log (a line every 5s), json (one event per "
                    "line), none; default auto: bar on a terminal, log otherwise, json with --format json")
        ->type_name("auto|bar|log|json|none")
        ->group(group);
}

BackfillFileSettings read_backfill_table(const std::filesystem::path& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
        throw file_error(path, node, "'backfill' must be a table: write [backfill]");
    }
    BackfillFileSettings file;
    for (auto&& [key, value] : *table) {
        std::string name(key.str());
        std::string qualified = "backfill." + name;
        auto integer = [&, &value = value](std::int64_t low, std::int64_t high) {
            if (!value.is_integer() || value.as_integer()->get() < low || value.as_integer()->get() > high) {
                throw file_error(path, value,
                                 fmt::format("'{}' must be an integer from {} to {}", qualified, low, high));
            }
            return value.as_integer()->get();
        };
        auto text = [&, &value = value]() {
            if (!value.is_string()) {
                throw file_error(path, value, fmt::format("'{}' must be a string", qualified));
            }
            return value.as_string()->get();
        };
        auto duration = [&, &value = value]() {
            std::string given = text();
            try {
                return parse_duration(given, qualified);
            } catch (const Error& e) {
                throw file_error(path, value, e.what());
            }
        };
        if (name == "batch_size") {
            file.batch_size = static_cast<int>(integer(1, max_batch_size));
        } else if (name == "batch_time") {
            file.batch_time = duration();
        } else if (name == "min_batch") {
            file.min_batch = static_cast<int>(integer(1, max_batch_size));
        } else if (name == "max_batch") {
            file.max_batch = static_cast<int>(integer(1, max_batch_size));
        } else if (name == "max_rows_per_second") {
            file.max_rows_per_second = integer(1, std::numeric_limits<std::int64_t>::max());
        } else if (name == "sleep_ratio") {
            std::optional<double> ratio;
            if (value.is_floating_point() || value.is_integer()) {
                double given = value.is_integer() ? static_cast<double>(value.as_integer()->get())
                                                  : value.as_floating_point()->get();
                if (given >= 0 && given <= 100) {
                    ratio = given;
                }
            }
            if (!ratio) {
                throw file_error(path, value, "'backfill.sleep_ratio' must be a number from 0 to 100");
            }
            file.sleep_ratio = ratio;
        } else if (name == "replicas") {
            const toml::array* array = value.as_array();
            if (array == nullptr) {
                throw file_error(path, value, "'backfill.replicas' must be an array of database URLs");
            }
            for (const toml::node& element : *array) {
                if (!element.is_string()) {
                    throw file_error(path, element, "'backfill.replicas' must be an array of database URLs");
                }
                file.replicas.push_back(element.as_string()->get());
            }
        } else if (name == "max_replica_lag") {
            file.max_replica_lag = duration();
        } else if (name == "max_load") {
            file.max_load = integer(1, std::numeric_limits<std::int64_t>::max());
        } else if (name == "critical_load") {
            file.critical_load = integer(1, std::numeric_limits<std::int64_t>::max());
        } else if (name == "pause_file") {
            std::filesystem::path given = text();
            file.pause_file = (given.is_absolute() ? given : path.parent_path() / given).string();
        } else if (name == "vacuum_every") {
            file.vacuum_every = static_cast<int>(integer(1, std::numeric_limits<int>::max()));
        } else if (name == "progress") {
            file.progress = parse_progress(text());
            if (!file.progress) {
                throw file_error(path, value,
                                 "'backfill.progress' must be \"auto\", \"bar\", \"log\", \"json\" or \"none\"");
            }
        } else {
            throw file_error(path, value, fmt::format("unknown key 'backfill.{}' (allowed: {})", name, backfill_keys));
        }
    }
    return file;
}

BackfillSettings resolve_backfill(const BackfillFileSettings& file, const BackfillCliOptions* cli) {
    BackfillCliOptions none;
    const BackfillCliOptions& given = cli ? *cli : none;
    BackfillSettings settings;
    BackfillOptions& options = settings.options;
    BatchSizing& batch = options.batch;

    auto pick = [](auto from_cli, bool on_cli, const auto& from_file, auto fallback) {
        if (on_cli) {
            return from_cli;
        }
        return from_file ? *from_file : fallback;
    };
    batch.fixed = pick(given.batch_size, given.batch_size > 0, file.batch_size, 0);
    batch.target = given.batch_time.empty() ? file.batch_time.value_or(batch.target)
                                            : parse_duration(given.batch_time, "--batch-time");
    if (batch.target <= Duration::zero()) {
        throw Error(ErrorKind::usage, "--batch-time must be longer than zero");
    }
    batch.min = pick(given.min_batch, given.min_batch > 0, file.min_batch, batch.min);
    batch.max = pick(given.max_batch, given.max_batch > 0, file.max_batch, batch.max);
    if (batch.min > batch.max) {
        throw Error(ErrorKind::usage,
                    fmt::format("--min-batch ({}) is larger than --max-batch ({})", batch.min, batch.max));
    }
    options.max_rows_per_second =
        pick(given.max_rows_per_second, given.max_rows_per_second > 0, file.max_rows_per_second, std::int64_t{0});
    if (!given.sleep_ratio.empty()) {
        std::optional<double> ratio = parse_ratio(given.sleep_ratio);
        if (!ratio) {
            throw Error(ErrorKind::usage,
                        fmt::format("--sleep-ratio: '{}' is not a number from 0 to 100", given.sleep_ratio));
        }
        options.sleep_ratio = *ratio;
    } else {
        options.sleep_ratio = file.sleep_ratio.value_or(0);
    }
    for (const std::string& replica : given.replicas.empty() ? file.replicas : given.replicas) {
        options.replicas.push_back(parse_database_url(replica));
    }
    options.max_replica_lag = given.max_replica_lag.empty()
                                  ? file.max_replica_lag.value_or(options.max_replica_lag)
                                  : parse_duration(given.max_replica_lag, "--max-replica-lag");
    if (given.max_load > 0 || file.max_load) {
        options.max_load = given.max_load > 0 ? given.max_load : *file.max_load;
    }
    if (given.critical_load > 0 || file.critical_load) {
        options.critical_load = given.critical_load > 0 ? given.critical_load : *file.critical_load;
    }
    if (options.max_load && options.critical_load && *options.critical_load <= *options.max_load) {
        throw Error(ErrorKind::usage, fmt::format("--critical-load ({}) must be above --max-load ({}): the backfill "
                                                  "waits at the one and stops at the other",
                                                  *options.critical_load, *options.max_load));
    }
    if (!given.pause_file.empty()) {
        options.pause_file = given.pause_file;
    } else if (file.pause_file) {
        options.pause_file = *file.pause_file;
    }
    options.vacuum_every = pick(given.vacuum_every, given.vacuum_every > 0, file.vacuum_every, 0);
    if (!given.progress.empty()) {
        std::optional<ProgressStyle> style = parse_progress(given.progress);
        if (!style) {
            throw Error(ErrorKind::usage,
                        fmt::format("--progress: '{}' is not auto, bar, log, json or none", given.progress));
        }
        settings.progress = *style;
    } else {
        settings.progress = file.progress.value_or(ProgressStyle::automatic);
    }
    return settings;
}

void check_backfill_options(const BackfillOptions& options, const Dialect& dialect) {
    if (options.vacuum_every > 0 && !dialect.can_vacuum()) {
        throw Error(ErrorKind::usage, fmt::format("--vacuum-every is for PostgreSQL; {} has no VACUUM to run between "
                                                  "batches",
                                                  dialect.name()));
    }
    bool watches = !options.replicas.empty() || options.max_load || options.critical_load;
    if (watches && !dialect.can_watch_replicas_and_load()) {
        throw Error(ErrorKind::usage,
                    fmt::format("--replica, --max-load and --critical-load watch a database server; {} has neither "
                                "replicas nor a load to read",
                                dialect.name()));
    }
    for (const DatabaseUrl& replica : options.replicas) {
        if (make_dialect(replica)->name() != dialect.name()) {
            throw Error(ErrorKind::usage, fmt::format("--replica {} is not a {} database like the target",
                                                      replica.redacted(), dialect.name()));
        }
    }
}

std::string describe_batching(const BatchSizing& sizing) {
    if (sizing.fixed > 0) {
        return fmt::format("{} rows per batch", sizing.fixed);
    }
    return fmt::format("batches sized to take {} each ({} to {} rows)", format_duration(sizing.target), sizing.min,
                       sizing.max);
}

}  // namespace migrate
