// translate/regex_to_gbnf.hpp: regular expressions (Lark /.../ terminals, `syntax: "regex"` custom
// tool formats, JSON Schema `pattern`) as GBNF.
//
// Supported: literals and escapes (\n \r \t \f \v \0 \xHH \uHHHH \\ and escaped punctuation),
// `.` (any character but \n, as in Python and Lark), classes [...] / [^...] with ranges and
// \d \w \s \D \W \S (ASCII meanings), groups ( ), (?: ), (?P<name> ), (?<name> ), alternation,
// quantifiers * + ? {m} {m,} {m,n} and their lazy forms (laziness does not change the language).
// Everything else (backreferences, lookaround, inline flags, \b, possessive quantifiers, anchors
// other than a leading ^ / trailing $) is an error that names the construct: a grammar that
// silently accepted a different language would defeat the point of constraining.
#pragma once

#include "translate/gbnf.hpp"

#include <string>
#include <string_view>

namespace hp::translate {

enum class regex_match {
    full,   // the whole text matches (Lark terminals, custom-tool regex formats)
    search, // JSON Schema `pattern`: a match anywhere, unless anchored with ^ / $
};

// A GBNF expression (possibly referring to rules added to `rules`) matching exactly the texts
// the regex accepts, each written in `ctx`. `name_hint` names the helper rules.
grammar_result<std::string> regex_to_gbnf(std::string_view pattern, regex_match mode, text_context ctx,
                                          gbnf_builder& rules, std::string_view name_hint);

} // namespace hp::translate
