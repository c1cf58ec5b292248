// translate/regex_to_gbnf.cpp: a recursive-descent regex reader that emits GBNF directly.
#include "translate/regex_to_gbnf.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace hp::translate {
namespace {

constexpr std::size_t max_repetition = 2000; // llama.cpp rejects larger {m,n}

char_set digit_set()
{
    return char_set{}.add('0', '9');
}
char_set word_set()
{
    return char_set{}.add('0', '9').add('A', 'Z').add('a', 'z').add('_', '_');
}
char_set space_set()
{
    return char_set{}.add('\t', '\r').add(' ', ' ');
}

// An emitted piece: either one character set (kept as a set so runs of single characters can be
// merged into one literal) or finished GBNF text.
struct piece
{
    std::optional<char_set> chars; // one character
    std::string gbnf;              // otherwise
    bool atomic = true;            // gbnf can take a postfix operator without parentheses
};

class regex_reader
{
public:
    regex_reader(std::string_view p, text_context ctx, gbnf_builder& rules, std::string_view hint)
        : p_(p), ctx_(ctx), rules_(rules), hint_(hint)
    {
    }

    grammar_result<std::string> run(regex_match mode)
    {
        bool anchored_start = false, anchored_end = false;
        if (!p_.empty() && p_.front() == '^') {
            anchored_start = true;
            pos_ = 1;
        }
        if (p_.size() > pos_ && p_.back() == '$' && (p_.size() < 2 || p_[p_.size() - 2] != '\\')) {
            anchored_end = true;
            p_.remove_suffix(1);
        }
        auto body = alternation();
        if (!body) return body.error();
        if (pos_ != p_.size()) return error("unbalanced ')'");
        std::string out = body->gbnf;
        if (mode == regex_match::search) {
            // Unanchored sides accept any text (JSON Schema patterns are searches).
            auto any = rules_.intern(std::string(hint_) + "-any", gbnf_chars(char_set::any(), ctx_) + "*");
            if (!anchored_start) out = any + " " + out;
            if (!anchored_end) out = out + " " + any;
        }
        return grammar_text(out);
    }

private:
    grammar_error error(std::string what) const
    {
        return grammar_error{"regex /" + std::string(p_) + "/ at offset " + std::to_string(pos_) + ": " +
                             std::move(what)};
    }

    // Long character expressions (a JSON-string `.` lists every control escape) become a shared
    // rule instead of being repeated at each use.
    std::string render(piece const& pc) const
    {
        if (!pc.chars) return pc.gbnf;
        auto text = gbnf_chars(*pc.chars, ctx_);
        return text.size() > 80 ? rules_.intern(std::string(hint_) + "-chars", text) : text;
    }

    grammar_result<piece> alternation()
    {
        std::vector<std::string> alts;
        for (;;) {
            auto seq = sequence();
            if (!seq) return seq.error();
            alts.push_back(std::move(*seq));
            if (pos_ < p_.size() && p_[pos_] == '|') {
                ++pos_;
                continue;
            }
            break;
        }
        if (alts.size() == 1) return piece{std::nullopt, alts.front(), false};
        std::string out = "(";
        for (std::size_t i = 0; i < alts.size(); ++i)
            out += (i ? " | " : "") + (alts[i].empty() ? std::string("\"\"") : alts[i]);
        return piece{std::nullopt, out + ")", true};
    }

    // A concatenation: runs of single characters become one literal.
    grammar_result<std::string> sequence()
    {
        std::string out;
        std::string run; // UTF-8 of pending single characters
        auto flush = [&] {
            if (run.empty()) return;
            out += (out.empty() ? "" : " ") + gbnf_text(run, ctx_);
            run.clear();
        };
        while (pos_ < p_.size() && p_[pos_] != '|' && p_[pos_] != ')') {
            auto atom_r = atom();
            if (!atom_r) return atom_r.error();
            auto pc = std::move(*atom_r);
            auto rep = quantifier();
            if (!rep) return rep.error();
            bool single = pc.chars && pc.chars->ranges().size() == 1 &&
                          pc.chars->ranges().front().first == pc.chars->ranges().front().last;
            if (single && !rep->has_value()) {
                append_utf8(run, pc.chars->ranges().front().first);
                continue;
            }
            flush();
            std::string text = render(pc);
            if (rep->has_value()) {
                bool atomic = pc.chars ? text.front() != '(' : pc.atomic;
                if (!atomic) text = "(" + text + ")";
                text += **rep;
            }
            if (!text.empty()) out += (out.empty() ? "" : " ") + text;
        }
        flush();
        return grammar_text(out);
    }

