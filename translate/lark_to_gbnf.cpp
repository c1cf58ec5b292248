// translate/lark_to_gbnf.cpp: a Lark grammar reader that emits GBNF rules.
#include "translate/lark_to_gbnf.hpp"

#include "translate/regex_to_gbnf.hpp"

#include <cctype>
#include <map>
#include <set>
#include <vector>

namespace hp::translate {
namespace {

// The subset of lark/grammars/common.lark the converter imports from. ESCAPED_STRING is written
// without Lark's lookbehind: a quote, then non-quote non-backslash characters or escape pairs.
constexpr std::string_view common_lark = R"(
DIGIT: "0".."9"
HEXDIGIT: "a".."f" | "A".."F" | DIGIT
INT: DIGIT+
SIGNED_INT: ["+"|"-"] INT
DECIMAL: INT "." INT? | "." INT
_EXP: ("e"|"E") SIGNED_INT
FLOAT: INT _EXP | DECIMAL _EXP?
SIGNED_FLOAT: ["+"|"-"] FLOAT
NUMBER: FLOAT | INT
SIGNED_NUMBER: ["+"|"-"] NUMBER
LCASE_LETTER: "a".."z"
UCASE_LETTER: "A".."Z"
LETTER: UCASE_LETTER | LCASE_LETTER
WORD: LETTER+
CNAME: ("_"|LETTER) ("_"|LETTER|DIGIT)*
ESCAPED_STRING: "\"" (/[^"\\\n]/ | "\\" /./)* "\""
WS_INLINE: (" "|/\t/)+
WS: /[ \t\f\r\n]/+
CR: /\r/
LF: /\n/
NEWLINE: (CR? LF)+
SH_COMMENT: /#[^\n]*/
CPP_COMMENT: /\/\/[^\n]*/
)";

struct token
{
    enum class kind { name, string, regex, number, punct, newline, end };
    kind type;
    std::string text;  // name / punctuation / number; string: decoded UTF-8; regex: the pattern
    std::string flags; // string / regex flags
    std::size_t line;
};

struct expr
{
    enum class kind { literal, regex, range, ref, seq, alt, repeat };
    kind type = kind::seq;
    std::string text;  // literal UTF-8 / regex pattern / ref name
    std::string flags; // literal or regex flags
    char32_t lo = 0, hi = 0;
    std::vector<expr> kids;
    std::size_t min = 1, max = 1;
};

class lexer
{
public:
    explicit lexer(std::string_view s) : s_(s) {}

    grammar_result<std::vector<token>> run()
    {
        std::vector<token> out;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n') {
                out.push_back({token::kind::newline, "\n", {}, line_++});
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (s_.substr(pos_, 2) == "//") {
                while (pos_ < s_.size() && s_[pos_] != '\n')
                    ++pos_;
            } else if (c == '"') {
                auto t = string_token();
                if (!t) return t.error();
                out.push_back(std::move(*t));
            } else if (c == '/') {
                auto t = regex_token();
                if (!t) return t.error();
                out.push_back(std::move(*t));
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                auto start = pos_;
                while (pos_ < s_.size() &&
                       (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
                    ++pos_;
                out.push_back({token::kind::name, std::string(s_.substr(start, pos_ - start)), {}, line_});
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                auto start = pos_;
                while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])))
                    ++pos_;
                out.push_back({token::kind::number, std::string(s_.substr(start, pos_ - start)), {}, line_});
            } else {
                for (std::string_view p : {"->", "..", ":", "|", "(", ")", "[", "]", "?", "*", "+", "~", "%",
                                           ".", ",", "{", "}", "!"}) {
                    if (s_.substr(pos_, p.size()) == p) {
                        out.push_back({token::kind::punct, std::string(p), {}, line_});
                        pos_ += p.size();
                        goto next;
                    }
                }
                return error(std::string("unexpected character '") + c + "'");
            next:;
            }
        }
        out.push_back({token::kind::newline, "\n", {}, line_});
        out.push_back({token::kind::end, "", {}, line_});
        return out;
    }

private:
    grammar_error error(std::string what) const
    {
        return grammar_error{"lark line " + std::to_string(line_) + ": " + what};
    }

