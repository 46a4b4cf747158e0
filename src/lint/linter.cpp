// The lint engine. Positions: a parser reports them relative to the SQL it was given; the text's
// origin (where the loader found it in the file) maps them into the file, so findings in TOML
// strings and in marked SQL sections point at the statement itself.
#include "lint/linter.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "lint/rule_info.hpp"
#include "support/error.hpp"
#include "support/sha256.hpp"

namespace migrate::lint {

namespace {

constexpr std::string_view syntax_error_id = "syntax-error";
constexpr std::string_view invalid_migration_id = "invalid-migration";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view text) {
    std::size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return {};
    }
    return text.substr(start, text.find_last_not_of(" \t\r\n") - start + 1);
}

// "a, b: reason" -> {a, b}
std::set<std::string, std::less<>> rule_list(std::string_view text) {
    text = text.substr(0, text.find(':'));
    std::set<std::string, std::less<>> out;
    while (!text.empty()) {
        std::size_t comma = text.find_first_of(", \t");
        std::string_view item = trim(text.substr(0, comma));
        if (!item.empty()) {
            out.emplace(item);
        }
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return out;
}

// Where a marker comment ("migrate:ignore") starts on a line, after "--" or "#" and spaces.
std::optional<std::string_view> marker_comment(std::string_view line, std::string_view marker) {
    line = trim(line);
    for (std::string_view lead : {"--", "#"}) {
        if (line.starts_with(lead)) {
            std::string_view rest = trim(line.substr(lead.size()));
            if (rest.starts_with(marker) &&
                (rest.size() == marker.size() || rest[marker.size()] == ' ' || rest[marker.size()] == '\t')) {
                return trim(rest.substr(marker.size()));
            }
        }
    }
    return std::nullopt;
}

std::string collapse_whitespace(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return out;
}

// Findings are shown on terminals and in CI logs: control characters from a hostile or binary
// file must not reach them as escape sequences.
std::string printable(std::string_view text, bool keep_newlines = false) {
    std::string out(text);
    for (char& c : out) {
        bool control = static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
        if (control && c != '\t' && !(keep_newlines && c == '\n')) {
            c = '?';
        }
    }
    return out;
}

std::string first_line(std::string_view text) {
    return std::string(trim(text.substr(0, text.find('\n'))));
}

struct FileText {
    std::string content;
    std::vector<std::size_t> line_starts;

    explicit FileText(std::string text) : content(std::move(text)) {
        line_starts.push_back(0);
        for (std::size_t i = 0; i < content.size(); ++i) {
            if (content[i] == '\n') {
                line_starts.push_back(i + 1);
            }
        }
    }

    std::string line(int number) const {
        if (number < 1 || static_cast<std::size_t>(number) > line_starts.size()) {
            return {};
        }
        std::size_t start = line_starts[number - 1];
        std::size_t end = content.find('\n', start);
        std::string_view text = std::string_view(content).substr(start, end == std::string::npos ? end : end - start);
        if (text.ends_with('\r')) {
            text.remove_suffix(1);
        }
        if (number == 1 && text.starts_with("\xEF\xBB\xBF")) {
            text.remove_prefix(3);
        }
        return printable(text);
    }
};

}  // namespace

struct Linter::Prepared {
    LintUnit unit;
    std::map<std::string, FileText, std::less<>> files;
    // Per piece, per statement: the rules a "-- migrate:ignore" comment before it names.
    std::vector<std::vector<std::set<std::string, std::less<>>>> ignores;
    std::set<std::string, std::less<>> file_ignores;
    std::vector<Finding> findings;

    void add_file(const std::string& name, std::string content) {
        if (files.count(name) != 0) {
            return;
        }
        FileText text(std::move(content));
        for (std::size_t i = 0; i < text.line_starts.size(); ++i) {
            // Kept in a variable: the marker's rule list is a view into the line.
            std::string line = text.line(static_cast<int>(i) + 1);
            if (auto rest = marker_comment(line, "migrate:ignore-file")) {
                auto rules = rule_list(*rest);
                file_ignores.insert(rules.begin(), rules.end());
            }
        }
        files.emplace(name, std::move(text));
    }

    std::string source_line(const std::string& file, int line) const {
        auto it = files.find(file);
        return it == files.end() ? std::string() : it->second.line(line);
    }
};

namespace {

class Sink : public FindingSink {
  public:
    Sink(const LintConfig& config, Linter::Prepared& prepared) : m_config(config), m_prepared(prepared) {}

