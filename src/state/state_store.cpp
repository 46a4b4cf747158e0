#include "state/state_store.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/clock.hpp"
#include "support/error.hpp"

namespace migrate {

namespace {

std::string encode_key(const Row& key) {
    return key_to_json(key).dump();
}

Row decode_key(const std::string& text) {
    Row key;
    if (text.empty()) {
        return key;
    }
    nlohmann::json array = nlohmann::json::parse(text, nullptr, false);
    if (!array.is_array()) {
        throw Error(ErrorKind::state, fmt::format("state store holds an unreadable backfill cursor '{}'", text));
    }
    for (const auto& element : array) {
        if (element.is_number_integer()) {
            key.emplace_back(element.get<std::int64_t>());
        } else if (element.is_number()) {
            key.emplace_back(element.get<double>());
        } else if (element.is_string()) {
            key.emplace_back(element.get<std::string>());
        } else {
            key.emplace_back(nullptr);
        }
    }
    return key;
}

// The columns of a backfills row, in the order read_backfill_columns reads them; layout 1 had only
// the first eight.
constexpr const char* backfill_columns_v1 =
    "table_name, last_key, rows_updated, batches, passes, started_at, updated_at, completed";
constexpr const char* backfill_columns =
    "table_name, last_key, rows_updated, batches, passes, started_at, updated_at, completed, rows_scanned, "
    "estimated_rows, batch_size, rows_per_second, run_state, throttle, runner";

// Columns layout 2 added to backfills, with their role.
struct AddedColumn {
    const char* name;
    StateColumn type;
};
constexpr AddedColumn backfill_columns_v2[] = {
    {"rows_scanned", StateColumn::integer}, {"estimated_rows", StateColumn::integer},
    {"batch_size", StateColumn::integer},   {"rows_per_second", StateColumn::integer},
    {"run_state", StateColumn::text},       {"throttle", StateColumn::text},
    {"runner", StateColumn::text},
};

void read_backfill_columns(const Row& row, std::size_t first, BackfillProgress& progress) {
    progress.table = value_to_string(row[first]);
    progress.last_key = decode_key(value_to_string(row[first + 1]));
    progress.rows_updated = value_to_int(row[first + 2]);
    progress.batches = value_to_int(row[first + 3]);
    progress.passes = value_to_int(row[first + 4]);
    progress.started_at = value_to_string(row[first + 5]);
    progress.updated_at = value_to_string(row[first + 6]);
    progress.completed = value_to_int(row[first + 7]) != 0;
    if (row.size() < first + 15) {
        return;
    }
    progress.rows_scanned = value_to_int(row[first + 8]);
    progress.estimated_rows = value_to_int(row[first + 9]);
    progress.batch_size = value_to_int(row[first + 10]);
    progress.rows_per_second = value_to_int(row[first + 11]);
    progress.run_state = value_to_string(row[first + 12]);
    progress.throttle = value_to_string(row[first + 13]);
    progress.runner = value_to_string(row[first + 14]);
}

Value optional_text(const std::string& text) {
    return text.empty() ? Value(nullptr) : Value(text);
}

Value cursor_value(const BackfillProgress& progress) {
    return progress.last_key.empty() ? Value(nullptr) : Value(encode_key(progress.last_key));
}

}  // namespace

nlohmann::json key_to_json(const Row& key) {
    nlohmann::json array = nlohmann::json::array();
    for (const Value& value : key) {
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    array.push_back(nullptr);
                } else {
                    array.push_back(v);
                }
            },
            value);
    }
    return array;
}

std::string StateStore::bind(std::string sql, std::size_t first) const {
    std::string out;
    std::size_t n = first;
    for (char c : sql) {
        if (c == '?') {
            out += m_dialect.placeholder(n++);
        } else {
            out += c;
        }
    }
    return out;
}

bool StateStore::initialized() {
    return m_dialect.state_table_exists(m_connection, "meta") &&
           m_dialect.state_table_exists(m_connection, "migrations");
}

