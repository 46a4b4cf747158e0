// Backfill under load: on a fresh PostgreSQL database holding an accounts table of N rows, times
// `migrate apply --phase backfill` and then one plain UPDATE of the same rows, each while pgbench
// runs single-row reads and updates on that table, and prints rows/s of both beside the load's
// throughput and latency alone, during the backfill and during the plain UPDATE. Between the two,
// as a control, one session keeps one core busy with a query that takes no lock and writes
// nothing, for as long as the backfill took: on a small machine part of what the backfill does to
// the load's latency is only that it takes a core, and the control shows how much.
//   backfill_bench [URL] [--migrate PATH] [--pgbench PATH] [--rows N] [--clients N] [--oltp-seconds S]
//                  [--rate TPS] [--repeat N] [-- OPTIONS OF migrate apply, e.g. --batch-size 5000]
// Without --rate the load is closed-loop: the clients run back to back and keep the cores busy,
// so anything else on the machine shows in their latency. With --rate, pgbench schedules TPS
// transactions a second (an application's traffic does not wait for its previous request), and
// latencies count from the scheduled start, so a statement held by a lock delays the ones queued
// behind it too.
// A p99 of a few thousand transactions moves with every hiccup of a small machine, in the run
// alone as much as beside the backfill: --repeat N runs the whole comparison N times, each on a
// fresh database, and ends with the median of each ratio and with the ratios of the rounds pooled
// (each kind's latencies over all its windows together, its rows and seconds summed).
// URL (default: MIGRATE_TEST_POSTGRES_URL, see scripts/test-servers.sh) names a server and a
// database to connect to; the bench creates a database of its own there and drops it at the end.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The backfill, and the plain UPDATE it is compared with: the same statement, batched or not.
constexpr const char* backfill_set = "balance_cents = balance * 100";
constexpr const char* backfill_where = "balance_cents IS NULL";

// pgbench runs this long before and after each measured operation: long enough for its clients
// to connect and settle first, and for the statements the operation held up to complete after it.
constexpr std::chrono::milliseconds load_margin{1000};

volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) {
    interrupted = 1;
}

// Ctrl-C reaches pgbench and migrate as well (one process group); the bench only notes it and
// leaves at its next check, so that it still drops its database on the way out.
void throw_if_interrupted() {
    if (interrupted) {
        throw std::runtime_error("interrupted");
    }
}

void pause_for(std::chrono::milliseconds duration) {
    auto until = Clock::now() + duration;
    while (Clock::now() < until) {
        throw_if_interrupted();
        std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(100)));
    }
    throw_if_interrupted();
}

// Microseconds since the epoch: the clock pgbench stamps its log lines with.
std::int64_t epoch_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The last "counted the rows that match ..." of a migrate log, up to the end of its line.
std::string closing_count(const std::string& log) {
    constexpr std::string_view said = "counted the rows that match";
    std::size_t at = log.rfind(said);
    if (at == std::string::npos) {
        return {};
    }
    return log.substr(at, log.find('\n', at) - at);
}

// 2000000 -> "2,000,000".
std::string grouped(std::int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return value < 0 ? "-" + out : out;
}

struct Options {
    std::string server_url;
    std::string migrate = MIGRATE_BINARY;
    std::string pgbench;
    std::int64_t rows = 2'000'000;
    std::int64_t clients = 4;
    std::int64_t oltp_seconds = 10;
    std::int64_t rate = 0;  // 0: closed loop
    std::int64_t repeat = 1;
    std::vector<std::string> apply_options;
};

bool parse_positive(const std::string& text, std::int64_t& out) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size() && out > 0;
}

// The newest PostgreSQL's pgbench of the Debian packages, else whichever PATH finds.
std::string find_pgbench() {
    std::string best = "pgbench";
    int best_version = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
        int version = std::atoi(entry.path().filename().c_str());
        fs::path candidate = entry.path() / "bin" / "pgbench";
        if (version > best_version && fs::exists(candidate)) {
            best = candidate.string();
            best_version = version;
        }
    }
    return best;
}

