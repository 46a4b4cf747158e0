// The linter's parser for PostgreSQL. A whole file goes to libpg_query in one call; only when that
// fails is the text split into statements, each parsed alone, so a syntax error costs its own
// statement and linting goes on with the next. The JSON parse trees become the lint IR here.
#include "dialects/postgres/pg_lint_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pg_query.h>
#include <pthread.h>

#include "support/sql_lexer.hpp"

namespace migrate::lint {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// The SQL text around the parse tree: libpg_query's locations are byte offsets into the text it
// parsed, and some things (types and defaults as written) are only there.

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_word_start(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalpha(u) != 0 || c == '_' || u >= 0x80;
}

bool is_word_char(char c) {
    return is_word_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

bool equals_lower(std::string_view word, std::string_view lower) {
    if (word.size() != lower.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) {
            return false;
        }
    }
    return true;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Past whitespace and comments (PostgreSQL's /* */ nest), never beyond `end`.
std::size_t skip_blank(std::string_view s, std::size_t pos, std::size_t end) {
    while (pos < end) {
        if (is_space(s[pos])) {
            ++pos;
        } else if (s[pos] == '-' && pos + 1 < end && s[pos + 1] == '-') {
            std::size_t newline = s.find('\n', pos);
            pos = newline == std::string_view::npos ? end : newline + 1;
        } else if (s[pos] == '/' && pos + 1 < end && s[pos + 1] == '*') {
            int depth = 0;
            while (pos < end) {
                if (s[pos] == '/' && pos + 1 < end && s[pos + 1] == '*') {
                    ++depth;
                    pos += 2;
                } else if (s[pos] == '*' && pos + 1 < end && s[pos + 1] == '/') {
                    pos += 2;
                    if (--depth == 0) {
                        break;
                    }
                } else {
                    ++pos;
                }
            }
        } else {
            break;
        }
    }
    return std::min(pos, end);
}

std::size_t quoted_end(std::string_view s, std::size_t pos, std::size_t end, char quote, bool backslashes) {
    ++pos;
    while (pos < end) {
        if (backslashes && s[pos] == '\\') {
            pos += 2;
        } else if (s[pos] == quote) {
            if (pos + 1 < end && s[pos + 1] == quote) {
                pos += 2;
            } else {
                return pos + 1;
            }
        } else {
            ++pos;
        }
    }
    return end;
}

// The end of the token starting at `pos`: enough of PostgreSQL's lexer to step over quoted text
// whole. Operators come one character at a time, which is all the callers need.
std::size_t token_end(std::string_view s, std::size_t pos, std::size_t end) {
    char c = s[pos];
    if (c == '\'') {
        return quoted_end(s, pos, end, '\'', false);
    }
    if (c == '"') {
        return quoted_end(s, pos, end, '"', false);
    }
    if (c == '$' && pos + 1 < end && !std::isdigit(static_cast<unsigned char>(s[pos + 1]))) {
        std::size_t tag_end = pos + 1;
        while (tag_end < end && is_word_char(s[tag_end]) && s[tag_end] != '$') {
            ++tag_end;
        }
        if (tag_end < end && s[tag_end] == '$') {
            std::string_view tag = s.substr(pos, tag_end - pos + 1);
            std::size_t close = s.substr(0, end).find(tag, tag_end + 1);
            return close == std::string_view::npos ? end : close + tag.size();
        }
    }
    if (is_word_start(c)) {
        std::size_t word_end = pos + 1;
        while (word_end < end && is_word_char(s[word_end])) {
            ++word_end;
        }
        if (word_end == pos + 1 && (c == 'e' || c == 'E') && word_end < end && s[word_end] == '\'') {
            return quoted_end(s, word_end, end, '\'', true);
        }
        return word_end;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
        std::size_t number_end = pos + 1;
        while (number_end < end && (is_word_char(s[number_end]) || s[number_end] == '.')) {
            ++number_end;
        }
        return number_end;
    }
    return pos + 1;
}

// What a source span is being measured for; each stops at different words.
enum class Extent {
    expression,     // a default or USING expression: up to a ',' ')' or ';' outside parentheses
    type,           // a column type: up to the first constraint, COLLATE or USING
    index_element,  // an index expression: a call or parenthesised expression, without ASC/DESC
};

bool stops_extent(Extent what, std::string_view word) {
    static constexpr std::array<std::string_view, 16> type_stops = {
        "not",       "null",    "default", "constraint",  "primary", "unique",  "references", "check",
        "generated", "collate", "using",   "compression", "storage", "options", "deferrable", "initially",
    };
    static constexpr std::array<std::string_view, 4> index_stops = {"asc", "desc", "nulls", "collate"};
    auto matches = [&](const auto& words) {
        return std::any_of(words.begin(), words.end(), [&](std::string_view stop) { return equals_lower(word, stop); });
    };
    switch (what) {
        case Extent::type:
            return matches(type_stops);
        case Extent::index_element:
            return matches(index_stops);
        case Extent::expression:
            return false;
    }
    return false;
}

// The end of the last token of the span starting at `pos` (trailing blanks excluded).
std::size_t extent_end(std::string_view s, std::size_t pos, std::size_t limit, Extent what) {
    int depth = 0;
    std::size_t last = pos;
    while (true) {
        pos = skip_blank(s, pos, limit);
        if (pos >= limit) {
            break;
        }
        char c = s[pos];
        if (depth == 0 && (c == ',' || c == ')' || c == ';')) {
            break;
        }
        std::size_t end = token_end(s, pos, limit);
        if (depth == 0 && is_word_start(c) && stops_extent(what, s.substr(pos, end - pos))) {
            break;
        }
        if (c == '(' || c == '[') {
            ++depth;
        } else if (c == ')' || c == ']') {
            --depth;
        }
        last = end;
        pos = end;
        if (what == Extent::index_element && depth == 0 && c == ')') {
            break;
        }
    }
    return last;
}

// ---------------------------------------------------------------------------------------------
// Reading libpg_query's JSON: nodes are {"TypeName": {...}}, fields at their default value are
// left out (false, 0, empty lists).

const Json* member(const Json& object, std::string_view key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string_view string_field(const Json& object, std::string_view key) {
    const Json* value = member(object, key);
    return value != nullptr && value->is_string() ? std::string_view(value->get_ref<const std::string&>())
                                                  : std::string_view();
}

bool bool_field(const Json& object, std::string_view key) {
    const Json* value = member(object, key);
    return value != nullptr && value->is_boolean() && value->get<bool>();
}

const Json& list_field(const Json& object, std::string_view key) {
    static const Json empty = Json::array();
    const Json* value = member(object, key);
    return value != nullptr && value->is_array() ? *value : empty;
}

// The node inside a {"Type": {...}} wrapper, when it is of that type.
const Json* node(const Json& wrapper, std::string_view type) {
    const Json* inner = member(wrapper, type);
    return inner != nullptr && inner->is_object() ? inner : nullptr;
}

// The single node type of a wrapper and its fields.
std::pair<std::string_view, const Json*> unwrap(const Json& wrapper) {
    if (!wrapper.is_object() || wrapper.size() != 1) {
        return {{}, nullptr};
    }
    auto it = wrapper.begin();
    return {it.key(), &it.value()};
}

// The String nodes [first, end) of a list, joined with '.': qualified names.
std::string dotted(const Json& strings, std::size_t first = 0, std::size_t end = std::string::npos) {
    std::string out;
    for (std::size_t i = first; i < strings.size() && i < end; ++i) {
        if (const Json* string = node(strings[i], "String")) {
            if (!out.empty()) {
                out += '.';
            }
            out += string_field(*string, "sval");
        }
    }
    return out;
}

std::string relation_name(const Json* range_var) {
    if (range_var == nullptr) {
        return {};
    }
    std::string out;
    for (std::string_view key : {"catalogname", "schemaname"}) {
        std::string_view part = string_field(*range_var, key);
        if (!part.empty()) {
            out += part;
            out += '.';
        }
    }
    out += string_field(*range_var, "relname");
    return out;
}

// A DefElem option's boolean value the way PostgreSQL reads it: no argument means true.
bool option_enabled(const Json& options, std::string_view name) {
    for (const Json& item : options) {
        const Json* def = node(item, "DefElem");
        if (def == nullptr || string_field(*def, "defname") != name) {
            continue;
        }
        const Json* arg = member(*def, "arg");
        if (arg == nullptr) {
            return true;
        }
        if (const Json* string = node(*arg, "String")) {
            std::string_view value = string_field(*string, "sval");
            return !(equals_lower(value, "false") || equals_lower(value, "off") || equals_lower(value, "no") ||
                     value == "0");
        }
        if (const Json* integer = node(*arg, "Integer")) {
            const Json* ival = member(*integer, "ival");
            return ival != nullptr && ival->is_number() && ival->get<long long>() != 0;
        }
        return true;
    }
    return false;
}

// Visits every object below `root` without recursing: libpg_query hands back trees as deep as the
// input is long (1+1+...+1), and the caller's stack is not ours to spend.
template <typename Visit>
void for_each_object(const Json& root, Visit visit) {
    std::vector<const Json*> pending{&root};
    while (!pending.empty()) {
        const Json* current = pending.back();
        pending.pop_back();
        if (current->is_object()) {
            visit(*current);
        }
        if (current->is_structured()) {
            for (const Json& child : *current) {
                if (child.is_structured()) {
                    pending.push_back(&child);
                }
            }
        }
    }
}

std::size_t first_location(const Json& expression) {
    std::size_t first = std::string_view::npos;
    for_each_object(expression, [&](const Json& object) {
        const Json* location = member(object, "location");
        if (location != nullptr && location->is_number_integer() && location->get<long long>() >= 0) {
            first = std::min(first, static_cast<std::size_t>(location->get<long long>()));
        }
    });
    return first;
}

// Functions whose result differs per row, so a DEFAULT using them is computed for every row.
Volatility volatility(const Json& expression) {
    static constexpr std::array<std::string_view, 9> volatile_functions = {
        "random",           "clock_timestamp",  "timeofday",
        "gen_random_uuid",  "uuid_generate_v1", "uuid_generate_v1mc",
        "uuid_generate_v4", "nextval",          "txid_current",
    };
    Volatility result = Volatility::constant;
    for_each_object(expression, [&](const Json& object) {
        const Json* call = node(object, "FuncCall");
        if (call == nullptr) {
            return;
        }
        const Json& name = list_field(*call, "funcname");
        if (name.empty()) {
            return;
        }
        const Json* last = node(name.back(), "String");
        std::string_view function = last != nullptr ? string_field(*last, "sval") : std::string_view();
        if (std::find(volatile_functions.begin(), volatile_functions.end(), function) != volatile_functions.end()) {
            result = Volatility::volatile_;
        }
    });
    return result;
}

std::string canonical_type(std::string name) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> aliases = {{
        {"int2", "smallint"},
        {"int4", "integer"},
        {"int8", "bigint"},
        {"float4", "real"},
        {"float8", "double"},
        {"bool", "boolean"},
        {"bpchar", "char"},
        {"serial2", "smallserial"},
        {"serial4", "serial"},
        {"serial8", "bigserial"},
    }};
    for (const auto& [alias, canonical] : aliases) {
        if (name == alias) {
            return std::string(canonical);
        }
    }
    return name;
}

// ---------------------------------------------------------------------------------------------
// One statement's parse tree to Changes.

class StatementMapper {
  public:
    // `text` is what libpg_query parsed; the statement spans [begin, end) of it.
    StatementMapper(std::string_view text, std::size_t begin, std::size_t end)
        : m_text(text), m_begin(begin), m_end(end) {}

    std::vector<Change> map(const Json& statement) {
        auto [type, fields] = unwrap(statement);
        if (fields != nullptr) {
            map_node(type, *fields);
        }
        if (m_changes.empty()) {
            m_changes.push_back(Change{});
        }
        return std::move(m_changes);
    }

  private:
    Change& add(ChangeKind kind, std::string table = {}) {
        Change& change = m_changes.emplace_back();
        change.kind = kind;
        change.table = std::move(table);
        return change;
    }

    void add_created(std::string_view what, std::string name, bool if_not_exists = false) {
        Change& change = add(ChangeKind::create_other);
        change.name = std::move(name);
        change.detail = what;
        change.if_exists = if_not_exists;
    }

    void map_node(std::string_view type, const Json& n) {
        if (type == "CreateStmt") {
            create_table(n);
        } else if (type == "AlterTableStmt") {
            alter_table(n);
        } else if (type == "IndexStmt") {
            create_index(n);
        } else if (type == "DropStmt") {
            drop(n);
        } else if (type == "RenameStmt") {
            rename(n);
        } else if (type == "DropdbStmt") {
            Change& change = add(ChangeKind::drop_database);
            change.name = string_field(n, "dbname");
            change.if_exists = bool_field(n, "missing_ok");
        } else if (type == "ReindexStmt") {
            reindex(n);
        } else if (type == "CreateSchemaStmt") {
            Change& change = add(ChangeKind::create_schema);
            change.name = string_field(n, "schemaname");
            if (const Json* role = member(n, "authrole"); change.name.empty() && role != nullptr) {
                change.name = string_field(*role, "rolename");
            }
            change.if_exists = bool_field(n, "if_not_exists");
        } else if (type == "AlterEnumStmt") {
            alter_enum(n);
        } else if (type == "TruncateStmt") {
            for (const Json& item : list_field(n, "relations")) {
                add(ChangeKind::truncate, relation_name(node(item, "RangeVar")));
            }
        } else if (type == "UpdateStmt" || type == "DeleteStmt") {
            Change& change = add(type == "UpdateStmt" ? ChangeKind::update : ChangeKind::delete_rows,
                                 relation_name(member(n, "relation")));
            change.has_where = member(n, "whereClause") != nullptr;
        } else if (type == "InsertStmt") {
            add(ChangeKind::insert, relation_name(member(n, "relation")));
        } else if (type == "SelectStmt") {
            // SELECT ... INTO creates a table, like CREATE TABLE AS.
            if (const Json* into = member(n, "intoClause")) {
                add_created("table", relation_name(member(*into, "rel")));
            } else {
                add(ChangeKind::select);
            }
        } else if (type == "TransactionStmt") {
            transaction(n);
        } else if (type == "VacuumStmt") {
            vacuum(n);
        } else {
            create_other(type, n);
        }
    }

    void create_other(std::string_view type, const Json& n) {
        if (type == "CreateTableAsStmt") {
            const Json* into = member(n, "into");
            bool materialized = string_field(n, "objtype") == "OBJECT_MATVIEW";
            add_created(materialized ? "materialized view" : "table",
                        into != nullptr ? relation_name(member(*into, "rel")) : std::string(),
                        bool_field(n, "if_not_exists"));
        } else if (type == "ViewStmt") {
            add_created("view", relation_name(member(n, "view")));
        } else if (type == "CreateFunctionStmt") {
            add_created(bool_field(n, "is_procedure") ? "procedure" : "function", dotted(list_field(n, "funcname")));
        } else if (type == "CreateTrigStmt") {
            add_created("trigger", std::string(string_field(n, "trigname")));
            m_changes.back().table = relation_name(member(n, "relation"));
        } else if (type == "CreateEnumStmt") {
            add_created("type", dotted(list_field(n, "typeName")));
        } else if (type == "CompositeTypeStmt") {
            add_created("type", relation_name(member(n, "typevar")));
        } else if (type == "CreateDomainStmt") {
            add_created("domain", dotted(list_field(n, "domainname")));
        } else if (type == "CreateExtensionStmt") {
            add_created("extension", std::string(string_field(n, "extname")), bool_field(n, "if_not_exists"));
        } else if (type == "CreateSeqStmt") {
            add_created("sequence", relation_name(member(n, "sequence")), bool_field(n, "if_not_exists"));
        } else {
            add(ChangeKind::other);
        }
    }

    // -- Column types and column definitions

    TypeName type_name(const Json& n) const {
        TypeName type;
        const Json& names = list_field(n, "names");
        std::size_t first = 0;
        if (names.size() > 1) {
            const Json* schema = node(names[0], "String");
            if (schema != nullptr && string_field(*schema, "sval") == "pg_catalog") {
                first = 1;
            }
        }
        type.name = canonical_type(lowered(dotted(names, first)));
        for (const Json& modifier : list_field(n, "typmods")) {
            if (const Json* constant = node(modifier, "A_Const")) {
                if (const Json* ival = member(*constant, "ival")) {
                    const Json* value = member(*ival, "ival");
                    type.modifiers.push_back(value != nullptr ? value->dump() : "0");
                } else if (const Json* fval = member(*constant, "fval")) {
                    type.modifiers.emplace_back(string_field(*fval, "fval"));
                } else if (const Json* sval = member(*constant, "sval")) {
                    type.modifiers.emplace_back(string_field(*sval, "sval"));
                }
            }
        }
        type.array = !list_field(n, "arrayBounds").empty();
        std::size_t start = location(n);
        if (start != std::string_view::npos) {
            type.text = m_text.substr(start, extent_end(m_text, start, m_end, Extent::type) - start);
        }
        if (type.text.empty()) {
            type.text = type.name;
        }
        return type;
    }

    std::size_t location(const Json& n) const {
        const Json* value = member(n, "location");
        if (value == nullptr || !value->is_number_integer()) {
            return std::string_view::npos;
        }
        long long offset = value->get<long long>();
        return offset >= 0 && static_cast<std::size_t>(offset) < m_end ? static_cast<std::size_t>(offset)
                                                                       : std::string_view::npos;
    }

    // An expression as written: from its first token (with the parentheses that open it, which
    // the tree does not record) to `limit` or the end of the clause.
    std::string expression_text(const Json& expression, std::size_t limit) const {
        std::size_t start = first_location(expression);
        if (start == std::string_view::npos || start >= m_end) {
            return {};
        }
        while (true) {
            std::size_t before = start;
            while (before > m_begin && is_space(m_text[before - 1])) {
                --before;
            }
            if (before > m_begin && m_text[before - 1] == '(') {
                start = before - 1;
            } else {
                break;
            }
        }
        std::size_t end = extent_end(m_text, start, std::min(limit, m_end), Extent::expression);
        return std::string(m_text.substr(start, end - start));
    }

    DefaultValue default_value(const Json& expression, std::size_t limit) const {
        return DefaultValue{expression_text(expression, limit), volatility(expression)};
    }

    std::optional<ConstraintDef> constraint_def(const Json& n, std::string_view column) const {
        static constexpr std::array<std::pair<std::string_view, ConstraintKind>, 5> kinds = {{
            {"CONSTR_PRIMARY", ConstraintKind::primary_key},
            {"CONSTR_UNIQUE", ConstraintKind::unique},
            {"CONSTR_FOREIGN", ConstraintKind::foreign_key},
            {"CONSTR_CHECK", ConstraintKind::check},
            {"CONSTR_EXCLUSION", ConstraintKind::exclusion},
        }};
        std::string_view contype = string_field(n, "contype");
        auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == contype; });
        if (kind == kinds.end()) {
            return std::nullopt;
        }
        ConstraintDef def;
        def.kind = kind->second;
        def.name = string_field(n, "conname");
        def.not_valid = bool_field(n, "skip_validation");
        def.using_index = string_field(n, "indexname");
        for (std::string_view key : {"keys", "fk_attrs"}) {
            for (const Json& item : list_field(n, key)) {
                if (const Json* string = node(item, "String")) {
                    def.columns.emplace_back(string_field(*string, "sval"));
                }
            }
        }
        // EXCLUDE lists (element, operators) pairs.
        for (const Json& pair : list_field(n, "exclusions")) {
            const Json* list = node(pair, "List");
            const Json* element = nullptr;
            if (list != nullptr && !list_field(*list, "items").empty()) {
                element = node(list_field(*list, "items")[0], "IndexElem");
            }
            if (element != nullptr) {
                def.columns.push_back(index_element(*element));
            }
        }
        if (def.columns.empty() && !column.empty()) {
            def.columns.emplace_back(column);
        }
        return def;
    }

    // A column definition; its inline PRIMARY KEY, UNIQUE, REFERENCES and CHECK also go to
    // `constraints` when given.
    ColumnDef column_def(const Json& n, std::vector<ConstraintDef>* constraints) const {
        ColumnDef column;
        column.name = string_field(n, "colname");
        if (const Json* type = member(n, "typeName")) {
            column.type = type_name(*type);
        }
        const Json& list = list_field(n, "constraints");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Json* constraint = node(list[i], "Constraint");
            if (constraint == nullptr) {
                continue;
            }
            std::string_view contype = string_field(*constraint, "contype");
            if (contype == "CONSTR_NOTNULL") {
                column.not_null = true;
            } else if (contype == "CONSTR_DEFAULT") {
                // The next constraint, where there is one, is where the expression ends.
                std::size_t limit = m_end;
                if (i + 1 < list.size()) {
                    if (const Json* next = node(list[i + 1], "Constraint")) {
                        limit = std::min(limit, location(*next));
                    }
                }
                if (const Json* expression = member(*constraint, "raw_expr")) {
                    column.default_value = default_value(*expression, limit);
                }
            } else if (contype == "CONSTR_IDENTITY") {
                column.identity = true;
            } else if (contype == "CONSTR_GENERATED") {
                column.generated_stored = true;
            } else if (contype == "CONSTR_PRIMARY") {
                column.primary_key = true;
            } else if (contype == "CONSTR_UNIQUE") {
                column.unique = true;
            } else if (contype == "CONSTR_FOREIGN") {
                column.references = true;
            } else if (contype == "CONSTR_CHECK") {
                column.check = true;
            }
            if (constraints != nullptr) {
                if (auto def = constraint_def(*constraint, column.name)) {
                    constraints->push_back(std::move(*def));
                }
            }
        }
        return column;
    }

