// translate/gbnf_parse.cpp: parse_gbnf, a GBNF reader that follows llama.cpp's grammar-parser.cpp
// (the same whitespace, newline and escape rules) plus the checks llama.cpp makes before it
// accepts a grammar.
#include "translate/gbnf.hpp"

#include <cctype>
#include <functional>
#include <optional>
#include <set>

namespace hp::translate {
namespace {

constexpr std::size_t max_repetition = 2000; // llama.cpp MAX_REPETITION_THRESHOLD

bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

class reader
{
public:
    explicit reader(std::string_view text) : s_(text) {}

    boost::system::result<gbnf_document, grammar_error> run()
    {
        gbnf_document doc;
        skip_space(true);
        while (pos_ < s_.size()) {
            auto name = word();
            if (name.empty()) return fail("expected a rule name");
            skip_space(false);
            if (s_.substr(pos_, 3) != "::=") return fail("expected ::= after '" + name + "'");
            pos_ += 3;
            skip_space(true);
            auto alts = alternatives(false);
            if (!alts) return alts.error();
            if (doc.index.contains(name)) return fail("rule '" + name + "' is defined twice");
            doc.index.emplace(name, doc.rules.size());
            doc.rules.emplace_back(name, std::move(*alts));
            if (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r')
                return fail("unexpected character at the end of rule '" + name + "'");
            skip_space(true);
        }
        return doc;
    }

private:
    grammar_error fail(std::string what) const
    {
        return grammar_error{"GBNF offset " + std::to_string(pos_) + ": " + std::move(what)};
    }

    void skip_space(bool newline_ok)
    {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '#') {
                while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r')
                    ++pos_;
            } else if (c == ' ' || c == '\t' || (newline_ok && (c == '\n' || c == '\r'))) {
                ++pos_;
            } else {
                break;
            }
        }
    }

    std::string word()
    {
        auto start = pos_;
        while (pos_ < s_.size() && is_word_char(s_[pos_]))
            ++pos_;
        return std::string(s_.substr(start, pos_ - start));
    }

    std::optional<std::size_t> number()
    {
        auto start = pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && pos_ - start < 9)
            ++pos_;
        if (start == pos_) return std::nullopt;
        return std::stoull(std::string(s_.substr(start, pos_ - start)));
    }