// The server URL with its path (the database name) replaced by `database`; user, password,
// host, port and query parameters stay.
std::string with_database(const std::string& url, const std::string& database) {
    std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        throw std::runtime_error("the server URL must look like postgres://user:password@host:port/database");
    }
    std::size_t path = url.find('/', scheme_end + 3);
    std::size_t query = url.find('?', scheme_end + 3);
    std::string rest = query == std::string::npos ? "" : url.substr(query);
    return url.substr(0, std::min(path, query)) + "/" + database + rest;
}

// Runs one statement outside a transaction block (VACUUM refuses one); returns the rows it changed.
std::int64_t execute(pqxx::connection& connection, const std::string& sql) {
    pqxx::nontransaction work(connection);
    return static_cast<std::int64_t>(work.exec(sql).affected_rows());
}

std::int64_t query_int(pqxx::connection& connection, const std::string& sql) {
    pqxx::nontransaction work(connection);
    return work.exec(sql).at(0).at(0).as<std::int64_t>();
}

class ScratchDir {
  public:
    ScratchDir() : m_path(fs::temp_directory_path() / fmt::format("migrate-backfill-bench-{}", getpid())) {
        fs::create_directories(m_path);
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const fs::path& path() const { return m_path; }

  private:
    fs::path m_path;
};

// A database of the bench's own, dropped at the end with whatever is still connected to it, also
// when the bench fails.
class BenchDatabase {
  public:
    BenchDatabase(std::string server_url, std::string name)
        : m_server_url(std::move(server_url)), m_name(std::move(name)), m_url(with_database(m_server_url, m_name)) {
        pqxx::connection server(m_server_url);
        execute(server, "CREATE DATABASE " + m_name);
    }
    ~BenchDatabase() {
        try {
            pqxx::connection server(m_server_url);
            execute(server, "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
        } catch (const std::exception& e) {
            std::cerr << "backfill_bench: cannot drop database " << m_name << ": " << e.what() << "\n";
        }
    }
    BenchDatabase(const BenchDatabase&) = delete;
    BenchDatabase& operator=(const BenchDatabase&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& url() const { return m_url; }

  private:
    std::string m_server_url;
    std::string m_name;
    std::string m_url;
};

// A program run without a shell, its output going to two files. The kernel kills it if the bench
// dies first (a pgbench started for a day must not outlive it), and one still running when its
// Child goes out of scope is killed and reaped.
class Child {
  public:
    Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) : m_name(argv.at(0)) {
        // Built before fork: the child only calls what is safe between fork and exec.
        std::vector<char*> args;
        for (const std::string& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        std::string out_file = out.string();
        std::string err_file = err.string();
        pid_t parent = getpid();
        m_pid = fork();
        if (m_pid < 0) {
            throw std::runtime_error(fmt::format("cannot start {}: {}", m_name, std::strerror(errno)));
        }
        if (m_pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) {
                _exit(127);
            }
            int out_fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err_fd = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out_fd < 0 || err_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) {
                _exit(127);
            }
            execvp(args[0], args.data());
            constexpr std::string_view message = "exec failed: no such program, or not executable\n";
            [[maybe_unused]] ssize_t written = write(STDERR_FILENO, message.data(), message.size());
            _exit(127);
        }
    }
    ~Child() {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void signal(int number) const {
        if (m_pid > 0) {
            kill(m_pid, number);
        }
    }

    bool running() {
        if (m_pid > 0 && waitpid(m_pid, &m_status, WNOHANG) == m_pid) {
            m_pid = -1;
        }
        return m_pid > 0;
    }

    // Its exit code, or 128 + the number of the signal that ended it.
    int wait() {
        while (m_pid > 0 && waitpid(m_pid, &m_status, 0) < 0) {
            if (errno != EINTR) {
                throw std::runtime_error(fmt::format("waiting for {}: {}", m_name, std::strerror(errno)));
            }
        }
        m_pid = -1;
        return WIFEXITED(m_status) ? WEXITSTATUS(m_status) : 128 + WTERMSIG(m_status);
    }

  private:
    std::string m_name;
    pid_t m_pid = -1;
    int m_status = 0;
};

// One pgbench transaction, which the scripts make one statement.
struct Transaction {
    std::int64_t end_us = 0;  // since the epoch
    std::int64_t latency_us = 0;
};

// pgbench's per-transaction logs (one file per thread, `prefix.PID` and `prefix.PID.N`), whose
// lines read `client transaction latency_us script epoch_seconds microseconds [schedule_lag_us]`.
std::vector<Transaction> read_pgbench_logs(const fs::path& dir, const std::string& prefix) {
    std::vector<Transaction> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.path().filename().string().starts_with(prefix + ".")) {
            continue;
        }
        std::ifstream in(entry.path());
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::int64_t client = 0;
            std::int64_t number = 0;
            std::int64_t script = 0;
            std::int64_t seconds = 0;
            std::int64_t micros = 0;
            Transaction transaction;
            if (!(fields >> client >> number >> transaction.latency_us >> script >> seconds >> micros)) {
                throw std::runtime_error(fmt::format("unexpected line in {}: {}", entry.path().string(), line));
            }
            transaction.end_us = seconds * 1'000'000 + micros;
            // With --rate a seventh field is the wait between the scheduled and the actual start,
            // which the application would have waited too.
            if (std::int64_t schedule_lag = 0; fields >> schedule_lag) {
                transaction.latency_us += schedule_lag;
            }
            out.push_back(transaction);
        }
    }
    return out;
}

