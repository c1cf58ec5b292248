// translate/json_schema_validator.hpp: validates JSON text against the JSON Schema subset that
// schema_to_gbnf supports (see schema_to_gbnf.hpp), for tests and replay tooling.
//
// Two modes:
//   complete: the text is one JSON document (surrounding whitespace allowed) valid under the schema;
//   prefix:   the text can be extended to such a document. This is what a generation cut off by
//             n_predict must satisfy when it was constrained by the schema's grammar. The check is
//             exact for structure, types, property names, required properties at `}`, array
//             lengths, string lengths, string enums/consts and patterns (PCRE2 partial matching);
//             numbers and non-string enums are checked once complete.
// Semantics follow JSON Schema: property order is free (the grammar fixes one order, a subset),
// additionalProperties absent means false (as in schema_to_gbnf), oneOf means exactly one in
// complete mode, 1.0 is an integer. Keywords outside the subset are ignored.
#pragma once

#include "translate/gbnf.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace hp::translate {

enum class validation_mode { complete, prefix };

// Valid: an empty result. Invalid: the first problem found, with its position in `text`.
boost::system::result<void, grammar_error> validate_json(std::string_view text,
                                                         boost::json::value const& schema,
                                                         validation_mode mode = validation_mode::complete);

} // namespace hp::translate