void StateStore::initialize() {
    std::string key = m_dialect.state_column_type(StateColumn::key);
    std::string text = m_dialect.state_column_type(StateColumn::text);
    std::string integer = m_dialect.state_column_type(StateColumn::integer);
    std::vector<std::string> ddl = {
        fmt::format("CREATE TABLE IF NOT EXISTS {} (name {} PRIMARY KEY, value {} NOT NULL)", table("meta"), key, text),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (id {k} PRIMARY KEY, name {t} NOT NULL, checksum {t} NOT NULL, "
                    "source_text {t} NOT NULL, phase {t} NOT NULL, status {t} NOT NULL, updated_at {t} NOT NULL)",
                    table("migrations"), fmt::arg("k", key), fmt::arg("t", text)),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (migration_id {k} NOT NULL, phase {k} NOT NULL, seq {i} NOT NULL, "
                    "applied_at {t} NOT NULL, applied_by {t} NOT NULL, PRIMARY KEY (migration_id, phase))",
                    table("phases"), fmt::arg("k", key), fmt::arg("t", text), fmt::arg("i", integer)),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (migration_id {k} NOT NULL, phase {k} NOT NULL, "
                    "direction {k} NOT NULL, step {i} NOT NULL, completed_at {t} NOT NULL, "
                    "PRIMARY KEY (migration_id, phase, direction, step))",
                    table("steps"), fmt::arg("k", key), fmt::arg("t", text), fmt::arg("i", integer)),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (migration_id {k} NOT NULL, step {i} NOT NULL, "
                    "table_name {t} NOT NULL, last_key {t}, rows_updated {i} NOT NULL, batches {i} NOT NULL, "
                    "passes {i} NOT NULL, started_at {t} NOT NULL, updated_at {t} NOT NULL, completed {i} NOT NULL, "
                    "rows_scanned {i} NOT NULL DEFAULT 0, estimated_rows {i} NOT NULL DEFAULT 0, "
                    "batch_size {i} NOT NULL DEFAULT 0, rows_per_second {i} NOT NULL DEFAULT 0, run_state {t}, "
                    "throttle {t}, runner {t}, PRIMARY KEY (migration_id, step))",
                    table("backfills"), fmt::arg("k", key), fmt::arg("t", text), fmt::arg("i", integer)),
        fmt::format(
            "CREATE TABLE IF NOT EXISTS {} (seq {i} PRIMARY KEY, occurred_at {t} NOT NULL, run_by {t} NOT NULL, "
            "run_on {t} NOT NULL, command {t} NOT NULL, migration_id {t}, phase {t}, direction {t}, "
            "outcome {t} NOT NULL, detail {t})",
            table("events"), fmt::arg("t", text), fmt::arg("i", integer)),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (scope {k} PRIMARY KEY, paused_by {t} NOT NULL, "
                    "paused_at {t} NOT NULL, reason {t})",
                    table("backfill_pauses"), fmt::arg("k", key), fmt::arg("t", text)),
        fmt::format("CREATE TABLE IF NOT EXISTS {} (app {k} NOT NULL, instance {k} NOT NULL, version {t} NOT NULL, "
                    "ttl_seconds {i} NOT NULL, first_seen {i} NOT NULL, last_seen {i} NOT NULL, "
                    "PRIMARY KEY (app, instance))",
                    table("fleet"), fmt::arg("k", key), fmt::arg("t", text), fmt::arg("i", integer)),
    };
    m_connection.begin();
    try {
        m_dialect.create_state_namespace(m_connection);
        for (const std::string& statement : ddl) {
            m_connection.execute(statement);
        }
        QueryResult version =
            m_connection.query(fmt::format("SELECT value FROM {} WHERE name = 'schema_version'", table("meta")));
        if (version.rows.empty()) {
            m_connection.execute(
                bind(fmt::format("INSERT INTO {} (name, value) VALUES ('schema_version', ?)", table("meta"))),
                {std::to_string(schema_version)});
        } else if (value_to_int(version.rows[0][0]) > schema_version) {
            throw Error(ErrorKind::state,
                        fmt::format("the state store was written by a newer migrate (layout {}, this build reads {})",
                                    value_to_string(version.rows[0][0]), schema_version),
                        {}, "upgrade migrate");
        } else if (value_to_int(version.rows[0][0]) < schema_version) {
            upgrade();
        }
        m_connection.commit();
    } catch (...) {
        m_connection.rollback();
        throw;
    }
}