    // ? * + {m} {m,} {m,n}, optionally lazy. nullopt: no quantifier.
    grammar_result<std::optional<std::string>> quantifier()
    {
        using R = grammar_result<std::optional<std::string>>;
        if (pos_ >= p_.size()) return R(boost::system::in_place_value, std::nullopt);
        char c = p_[pos_];
        std::string q;
        if (c == '*' || c == '+' || c == '?') {
            q = std::string(1, c);
            ++pos_;
        } else if (c == '{') {
            auto close = p_.find('}', pos_);
            if (close == std::string_view::npos) return error("unterminated {m,n}");
            auto inner = std::string(p_.substr(pos_ + 1, close - pos_ - 1));
            auto comma = inner.find(',');
            auto digits = [](std::string const& s) {
                return !s.empty() && s.size() < 7 && s.find_first_not_of("0123456789") == std::string::npos;
            };
            std::string lo = inner.substr(0, comma);
            std::string hi = comma == std::string::npos ? lo : inner.substr(comma + 1);
            if (!digits(lo) || (!hi.empty() && !digits(hi))) return error("bad repetition {" + inner + "}");
            if (std::stoul(lo) > max_repetition || (!hi.empty() && std::stoul(hi) > max_repetition))
                return error("repetition count above 2000 in {" + inner + "}");
            if (!hi.empty() && std::stoul(hi) < std::stoul(lo))
                return error("repetition {" + inner + "} with n < m");
            q = "{" + inner + "}";
            pos_ = close + 1;
        } else {
            return R(boost::system::in_place_value, std::nullopt);
        }
        if (pos_ < p_.size() && p_[pos_] == '?')
            ++pos_; // lazy: same language
        else if (pos_ < p_.size() && p_[pos_] == '+')
            return error("possessive quantifier");
        return R(boost::system::in_place_value, q);
    }

    grammar_result<piece> atom()
    {
        char c = p_[pos_];
        if (c == '(') return group();
        if (c == '[') return char_class();
        if (c == '.') {
            ++pos_;
            return piece{char_set::any().remove(char_set::of('\n')), {}, true};
        }
        if (c == '^' || c == '$') return error(std::string("anchor '") + c + "' inside the pattern");
        if (c == '*' || c == '+' || c == '?' || c == '{') return error("quantifier without an operand");
        if (c == '\\') {
            auto set = escape(false);
            if (!set) return set.error();
            return piece{*set, {}, true};
        }
        auto const b = static_cast<unsigned char>(c);
        std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
        auto cps = decode_utf8(p_.substr(pos_, n));
        pos_ += n;
        return piece{char_set::of(cps.empty() ? 0xFFFD : cps.front()), {}, true};
    }

    grammar_result<piece> group()
    {
        ++pos_; // (
        if (pos_ < p_.size() && p_[pos_] == '?') {
            auto rest = p_.substr(pos_);
            if (rest.starts_with("?:")) {
                pos_ += 2;
            } else if (rest.starts_with("?P<") ||
                       (rest.starts_with("?<") && !rest.starts_with("?<=") && !rest.starts_with("?<!"))) {
                auto close = p_.find('>', pos_);
                if (close == std::string_view::npos) return error("unterminated group name");
                pos_ = close + 1;
            } else if (rest.starts_with("?=") || rest.starts_with("?!") || rest.starts_with("?<")) {
                return error("lookaround assertion (" + std::string(rest.substr(0, 3)) +
                             "...) is not translatable");
            } else {
                return error("group construct (" + std::string(rest.substr(0, 2)) +
                             "...) is not translatable");
            }
        }
        auto inner = alternation();
        if (!inner) return inner.error();
        if (pos_ >= p_.size() || p_[pos_] != ')') return error("missing ')'");
        ++pos_;
        if (inner->gbnf.empty()) return piece{std::nullopt, "\"\"", true};
        return piece{std::nullopt, inner->atomic ? inner->gbnf : "(" + inner->gbnf + ")", true};
    }