// Nearest rank: the smallest latency that `share` of the sorted latencies did not exceed.
double percentile_ms(const std::vector<std::int64_t>& sorted_us, double share) {
    if (sorted_us.empty()) {
        return 0;
    }
    auto rank = static_cast<std::size_t>(share * static_cast<double>(sorted_us.size()) + 0.999999);
    return static_cast<double>(sorted_us[std::clamp<std::size_t>(rank, 1, sorted_us.size()) - 1]) / 1000.0;
}

struct OltpFigures {
    std::int64_t transactions = 0;  // completed inside the window
    double per_second = 0;
    std::vector<std::int64_t> latencies_us;  // of every transaction that overlapped the window, sorted

    double p50_ms() const { return percentile_ms(latencies_us, 0.50); }
    double p99_ms() const { return percentile_ms(latencies_us, 0.99); }
    double max_ms() const { return percentile_ms(latencies_us, 1.0); }
};

// Throughput counts what completed inside [from_us, to_us]; the latencies take every transaction
// that overlapped it, so that a statement that waited through the whole operation and completed
// right after it is counted too.
OltpFigures oltp_figures(const std::vector<Transaction>& log, std::int64_t from_us, std::int64_t to_us) {
    OltpFigures figures;
    for (const Transaction& transaction : log) {
        if (transaction.end_us >= from_us && transaction.end_us <= to_us) {
            ++figures.transactions;
        }
        if (transaction.end_us > from_us && transaction.end_us - transaction.latency_us < to_us) {
            figures.latencies_us.push_back(transaction.latency_us);
        }
    }
    figures.per_second = static_cast<double>(figures.transactions) * 1e6 / static_cast<double>(to_us - from_us);
    std::sort(figures.latencies_us.begin(), figures.latencies_us.end());
    return figures;
}

struct Measurement {
    double seconds = 0;     // the operation's wall time
    std::int64_t rows = 0;  // the rows it rewrote; 0 for the load alone
    OltpFigures oltp;
};

class BackfillBench {
  public:
    BackfillBench(const Options& options, const BenchDatabase& database, const fs::path& scratch)
        : m_options(options), m_database(database), m_scratch(scratch) {}