    std::string flags()
    {
        auto start = pos_;
        while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_])))
            ++pos_;
        return std::string(s_.substr(start, pos_ - start));
    }

    grammar_result<token> string_token()
    {
        ++pos_;
        std::string text;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            char c = s_[pos_++];
            if (c == '\n') return error("newline inside a string literal");
            if (c != '\\') {
                text.push_back(c);
                continue;
            }
            if (pos_ >= s_.size()) break;
            char e = s_[pos_++];
            switch (e) {
            case 'n':
                text.push_back('\n');
                break;
            case 'r':
                text.push_back('\r');
                break;
            case 't':
                text.push_back('\t');
                break;
            case 'f':
                text.push_back('\f');
                break;
            case 'v':
                text.push_back('\v');
                break;
            case '0':
                text.push_back('\0');
                break;
            case '\\':
            case '"':
            case '\'':
                text.push_back(e);
                break;
            case 'x':
            case 'u':
            case 'U': {
                std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                if (pos_ + n > s_.size()) return error("bad escape in string literal");
                auto hex = std::string(s_.substr(pos_, n));
                if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
                    return error("bad escape in string literal");
                append_utf8(text, static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
                pos_ += n;
                break;
            }
            default:
                text.push_back('\\');
                text.push_back(e);
                break; // Python keeps unknown escapes
            }
        }
        if (pos_ >= s_.size()) return error("unterminated string literal");
        ++pos_;
        return token{token::kind::string, std::move(text), flags(), line_};
    }

    grammar_result<token> regex_token()
    {
        ++pos_;
        std::string text;
        while (pos_ < s_.size() && s_[pos_] != '/') {
            if (s_[pos_] == '\n') return error("newline inside a regex");
            if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
                if (s_[pos_ + 1] == '/') {
                    text.push_back('/');
                    pos_ += 2;
                    continue;
                }
                text.push_back(s_[pos_++]);
            }
            text.push_back(s_[pos_++]);
        }
        if (pos_ >= s_.size()) return error("unterminated regex");
        ++pos_;
        return token{token::kind::regex, std::move(text), flags(), line_};
    }

    std::string_view s_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

struct definition
{
    expr body;
    bool terminal;
};

class parser
{
public:
    explicit parser(std::vector<token> toks) : t_(std::move(toks)) {}

    // Definitions by Lark name, and the %import list (name in common -> local name).
    grammar_result<std::map<std::string, definition>> run(std::map<std::string, std::string>& imports)
    {
        std::map<std::string, definition> defs;
        while (peek().type != token::kind::end) {
            if (peek().type == token::kind::newline) {
                ++i_;
                continue;
            }
            if (is("%")) {
                ++i_;
                auto r = directive(imports);
                if (!r) return r.error();
                continue;
            }
            if (peek().type != token::kind::name && !is("?") && !is("!"))
                return error("expected a definition");
            if (is("?") || is("!")) ++i_;
            if (peek().type != token::kind::name) return error("expected a name");
            auto name = t_[i_++].text;
            if (is(".")) {
                i_ += 2; // priority
            }
            if (is("{")) return error("templates (" + name + "{...}) are not supported");
            if (!is(":")) return error("expected ':' after " + name);
            ++i_;
            auto body = expansions(true);
            if (!body) return body.error();
            if (defs.contains(name)) return error(name + " is defined twice");
            bool terminal = std::isupper(static_cast<unsigned char>(name[name[0] == '_' ? 1 : 0]));
            defs.emplace(name, definition{std::move(*body), terminal});
        }
        return defs;
    }

private:
    token const& peek() const { return t_[i_]; }
    bool is(std::string_view p) const { return peek().type == token::kind::punct && peek().text == p; }
    grammar_error error(std::string what) const
    {
        return grammar_error{"lark line " + std::to_string(peek().line) + ": " + what};
    }

