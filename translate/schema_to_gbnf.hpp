// translate/schema_to_gbnf.hpp: JSON Schema -> GBNF for a function tool's arguments.
//
// The grammar accepts JSON documents valid under the schema, written compactly or with bounded
// whitespace (between tokens: nothing, one space, or one newline followed by at most 20 spaces or
// tabs), so a model cannot loop on whitespace. Object properties come in declared order (the order
// of the schema's `properties`, which is also the order the model was shown), each at most once.
//
// Supported: type (and type unions), properties, required, additionalProperties (absent means
// false: Codex declares `strict: false` tools yet expects only known keys), enum, const, strings
// (JSON escapes, minLength/maxLength, pattern where the regex is translatable), numbers, integers
// (a lower bound of 0 or 1 and single-digit ranges are enforced), booleans, null, arrays (items,
// minItems, maxItems), anyOf, oneOf (as anyOf), allOf with one member, nullable, local $ref into
// $defs/definitions (recursion allowed), nested objects. Annotations (description, title, default,
// examples, $schema, $id, $comment, deprecated, readOnly, writeOnly) are ignored silently.
// Anything else widens the grammar (it still only produces JSON, and still accepts every valid
// document) and is reported once as a diagnostic.
#pragma once

#include "translate/gbnf.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// Adds the rules for one value valid under `schema` to `rules` and returns the rule name to use.
// `prefix` names the schema's own rules (the tool name); shared JSON rules (ws, json-value, ...)
// are interned once per builder. `diagnostics` receives what was widened.
grammar_result<std::string> add_schema_rules(boost::json::value const& schema, std::string_view prefix,
                                             gbnf_builder& rules,
                                             std::vector<grammar_diagnostic>& diagnostics);

struct converted_grammar
{
    std::string gbnf; // `root` matches the whole document, no leading or trailing whitespace
    std::vector<grammar_diagnostic> diagnostics;
};

grammar_result<converted_grammar> schema_to_gbnf(boost::json::value const& schema);

} // namespace hp::translate