    std::string index_element(const Json& n) const {
        std::string_view name = string_field(n, "name");
        if (!name.empty()) {
            return std::string(name);
        }
        const Json* expression = member(n, "expr");
        std::size_t start = expression != nullptr ? first_location(*expression) : std::string_view::npos;
        if (start == std::string_view::npos || start >= m_end) {
            return {};
        }
        return std::string(m_text.substr(start, extent_end(m_text, start, m_end, Extent::index_element) - start));
    }

    // -- Statements

    void create_table(const Json& n) {
        Change& change = add(ChangeKind::create_table, relation_name(member(n, "relation")));
        change.if_exists = bool_field(n, "if_not_exists");
        for (const Json& element : list_field(n, "tableElts")) {
            if (const Json* column = node(element, "ColumnDef")) {
                change.columns.push_back(column_def(*column, &change.constraints));
            } else if (const Json* constraint = node(element, "Constraint")) {
                if (auto def = constraint_def(*constraint, {})) {
                    change.constraints.push_back(std::move(*def));
                }
            }
        }
    }

    void alter_table(const Json& n) {
        std::string table = relation_name(member(n, "relation"));
        // ALTER INDEX, ALTER VIEW, ALTER SEQUENCE ... share this node; rules look at tables only.
        if (string_field(n, "objtype") != "OBJECT_TABLE") {
            add(ChangeKind::other).name = std::move(table);
            return;
        }
        for (const Json& item : list_field(n, "cmds")) {
            if (const Json* command = node(item, "AlterTableCmd")) {
                alter_table_command(table, *command);
            }
        }
    }