    grammar_result<void> directive(std::map<std::string, std::string>& imports)
    {
        if (peek().type != token::kind::name) return error("expected a directive after %");
        auto const what = t_[i_++].text;
        if (what != "import") return error("%" + what + " is not supported");
        if (peek().type != token::kind::name || peek().text != "common")
            return error("only %import common.X is supported");
        ++i_;
        if (is(".")) {
            ++i_;
            auto name = t_[i_++].text;
            auto local = name;
            if (is("->")) {
                ++i_;
                local = t_[i_++].text;
            }
            imports[local] = name;
        } else if (is("(")) {
            ++i_;
            while (peek().type == token::kind::name) {
                imports[peek().text] = peek().text;
                ++i_;
                if (is(",")) ++i_;
            }
            if (!is(")")) return error("expected ) in %import");
            ++i_;
        } else {
            return error("malformed %import");
        }
        return {};
    }

    // Alternatives; at the top level of a definition, a newline ends them unless the next line
    // starts with '|'.
    grammar_result<expr> expansions(bool top)
    {
        expr alt;
        alt.type = expr::kind::alt;
        for (;;) {
            expr seq;
            seq.type = expr::kind::seq;
            for (;;) {
                if (!top)
                    while (peek().type == token::kind::newline)
                        ++i_;
                if (peek().type == token::kind::newline || peek().type == token::kind::end || is("|") ||
                    is(")") || is("]"))
                    break;
                if (is("->")) {
                    i_ += 2; // alias: names the tree node, same language
                    continue;
                }
                auto item = postfix();
                if (!item) return item.error();
                seq.kids.push_back(std::move(*item));
            }
            alt.kids.push_back(std::move(seq));
            if (top && peek().type == token::kind::newline) {
                auto j = i_;
                while (t_[j].type == token::kind::newline)
                    ++j;
                if (t_[j].type == token::kind::punct && t_[j].text == "|") i_ = j;
            }
            if (!is("|")) break;
            ++i_;
        }
        return alt;
    }

    grammar_result<expr> postfix()
    {
        auto a = atom();
        if (!a) return a;
        for (;;) {
            expr rep;
            rep.type = expr::kind::repeat;
            if (is("?"))
                rep.min = 0, rep.max = 1;
            else if (is("*"))
                rep.min = 0, rep.max = gbnf_unbounded;
            else if (is("+"))
                rep.min = 1, rep.max = gbnf_unbounded;
            else if (is("~")) {
                ++i_;
                if (peek().type != token::kind::number) return error("expected a number after ~");
                rep.min = rep.max = std::stoul(t_[i_].text);
                if (t_[i_ + 1].type == token::kind::punct && t_[i_ + 1].text == "..") {
                    i_ += 2;
                    if (peek().type != token::kind::number) return error("expected a number after ..");
                    rep.max = std::stoul(peek().text);
                }
                if (rep.max > 2000 || rep.max < rep.min) return error("bad ~ repetition");
            } else {
                return a;
            }
            ++i_;
            rep.kids.push_back(std::move(*a));
            a = std::move(rep);
        }
    }

