// The state store: what migrate knows about a database, kept in that database (tables
// _migrate_* on SQLite, a schema elsewhere): each migration's phase and checksum, when each phase
// was applied, per-step progress of non-transactional phases, backfill cursors, the app fleet's
// heartbeats, and an append-only event log. Writes join the caller's transaction, so a phase and its state rows
// commit together.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialects/dialect.hpp"
#include "model/migration.hpp"

namespace migrate {

struct PhaseRecord {
    std::int64_t seq = 0;  // application order across all migrations; rollback undoes the highest
    std::string applied_at;
    std::string applied_by;
};

struct MigrationRecord {
    std::string id;
    std::string name;
    std::string checksum;
    std::string source;  // the file as it was first applied, to show what changed since
    PhaseState phase = PhaseState::pending;
    std::string status;  // "ok", or "in_progress" while a phase is part-way done
    std::string updated_at;
    std::map<Phase, PhaseRecord> phases;
};

struct BackfillProgress {
    std::string migration_id;
    int step = 0;
    std::string table;
    Row last_key;  // empty before the first batch of a pass
    std::int64_t rows_updated = 0;
    std::int64_t batches = 0;
    std::int64_t passes = 0;
    std::string started_at;
    std::string updated_at;  // also the heartbeat of the run working on it
    bool completed = false;
    // What the run working on it reports as it goes, so that `migrate backfill status` shows it
    // from any host.
    std::int64_t rows_scanned = 0;     // keys walked in the current pass
    std::int64_t estimated_rows = 0;   // in the table, as the run found it; 0 when unknown
    std::int64_t batch_size = 0;       // of the latest batch
    std::int64_t rows_per_second = 0;  // rows updated per second by the latest run
    std::string run_state;             // running, waiting, stopped, failed or done
    std::string throttle;              // what holds or slows it down now
    std::string runner;                // who runs it: "user on host, pid N"
};

// `migrate backfill pause`: backfills of `scope` (a migration id, or "*" for all) wait until the
// pause is lifted.
struct BackfillPause {
    std::string scope;
    std::string paused_by;
    std::string paused_at;
    std::string reason;
};

// One app instance as the fleet table has it: the version it last said it runs, and when, by the
// database's clock (seconds since the Unix epoch).
struct FleetMember {
    std::string app;
    std::string instance;
    std::string version;  // as reported; an app writing the table itself may report anything
    std::int64_t ttl_seconds = 0;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
};

struct Fleet {
    std::int64_t now = 0;  // the database's clock when the fleet was read
    std::vector<FleetMember> members;
};

struct Event {
    std::int64_t seq = 0;
    std::string occurred_at;
    std::string run_by;
    std::string run_on;
    std::string command;
    std::string migration_id;
    std::string phase;
    std::string direction;
    std::string outcome;  // started, applied, rolled_back, failed, interrupted, ...
    std::string detail;
};

struct StateSnapshot {
    bool initialized = false;  // the state tables exist
    std::map<std::string, MigrationRecord> migrations;
    std::map<std::pair<std::string, int>, BackfillProgress> backfills;
    std::map<std::string, Event> last_event;  // per migration id
    // Steps of a part-done phase that already ran, by (migration id, phase, direction).
    std::map<std::tuple<std::string, Phase, Direction>, std::vector<int>> completed_steps;
    std::vector<BackfillPause> pauses;
    Fleet fleet;
};

// The statement that registers an app instance or refreshes its heartbeat, binding app,
// instance, version and TTL in seconds, in that order: what `migrate fleet register` runs, and
// what an app may run itself.
std::string fleet_heartbeat_sql(const Dialect& dialect);

// A backfill cursor as JSON (an array of the key's values), as the state store keeps it.
nlohmann::json key_to_json(const Row& key);

class StateStore {
  public:
    // Version of the state tables' layout this build reads and writes.
    // 2 added the backfills' live figures and the pauses; 3 the fleet.
    static constexpr int schema_version = 3;
    // The first layout with the fleet table.
    static constexpr int fleet_layout = 3;

    StateStore(const Dialect& dialect, Connection& connection) : m_dialect(dialect), m_connection(connection) {}

    bool initialized();
    // The layout the store has: schema_version after initialize(), maybe older before; 0 when
    // the store does not exist.
    int layout();
    // Creates the state tables if missing, in their own transaction. Refuses a store written by
    // a newer migrate.
    void initialize();
    StateSnapshot load();

    // The following join the caller's open transaction.
    std::int64_t next_phase_seq();
    void record_phase_applied(const Migration& migration, Phase phase, std::int64_t seq, const std::string& run_by);
    void record_phase_rolled_back(const Migration& migration, Phase phase);
    // Marks a migration whose next phase is under way but not complete (a backfill, or a phase
    // of steps that cannot share one transaction). Returns its status before, or nullopt when it
    // had no row yet, for undo_in_progress.
    std::optional<std::string> mark_in_progress(const Migration& migration, PhaseState current);
    // Puts back what mark_in_progress changed, when the phase failed before it changed anything.
    void undo_in_progress(const Migration& migration, const std::optional<std::string>& previous_status);

    std::vector<int> completed_steps(const Migration& migration, Phase phase, Direction direction);
    void record_step_done(const Migration& migration, Phase phase, Direction direction, int step);
    void clear_steps(const Migration& migration, Phase phase);

    std::optional<BackfillProgress> backfill_progress(const Migration& migration, int step);
    void save_backfill(const BackfillProgress& progress);
    // The UPDATE of the step's state row that save_backfill runs, for a batch that saves its
    // cursor in its own statement (Dialect::can_write_in_with): its placeholders follow those
    // already in `params`, to which it appends its values. `rows_updated`, when given, is an SQL
    // expression that replaces progress.rows_updated.
    std::string backfill_update_sql(const BackfillProgress& progress, std::vector<Value>& params,
                                    std::string_view rows_updated = {}) const;
    void delete_backfills(const Migration& migration);

    // Not under the runner lock, and each in its own transaction: they come from another shell
    // while a backfill runs. Throw Error(state) on a store that does not exist yet.
    std::vector<BackfillPause> backfill_pauses();
    void pause_backfills(const BackfillPause& pause);
    // Lifts the pause of `scope`, or every pause when it is empty; returns how many there were.
    std::int64_t resume_backfills(const std::string& scope);

    void append_event(Event event);

    // The app fleet. Like the pauses, not under the runner lock: every app instance heartbeats.
    // Runs fleet_heartbeat_sql; returns the version the instance reported before, nullopt when it is
    // new. Joins the caller's transaction.
    std::optional<std::string> register_instance(const FleetMember& member);
    bool deregister_instance(const std::string& app, const std::string& instance);
    // Removes the instances of `app` (every app when empty) that have been stale for longer than
    // `stale_seconds` past their TTL; returns how many.
    std::int64_t prune_fleet(const std::string& app, std::int64_t stale_seconds);
    // Every instance of `app`, or of every app when it is empty; empty before layout 3.
    Fleet fleet(const std::string& app = {});

  private:
    std::string table(const char* name) const { return m_dialect.state_table(name); }
    // The state store's own SQL is written with '?' (and no '?' in its literals); this numbers
    // them as the dialect wants, from `first`.
    std::string bind(std::string sql, std::size_t first = 1) const;
    void upsert_migration(const Migration& migration, PhaseState phase, const std::string& status);
    // From an older layout to schema_version.
    void upgrade();

    const Dialect& m_dialect;
    Connection& m_connection;
};

}  // namespace migrate