    void set_rule(std::string_view id) {
        m_rule = id;
        const RuleInfo* info = find_rule_info(id);
        auto configured = m_config.severities.find(id);
        m_severity = configured != m_config.severities.end() ? configured->second
                     : info != nullptr                       ? info->severity
                                                             : Severity::error;
        m_help = info != nullptr ? first_line(info->safe) : std::string();
    }
    void set_ignored(const std::set<std::string, std::less<>>* ignored) { m_ignored = ignored; }

    void report(const StatementContext& at, std::string message) override {
        if (m_ignored != nullptr && m_ignored->count(m_rule) != 0) {
            return;
        }
        add(at.piece.file, at.statement.line, at.statement.column, at.piece.phase, std::move(message),
            at.statement.text, at.piece.step, at.piece.direction);
    }
    void report_step(const LintUnit& /*unit*/, const StepInfo& step, std::string message) override {
        add(step.file, step.line, step.column, step.phase, std::move(message), {}, step.index);
    }
    void report_file(const LintUnit& unit, std::string message) override {
        add(unit.file, 1, 1, std::nullopt, std::move(message), {});
    }

    void add(const std::string& file, int line, int column, std::optional<Phase> phase, std::string message,
             std::string_view statement, int step = -1, Direction direction = Direction::up) {
        if (m_prepared.file_ignores.count(m_rule) != 0) {
            return;
        }
        Finding finding;
        finding.rule = m_rule;
        finding.severity = m_severity;
        finding.help = m_help;
        finding.file = file;
        finding.line = line;
        finding.column = column;
        finding.source_line = m_prepared.source_line(file, line);
        finding.phase = phase;
        finding.step = step;
        finding.direction = direction;
        finding.migration = m_prepared.unit.name;
        std::string identity = statement.empty() ? message : collapse_whitespace(statement);
        finding.fingerprint = sha256_hex(fmt::format("{}\n{}\n{}", m_rule, file, identity)).substr(0, 16);
        finding.message = printable(message, true);
        m_prepared.findings.push_back(std::move(finding));
    }

  private:
    const LintConfig& m_config;
    Linter::Prepared& m_prepared;
    std::string m_rule;
    Severity m_severity = Severity::error;
    std::string m_help;
    const std::set<std::string, std::less<>>* m_ignored = nullptr;
};

// "public.Users" and "users" name the same table for the "created in this migration" checks.
void remember_table(std::set<std::string>& tables, std::string_view table) {
    std::string name = lower(table);
    tables.insert(name);
    if (std::size_t dot = name.rfind('.'); dot != std::string::npos) {
        tables.insert(name.substr(dot + 1));
    }
}

}  // namespace

bool StatementContext::created_here(std::string_view table) const {
    std::string name = lower(table);
    if (tables_created.count(name) != 0) {
        return true;
    }
    std::size_t dot = name.rfind('.');
    return dot != std::string::npos && tables_created.count(name.substr(dot + 1)) != 0;
}

void check_rule_id(std::string_view id, std::string_view origin) {
    if (find_rule_info(id) != nullptr) {
        return;
    }
    throw Error(ErrorKind::usage, fmt::format("{}: unknown rule '{}'", origin, id), {},
                "'migrate rules' lists every rule");
}

Linter::Linter(LintConfig config) : m_config(std::move(config)), m_parser(make_sql_parser(m_config.settings.dialect)) {
    for (const auto& rule : all_rules()) {
        const RuleInfo* info = find_rule_info(rule->id());
        if (info == nullptr) {
            throw Error(ErrorKind::internal,
                        fmt::format("rule '{}' has no lint-rules/{}.toml", rule->id(), rule->id()));
        }
        bool wanted = m_config.every_rule || !info->opt_in || m_config.enabled.count(info->id) != 0;
        if (wanted && m_config.disabled.count(info->id) == 0 && info->supports(m_config.settings.dialect)) {
            m_rules.push_back(rule.get());
        }
    }
}

