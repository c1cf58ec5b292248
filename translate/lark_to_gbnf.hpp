// translate/lark_to_gbnf.hpp: Lark grammars (custom tools with format {type: "grammar",
// syntax: "lark"}, Codex's apply_patch first) -> GBNF with the same language.
//
// Supported: rules and terminals (with ?, !, _ prefixes and .N priorities, which shape Lark's
// parse tree but not the language), string literals with escapes (and the `i` flag), literal
// ranges "a".."z", regex terminals /.../ (see regex_to_gbnf.hpp; flag `s` supported), `?`, `*`,
// `+`, `~ n`, `~ n..m`, [...] optional, grouping, alternation on one or several lines, aliases
// `-> name`, `//` comments, and `%import common.X` (optionally `-> Y`, or `%import common (A, B)`)
// for DIGIT, HEXDIGIT, INT, SIGNED_INT, DECIMAL, FLOAT, SIGNED_FLOAT, NUMBER, SIGNED_NUMBER,
// LCASE_LETTER, UCASE_LETTER, LETTER, WORD, CNAME, ESCAPED_STRING, WS_INLINE, WS, CR, LF, NEWLINE,
// SH_COMMENT, CPP_COMMENT. Lark is matched as a context-free grammar over characters (what its
// Earley parser with the dynamic lexer accepts).
// Errors name the construct: %ignore (implicit whitespace has no GBNF equivalent), %declare,
// templates, undefined names, untranslatable regexes, left recursion (llama.cpp rejects it).
//
// text_context::json_string lifts the language into the body of a JSON string: every literal
// and regex character is written in its one canonical JSON spelling (LF as \n, a backslash as \\,
// a quote as \"), so the model cannot produce a double escape.
#pragma once

#include "translate/gbnf.hpp"

#include <string>
#include <string_view>

namespace hp::translate {

// Adds the rules for the Lark grammar's `start` language to `rules`; returns the start rule's name.
grammar_result<std::string> add_lark_rules(std::string_view lark, text_context ctx, std::string_view prefix,
                                           gbnf_builder& rules);

// A whole GBNF grammar whose root is the Lark grammar's `start` (checked with parse_gbnf).
grammar_result<std::string> lark_to_gbnf(std::string_view lark, text_context ctx = text_context::raw);

} // namespace hp::translate
