// translate/gbnf.cpp: code point sets, GBNF escaping and the rule builder. The parser/validator is
// in gbnf_parse.cpp.
#include "translate/gbnf.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace hp::translate {

// ---- UTF-8 -------------------------------------------------------------------------------------

std::u32string decode_utf8(std::string_view s)
{
    std::u32string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        auto const b = static_cast<unsigned char>(s[i]);
        std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = n != 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            auto const cb = static_cast<unsigned char>(s[i + k]);
            if ((cb & 0xC0) != 0x80) ok = false;
            c = (c << 6) | (cb & 0x3F);
        }
        if (!ok || c > max_code_point) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(c);
        i += n;
    }
    return out;
}

void append_utf8(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// ---- char_set ----------------------------------------------------------------------------------

char_set& char_set::add(char32_t first, char32_t last)
{
    if (first > last) return *this;
    ranges_.push_back({first, last});
    std::sort(ranges_.begin(), ranges_.end(),
              [](range const& a, range const& b) { return a.first < b.first; });
    std::vector<range> merged;
    for (auto const& r : ranges_) {
        if (!merged.empty() && r.first <= merged.back().last + 1)
            merged.back().last = std::max(merged.back().last, r.last);
        else
            merged.push_back(r);
    }
    ranges_ = std::move(merged);
    return *this;
}

char_set& char_set::add(char_set const& other)
{
    for (auto const& r : other.ranges_)
        add(r.first, r.last);
    return *this;
}

char_set char_set::complement() const
{
    char_set out;
    char32_t next = 0;
    for (auto const& r : ranges_) {
        if (r.first > next) out.ranges_.push_back({next, r.first - 1});
        next = r.last + 1;
    }
    if (next <= max_code_point) out.ranges_.push_back({next, max_code_point});
    return out;
}

char_set& char_set::remove(char_set const& other)
{
    // A \ B = ~(~A | B)
    auto tmp = complement();
    tmp.add(other);
    *this = tmp.complement();
    return *this;
}

bool char_set::contains(char32_t c) const noexcept
{
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), c,
                               [](char32_t v, range const& r) { return v < r.first; });
    return it != ranges_.begin() && std::prev(it)->last >= c;
}

// ---- escaping ----------------------------------------------------------------------------------

namespace {

// One code point inside a GBNF literal or class. `specials` are the ASCII characters that must be
// escaped in that position. Non-ASCII is always \u/\U (never raw UTF-8, never \x: \x is a code
// point too, and \xf0 would silently mean U+00F0).
void append_escaped(std::string& out, char32_t c, std::string_view specials)
{
    char buf[16];
    if (c == '\n') {
        out += "\\n";
    } else if (c == '\r') {
        out += "\\r";
    } else if (c == '\t') {
        out += "\\t";
    } else if (c >= 0x20 && c < 0x7F && specials.find(static_cast<char>(c)) == std::string_view::npos) {
        out.push_back(static_cast<char>(c));
    } else if (c == '"' || c == '\\' || c == '[' || c == ']') {
        out.push_back('\\'); // escapes llama.cpp knows; '-' and '^' go out as \x2D / \x5E
        out.push_back(static_cast<char>(c));
    } else if (c < 0x80) {
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
        out += buf;
    } else if (c <= 0xFFFF) {
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
        out += buf;
    } else {
        std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(c));
        out += buf;
    }
}

std::string class_body(char_set const& set)
{
    std::string out;
    for (auto const& r : set.ranges()) {
        append_escaped(out, r.first, "\\]-^[");
        if (r.last == r.first) continue;
        if (r.last > r.first + 1) out.push_back('-');
        append_escaped(out, r.last, "\\]-^[");
    }
    return out;
}

// The canonical JSON spelling of a code point inside a string (what JSON.stringify writes).
std::string json_escape(char32_t c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        break;
    }
    std::string out;
    if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out = buf;
    } else {
        append_utf8(out, c);
    }
    return out;
}

} // namespace

