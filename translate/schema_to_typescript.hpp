// translate/schema_to_typescript.hpp: JSON Schema -> the TypeScript-like text harmony shows the model.
//
// gpt-oss learned tool signatures in one exact shape (openai/harmony src/encoding.rs,
// json_schema_to_typescript and template_tools_section):
//
//     // Gets the current weather in the provided location.
//     type get_current_weather = (_: {
//     // The city and state, e.g. San Francisco, CA
//     location: string,
//     format?: "celsius" | "fahrenheit", // default: celsius
//     }) => any;
//
// The rules are the reference's, quirks included, because any difference is a prompt the model
// never saw: property descriptions, titles and examples become `//` lines above the property,
// optional properties get `?`, string enums become unions, `nullable` appends `| null`, defaults
// become a trailing `// default: x` comment, arrays are `T[]`, nested objects are indented by four
// spaces per level (their closing brace too), `oneOf` becomes one ` | variant` line per variant,
// a `type` array becomes a union, and anything else (`anyOf`, `allOf`, `$ref`, `const`, untyped
// schemas) is `any`. Object and property order is the order of the JSON object, which
// boost::json::object preserves.
#pragma once

#include "translate/conversation.hpp"

#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>

namespace hp::translate {

// The type text of one schema. `indent` prefixes every line the schema renders itself (property
// lines, comments, the closing brace); the reference starts at "" for a tool's parameters.
std::string schema_to_typescript(boost::json::value const& schema, std::string_view indent = "");

// The `# Tools` section of a system or developer message: one `## name` block per namespace, in the
// order given (the renderer sorts them by name). A namespace's description becomes `//` lines when
// it has tools and plain lines when it has none (python); each tool becomes its description as
// `//` lines and `type name = (_: {...}) => any;`, or `() => any` without parameters.
std::string render_tools_section(std::span<tool_namespace const* const> namespaces);

} // namespace hp::translate