void StateStore::upgrade() {
    // MySQL commits each ALTER on its own, so a run that died half-way left some columns added:
    // only the missing ones are.
    QueryResult existing = m_connection.query(fmt::format("SELECT * FROM {} WHERE 1 = 0", table("backfills")));
    for (const AddedColumn& column : backfill_columns_v2) {
        if (std::find(existing.columns.begin(), existing.columns.end(), column.name) != existing.columns.end()) {
            continue;
        }
        std::string type = m_dialect.state_column_type(column.type);
        m_connection.execute(fmt::format("ALTER TABLE {} ADD COLUMN {} {}{}", table("backfills"), column.name, type,
                                         column.type == StateColumn::integer ? " NOT NULL DEFAULT 0" : ""));
    }
    m_connection.execute(bind(fmt::format("UPDATE {} SET value = ? WHERE name = 'schema_version'", table("meta"))),
                         {std::to_string(schema_version)});
}

int StateStore::layout() {
    QueryResult version =
        m_connection.query(fmt::format("SELECT value FROM {} WHERE name = 'schema_version'", table("meta")));
    return version.rows.empty() ? 0 : static_cast<int>(value_to_int(version.rows[0][0]));
}

StateSnapshot StateStore::load() {
    StateSnapshot snapshot;
    if (!initialized()) {
        return snapshot;
    }
    snapshot.initialized = true;
    QueryResult version =
        m_connection.query(fmt::format("SELECT value FROM {} WHERE name = 'schema_version'", table("meta")));
    if (!version.rows.empty() && value_to_int(version.rows[0][0]) > schema_version) {
        throw Error(ErrorKind::state,
                    fmt::format("the state store was written by a newer migrate (layout {}, this build reads {})",
                                value_to_string(version.rows[0][0]), schema_version),
                    {}, "upgrade migrate");
    }
    QueryResult migrations = m_connection.query(fmt::format(
        "SELECT id, name, checksum, source_text, phase, status, updated_at FROM {} ORDER BY id", table("migrations")));
    for (const Row& row : migrations.rows) {
        MigrationRecord record;
        record.id = value_to_string(row[0]);
        record.name = value_to_string(row[1]);
        record.checksum = value_to_string(row[2]);
        record.source = value_to_string(row[3]);
        auto phase = parse_phase_state(value_to_string(row[4]));
        if (!phase) {
            throw Error(ErrorKind::state, fmt::format("state store: migration {} has unknown phase '{}'", record.id,
                                                      value_to_string(row[4])));
        }
        record.phase = *phase;
        record.status = value_to_string(row[5]);
        record.updated_at = value_to_string(row[6]);
        snapshot.migrations.emplace(record.id, std::move(record));
    }
    QueryResult phases = m_connection.query(
        fmt::format("SELECT migration_id, phase, seq, applied_at, applied_by FROM {}", table("phases")));
    for (const Row& row : phases.rows) {
        auto it = snapshot.migrations.find(value_to_string(row[0]));
        auto phase = parse_phase(value_to_string(row[1]));
        if (it == snapshot.migrations.end() || !phase) {
            continue;
        }
        it->second.phases[*phase] = PhaseRecord{value_to_int(row[2]), value_to_string(row[3]), value_to_string(row[4])};
    }
    // plan and status read an older store as it is; the next write command upgrades it.
    bool live_columns = !version.rows.empty() && value_to_int(version.rows[0][0]) >= 2;
    QueryResult backfills =
        m_connection.query(fmt::format("SELECT migration_id, step, {} FROM {}",
                                       live_columns ? backfill_columns : backfill_columns_v1, table("backfills")));
    for (const Row& row : backfills.rows) {
        BackfillProgress progress;
        progress.migration_id = value_to_string(row[0]);
        progress.step = static_cast<int>(value_to_int(row[1]));
        read_backfill_columns(row, 2, progress);
        snapshot.backfills.emplace(std::make_pair(progress.migration_id, progress.step), std::move(progress));
    }
    if (live_columns) {
        snapshot.pauses = backfill_pauses();
    }
    if (!version.rows.empty() && value_to_int(version.rows[0][0]) >= fleet_layout) {
        snapshot.fleet = fleet();
    }
    QueryResult steps = m_connection.query(
        fmt::format("SELECT migration_id, phase, direction, step FROM {} ORDER BY step", table("steps")));
    for (const Row& row : steps.rows) {
        auto phase = parse_phase(value_to_string(row[1]));
        if (!phase) {
            continue;
        }
        Direction direction = value_to_string(row[2]) == "down" ? Direction::down : Direction::up;
        snapshot.completed_steps[{value_to_string(row[0]), *phase, direction}].push_back(
            static_cast<int>(value_to_int(row[3])));
    }
    QueryResult last = m_connection.query(fmt::format(
        "SELECT e.seq, e.occurred_at, e.run_by, e.run_on, e.command, e.migration_id, e.phase, e.direction, e.outcome, "
        "e.detail FROM {0} e WHERE e.seq = (SELECT MAX(seq) FROM {0} x WHERE x.migration_id = e.migration_id)",
        table("events")));
    for (const Row& row : last.rows) {
        Event event{value_to_int(row[0]),    value_to_string(row[1]), value_to_string(row[2]), value_to_string(row[3]),
                    value_to_string(row[4]), value_to_string(row[5]), value_to_string(row[6]), value_to_string(row[7]),
                    value_to_string(row[8]), value_to_string(row[9])};
        snapshot.last_event.emplace(event.migration_id, std::move(event));
    }
    return snapshot;
}

