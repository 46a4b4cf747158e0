#include "model/sql_text.hpp"

namespace migrate {

void SqlText::set(const std::string& dialect, std::string text, SourceLocation origin) {
    if (dialect == "default") {
        m_default = std::move(text);
        m_default_origin = origin;
    } else {
        m_variants[dialect] = std::move(text);
        m_origins[dialect] = origin;
    }
}

SourceLocation SqlText::origin_for_dialect(std::string_view dialect) const {
    if (auto it = m_origins.find(dialect); it != m_origins.end()) {
        return it->second;
    }
    return m_default_origin;
}

const std::string* SqlText::for_dialect(std::string_view dialect) const {
    if (auto it = m_variants.find(dialect); it != m_variants.end()) {
        return &it->second;
    }
    return m_default.empty() ? nullptr : &m_default;
}

std::vector<std::string> SqlText::variants() const {
    std::vector<std::string> out;
    for (const auto& [dialect, text] : m_variants) {
        out.push_back(dialect);
    }
    return out;
}

SourceLocation skip_leading_whitespace(SourceLocation at, std::string_view raw) {
    for (char c : raw) {
        if (c == '\n') {
            ++at.line;
            at.column = 1;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ++at.column;
        } else {
            break;
        }
    }
    return at;
}

std::ostream& operator<<(std::ostream& out, const SqlText& text) {
    if (const std::string* fallback = text.for_dialect("default")) {
        out << '"' << *fallback << '"';
    }
    for (const std::string& dialect : text.variants()) {
        out << " " << dialect << "=\"" << *text.for_dialect(dialect) << '"';
    }
    return out;
}

}  // namespace migrate