    // The table filled in one INSERT, its key added afterwards (faster than keeping the index up
    // to date row by row), and the pgbench scripts and the migration written.
    void load() {
        auto start = Clock::now();
        pqxx::connection connection(m_database.url());
        execute(connection,
                "CREATE TABLE accounts (id bigint NOT NULL, balance bigint NOT NULL, note text, touched int NOT NULL "
                "DEFAULT 0)");
        execute(connection, fmt::format("INSERT INTO accounts (id, balance, note) SELECT g, g * 7919 % 1000000, "
                                        "'account ' || g FROM generate_series(1::bigint, {}) g",
                                        m_options.rows));
        execute(connection, "ALTER TABLE accounts ADD PRIMARY KEY (id)");
        execute(connection, "VACUUM ANALYZE accounts");
        std::cout << fmt::format("loaded {} rows in {:.1f} s\n", grouped(m_options.rows), seconds_since(start));

        std::ofstream(m_scratch / "read.sql") << fmt::format(
            "\\set id random(1, {})\nSELECT balance, note FROM accounts WHERE id = :id;\n", m_options.rows);
        std::ofstream(m_scratch / "update.sql") << fmt::format(
            "\\set id random(1, {})\nUPDATE accounts SET touched = touched + 1 WHERE id = :id;\n", m_options.rows);
        fs::create_directories(m_scratch / "migrations");
        std::ofstream(m_scratch / "migrations" / "0001_balance_cents.toml") << fmt::format(
            "description = \"accounts.balance_cents from balance\"\n\n"
            "[[expand]]\n"
            "up = \"ALTER TABLE accounts ADD COLUMN balance_cents bigint\"\n"
            "down = \"ALTER TABLE accounts DROP COLUMN balance_cents\"\n\n"
            "[[backfill]]\n"
            "table = \"accounts\"\n"
            "set = \"{}\"\n"
            "where = \"{}\"\n",
            backfill_set, backfill_where);
        run_migrate({"--phase", "expand"}, "expand");
    }

    Measurement oltp_alone() {
        std::cout << fmt::format("OLTP load alone for {} s\n", m_options.oltp_seconds) << std::flush;
        return under_load("alone", [&] { pause_for(std::chrono::seconds(m_options.oltp_seconds)); });
    }

    Measurement migrate_backfill() {
        compact();
        std::vector<std::string> args = {"--phase", "backfill"};
        args.insert(args.end(), m_options.apply_options.begin(), m_options.apply_options.end());
        std::string shown;
        for (const std::string& arg : args) {
            shown += " " + arg;
        }
        std::cout << "migrate apply" << shown << ", under the load\n" << std::flush;
        Measurement measured = under_load("backfill", [&] { run_migrate(args, "backfill"); });

        pqxx::connection connection(m_database.url());
        if (std::int64_t left =
                query_int(connection, fmt::format("SELECT count(*) FROM accounts WHERE {}", backfill_where))) {
            throw std::runtime_error(
                fmt::format("migrate finished with {} rows still matching `{}`", left, backfill_where));
        }
        // From the default state schema: a --state-schema among the options of apply is not followed here.
        pqxx::nontransaction work(connection);
        pqxx::row state = work.exec("SELECT rows_updated, batches FROM migrate.backfills").at(0);
        measured.rows = state[0].as<std::int64_t>();
        m_batches = state[1].as<std::int64_t>();
        m_count = closing_count(read_text(m_scratch / "backfill.err"));
        return measured;
    }

    // On the table as the backfill found it: the column dropped and added again, and the table
    // compacted, which rewrites each row with the dropped value as NULL, so that both operations
    // start from rows of the same width, in full pages, and widen each row by the same value.
    // The control: for as long as the backfill took, one session keeps one core busy with a query
    // that reads no table and writes nothing, so it takes no lock and makes no WAL. What the load's
    // latency does beside it is what any job that takes a whole core does on this machine.
    Measurement busy_core(double seconds) {
        std::cout << fmt::format("one session busy on one core for {:.1f} s, under the load\n", seconds) << std::flush;
        pqxx::connection connection(m_database.url());
        return under_load("busy", [&] {
            auto until = Clock::now() + std::chrono::duration<double>(seconds);
            while (Clock::now() < until) {
                throw_if_interrupted();
                query_int(connection, "SELECT count(*) FROM generate_series(1, 500000)");
            }
        });
    }