std::int64_t StateStore::next_phase_seq() {
    QueryResult result = m_connection.query(fmt::format("SELECT COALESCE(MAX(seq), 0) FROM {}", table("phases")));
    return value_to_int(result.rows.at(0).at(0)) + 1;
}

void StateStore::upsert_migration(const Migration& migration, PhaseState phase, const std::string& status) {
    std::string now = utc_timestamp();
    std::int64_t changed = m_connection.execute(
        bind(fmt::format("UPDATE {} SET phase = ?, status = ?, updated_at = ? WHERE id = ?", table("migrations"))),
        {std::string(to_string(phase)), status, now, migration.id});
    if (changed == 0) {
        m_connection.execute(
            bind(fmt::format("INSERT INTO {} (id, name, checksum, source_text, phase, status, updated_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             table("migrations"))),
            {migration.id, migration.name, migration.checksum, migration.source, std::string(to_string(phase)), status,
             now});
    }
}

void StateStore::record_phase_applied(const Migration& migration, Phase phase, std::int64_t seq,
                                      const std::string& run_by) {
    upsert_migration(migration, state_after(phase), "ok");
    m_connection.execute(bind(fmt::format("INSERT INTO {} (migration_id, phase, seq, applied_at, applied_by) "
                                          "VALUES (?, ?, ?, ?, ?)",
                                          table("phases"))),
                         {migration.id, std::string(to_string(phase)), seq, utc_timestamp(), run_by});
}

void StateStore::record_phase_rolled_back(const Migration& migration, Phase phase) {
    m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE migration_id = ? AND phase = ?", table("phases"))),
                         {migration.id, std::string(to_string(phase))});
    clear_steps(migration, phase);
    if (phase == Phase::expand) {
        // Back to pending: the migration is forgotten, so its file may be edited again.
        m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE id = ?", table("migrations"))), {migration.id});
        return;
    }
    PhaseState previous = phase == Phase::contract ? PhaseState::backfilled : PhaseState::expanded;
    upsert_migration(migration, previous, "ok");
}

std::optional<std::string> StateStore::mark_in_progress(const Migration& migration, PhaseState current) {
    QueryResult before = m_connection.query(
        bind(fmt::format("SELECT status FROM {} WHERE id = ?", table("migrations"))), {migration.id});
    upsert_migration(migration, current, "in_progress");
    return before.rows.empty() ? std::nullopt : std::optional<std::string>(value_to_string(before.rows[0][0]));
}

void StateStore::undo_in_progress(const Migration& migration, const std::optional<std::string>& previous_status) {
    if (!previous_status) {
        m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE id = ?", table("migrations"))), {migration.id});
        return;
    }
    m_connection.execute(bind(fmt::format("UPDATE {} SET status = ? WHERE id = ?", table("migrations"))),
                         {*previous_status, migration.id});
}

std::vector<int> StateStore::completed_steps(const Migration& migration, Phase phase, Direction direction) {
    QueryResult result = m_connection.query(
        bind(fmt::format("SELECT step FROM {} WHERE migration_id = ? AND phase = ? AND direction = ? ORDER BY step",
                         table("steps"))),
        {migration.id, std::string(to_string(phase)), std::string(to_string(direction))});
    std::vector<int> steps;
    for (const Row& row : result.rows) {
        steps.push_back(static_cast<int>(value_to_int(row[0])));
    }
    return steps;
}

void StateStore::record_step_done(const Migration& migration, Phase phase, Direction direction, int step) {
    m_connection.execute(bind(fmt::format("INSERT INTO {} (migration_id, phase, direction, step, completed_at) "
                                          "VALUES (?, ?, ?, ?, ?)",
                                          table("steps"))),
                         {migration.id, std::string(to_string(phase)), std::string(to_string(direction)),
                          std::int64_t{step}, utc_timestamp()});
}

void StateStore::clear_steps(const Migration& migration, Phase phase) {
    m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE migration_id = ? AND phase = ?", table("steps"))),
                         {migration.id, std::string(to_string(phase))});
}