    void alter_table_command(const std::string& table, const Json& n) {
        std::string_view subtype = string_field(n, "subtype");
        std::string name(string_field(n, "name"));
        const Json* def = member(n, "def");
        if (subtype == "AT_AddColumn") {
            const Json* column = def != nullptr ? node(*def, "ColumnDef") : nullptr;
            Change& change = add(ChangeKind::add_column, table);
            if (column != nullptr) {
                change.column = column_def(*column, nullptr);
                change.name = change.column->name;
            }
            change.if_exists = bool_field(n, "missing_ok");
        } else if (subtype == "AT_DropColumn") {
            Change& change = add(ChangeKind::drop_column, table);
            change.name = std::move(name);
            change.if_exists = bool_field(n, "missing_ok");
        } else if (subtype == "AT_AlterColumnType") {
            Change& change = add(ChangeKind::alter_column_type, table);
            change.name = name;
            ColumnDef column;
            column.name = std::move(name);
            if (const Json* column_node = def != nullptr ? node(*def, "ColumnDef") : nullptr) {
                if (const Json* type = member(*column_node, "typeName")) {
                    column.type = type_name(*type);
                }
                // The IR has no USING slot: the expression travels in `detail`.
                if (const Json* using_expression = member(*column_node, "raw_default")) {
                    change.detail = expression_text(*using_expression, m_end);
                }
            }
            change.column = std::move(column);
        } else if (subtype == "AT_SetNotNull" || subtype == "AT_DropNotNull") {
            add(subtype == "AT_SetNotNull" ? ChangeKind::set_not_null : ChangeKind::drop_not_null, table).name =
                std::move(name);
        } else if (subtype == "AT_ColumnDefault") {
            Change& change = add(def != nullptr ? ChangeKind::set_default : ChangeKind::drop_default, table);
            change.name = name;
            if (def != nullptr) {
                ColumnDef column;
                column.name = std::move(name);
                column.default_value = default_value(*def, m_end);
                change.column = std::move(column);
            }
        } else if (subtype == "AT_AddConstraint") {
            const Json* constraint = def != nullptr ? node(*def, "Constraint") : nullptr;
            std::optional<ConstraintDef> parsed =
                constraint != nullptr ? constraint_def(*constraint, {}) : std::nullopt;
            Change& change = add(parsed ? ChangeKind::add_constraint : ChangeKind::alter_table_other, table);
            if (parsed) {
                change.name = parsed->name;
                change.constraint = std::move(parsed);
            } else {
                change.detail = subtype.substr(3);
            }
        } else if (subtype == "AT_ValidateConstraint") {
            add(ChangeKind::validate_constraint, table).name = std::move(name);
        } else if (subtype == "AT_DropConstraint") {
            Change& change = add(ChangeKind::drop_constraint, table);
            change.name = std::move(name);
            change.if_exists = bool_field(n, "missing_ok");
        } else {
            Change& change = add(ChangeKind::alter_table_other, table);
            change.name = std::move(name);
            change.detail = subtype.starts_with("AT_") ? subtype.substr(3) : subtype;
        }
    }

