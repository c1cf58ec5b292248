// translate/gbnf.hpp: llama.cpp's GBNF grammar language: code point sets, escaping, a rule
// builder/printer, and a parser/validator (what `harmony grammar --check` runs).
//
// Facts about llama-server's GBNF that everything here relies on (../shared/notes/llama-server.md):
//   - literals and classes are Unicode code points ("\xf0" is U+00F0, not the byte F0), so
//     non-ASCII is written \uXXXX / \UXXXXXXXX and the model's UTF-8 is matched per code point;
//   - `<[200008]>` matches one token id, `!<[id]>` any other token; a literal "<|message|>"
//     matches only the plain-text spelling, never the special token;
//   - rule names are [a-zA-Z0-9-]+, a rule ends at a newline unless inside ( ) or after `|`;
//   - llama.cpp rejects undefined rules, a missing `root`, left recursion and repetition counts
//     above 2000 ("failed to parse grammar").
// Grammars never contain end-of-generation tokens (<|call|>, <|return|>, <|endoftext|>): EOG
// tokens are not matched against grammar elements, so sampling would stall.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hp::translate {

// A grammar that cannot be produced or parsed. `message` names the construct and where it is.
struct grammar_error
{
    std::string message;
    std::string const& what() const noexcept { return message; }
};

// boost::system::result cannot pick between a string value and an error that a string can
// construct, so results carrying text are built with this.
template <class T>
using grammar_result = boost::system::result<T, grammar_error>;
inline grammar_result<std::string> grammar_text(std::string text)
{
    return grammar_result<std::string>(boost::system::in_place_value, std::move(text));
}

// Something the converter widened (accepts more than the source language) or ignored. Reported
// once per (where, what); the grammar stays valid and still accepts every valid document.
struct grammar_diagnostic
{
    std::string where;   // JSON pointer into the schema, or a Lark rule name
    std::string message; // "unsupported keyword 'allOf': any JSON value accepted"
    bool operator==(grammar_diagnostic const&) const = default;
};

inline constexpr char32_t max_code_point = 0x10FFFF;

// A set of Unicode code points as sorted, disjoint, non-adjacent closed ranges.
class char_set
{
public:
    struct range
    {
        char32_t first;
        char32_t last;
        bool operator==(range const&) const = default;
    };

    static char_set any() { return char_set{}.add(0, max_code_point); }
    static char_set of(char32_t c) { return char_set{}.add(c, c); }

    char_set& add(char32_t first, char32_t last);
    char_set& add(char_set const& other);
    char_set& remove(char_set const& other);
    char_set complement() const;
    bool contains(char32_t c) const noexcept;
    bool empty() const noexcept { return ranges_.empty(); }
    std::vector<range> const& ranges() const noexcept { return ranges_; }
    bool operator==(char_set const&) const = default;

private:
    std::vector<range> ranges_;
};

// How text is written inside the grammar's language.
//   raw:         the characters themselves (a raw custom-tool input, a Lark patch);
//   json_string: the characters as the body of a JSON string, each in exactly one canonical
//                spelling (\" \\ \n \r \t \b \f, other controls \u00xx, everything else itself).
//                One spelling per character is what makes a double escape impossible.
enum class text_context { raw, json_string };

// A GBNF string literal ("...") for UTF-8 text, escaped so llama.cpp reads the same code points.
std::string gbnf_literal(std::string_view utf8);
// A GBNF character class ([...] or [^...], whichever is shorter).
std::string gbnf_class(char_set const& set);
// The GBNF expression matching one character of `set` written in `ctx`. `set` must not be empty.
std::string gbnf_chars(char_set const& set, text_context ctx);
// The GBNF expression matching the UTF-8 text `utf8` written in `ctx`.
std::string gbnf_text(std::string_view utf8, text_context ctx);

// Collects rules and prints them, `root` first. Names are unique; identical bodies registered with
// intern() share one rule, so repeated sub-schemas and character sets do not bloat the grammar.
class gbnf_builder
{
public:
    // A name not yet used, derived from `base` (sanitized to [a-z0-9-]).
    std::string fresh_name(std::string_view base);
    // Defines (or redefines) rule `name`.
    void define(std::string const& name, std::string body);
    // A rule with this exact body: an existing one, or a new one named after `base`.
    std::string intern(std::string_view base, std::string const& body);
    bool has(std::string const& name) const { return index_.contains(name); }
    std::string print() const;

private:
    std::vector<std::pair<std::string, std::string>> rules_;
    std::map<std::string, std::size_t, std::less<>> index_;
    std::map<std::string, std::string, std::less<>> interned_;
};

// ---- Parsed GBNF -------------------------------------------------------------------------------

struct gbnf_element;
using gbnf_sequence = std::vector<gbnf_element>;
using gbnf_alternatives = std::vector<gbnf_sequence>;

inline constexpr std::size_t gbnf_unbounded = std::numeric_limits<std::size_t>::max();

struct gbnf_element
{
    enum class kind { literal, chars, rule, token, not_token, group };
    kind type = kind::literal;
    std::u32string text;        // literal
    char_set set;               // chars (`.` is char_set::any())
    std::string name;           // rule name, or a token's spelling ("<[200008]>", "<|message|>")
    std::int64_t token_id = -1; // token / not_token given as <[id]>; -1 for <|name|>
    gbnf_alternatives group;    // group
    std::size_t min = 1;        // repetition (?, *, +, {m,n}); 1..1 when none
    std::size_t max = 1;
};

struct gbnf_document
{
    std::vector<std::pair<std::string, gbnf_alternatives>> rules; // in order of definition
    std::map<std::string, std::size_t, std::less<>> index;        // name -> position in rules
    gbnf_alternatives const* find(std::string_view name) const;
};

// Parses GBNF text as llama.cpp does and checks what makes llama.cpp reject a grammar: syntax,
// undefined rules, no `root`, left recursion (directly or through nullable prefixes), repetition
// counts over 2000, empty character classes.
boost::system::result<gbnf_document, grammar_error> parse_gbnf(std::string_view text);

// UTF-8 helpers shared by the grammar code (invalid bytes decode as U+FFFD).
std::u32string decode_utf8(std::string_view utf8);
void append_utf8(std::string& out, char32_t c);

} // namespace hp::translate