void Linter::add_piece(Prepared& prepared, std::optional<Phase> phase, Direction direction, int step,
                       const std::string& file, std::string_view sql, SourceLocation origin) const {
    SqlPiece piece;
    piece.phase = phase;
    piece.direction = direction;
    piece.step = step;
    piece.file = file;
    piece.statements = m_parser->parse(sql);
    if (origin.line < 1) {
        origin = {1, 1};
    }
    auto map_line = [&](int line) { return origin.line + line - 1; };
    auto map_column = [&](int line, int column) { return line == 1 ? origin.column + column - 1 : column; };

    // "-- migrate:ignore a, b: why" applies to the first statement after it.
    std::vector<std::pair<int, std::set<std::string, std::less<>>>> comments;
    int line_number = 1;
    for (std::size_t start = 0; start <= sql.size();) {
        std::size_t end = sql.find('\n', start);
        std::string_view line = sql.substr(start, end == std::string_view::npos ? sql.size() - start : end - start);
        if (auto rest = marker_comment(line, "migrate:ignore")) {
            comments.emplace_back(line_number, rule_list(*rest));
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
        ++line_number;
    }
    std::vector<std::set<std::string, std::less<>>> ignores(piece.statements.size());
    std::size_t next_comment = 0;
    for (std::size_t i = 0; i < piece.statements.size(); ++i) {
        ParsedStatement& statement = piece.statements[i];
        while (next_comment < comments.size() && comments[next_comment].first < statement.line) {
            ignores[i].insert(comments[next_comment].second.begin(), comments[next_comment].second.end());
            ++next_comment;
        }
        statement.column = map_column(statement.line, statement.column);
        statement.line = map_line(statement.line);
        if (statement.syntax_error) {
            statement.syntax_error->column = map_column(statement.syntax_error->line, statement.syntax_error->column);
            statement.syntax_error->line = map_line(statement.syntax_error->line);
        }
    }
    prepared.unit.pieces.push_back(std::move(piece));
    prepared.ignores.push_back(std::move(ignores));
}

UnitResult Linter::run(Prepared& prepared) const {
    Sink sink(m_config, prepared);
    const LintUnit& unit = prepared.unit;
    std::set<std::string> created;
    std::set<std::string> validated;
    UnitResult result;
    for (std::size_t p = 0; p < unit.pieces.size(); ++p) {
        const SqlPiece& piece = unit.pieces[p];
        bool in_transaction = false;
        for (std::size_t s = 0; s < piece.statements.size(); ++s) {
            const ParsedStatement& statement = piece.statements[s];
            ++result.statements;
            sink.set_ignored(&prepared.ignores[p][s]);
            if (statement.syntax_error) {
                sink.set_rule(syntax_error_id);
                if (prepared.ignores[p][s].count(syntax_error_id) == 0) {
                    sink.add(piece.file, statement.syntax_error->line, statement.syntax_error->column, piece.phase,
                             statement.syntax_error->message, statement.text, piece.step, piece.direction);
                }
                continue;
            }
            StatementContext context{unit, piece, statement, m_config.settings, in_transaction, created, validated};
            for (const Rule* rule : m_rules) {
                sink.set_rule(rule->id());
                rule->check_statement(context, sink);
            }
            for (const Change& change : statement.changes) {
                if (change.kind == ChangeKind::transaction_begin) {
                    in_transaction = true;
                } else if (change.kind == ChangeKind::transaction_commit ||
                           change.kind == ChangeKind::transaction_rollback) {
                    in_transaction = false;
                } else if (piece.direction == Direction::up && change.kind == ChangeKind::create_table) {
                    remember_table(created, change.table);
                } else if (piece.direction == Direction::up && change.kind == ChangeKind::validate_constraint) {
                    remember_table(validated, change.table);
                }
            }
        }
    }
    sink.set_ignored(nullptr);
    for (const Rule* rule : m_rules) {
        sink.set_rule(rule->id());
        rule->check_unit(unit, m_config.settings, sink);
    }
    result.findings = std::move(prepared.findings);
    sort_findings(result.findings);
    return result;
}

UnitResult Linter::lint_migration(const Migration& migration, const std::string& file) const {
    Prepared prepared;
    prepared.unit.kind = LintUnit::Kind::migration;
    prepared.unit.name = migration.label();
    prepared.unit.file = file;
    prepared.unit.contract_gated = migration.requirement.has_value();
    prepared.add_file(file, migration.source);
    const std::string& dialect = m_config.settings.dialect;
    for (Phase phase : all_phases) {
        if (phase == Phase::backfill) {
            int index = 0;
            for (const BackfillStep& step : migration.backfill) {
                StepInfo info{phase, index, !step.down.empty(), false, file, step.location.line, step.location.column};
                prepared.unit.steps.push_back(info);
                const std::string* set = step.set.for_dialect(dialect);
                const std::string* where = step.where.for_dialect(dialect);
                if (set != nullptr && where != nullptr) {
                    // The batches run this UPDATE, restricted to a key range; linting it whole
                    // lets rules see the backfill as what it is.
                    std::string update = fmt::format("UPDATE {} SET {} WHERE {}", step.table, *set, *where);
                    add_piece(prepared, phase, Direction::up, index, file, update, step.location);
                    for (ParsedStatement& statement : prepared.unit.pieces.back().statements) {
                        statement.line = step.location.line;
                        statement.column = step.location.column;
                        if (statement.syntax_error) {
                            statement.syntax_error->line = step.location.line;
                            statement.syntax_error->column = step.location.column;
                        }
                    }
                }
                if (const std::string* down = step.down.for_dialect(dialect)) {
                    add_piece(prepared, phase, Direction::down, index, file, *down,
                              step.down.origin_for_dialect(dialect));
                }
                ++index;
            }
            continue;
        }
        int index = 0;
        for (const SqlStep& step : migration.sql_steps(phase)) {
            StepInfo info{
                phase, index, !step.down.empty(), step.irreversible, file, step.location.line, step.location.column};
            prepared.unit.steps.push_back(info);
            if (const std::string* up = step.up.for_dialect(dialect)) {
                add_piece(prepared, phase, Direction::up, index, file, *up, step.up.origin_for_dialect(dialect));
            }
            if (const std::string* down = step.down.for_dialect(dialect)) {
                add_piece(prepared, phase, Direction::down, index, file, *down, step.down.origin_for_dialect(dialect));
            }
            ++index;
        }
    }
    return run(prepared);
}

UnitResult Linter::lint_plain(const PlainSql& plain) const {
    Prepared prepared;
    prepared.unit.kind = LintUnit::Kind::plain;
    prepared.unit.name = plain.name;
    prepared.unit.file = plain.up_file;
    prepared.unit.missing_down_file = !plain.expected_down_file.empty();
    prepared.unit.expected_down_file = plain.expected_down_file;
    prepared.add_file(plain.up_file, plain.up_sql);
    prepared.unit.steps.push_back(StepInfo{std::nullopt, 0, plain.down_file.has_value(), false, plain.up_file, 1, 1});
    add_piece(prepared, std::nullopt, Direction::up, 0, plain.up_file, plain.up_sql, {1, 1});
    if (plain.down_file) {
        prepared.add_file(*plain.down_file, plain.down_sql);
        add_piece(prepared, std::nullopt, Direction::down, 0, *plain.down_file, plain.down_sql, {1, 1});
    }
    return run(prepared);
}

UnitResult Linter::lint_sql(std::string_view sql, std::optional<Phase> phase, const std::string& file) const {
    Prepared prepared;
    prepared.unit.kind = phase ? LintUnit::Kind::migration : LintUnit::Kind::plain;
    prepared.unit.name = file;
    prepared.unit.file = file;
    prepared.add_file(file, std::string(sql));
    // Snippets stand for a step with a down, of a migration whose contract is gated, so only the
    // SQL itself is judged.
    prepared.unit.contract_gated = true;
    prepared.unit.steps.push_back(StepInfo{phase, 0, true, false, file, 1, 1});
    add_piece(prepared, phase, Direction::up, 0, file, sql, {1, 1});
    return run(prepared);
}

std::optional<Finding> Linter::invalid_migration(const std::string& file, const std::string& message) const {
    Prepared prepared;
    prepared.unit.name = std::filesystem::path(file).stem().string();
    prepared.unit.file = file;
    std::string text = message;
    int line = 1;
    int column = 1;
    // The loader's messages start with "file:line:col: "; the finding carries them apart.
    if (text.starts_with(file + ":")) {
        std::string_view rest = std::string_view(text).substr(file.size() + 1);
        int numbers[2] = {0, 0};
        int count = 0;
        while (count < 2 && !rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
            std::size_t digits = rest.find_first_not_of("0123456789");
            if (digits == std::string_view::npos || rest[digits] != ':') {
                break;
            }
            numbers[count++] = std::stoi(std::string(rest.substr(0, digits)));
            rest.remove_prefix(digits + 1);
        }
        if (count > 0) {
            line = numbers[0];
            column = count > 1 ? numbers[1] : 1;
        }
        text = std::string(trim(rest));
    }
    // For the source line under the finding; an unreadable file leaves it empty.
    std::ifstream in(file, std::ios::binary);
    prepared.add_file(file, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
    Sink sink(m_config, prepared);
    sink.set_rule(invalid_migration_id);
    sink.add(file, line, column, std::nullopt, text, {});
    if (prepared.findings.empty()) {
        return std::nullopt;
    }
    return std::move(prepared.findings.front());
}

}  // namespace migrate::lint