    void create_index(const Json& n) {
        IndexDef index;
        index.name = string_field(n, "idxname");
        index.table = relation_name(member(n, "relation"));
        for (const Json& item : list_field(n, "indexParams")) {
            if (const Json* element = node(item, "IndexElem")) {
                index.columns.push_back(index_element(*element));
            }
        }
        index.unique = bool_field(n, "unique");
        index.concurrently = bool_field(n, "concurrent");
        index.if_not_exists = bool_field(n, "if_not_exists");
        Change& change = add(ChangeKind::create_index, index.table);
        change.name = index.name;
        change.concurrently = index.concurrently;
        change.index = std::move(index);
    }

    // "OBJECT_MATVIEW" -> "materialized view": what a dropped or renamed object is, for messages.
    static std::string object_kind(std::string_view type) {
        if (type == "OBJECT_MATVIEW") {
            return "materialized view";
        }
        if (type == "OBJECT_TABCONSTRAINT") {
            return "constraint";
        }
        std::string kind = lowered(type.starts_with("OBJECT_") ? type.substr(7) : type);
        std::replace(kind.begin(), kind.end(), '_', ' ');
        return kind;
    }

    void drop(const Json& n) {
        std::string_view type = string_field(n, "removeType");
        ChangeKind kind = ChangeKind::drop_other;
        if (type == "OBJECT_TABLE") {
            kind = ChangeKind::drop_table;
        } else if (type == "OBJECT_INDEX") {
            kind = ChangeKind::drop_index;
        } else if (type == "OBJECT_SCHEMA") {
            kind = ChangeKind::drop_schema;
        }
        // Triggers, rules and policies are named "table.name".
        bool on_table = type == "OBJECT_TRIGGER" || type == "OBJECT_RULE" || type == "OBJECT_POLICY";
        for (const Json& object : list_field(n, "objects")) {
            Change& change = add(kind);
            change.if_exists = bool_field(n, "missing_ok");
            change.concurrently = bool_field(n, "concurrent");
            if (kind == ChangeKind::drop_other) {
                change.detail = object_kind(type);
            }
            std::string name;
            if (const Json* list = node(object, "List")) {
                const Json& items = list_field(*list, "items");
                std::size_t last = on_table && items.size() > 1 ? items.size() - 1 : 0;
                change.table = dotted(items, 0, last);
                name = dotted(items, last);
            } else if (const Json* string = node(object, "String")) {
                name = string_field(*string, "sval");
            } else if (const Json* type_name = node(object, "TypeName")) {
                name = dotted(list_field(*type_name, "names"));
            } else if (const Json* function = node(object, "ObjectWithArgs")) {
                name = dotted(list_field(*function, "objname"));
            }
            (kind == ChangeKind::drop_table ? change.table : change.name) = std::move(name);
        }
    }