    Measurement plain_update() {
        {
            pqxx::connection connection(m_database.url());
            execute(connection, "ALTER TABLE accounts DROP COLUMN balance_cents");
            execute(connection, "ALTER TABLE accounts ADD COLUMN balance_cents bigint");
        }
        compact();
        std::string sql = fmt::format("UPDATE accounts SET {} WHERE {}", backfill_set, backfill_where);
        std::cout << sql << ", under the load\n" << std::flush;
        pqxx::connection connection(m_database.url());
        std::int64_t rows = 0;
        Measurement measured = under_load("plain", [&] { rows = execute(connection, sql); });
        measured.rows = rows;
        return measured;
    }

    std::int64_t batches() const { return m_batches; }
    // What migrate's log said of the count that ended its walk (how many statements, how long), or
    // nothing when its progress went elsewhere (`--progress json` or `none` among the options).
    const std::string& count() const { return m_count; }

  private:
    // Runs `operation` while pgbench runs beside it, and cuts pgbench's log to the operation's
    // time. pgbench is started for a day and stopped with SIGALRM, which is how its -T timer ends
    // a run: the clients finish their transactions and the logs are written out whole.
    Measurement under_load(const std::string& name, const std::function<void()>& operation) {
        std::string prefix = "oltp_" + name;
        std::int64_t clients = m_options.clients;
        std::vector<std::string> args = {m_options.pgbench,
                                         "-n",
                                         "-c",
                                         std::to_string(clients),
                                         "-j",
                                         std::to_string(std::min<std::int64_t>(clients, 2)),
                                         "-T",
                                         "86400",
                                         "-l",
                                         "--log-prefix",
                                         (m_scratch / prefix).string(),
                                         "-f",
                                         (m_scratch / "read.sql").string() + "@1",
                                         "-f",
                                         (m_scratch / "update.sql").string() + "@1"};
        if (m_options.rate > 0) {
            args.insert(args.end(), {"-R", std::to_string(m_options.rate)});
        }
        args.push_back(m_database.url());
        Child pgbench(args, m_scratch / ("pgbench_" + name + ".out"), m_scratch / ("pgbench_" + name + ".err"));
        pause_for(load_margin);
        if (!pgbench.running()) {
            throw std::runtime_error(fmt::format("pgbench stopped (exit code {}): {}", pgbench.wait(),
                                                 read_text(m_scratch / ("pgbench_" + name + ".err"))));
        }
        Measurement measured;
        std::int64_t from_us = epoch_us();
        auto start = Clock::now();
        operation();
        measured.seconds = seconds_since(start);
        std::int64_t to_us = epoch_us();
        pause_for(load_margin);
        pgbench.signal(SIGALRM);
        if (int code = pgbench.wait(); code != 0) {
            throw std::runtime_error(fmt::format("pgbench failed (exit code {}): {}", code,
                                                 read_text(m_scratch / ("pgbench_" + name + ".err"))));
        }
        std::vector<Transaction> log = read_pgbench_logs(m_scratch, prefix);
        if (std::none_of(log.begin(), log.end(), [&](const Transaction& t) { return t.end_us < from_us; })) {
            throw std::runtime_error("pgbench had completed no transaction yet when the measurement started");
        }
        measured.oltp = oltp_figures(log, from_us, to_us);
        return measured;
    }

    void run_migrate(const std::vector<std::string>& args, const std::string& name) {
        std::string migrations = (m_scratch / "migrations").string();
        std::vector<std::string> argv = {m_options.migrate, "apply", "-u", m_database.url(), "-d", migrations};
        argv.insert(argv.end(), args.begin(), args.end());
        Child migrate(argv, m_scratch / (name + ".out"), m_scratch / (name + ".err"));
        int code = migrate.wait();
        throw_if_interrupted();
        if (code != 0) {
            throw std::runtime_error(fmt::format("migrate apply {} failed (exit code {}):\n{}{}", name, code,
                                                 read_text(m_scratch / (name + ".out")),
                                                 read_text(m_scratch / (name + ".err"))));
        }
    }