    grammar_result<expr> atom()
    {
        auto const& tk = peek();
        if (is("(") || is("[")) {
            bool optional = is("[");
            ++i_;
            auto inner = expansions(false);
            if (!inner) return inner;
            if (!is(optional ? "]" : ")")) return error(optional ? "expected ]" : "expected )");
            ++i_;
            if (!optional) return inner;
            expr rep;
            rep.type = expr::kind::repeat;
            rep.min = 0;
            rep.kids.push_back(std::move(*inner));
            return rep;
        }
        if (tk.type == token::kind::string) {
            ++i_;
            if (is("..")) {
                ++i_;
                auto const& hi = peek();
                if (hi.type != token::kind::string) return error("expected a string after ..");
                auto a = decode_utf8(tk.text), b = decode_utf8(hi.text);
                if (a.size() != 1 || b.size() != 1 || b[0] < a[0]) return error("bad literal range");
                ++i_;
                return expr{expr::kind::range, {}, {}, a[0], b[0], {}, 1, 1};
            }
            if (!tk.flags.empty() && tk.flags != "i") return error("string flag '" + tk.flags + "'");
            return expr{expr::kind::literal, tk.text, tk.flags, 0, 0, {}, 1, 1};
        }
        if (tk.type == token::kind::regex) {
            ++i_;
            if (tk.flags.find_first_not_of("s") != std::string::npos)
                return error("regex flag '" + tk.flags + "'");
            return expr{expr::kind::regex, tk.text, tk.flags, 0, 0, {}, 1, 1};
        }
        if (tk.type == token::kind::name) {
            ++i_;
            if (is("{")) return error("template use " + tk.text + "{...} is not supported");
            return expr{expr::kind::ref, tk.text, {}, 0, 0, {}, 1, 1};
        }
        return error("unexpected '" + tk.text + "'");
    }

    std::vector<token> t_;
    std::size_t i_ = 0;
};

class emitter
{
public:
    emitter(std::map<std::string, definition> defs, text_context ctx, std::string_view prefix,
            gbnf_builder& rules)
        : defs_(std::move(defs)), ctx_(ctx), prefix_(prefix), rules_(rules)
    {
    }

    grammar_result<std::string> run()
    {
        if (!defs_.contains("start")) return grammar_error{"lark grammar has no 'start' rule"};
        auto start = name_of("start");
        while (!pending_.empty()) {
            auto lark_name = pending_.back();
            pending_.pop_back();
            auto body = emit(defs_.at(lark_name).body, lark_name);
            if (!body) return body;
            rules_.define(names_.at(lark_name), body->empty() ? "\"\"" : *body);
        }
        return grammar_text(start);
    }

private:
    std::string name_of(std::string const& lark_name)
    {
        if (auto it = names_.find(lark_name); it != names_.end()) return it->second;
        auto const terminal = defs_.at(lark_name).terminal;
        auto name = rules_.fresh_name(std::string(prefix_) + (terminal ? "-t-" : "-") + lark_name);
        names_.emplace(lark_name, name);
        pending_.push_back(lark_name);
        return name;
    }

    grammar_result<std::string> emit(expr const& e, std::string const& where)
    {
        switch (e.type) {
        case expr::kind::literal: {
            if (e.flags != "i") return grammar_text(gbnf_text(e.text, ctx_));
            std::string out;
            for (char32_t c : decode_utf8(e.text)) {
                char_set set = char_set::of(c);
                if (c < 0x80 && std::isalpha(static_cast<int>(c)))
                    set.add(static_cast<char32_t>(std::tolower(static_cast<int>(c))),
                            static_cast<char32_t>(std::tolower(static_cast<int>(c))))
                        .add(static_cast<char32_t>(std::toupper(static_cast<int>(c))),
                             static_cast<char32_t>(std::toupper(static_cast<int>(c))));
                out += (out.empty() ? "" : " ") + gbnf_chars(set, ctx_);
            }
            return grammar_text(out.empty() ? "\"\"" : out);
        }
        case expr::kind::range:
            return grammar_text(gbnf_chars(char_set{}.add(e.lo, e.hi), ctx_));
        case expr::kind::regex: {
            auto r = regex_to_gbnf(e.flags.find('s') != std::string::npos ? dotall(e.text) : e.text,
                                   regex_match::full, ctx_, rules_, std::string(prefix_) + "-re");
            if (!r) return grammar_error{"lark " + where + ": " + r.error().message};
            return grammar_text(r->empty() ? "\"\"" : "(" + *r + ")");
        }
        case expr::kind::ref:
            if (!defs_.contains(e.text))
                return grammar_error{"lark " + where + ": undefined name '" + e.text + "'"};
            return grammar_text(name_of(e.text));
        case expr::kind::seq: {
            std::string out;
            for (auto const& k : e.kids) {
                auto r = emit(k, where);
                if (!r) return r;
                out += (out.empty() ? "" : " ") + *r;
            }
            return grammar_text(out);
        }
        case expr::kind::alt: {
            if (e.kids.size() == 1) return emit(e.kids[0], where);
            std::string out;
            for (auto const& k : e.kids) {
                auto r = emit(k, where);
                if (!r) return r;
                out += (out.empty() ? "" : " | ") + (r->empty() ? std::string("\"\"") : *r);
            }
            return grammar_text("(" + out + ")");
        }
        case expr::kind::repeat: {
            auto r = emit(e.kids[0], where);
            if (!r) return r;
            std::string q = e.min == 0 && e.max == 1                ? "?"
                            : e.min == 0 && e.max == gbnf_unbounded ? "*"
                            : e.min == 1 && e.max == gbnf_unbounded
                                ? "+"
                                : "{" + std::to_string(e.min) + "," +
                                      (e.max == gbnf_unbounded ? "" : std::to_string(e.max)) + "}";
            return grammar_text("(" + (r->empty() ? std::string("\"\"") : *r) + ")" + q);
        }
        }
        return grammar_error{"unreachable"};
    }

