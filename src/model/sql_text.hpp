// SQL as a migration file gives it: one text for every dialect, or a text per dialect with an
// optional default, so one migration file can serve SQLite, PostgreSQL and MySQL where their SQL
// differs (`up.postgres = "..."`, `up.default = "..."` in TOML).
#pragma once

#include <array>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// A position in a migration file: 1-based line and column (in bytes); 0 when unknown.
struct SourceLocation {
    int line = 0;
    int column = 0;
};

// Every dialect a migration file may name, whether or not this build includes it: a file written
// for several databases stays valid where one of them is not compiled in.
inline constexpr std::array<std::string_view, 3> known_dialects = {"sqlite", "postgres", "mysql"};

class SqlText {
  public:
    SqlText() = default;
    // One text for every dialect; implicit, as most steps are just that.
    SqlText(std::string text, SourceLocation origin = {}) : m_default(std::move(text)), m_default_origin(origin) {}

    // `dialect` is one of known_dialects, or "default" for the text the others fall back to.
    // `origin`: where the text's first character is in the migration file, so the linter can
    // point into the file.
    void set(const std::string& dialect, std::string text, SourceLocation origin = {});

    // The text for `dialect`: its own, else the default; nullptr when there is neither.
    const std::string* for_dialect(std::string_view dialect) const;
    // Where the text for_dialect(dialect) starts in its file.
    SourceLocation origin_for_dialect(std::string_view dialect) const;

    bool empty() const { return m_default.empty() && m_variants.empty(); }
    // The dialects with a text of their own.
    std::vector<std::string> variants() const;

    // True when this is one text for every dialect, equal to `text`.
    bool operator==(const std::string& text) const { return m_variants.empty() && m_default == text; }

  private:
    std::string m_default;
    SourceLocation m_default_origin;
    std::map<std::string, std::string, std::less<>> m_variants;
    std::map<std::string, SourceLocation, std::less<>> m_origins;
};

// Where text starting at `at` in a file begins once the leading whitespace `raw` starts with is
// skipped (loaders trim it): the origin of a trimmed SQL text.
SourceLocation skip_leading_whitespace(SourceLocation at, std::string_view raw);

// For test failure messages: the default text, then each variant.
std::ostream& operator<<(std::ostream& out, const SqlText& text);

}  // namespace migrate
