// The backfill's knobs: batch sizing, throttles, pacing and progress output, from `migrate apply`'s
// options and the [backfill] table of migrate.toml (options win), with their checks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "backfill/keyset_backfill.hpp"

namespace migrate {

inline constexpr int max_batch_size = 1'000'000;

// How a running backfill reports progress: a redrawn bar (terminal), a line every few seconds
// (logs), one JSON object per line (pipelines), or nothing.
enum class ProgressStyle { automatic, bar, log, json, none };

// Raw values as given on apply's command line; empty or zero means "not given".
struct BackfillCliOptions {
    int batch_size = 0;
    std::string batch_time;
    int min_batch = 0;
    int max_batch = 0;
    std::int64_t max_rows_per_second = 0;
    std::string sleep_ratio;
    std::vector<std::string> replicas;
    std::string max_replica_lag;
    std::int64_t max_load = 0;
    std::int64_t critical_load = 0;
    std::string pause_file;
    int vacuum_every = 0;
    std::string progress;
};

void add_backfill_options(CLI::App& command, BackfillCliOptions& options);

// The [backfill] table, checked value by value so that errors name their line.
struct BackfillFileSettings {
    std::optional<int> batch_size;
    std::optional<Duration> batch_time;
    std::optional<int> min_batch;
    std::optional<int> max_batch;
    std::optional<std::int64_t> max_rows_per_second;
    std::optional<double> sleep_ratio;
    std::vector<std::string> replicas;
    std::optional<Duration> max_replica_lag;
    std::optional<std::int64_t> max_load;
    std::optional<std::int64_t> critical_load;
    std::optional<std::string> pause_file;  // relative to the config file
    std::optional<int> vacuum_every;
    std::optional<ProgressStyle> progress;
};

BackfillFileSettings read_backfill_table(const std::filesystem::path& path, const toml::node& node);

struct BackfillSettings {
    BackfillOptions options;
    ProgressStyle progress = ProgressStyle::automatic;
};

// Defaults, then the file, then the command line (when given). Throws Error(usage) naming the
// option for values that do not fit together (--min-batch above --max-batch, ...).
BackfillSettings resolve_backfill(const BackfillFileSettings& file, const BackfillCliOptions* cli);

// Refuses, before anything runs, the options `dialect` cannot honour (VACUUM, replicas and load
// on SQLite) and replicas of another kind of database.
void check_backfill_options(const BackfillOptions& options, const Dialect& dialect);

// "adaptive, 0.5s per batch, 100 to 50000 rows" or "1000 rows per batch", for plans.
std::string describe_batching(const BatchSizing& sizing);

}  // namespace migrate