    // With flag s, `.` also matches \n: rewrite unescaped dots outside classes as [\s\S].
    static std::string dotall(std::string const& p)
    {
        std::string out;
        bool in_class = false;
        for (std::size_t i = 0; i < p.size(); ++i) {
            char c = p[i];
            if (c == '\\' && i + 1 < p.size()) {
                out += p.substr(i, 2);
                ++i;
                continue;
            }
            if (c == '[') in_class = true;
            if (c == ']') in_class = false;
            out += (c == '.' && !in_class) ? std::string("[\\s\\S]") : std::string(1, c);
        }
        return out;
    }

    std::map<std::string, definition> defs_;
    text_context ctx_;
    std::string prefix_;
    gbnf_builder& rules_;
    std::map<std::string, std::string> names_;
    std::vector<std::string> pending_;
};

grammar_result<std::map<std::string, definition>> read(std::string_view text,
                                                       std::map<std::string, std::string>& imports)
{
    auto toks = lexer(text).run();
    if (!toks) return toks.error();
    return parser(std::move(*toks)).run(imports);
}

} // namespace

grammar_result<std::string> add_lark_rules(std::string_view lark, text_context ctx, std::string_view prefix,
                                           gbnf_builder& rules)
{
    std::map<std::string, std::string> imports;
    auto defs = read(lark, imports);
    if (!defs) return defs.error();
    std::map<std::string, std::string> no_imports;
    auto common = read(common_lark, no_imports);
    if (!common) return grammar_error{"built-in common.lark: " + common.error().message};
    // Imported names and everything they use from common (the common names are uppercase and
    // do not collide with a grammar's own rules unless it defines them, which then wins).
    std::vector<std::pair<std::string, std::string>> todo(imports.begin(), imports.end());
    while (!todo.empty()) {
        auto [local, name] = todo.back();
        todo.pop_back();
        if (defs->contains(local)) continue;
        auto it = common->find(name);
        if (it == common->end())
            return grammar_error{"%import common." + name + ": not a supported common terminal"};
        defs->emplace(local, it->second);
        std::vector<expr const*> stack{&it->second.body};
        while (!stack.empty()) {
            auto const* e = stack.back();
            stack.pop_back();
            if (e->type == expr::kind::ref) todo.emplace_back(e->text, e->text);
            for (auto const& k : e->kids)
                stack.push_back(&k);
        }
    }
    return emitter(std::move(*defs), ctx, prefix, rules).run();
}

grammar_result<std::string> lark_to_gbnf(std::string_view lark, text_context ctx)
{
    gbnf_builder rules;
    auto start = add_lark_rules(lark, ctx, "lark", rules);
    if (!start) return start;
    rules.define("root", *start);
    auto text = rules.print();
    if (auto checked = parse_gbnf(text); !checked)
        return grammar_error{"lark grammar: " + checked.error().message};
    return grammar_text(text);
}

} // namespace hp::translate