    // Both operations start from the same table: no dead rows, full pages, fresh statistics.
    void compact() {
        auto start = Clock::now();
        pqxx::connection connection(m_database.url());
        execute(connection, "VACUUM FULL accounts");
        execute(connection, "VACUUM ANALYZE accounts");
        std::cout << fmt::format("compacted the table in {:.1f} s\n", seconds_since(start));
    }

    const Options& m_options;
    const BenchDatabase& m_database;
    fs::path m_scratch;
    std::int64_t m_batches = 0;
    std::string m_count;
};

// The targets, met or not by a round's ratios, their medians or the pooled rounds': the backfill at
// half a plain UPDATE's rows/s or more, the load's p99 beside it within 2x of the p99 alone.
std::string speed_verdict(double speed) {
    return fmt::format("(target at least 0.50: {})", speed >= 0.5 ? "met" : "NOT met");
}

std::string p99_verdict(double p99) {
    return fmt::format("(target at most 2x: {})", p99 <= 2.0 ? "met" : "NOT met");
}

// The two ratios the targets are set on, and the p99 ratio of the control.
struct Ratios {
    double speed = 0;     // backfill rows/s over plain UPDATE rows/s
    double p99 = 0;       // OLTP p99 during the backfill over OLTP p99 alone
    double busy_p99 = 0;  // OLTP p99 beside one busy core over OLTP p99 alone
};