    void rename(const Json& n) {
        std::string_view type = string_field(n, "renameType");
        std::string_view on = string_field(n, "relationType");
        std::string relation = relation_name(member(n, "relation"));
        Change* change = nullptr;
        if (type == "OBJECT_TABLE") {
            change = &add(ChangeKind::rename_table, relation);
        } else if (type == "OBJECT_COLUMN" && (on == "OBJECT_TABLE" || on == "OBJECT_FOREIGN_TABLE")) {
            change = &add(ChangeKind::rename_column, relation);
            change->name = string_field(n, "subname");
        } else if (type == "OBJECT_TABCONSTRAINT" || type == "OBJECT_TRIGGER" || type == "OBJECT_POLICY" ||
                   type == "OBJECT_RULE") {
            change = &add(ChangeKind::alter_table_other, relation);
            change->name = string_field(n, "subname");
            change->detail = "rename " + object_kind(type);
        } else {
            change = &add(ChangeKind::other);
            change->name = relation.empty() ? std::string(string_field(n, "subname")) : relation;
            change->detail = "rename " + object_kind(type);
        }
        change->new_name = string_field(n, "newname");
    }

    void reindex(const Json& n) {
        Change& change = add(ChangeKind::reindex);
        change.name = relation_name(member(n, "relation"));
        if (change.name.empty()) {
            change.name = string_field(n, "name");
        }
        change.concurrently = option_enabled(list_field(n, "params"), "concurrently");
        std::string_view kind = string_field(n, "kind");
        change.detail = lowered(kind.starts_with("REINDEX_OBJECT_") ? kind.substr(15) : kind);
    }