    // One code point, with escapes, inside a literal or class.
    boost::system::result<char32_t, grammar_error> char_at()
    {
        if (pos_ >= s_.size()) return fail("unexpected end of grammar");
        if (s_[pos_] != '\\') {
            // Raw UTF-8 in a grammar is allowed by llama.cpp (decoded as one code point).
            auto const b = static_cast<unsigned char>(s_[pos_]);
            std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
            auto cps = decode_utf8(s_.substr(pos_, n));
            pos_ += n;
            return cps.empty() ? char32_t{0xFFFD} : cps.front();
        }
        if (pos_ + 1 >= s_.size()) return fail("dangling backslash");
        char e = s_[pos_ + 1];
        pos_ += 2;
        std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (digits) {
            char32_t v = 0;
            for (std::size_t k = 0; k < digits; ++k, ++pos_) {
                if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])))
                    return fail(std::string("bad \\") + e + " escape");
                v = v * 16 + static_cast<char32_t>(std::stoi(std::string(1, s_[pos_]), nullptr, 16));
            }
            return v;
        }
        switch (e) {
        case 'n':
            return U'\n';
        case 'r':
            return U'\r';
        case 't':
            return U'\t';
        case '\\':
        case '"':
        case '[':
        case ']':
            return static_cast<char32_t>(e);
        default:
            return fail(std::string("unknown escape \\") + e);
        }
    }

    boost::system::result<gbnf_alternatives, grammar_error> alternatives(bool nested)
    {
        gbnf_alternatives alts;
        for (;;) {
            auto seq = sequence(nested);
            if (!seq) return seq.error();
            alts.push_back(std::move(*seq));
            if (pos_ < s_.size() && s_[pos_] == '|') {
                ++pos_;
                skip_space(true);
                continue;
            }
            return alts;
        }
    }

    boost::system::result<gbnf_sequence, grammar_error> sequence(bool nested)
    {
        gbnf_sequence seq;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            gbnf_element el;
            if (c == '"') {
                ++pos_;
                el.type = gbnf_element::kind::literal;
                while (pos_ < s_.size() && s_[pos_] != '"') {
                    auto ch = char_at();
                    if (!ch) return ch.error();
                    el.text.push_back(*ch);
                }
                if (pos_ >= s_.size()) return fail("unterminated literal");
                ++pos_;
            } else if (c == '[') {
                ++pos_;
                bool negated = pos_ < s_.size() && s_[pos_] == '^';
                if (negated) ++pos_;
                el.type = gbnf_element::kind::chars;
                while (pos_ < s_.size() && s_[pos_] != ']') {
                    auto lo = char_at();
                    if (!lo) return lo.error();
                    char32_t hi = *lo;
                    if (pos_ + 1 < s_.size() && s_[pos_] == '-' && s_[pos_ + 1] != ']') {
                        ++pos_;
                        auto h = char_at();
                        if (!h) return h.error();
                        hi = *h;
                    }
                    el.set.add(*lo, hi);
                }
                if (pos_ >= s_.size()) return fail("unterminated character class");
                ++pos_;
                if (negated) el.set = el.set.complement();
                if (el.set.empty()) return fail("empty character class");
            } else if (c == '.') {
                ++pos_;
                el.type = gbnf_element::kind::chars;
                el.set = char_set::any();
            } else if (c == '<' || (c == '!' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '<')) {
                el.type = c == '!' ? gbnf_element::kind::not_token : gbnf_element::kind::token;
                if (c == '!') ++pos_;
                auto close = s_.find('>', pos_);
                if (close == std::string_view::npos) return fail("unterminated token reference");
                el.name = std::string(s_.substr(pos_, close + 1 - pos_));
                if (el.name.starts_with("<[")) {
                    auto digits = el.name.substr(2, el.name.size() - 4);
                    if (digits.empty() || el.name[el.name.size() - 2] != ']' ||
                        digits.find_first_not_of("0123456789") != std::string::npos)
                        return fail("bad token reference " + el.name);
                    el.token_id = std::stoll(digits);
                } else if (!el.name.starts_with("<|") || !el.name.ends_with("|>")) {
                    return fail("bad token reference " + el.name);
                }
                pos_ = close + 1;
            } else if (c == '(') {
                ++pos_;
                skip_space(true);
                el.type = gbnf_element::kind::group;
                auto inner = alternatives(true);
                if (!inner) return inner.error();
                if (pos_ >= s_.size() || s_[pos_] != ')') return fail("expected )");
                ++pos_;
                el.group = std::move(*inner);
            } else if (is_word_char(c)) {
                el.type = gbnf_element::kind::rule;
                el.name = word();
            } else {
                break; // '|', ')', newline, or something the caller reports
            }
            skip_space(nested);
            if (auto r = repetition(el, nested); !r) return r.error();
            seq.push_back(std::move(el));
        }
        return seq;
    }

    boost::system::result<void, grammar_error> repetition(gbnf_element& el, bool nested)
    {
        if (pos_ >= s_.size()) return {};
        char c = s_[pos_];
        if (c == '*' || c == '+' || c == '?') {
            el.min = c == '+' ? 1 : 0;
            el.max = c == '?' ? 1 : gbnf_unbounded;
            ++pos_;
        } else if (c == '{') {
            ++pos_;
            auto lo = number();
            if (!lo) return fail("expected a number after {");
            el.min = *lo;
            el.max = *lo;
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                auto hi = number();
                el.max = hi ? *hi : gbnf_unbounded;
            }
            if (pos_ >= s_.size() || s_[pos_] != '}') return fail("expected }");
            ++pos_;
            if (el.min > max_repetition || (el.max != gbnf_unbounded && el.max > max_repetition))
                return fail("repetition count above 2000");
            if (el.max < el.min) return fail("repetition {m,n} with n < m");
        } else {
            return {};
        }
        skip_space(nested);
        return {};
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