std::optional<BackfillProgress> StateStore::backfill_progress(const Migration& migration, int step) {
    QueryResult result = m_connection.query(bind(fmt::format("SELECT {} FROM {} WHERE migration_id = ? AND step = ?",
                                                             backfill_columns, table("backfills"))),
                                            {migration.id, std::int64_t{step}});
    if (result.rows.empty()) {
        return std::nullopt;
    }
    const Row& row = result.rows[0];
    BackfillProgress progress;
    progress.migration_id = migration.id;
    progress.step = step;
    read_backfill_columns(row, 0, progress);
    return progress;
}

std::string StateStore::backfill_update_sql(const BackfillProgress& progress, std::vector<Value>& params,
                                            std::string_view rows_updated) const {
    std::string sql =
        bind(fmt::format("UPDATE {} SET last_key = ?, rows_updated = {}, batches = ?, passes = ?, updated_at = ?, "
                         "completed = ?, rows_scanned = ?, estimated_rows = ?, batch_size = ?, rows_per_second = ?, "
                         "run_state = ?, throttle = ?, runner = ? WHERE migration_id = ? AND step = ?",
                         table("backfills"), rows_updated.empty() ? "?" : rows_updated),
             params.size() + 1);
    params.push_back(cursor_value(progress));
    if (rows_updated.empty()) {
        params.emplace_back(progress.rows_updated);
    }
    params.insert(params.end(),
                  {progress.batches, progress.passes, utc_timestamp(), std::int64_t{progress.completed ? 1 : 0},
                   progress.rows_scanned, progress.estimated_rows, progress.batch_size, progress.rows_per_second,
                   optional_text(progress.run_state), optional_text(progress.throttle), optional_text(progress.runner),
                   progress.migration_id, std::int64_t{progress.step}});
    return sql;
}