Ratios print_results(const Options& options, const Measurement& alone, const Measurement& backfill,
                     const Measurement& busy, const Measurement& plain, std::int64_t batches,
                     const std::string& count) {
    auto row = [](const std::string& name, const Measurement& m) {
        std::string rows_per_second = m.rows == 0 ? "-" : grouped(static_cast<std::int64_t>(m.rows / m.seconds));
        return fmt::format("{:<18}{:>9.2f}{:>11}  |{:>11}{:>9.2f}{:>10.2f}{:>11.2f}\n", name, m.seconds,
                           rows_per_second, grouped(static_cast<std::int64_t>(m.oltp.per_second)), m.oltp.p50_ms(),
                           m.oltp.p99_ms(), m.oltp.max_ms());
    };
    std::string apply_options;
    for (const std::string& arg : options.apply_options) {
        apply_options += " " + arg;
    }
    std::cout << fmt::format(
        "\n{} rows; OLTP: pgbench, {} clients, {}, single-row reads and updates 1:1; backfill: migrate apply "
        "--phase backfill{}\n\n",
        grouped(options.rows), options.clients,
        options.rate > 0 ? fmt::format("{} tx/s scheduled", grouped(options.rate)) : "back to back", apply_options);
    std::cout << fmt::format("{:<18}{:>9}{:>11}  |{:>11}{:>9}{:>10}{:>11}\n", "", "seconds", "rows/s", "OLTP tx/s",
                             "p50 ms", "p99 ms", "max ms");
    std::cout << row("OLTP alone", alone) << row("migrate backfill", backfill) << row("one busy core", busy)
              << row("plain UPDATE", plain);

    double speed = (backfill.rows / backfill.seconds) / (plain.rows / plain.seconds);
    double p99 = backfill.oltp.p99_ms() / alone.oltp.p99_ms();
    std::cout << fmt::format("\nbackfill rows/s / plain UPDATE rows/s: {:.2f} {}\n", speed, speed_verdict(speed));
    std::cout << fmt::format("OLTP p99 during the backfill / alone: {:.2f}x {}\n", p99, p99_verdict(p99));
    double busy_p99 = busy.oltp.p99_ms() / alone.oltp.p99_ms();
    std::cout << fmt::format("OLTP p99 beside one busy core / alone: {:.2f}x (the control: no lock, no write)\n",
                             busy_p99);
    std::cout << fmt::format(
        "longest OLTP statement: {:.3f} s alone, {:.3f} s during the backfill, {:.3f} s during the plain UPDATE "
        "(which took {:.3f} s)\n",
        alone.oltp.max_ms() / 1000, backfill.oltp.max_ms() / 1000, plain.oltp.max_ms() / 1000, plain.seconds);
    std::cout << fmt::format(
        "migrate: {} rows in {} batches, on average {} rows and {:.1f} ms of its wall time per batch\n",
        grouped(backfill.rows), grouped(batches), grouped(backfill.rows / std::max<std::int64_t>(batches, 1)),
        backfill.seconds * 1000 / static_cast<double>(std::max<std::int64_t>(batches, 1)));
    if (!count.empty()) {
        std::cout << "migrate's walk ended with: " << count << "\n";
    }
    return {speed, p99, busy_p99};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// One kind of window over every round: its transactions' latencies together, its rows and seconds
// summed. A round's p99 over a 10-second window is its 50 slowest transactions, which a single
// stall of the host makes on its own; over all rounds together each percentile rests on more of them.
class Pooled {
  public:
    void add(const Measurement& measured) {
        auto sorted_up_to = static_cast<std::ptrdiff_t>(m_latencies_us.size());
        m_latencies_us.insert(m_latencies_us.end(), measured.oltp.latencies_us.begin(),
                              measured.oltp.latencies_us.end());
        std::inplace_merge(m_latencies_us.begin(), m_latencies_us.begin() + sorted_up_to, m_latencies_us.end());
        m_rows += measured.rows;
        m_seconds += measured.seconds;
    }
    double p99_ms() const { return percentile_ms(m_latencies_us, 0.99); }
    double rows_per_second() const { return m_seconds > 0 ? static_cast<double>(m_rows) / m_seconds : 0; }

  private:
    std::vector<std::int64_t> m_latencies_us;
    std::int64_t m_rows = 0;
    double m_seconds = 0;
};

struct PooledRounds {
    Pooled alone;
    Pooled backfill;
    Pooled busy;
    Pooled plain;
};

void print_summary(const std::vector<Ratios>& rounds, const PooledRounds& pooled) {
    std::vector<double> speeds;
    std::vector<double> p99s;
    std::vector<double> busy_p99s;
    std::string each;
    for (const Ratios& round : rounds) {
        speeds.push_back(round.speed);
        p99s.push_back(round.p99);
        busy_p99s.push_back(round.busy_p99);
        each += fmt::format("{}{:.2f} / {:.2f}x / {:.2f}x", each.empty() ? "" : ", ", round.speed, round.p99,
                            round.busy_p99);
    }
    double speed = median(speeds);
    double p99 = median(p99s);
    std::cout << fmt::format("\n{} rounds (rows/s ratio / p99 ratio / p99 ratio beside one busy core): {}\n",
                             rounds.size(), each);
    std::cout << fmt::format("median backfill rows/s / plain UPDATE rows/s: {:.2f} {}\n", speed, speed_verdict(speed));
    std::cout << fmt::format("median OLTP p99 during the backfill / alone: {:.2f}x {}\n", p99, p99_verdict(p99));
    std::cout << fmt::format("median OLTP p99 beside one busy core / alone: {:.2f}x\n", median(busy_p99s));

    double pooled_speed = pooled.backfill.rows_per_second() / pooled.plain.rows_per_second();
    double pooled_p99 = pooled.backfill.p99_ms() / pooled.alone.p99_ms();
    std::cout << fmt::format("\nthe {} rounds pooled (every window of a kind together):\n", rounds.size());
    std::cout << fmt::format("backfill rows/s / plain UPDATE rows/s: {} / {} = {:.2f} {}\n",
                             grouped(static_cast<std::int64_t>(pooled.backfill.rows_per_second())),
                             grouped(static_cast<std::int64_t>(pooled.plain.rows_per_second())), pooled_speed,
                             speed_verdict(pooled_speed));
    std::cout << fmt::format("OLTP p99 during the backfill / alone: {:.2f} ms / {:.2f} ms = {:.2f}x {}\n",
                             pooled.backfill.p99_ms(), pooled.alone.p99_ms(), pooled_p99, p99_verdict(pooled_p99));
    std::cout << fmt::format("OLTP p99 beside one busy core / alone: {:.2f} ms / {:.2f} ms = {:.2f}x\n",
                             pooled.busy.p99_ms(), pooled.alone.p99_ms(), pooled.busy.p99_ms() / pooled.alone.p99_ms());
}

// A standby that streams from the server replays every row the backfill writes; on the same
// machine as the server it takes its share of the same cores, which the figures would then show.
void report_standbys(const std::string& server_url) {
    pqxx::connection server(server_url);
    if (std::int64_t standbys = query_int(server, "SELECT count(*) FROM pg_stat_replication")) {
        std::cout << fmt::format(
            "note: {} standby(s) stream from this server; one running on this machine replays the backfill "
            "on the same cores and raises the load's latency with it (scripts/test-servers.sh starts none "
            "with MIGRATE_TEST_POSTGRES_REPLICA=off)\n",
            standbys);
    }
}

constexpr const char* usage =
    "usage: backfill_bench [URL] [--migrate PATH] [--pgbench PATH] [--rows N] [--clients N] [--oltp-seconds S]\n"
    "                      [--rate TPS] [--repeat N] [-- OPTIONS OF migrate apply]\n"
    "URL defaults to MIGRATE_TEST_POSTGRES_URL.\n";

}  // namespace