// ---- semantic checks ---------------------------------------------------------------------------

void for_each_rule_ref(gbnf_alternatives const& alts, std::function<void(std::string const&)> const& f)
{
    for (auto const& seq : alts)
        for (auto const& el : seq) {
            if (el.type == gbnf_element::kind::rule) f(el.name);
            if (el.type == gbnf_element::kind::group) for_each_rule_ref(el.group, f);
        }
}

using nullable_map = std::map<std::string, bool, std::less<>>;

bool nullable_alts(gbnf_alternatives const& alts, nullable_map const& n);

bool nullable_element(gbnf_element const& el, nullable_map const& n)
{
    if (el.min == 0) return true;
    switch (el.type) {
    case gbnf_element::kind::literal:
        return el.text.empty();
    case gbnf_element::kind::rule: {
        auto it = n.find(el.name);
        return it != n.end() && it->second;
    }
    case gbnf_element::kind::group:
        return nullable_alts(el.group, n);
    default:
        return false;
    }
}

bool nullable_alts(gbnf_alternatives const& alts, nullable_map const& n)
{
    for (auto const& seq : alts) {
        bool all = true;
        for (auto const& el : seq)
            all = all && nullable_element(el, n);
        if (all) return true;
    }
    return false;
}

// Rules that can be reached without consuming input (the left edge of each alternative).
void left_refs(gbnf_alternatives const& alts, nullable_map const& n, std::set<std::string>& out)
{
    for (auto const& seq : alts)
        for (auto const& el : seq) {
            if (el.type == gbnf_element::kind::rule) out.insert(el.name);
            if (el.type == gbnf_element::kind::group) left_refs(el.group, n, out);
            if (!nullable_element(el, n)) break;
        }
}

} // namespace

boost::system::result<gbnf_document, grammar_error> parse_gbnf(std::string_view text)
{
    auto doc = reader(text).run();
    if (!doc) return doc;
    if (!doc->find("root")) return grammar_error{"grammar has no 'root' rule"};
    for (auto const& [name, alts] : doc->rules) {
        std::string missing;
        for_each_rule_ref(alts, [&](std::string const& ref) {
            if (missing.empty() && !doc->find(ref)) missing = ref;
        });
        if (!missing.empty())
            return grammar_error{"rule '" + name + "' refers to undefined rule '" + missing + "'"};
    }
    nullable_map nullable;
    for (bool changed = true; changed;) {
        changed = false;
        for (auto const& [name, alts] : doc->rules)
            if (!nullable[name] && nullable_alts(alts, nullable)) nullable[name] = changed = true;
    }
    std::map<std::string, std::set<std::string>> edges;
    for (auto const& [name, alts] : doc->rules)
        left_refs(alts, nullable, edges[name]);
    // Depth-first search for a cycle in the left-edge graph (llama.cpp's detect_left_recursion).
    std::map<std::string, int> state; // 0 new, 1 on stack, 2 done
    std::string cycle;
    std::function<bool(std::string const&)> visit = [&](std::string const& r) {
        state[r] = 1;
        for (auto const& next : edges[r]) {
            if (state[next] == 1) {
                cycle = next;
                return true;
            }
            if (state[next] == 0 && visit(next)) return true;
        }
        state[r] = 2;
        return false;
    };
    for (auto const& [name, alts] : doc->rules)
        if (state[name] == 0 && visit(name))
            return grammar_error{"left recursion through rule '" + cycle + "'"};
    return doc;
}

} // namespace hp::translate