    void alter_enum(const Json& n) {
        // RENAME VALUE also lands here, with the old value set.
        if (member(n, "oldVal") != nullptr || member(n, "newVal") == nullptr) {
            add(ChangeKind::other).name = dotted(list_field(n, "typeName"));
            return;
        }
        Change& change = add(ChangeKind::alter_type_add_value);
        change.name = dotted(list_field(n, "typeName"));
        change.detail = string_field(n, "newVal");
        change.if_exists = bool_field(n, "skipIfNewValExists");
    }

    void transaction(const Json& n) {
        std::string_view kind = string_field(n, "kind");
        if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
            add(ChangeKind::transaction_begin);
        } else if (kind == "TRANS_STMT_COMMIT") {
            add(ChangeKind::transaction_commit);
        } else if (kind == "TRANS_STMT_ROLLBACK") {
            add(ChangeKind::transaction_rollback);
        } else {
            add(ChangeKind::other);
        }
    }

    void vacuum(const Json& n) {
        // ANALYZE shares the node.
        if (!bool_field(n, "is_vacuumcmd")) {
            add(ChangeKind::other);
            return;
        }
        // VACUUM FULL rewrites the table under an exclusive lock; the IR has no flag for it.
        std::string_view detail = option_enabled(list_field(n, "options"), "full") ? "full" : "";
        const Json& relations = list_field(n, "rels");
        if (relations.empty()) {
            add(ChangeKind::vacuum).detail = detail;
        }
        for (const Json& item : relations) {
            const Json* relation = node(item, "VacuumRelation");
            add(ChangeKind::vacuum, relation != nullptr ? relation_name(member(*relation, "relation")) : "").detail =
                detail;
        }
    }

    std::string_view m_text;
    std::size_t m_begin;
    std::size_t m_end;
    std::vector<Change> m_changes;
};

// ---------------------------------------------------------------------------------------------
// Calling libpg_query safely.

class ParseResult {
  public:
    explicit ParseResult(PgQueryParseResult raw) : m_raw(raw) {}
    ParseResult(const ParseResult&) = delete;
    ParseResult& operator=(const ParseResult&) = delete;
    ~ParseResult() { pg_query_free_parse_result(m_raw); }
    const PgQueryParseResult* operator->() const { return &m_raw; }

  private:
    PgQueryParseResult m_raw;
};

// libpg_query writes its JSON recursively, about 150 bytes of stack per level of nesting, and a
// chain such as 1+1+...+1 nests once per two bytes of input: 120 kB of it overflows an 8 MB stack.
// Small inputs are parsed on the caller's stack; larger ones on a thread whose stack fits the
// worst case.
constexpr std::size_t caller_stack_input_limit = 16 * 1024;
constexpr std::size_t stack_bytes_per_input_byte = 128;

std::optional<PgQueryParseResult> call_pg_query_parse(const std::string& input) {
    if (input.size() <= caller_stack_input_limit) {
        return pg_query_parse(input.c_str());
    }
    struct Job {
        const char* input;
        PgQueryParseResult result;
    } job{input.c_str(), {}};
    auto run = [](void* argument) -> void* {
        auto* j = static_cast<Job*>(argument);
        j->result = pg_query_parse(j->input);
        return nullptr;
    };
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) {
        return std::nullopt;
    }
    std::size_t stack = 8 * 1024 * 1024 + input.size() * stack_bytes_per_input_byte;
    pthread_t thread;
    bool started =
        pthread_attr_setstacksize(&attributes, stack) == 0 && pthread_create(&thread, &attributes, run, &job) == 0;
    pthread_attr_destroy(&attributes);
    if (!started) {
        return std::nullopt;
    }
    pthread_join(thread, nullptr);
    return job.result;
}