    grammar_result<piece> char_class()
    {
        ++pos_; // [
        bool negated = pos_ < p_.size() && p_[pos_] == '^';
        if (negated) ++pos_;
        char_set set;
        bool first = true;
        while (pos_ < p_.size() && (p_[pos_] != ']' || first)) {
            first = false;
            auto lo = class_atom();
            if (!lo) return lo.error();
            if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
                ++pos_;
                auto hi = class_atom();
                if (!hi) return hi.error();
                auto single = [](char_set const& s) {
                    return s.ranges().size() == 1 && s.ranges()[0].first == s.ranges()[0].last;
                };
                if (!single(*lo) || !single(*hi)) return error("range with a class escape");
                auto a = lo->ranges()[0].first, b = hi->ranges()[0].first;
                if (b < a) return error("reversed range in [...]");
                set.add(a, b);
            } else {
                set.add(*lo);
            }
        }
        if (pos_ >= p_.size()) return error("unterminated [...]");
        ++pos_;
        if (negated) set = set.complement();
        if (set.empty()) return error("empty character class");
        return piece{set, {}, true};
    }

    grammar_result<char_set> class_atom()
    {
        if (p_[pos_] == '\\') return escape(true);
        if (p_[pos_] == '[' && pos_ + 1 < p_.size() && p_[pos_ + 1] == ':')
            return error("POSIX class [:...:]");
        auto const b = static_cast<unsigned char>(p_[pos_]);
        std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
        auto cps = decode_utf8(p_.substr(pos_, n));
        pos_ += n;
        return char_set::of(cps.empty() ? 0xFFFD : cps.front());
    }

    grammar_result<char_set> escape(bool in_class)
    {
        if (pos_ + 1 >= p_.size()) return error("dangling backslash");
        char e = p_[pos_ + 1];
        pos_ += 2;
        switch (e) {
        case 'd':
            return digit_set();
        case 'D':
            return digit_set().complement();
        case 'w':
            return word_set();
        case 'W':
            return word_set().complement();
        case 's':
            return space_set();
        case 'S':
            return space_set().complement();
        case 'n':
            return char_set::of('\n');
        case 'r':
            return char_set::of('\r');
        case 't':
            return char_set::of('\t');
        case 'f':
            return char_set::of('\f');
        case 'v':
            return char_set::of('\v');
        case '0':
            return char_set::of(0);
        case 'b':
            if (in_class) return char_set::of('\b');
            return error("word boundary \\b is not translatable");
        case 'x':
        case 'u': {
            std::size_t digits = e == 'x' ? 2 : 4;
            if (pos_ + digits > p_.size()) return error(std::string("bad \\") + e + " escape");
            char32_t v = 0;
            for (std::size_t k = 0; k < digits; ++k) {
                char h = p_[pos_ + k];
                if (!std::isxdigit(static_cast<unsigned char>(h)))
                    return error(std::string("bad \\") + e + " escape");
                v = v * 16 + static_cast<char32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                       ? h - '0'
                                                       : (std::tolower(h) - 'a' + 10));
            }
            pos_ += digits;
            return char_set::of(v);
        }
        default:
            break;
        }
        if (std::isdigit(static_cast<unsigned char>(e))) return error("backreference \\" + std::string(1, e));
        if (std::isalpha(static_cast<unsigned char>(e)))
            return error("escape \\" + std::string(1, e) + " is not translatable");
        return char_set::of(static_cast<unsigned char>(e)); // escaped punctuation
    }

    std::string_view p_;
    text_context ctx_;
    gbnf_builder& rules_;
    std::string_view hint_;
    std::size_t pos_ = 0;
};

} // namespace

grammar_result<std::string> regex_to_gbnf(std::string_view pattern, regex_match mode, text_context ctx,
                                          gbnf_builder& rules, std::string_view name_hint)
{
    return regex_reader(pattern, ctx, rules, name_hint).run(mode);
}

} // namespace hp::translate