std::string gbnf_literal(std::string_view utf8)
{
    std::string out = "\"";
    for (char32_t c : decode_utf8(utf8))
        append_escaped(out, c, "\"\\");
    out.push_back('"');
    return out;
}

std::string gbnf_class(char_set const& set)
{
    // Every code point: "." (an empty negated class "[^]" is not something to rely on).
    if (set == char_set::any()) return ".";
    auto const direct = class_body(set);
    auto const negated = class_body(set.complement());
    if (negated.size() < direct.size()) return "[^" + negated + "]";
    return "[" + direct + "]";
}

std::string gbnf_chars(char_set const& set, text_context ctx)
{
    if (set.empty()) throw std::logic_error("gbnf_chars: empty set (callers reject those)");
    if (ctx == text_context::raw) return gbnf_class(set);
    // JSON string body: characters that need no escape stay a class; each escaped one becomes its
    // single canonical spelling.
    char_set needs_escape;
    needs_escape.add(0, 0x1F).add('"', '"').add('\\', '\\');
    char_set plain = set;
    plain.remove(needs_escape);
    std::vector<std::string> alts;
    if (!plain.empty()) alts.push_back(gbnf_class(plain));
    for (auto const& r : set.ranges())
        for (char32_t c = r.first; c <= r.last && c < 0x80; ++c)
            if (needs_escape.contains(c)) alts.push_back(gbnf_literal(json_escape(c)));
    if (alts.size() == 1) return alts.front();
    std::string out = "(";
    for (std::size_t i = 0; i < alts.size(); ++i) {
        if (i) out += " | ";
        out += alts[i];
    }
    return out + ")";
}

std::string gbnf_text(std::string_view utf8, text_context ctx)
{
    if (ctx == text_context::raw) return gbnf_literal(utf8);
    std::string escaped;
    for (char32_t c : decode_utf8(utf8))
        escaped += json_escape(c);
    return gbnf_literal(escaped);
}

// ---- builder -----------------------------------------------------------------------------------

std::string gbnf_builder::fresh_name(std::string_view base)
{
    std::string name;
    for (char ch : base) {
        auto const c = static_cast<unsigned char>(ch);
        if (std::isalnum(c))
            name.push_back(static_cast<char>(std::tolower(c)));
        else if (name.empty() || name.back() != '-')
            name.push_back('-');
    }
    while (!name.empty() && name.back() == '-')
        name.pop_back();
    if (name.empty()) name = "r";
    if (!index_.contains(name)) {
        index_.emplace(name, rules_.size());
        rules_.emplace_back(name, std::string{});
        return name;
    }
    for (std::size_t n = 2;; ++n) {
        auto candidate = name + "-" + std::to_string(n);
        if (!index_.contains(candidate)) {
            index_.emplace(candidate, rules_.size());
            rules_.emplace_back(candidate, std::string{});
            return candidate;
        }
    }
}

void gbnf_builder::define(std::string const& name, std::string body)
{
    auto it = index_.find(name);
    if (it == index_.end()) {
        index_.emplace(name, rules_.size());
        rules_.emplace_back(name, std::move(body));
    } else {
        rules_[it->second].second = std::move(body);
    }
}

std::string gbnf_builder::intern(std::string_view base, std::string const& body)
{
    if (auto it = interned_.find(body); it != interned_.end()) return it->second;
    auto name = fresh_name(base);
    define(name, body);
    interned_.emplace(body, name);
    return name;
}

std::string gbnf_builder::print() const
{
    std::string out;
    auto emit = [&](auto const& rule) {
        out += rule.first;
        out += " ::= ";
        out += rule.second;
        out += '\n';
    };
    if (auto it = index_.find("root"); it != index_.end()) emit(rules_[it->second]);
    for (auto const& rule : rules_)
        if (rule.first != "root") emit(rule);
    return out;
}

gbnf_alternatives const* gbnf_document::find(std::string_view name) const
{
    auto it = index.find(name);
    return it == index.end() ? nullptr : &rules[it->second].second;
}

} // namespace hp::translate