void StateStore::save_backfill(const BackfillProgress& progress) {
    std::vector<Value> params;
    std::string update = backfill_update_sql(progress, params);
    if (m_connection.execute(update, params) == 0) {
        std::string now = utc_timestamp();
        m_connection.execute(
            bind(fmt::format("INSERT INTO {} (migration_id, step, table_name, last_key, rows_updated, batches, passes, "
                             "started_at, updated_at, completed, rows_scanned, estimated_rows, batch_size, "
                             "rows_per_second, run_state, throttle, runner) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             table("backfills"))),
            {progress.migration_id, std::int64_t{progress.step}, progress.table, cursor_value(progress),
             progress.rows_updated, progress.batches, progress.passes, now, now,
             std::int64_t{progress.completed ? 1 : 0}, progress.rows_scanned, progress.estimated_rows,
             progress.batch_size, progress.rows_per_second, optional_text(progress.run_state),
             optional_text(progress.throttle), optional_text(progress.runner)});
    }
}

void StateStore::delete_backfills(const Migration& migration) {
    m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE migration_id = ?", table("backfills"))),
                         {migration.id});
}

std::vector<BackfillPause> StateStore::backfill_pauses() {
    QueryResult result = m_connection.query(
        fmt::format("SELECT scope, paused_by, paused_at, reason FROM {} ORDER BY scope", table("backfill_pauses")));
    std::vector<BackfillPause> pauses;
    for (const Row& row : result.rows) {
        pauses.push_back(
            {value_to_string(row[0]), value_to_string(row[1]), value_to_string(row[2]), value_to_string(row[3])});
    }
    return pauses;
}

void StateStore::pause_backfills(const BackfillPause& pause) {
    Value reason = pause.reason.empty() ? Value(nullptr) : Value(pause.reason);
    std::int64_t changed =
        m_connection.execute(bind(fmt::format("UPDATE {} SET paused_by = ?, paused_at = ?, reason = ? WHERE scope = ?",
                                              table("backfill_pauses"))),
                             {pause.paused_by, pause.paused_at, reason, pause.scope});
    if (changed == 0) {
        m_connection.execute(
            bind(fmt::format("INSERT INTO {} (scope, paused_by, paused_at, reason) VALUES (?, ?, ?, ?)",
                             table("backfill_pauses"))),
            {pause.scope, pause.paused_by, pause.paused_at, reason});
    }
}

std::int64_t StateStore::resume_backfills(const std::string& scope) {
    if (scope.empty()) {
        return m_connection.execute(fmt::format("DELETE FROM {}", table("backfill_pauses")));
    }
    return m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE scope = ?", table("backfill_pauses"))), {scope});
}

void StateStore::append_event(Event event) {
    QueryResult next = m_connection.query(fmt::format("SELECT COALESCE(MAX(seq), 0) + 1 FROM {}", table("events")));
    event.seq = value_to_int(next.rows.at(0).at(0));
    if (event.occurred_at.empty()) {
        event.occurred_at = utc_timestamp();
    }
    m_connection.execute(
        bind(fmt::format("INSERT INTO {} (seq, occurred_at, run_by, run_on, command, migration_id, phase, "
                         "direction, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         table("events"))),
        {event.seq, event.occurred_at, event.run_by, event.run_on, event.command, optional_text(event.migration_id),
         optional_text(event.phase), optional_text(event.direction), event.outcome, optional_text(event.detail)});
}

std::string fleet_heartbeat_sql(const Dialect& dialect) {
    std::string now = dialect.epoch_now_sql();
    return dialect.upsert_sql(
        dialect.state_table("fleet"), {"app", "instance", "version", "ttl_seconds", "first_seen", "last_seen"},
        {dialect.placeholder(1), dialect.placeholder(2), dialect.placeholder(3), dialect.placeholder(4), now, now},
        {"app", "instance"}, {"version", "ttl_seconds", "last_seen"});
}

std::optional<std::string> StateStore::register_instance(const FleetMember& member) {
    QueryResult before =
        m_connection.query(bind(fmt::format("SELECT version FROM {} WHERE app = ? AND instance = ?", table("fleet"))),
                           {member.app, member.instance});
    m_connection.execute(fleet_heartbeat_sql(m_dialect),
                         {member.app, member.instance, member.version, member.ttl_seconds});
    return before.rows.empty() ? std::nullopt : std::optional<std::string>(value_to_string(before.rows[0][0]));
}

bool StateStore::deregister_instance(const std::string& app, const std::string& instance) {
    return m_connection.execute(bind(fmt::format("DELETE FROM {} WHERE app = ? AND instance = ?", table("fleet"))),
                                {app, instance}) > 0;
}

std::int64_t StateStore::prune_fleet(const std::string& app, std::int64_t stale_seconds) {
    std::string sql = fmt::format("DELETE FROM {} WHERE last_seen + ttl_seconds + ? < {}{}", table("fleet"),
                                  m_dialect.epoch_now_sql(), app.empty() ? "" : " AND app = ?");
    std::vector<Value> params = {stale_seconds};
    if (!app.empty()) {
        params.emplace_back(app);
    }
    return m_connection.execute(bind(sql), params);
}

Fleet StateStore::fleet(const std::string& app) {
    Fleet fleet;
    fleet.now = value_to_int(m_connection.query("SELECT " + m_dialect.epoch_now_sql()).rows.at(0).at(0));
    std::string sql = fmt::format(
        "SELECT app, instance, version, ttl_seconds, first_seen, last_seen FROM {}{} "
        "ORDER BY app, instance",
        table("fleet"), app.empty() ? "" : " WHERE app = ?");
    std::vector<Value> params;
    if (!app.empty()) {
        params.emplace_back(app);
    }
    for (const Row& row : m_connection.query(bind(sql), params).rows) {
        fleet.members.push_back({value_to_string(row[0]), value_to_string(row[1]), value_to_string(row[2]),
                                 value_to_int(row[3]), value_to_int(row[4]), value_to_int(row[5])});
    }
    return fleet;
}

}  // namespace migrate
