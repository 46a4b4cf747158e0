// non-concurrent-index: building or dropping an index without CONCURRENTLY blocks the table's
// writes (or all access) for the whole operation (see lint-rules/non-concurrent-index.toml).
#include <fmt/format.h>

#include "lint/rules/rules.hpp"

namespace migrate::lint {

namespace {

class NonConcurrentIndex : public Rule {
  public:
    std::string_view id() const override { return "non-concurrent-index"; }

    void check_statement(const StatementContext& context, FindingSink& sink) const override {
        if (context.piece.direction != Direction::up) {
            return;
        }
        for (const Change& change : context.statement.changes) {
            if (change.kind == ChangeKind::create_index && change.index && !change.index->concurrently) {
                const std::string& table = change.table.empty() ? change.index->table : change.table;
                if (context.created_here(table)) {
                    continue;
                }
                sink.report(context, fmt::format("building {} on '{}' without CONCURRENTLY takes a SHARE lock: "
                                                 "every insert, update and delete on '{}' waits for the whole build",
                                                 describe_index(change.index->name), table, table));
            } else if (change.kind == ChangeKind::drop_index && !change.concurrently) {
                sink.report(context, fmt::format("dropping index '{}' without CONCURRENTLY takes an ACCESS EXCLUSIVE "
                                                 "lock on its table: every query on it waits, behind any long "
                                                 "transaction already using it",
                                                 change.name));
            } else if (change.kind == ChangeKind::reindex && !change.concurrently) {
                sink.report(context, fmt::format("REINDEX of '{}' without CONCURRENTLY blocks writes to the table, "
                                                 "and every query that would use a rebuilt index, until the rebuild "
                                                 "ends",
                                                 change.name));
            }
        }
    }

  private:
    static std::string describe_index(const std::string& name) {
        return name.empty() ? std::string("an index") : fmt::format("index '{}'", name);
    }
};

}  // namespace

std::unique_ptr<Rule> make_non_concurrent_index_rule() {
    return std::make_unique<NonConcurrentIndex>();
}

}  // namespace migrate::lint