// libpg_query copies identifiers and literals byte for byte, so text that is not UTF-8 (a Latin-1
// file) reaches the JSON, which nlohmann refuses. Such bytes become U+FFFD; names stay readable.
std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        if (valid) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// PostgreSQL quotes the input from the error on, which for an unterminated string is the rest of
// the file: the quote is cut to its first line and a few dozen bytes.
std::string short_message(std::string_view message) {
    constexpr std::string_view near = "at or near \"";
    constexpr std::size_t longest_quote = 40;
    std::size_t start = message.find(near);
    if (start == std::string_view::npos) {
        return valid_utf8(message);
    }
    start += near.size();
    std::string_view quoted = message.substr(start, message.size() - start - (message.ends_with('"') ? 1 : 0));
    std::size_t cut = std::min({quoted.find_first_of("\r\n"), quoted.size(), longest_quote});
    if (cut == quoted.size()) {
        return valid_utf8(message);
    }
    while (cut > 0 && (static_cast<unsigned char>(quoted[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return valid_utf8(std::string(message.substr(0, start)) + std::string(quoted.substr(0, cut)) + "...\"");
}

Json parse_json(const char* text) {
    std::string_view view(text);
    Json tree = Json::parse(view.begin(), view.end(), nullptr, false);
    if (tree.is_discarded()) {
        std::string repaired = valid_utf8(view);
        tree = Json::parse(repaired, nullptr, false);
    }
    return tree;
}

// ---------------------------------------------------------------------------------------------
// One call of parse().

class ParseRun {
  public:
    explicit ParseRun(std::string_view sql) : m_sql(sql), m_source(sql) {
        // An embedded NUL would end libpg_query's C string early. As a character the lexer does
        // not know it stays a token, so statements stay where they are and the one holding it
        // fails; its error is then moved to the NUL.
        m_has_nul = m_source.find('\0') != std::string::npos;
        if (m_has_nul) {
            std::replace(m_source.begin(), m_source.end(), '\0', '\x01');
        }
        // A byte order mark is invisible in editors: it is blank here, and line 1's columns
        // count from after it.
        std::size_t line_start = 0;
        if (m_source.starts_with("\xEF\xBB\xBF")) {
            m_source.replace(0, 3, "   ");
            line_start = 3;
        }
        m_line_starts.push_back(line_start);
        for (std::size_t i = m_source.find('\n'); i != std::string::npos; i = m_source.find('\n', i + 1)) {
            m_line_starts.push_back(i + 1);
        }
    }

    std::vector<ParsedStatement> run() {
        if (!parse_piece(0, m_source.size(), false)) {
            for (auto [begin, end] : statement_ranges()) {
                parse_piece(begin, end, true);
            }
        }
        if (m_has_nul) {
            report_nul_bytes();
        }
        return std::move(m_statements);
    }

  private:
    // Parses [begin, end) of the source. A syntax error is recorded as a statement when
    // `record_error` is set; otherwise the caller falls back to statement by statement.
    bool parse_piece(std::size_t begin, std::size_t end, bool record_error) {
        // libpg_query wants a C string: the whole source is one already, a piece is copied.
        bool whole = begin == 0 && end == m_source.size();
        std::string piece = whole ? std::string() : m_source.substr(begin, end - begin);
        const std::string& text = whole ? m_source : piece;
        std::optional<PgQueryParseResult> raw = call_pg_query_parse(text);
        if (!raw) {
            if (record_error) {
                add_error(begin, end, "statement too large to parse", begin);
            }
            return false;
        }
        ParseResult result(*raw);
        if (result->error != nullptr) {
            if (record_error) {
                const char* message = result->error->message;
                add_error(begin, end, short_message(message != nullptr ? message : "syntax error"),
                          begin + error_offset(text, result->error->cursorpos));
            }
            return false;
        }
        Json tree = parse_json(result->parse_tree);
        if (!tree.is_object()) {
            if (record_error) {
                add_error(begin, end, "the parse tree could not be read", begin);
            }
            return false;
        }
        for (const Json& statement : list_field(tree, "stmts")) {
            const Json* location = member(statement, "stmt_location");
            const Json* length = member(statement, "stmt_len");
            std::size_t from = location != nullptr && location->is_number_integer() ? location->get<std::size_t>() : 0;
            std::size_t size = length != nullptr && length->is_number_integer() ? length->get<std::size_t>() : 0;
            from = std::min(from, text.size());
            // A length of 0 is libpg_query's "to the end of the input".
            std::size_t to = size == 0 ? text.size() : std::min(from + size, text.size());
            std::size_t first = skip_blank(text, from, to);
            std::size_t last = trimmed_end(text, first, to);
            ParsedStatement& parsed = add_statement(begin + first, begin + last);
            const Json* node = member(statement, "stmt");
            if (node != nullptr) {
                parsed.changes = StatementMapper(text, first, to).map(*node);
            } else {
                parsed.changes.push_back(Change{});
            }
        }
        return true;
    }

    static std::size_t trimmed_end(std::string_view text, std::size_t begin, std::size_t end) {
        while (end > begin && is_space(text[end - 1])) {
            --end;
        }
        return end;
    }

    // PostgreSQL reports the error position in characters, counted as its UTF-8 decoder steps
    // (by the lead byte, valid or not), 1-based; 0 when it has none.
    static std::size_t error_offset(std::string_view text, int cursor) {
        std::size_t offset = 0;
        for (int k = 1; k < cursor && offset < text.size(); ++k) {
            auto c = static_cast<unsigned char>(text[offset]);
            offset += (c & 0x80) == 0      ? 1
                      : (c & 0xE0) == 0xC0 ? 2
                      : (c & 0xF0) == 0xE0 ? 3
                      : (c & 0xF8) == 0xF0 ? 4
                                           : 1;
        }
        return std::min(offset, text.size());
    }

    ParsedStatement& add_statement(std::size_t begin, std::size_t end) {
        ParsedStatement& statement = m_statements.emplace_back();
        statement.text = m_sql.substr(begin, end - begin);
        statement.offset = begin;
        std::tie(statement.line, statement.column) = position(begin);
        return statement;
    }

    void add_error(std::size_t begin, std::size_t end, std::string message, std::size_t at) {
        std::size_t first = skip_blank(m_source, begin, end);
        ParsedStatement& statement = add_statement(first, trimmed_end(m_source, first, end));
        auto [line, column] = position(std::max(at, first));
        statement.syntax_error = ParsedStatement::SyntaxError{std::move(message), line, column};
    }

    std::pair<int, int> position(std::size_t offset) const {
        auto after = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
        std::size_t line =
            after == m_line_starts.begin() ? 0 : static_cast<std::size_t>(after - m_line_starts.begin()) - 1;
        std::size_t start = m_line_starts[line];
        return {static_cast<int>(line + 1), static_cast<int>(offset >= start ? offset - start + 1 : 1)};
    }

    // Statement boundaries for the fallback, from PostgreSQL's own lexer. Its splitter drops text
    // holding no keyword ("foo bar;") and everything after an unbalanced parenthesis; whatever it
    // leaves out that is not blank is split by the project's lexer instead, so nothing is lost.
    std::vector<std::pair<std::size_t, std::size_t>> statement_ranges() const {
        std::vector<std::pair<std::size_t, std::size_t>> ranges;
        PgQuerySplitResult split = pg_query_split_with_scanner(m_source.c_str());
        std::size_t covered = 0;
        if (split.error == nullptr) {
            for (int i = 0; i < split.n_stmts; ++i) {
                auto begin = static_cast<std::size_t>(std::max(split.stmts[i]->stmt_location, 0));
                std::size_t end = split.stmts[i]->stmt_len == 0
                                      ? m_source.size()
                                      : begin + static_cast<std::size_t>(split.stmts[i]->stmt_len);
                begin = std::clamp(begin, covered, m_source.size());
                end = std::clamp(end, begin, m_source.size());
                split_gap(covered, begin, ranges);
                ranges.emplace_back(begin, end);
                covered = end;
            }
        }
        pg_query_free_split_result(split);
        split_gap(covered, m_source.size(), ranges);
        return ranges;
    }

    void split_gap(std::size_t begin, std::size_t end, std::vector<std::pair<std::size_t, std::size_t>>& ranges) const {
        std::string_view gap = std::string_view(m_source).substr(begin, end - begin);
        std::size_t content = gap.find_first_not_of(" \t\r\n\f\v;");
        if (content == std::string_view::npos || skip_blank(gap, content, gap.size()) == gap.size()) {
            return;
        }
        SplitResult split = split_statements(gap);
        std::size_t tail = gap.size();
        if (split.error) {
            // The lexer gave up at an unterminated quote or comment, which runs to the end: the
            // statement holding it is everything after the last ';' before it.
            tail = offset_in(gap, split.error->line, split.error->column);
            LexResult lexed = tokenize(gap);
            std::size_t last_semicolon = 0;
            for (const Token& token : lexed.tokens) {
                if (token.kind == TokenKind::punct && token.text == ";") {
                    last_semicolon = token.offset + 1;
                }
            }
            for (const Statement& statement : split.statements) {
                std::size_t first = static_cast<std::size_t>(statement.text.data() - gap.data());
                if (first + statement.text.size() > last_semicolon) {
                    tail = std::min(tail, first);
                    break;
                }
            }
        }
        for (const Statement& statement : split.statements) {
            std::size_t first = static_cast<std::size_t>(statement.text.data() - gap.data());
            if (first >= tail) {
                break;
            }
            ranges.emplace_back(begin + first, begin + std::min(first + statement.text.size(), tail));
        }
        if (tail < gap.size()) {
            ranges.emplace_back(begin + tail, end);
        }
    }

    static std::size_t offset_in(std::string_view text, int line, int column) {
        std::size_t offset = 0;
        for (int l = 1; l < line; ++l) {
            std::size_t newline = text.find('\n', offset);
            if (newline == std::string_view::npos) {
                return text.size();
            }
            offset = newline + 1;
        }
        return std::min(offset + static_cast<std::size_t>(std::max(column - 1, 0)), text.size());
    }

    // PostgreSQL would never see a statement with a NUL byte in it whole, whatever the rest says.
    void report_nul_bytes() {
        for (ParsedStatement& statement : m_statements) {
            std::size_t nul = statement.text.find('\0');
            if (nul == std::string::npos) {
                continue;
            }
            auto [line, column] = position(statement.offset + nul);
            auto& error = statement.syntax_error;
            if (!error || error->line > line || (error->line == line && error->column >= column)) {
                error = ParsedStatement::SyntaxError{"NUL byte in the SQL text", line, column};
            }
            statement.changes.clear();
        }
    }

    std::string_view m_sql;
    std::string m_source;  // the SQL as libpg_query is given it: NULs and a byte order mark masked
    bool m_has_nul = false;
    std::vector<std::size_t> m_line_starts;
    std::vector<ParsedStatement> m_statements;
};

class PostgresLintParser final : public SqlParser {
  public:
    std::vector<ParsedStatement> parse(std::string_view sql) const override { return ParseRun(sql).run(); }
};

}  // namespace

std::unique_ptr<SqlParser> make_postgres_lint_parser() {
    return std::make_unique<PostgresLintParser>();
}

}  // namespace migrate::lint