int main(int argc, char** argv) {
    Options options;
    options.pgbench = find_pgbench();
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        bool has_value = i + 1 < argc;
        if (arg == "--") {
            options.apply_options.assign(argv + i + 1, argv + argc);
            break;
        } else if (arg == "--migrate" && has_value) {
            options.migrate = argv[++i];
        } else if (arg == "--pgbench" && has_value) {
            options.pgbench = argv[++i];
        } else if (arg == "--rows" && has_value && parse_positive(argv[i + 1], options.rows)) {
            ++i;
        } else if (arg == "--clients" && has_value && parse_positive(argv[i + 1], options.clients)) {
            ++i;
        } else if (arg == "--oltp-seconds" && has_value && parse_positive(argv[i + 1], options.oltp_seconds)) {
            ++i;
        } else if (arg == "--rate" && has_value && parse_positive(argv[i + 1], options.rate)) {
            ++i;
        } else if (arg == "--repeat" && has_value && parse_positive(argv[i + 1], options.repeat)) {
            ++i;
        } else if (!arg.starts_with("-") && options.server_url.empty()) {
            options.server_url = arg;
        } else {
            std::cerr << usage;
            return 2;
        }
    }
    if (options.server_url.empty()) {
        const char* url = std::getenv("MIGRATE_TEST_POSTGRES_URL");
        if (url == nullptr || *url == '\0') {
            std::cerr << "backfill_bench: no server URL given and MIGRATE_TEST_POSTGRES_URL is not set\n" << usage;
            return 2;
        }
        options.server_url = url;
    }

    struct sigaction action = {};
    action.sa_handler = on_interrupt;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    try {
        ScratchDir scratch;
        report_standbys(options.server_url);
        std::vector<Ratios> rounds;
        PooledRounds pooled;
        for (std::int64_t round = 1; round <= options.repeat; ++round) {
            // Each round on its own database and in its own folder: pgbench's logs are read by
            // name, and a round must not read the one before.
            BenchDatabase database(options.server_url, fmt::format("migrate_bench_{}_{}", getpid(), round));
            fs::path folder = scratch.path() / fmt::format("round-{}", round);
            fs::create_directories(folder);
            std::cout << fmt::format("{}database {}\n", round > 1 ? "\n" : "", database.name());
            BackfillBench bench(options, database, folder);
            bench.load();
            Measurement alone = bench.oltp_alone();
            Measurement backfill = bench.migrate_backfill();
            Measurement busy = bench.busy_core(backfill.seconds);
            Measurement plain = bench.plain_update();
            rounds.push_back(print_results(options, alone, backfill, busy, plain, bench.batches(), bench.count()));
            pooled.alone.add(alone);
            pooled.backfill.add(backfill);
            pooled.busy.add(busy);
            pooled.plain.add(plain);
        }
        if (rounds.size() > 1) {
            print_summary(rounds, pooled);
        }
    } catch (const std::exception& e) {
        std::cerr << "backfill_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
