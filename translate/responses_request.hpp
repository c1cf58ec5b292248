// translate/responses_request.hpp: a Responses API request body (POST /v1/responses) as typed
// values, and the registry that ties harmony recipients to the client's tools.
//
// What Codex 0.169 sends is described in ../shared/notes/codex.md. The rules here:
//   - unknown fields are ignored on purpose (Codex adds fields between versions: client_metadata,
//     phase, status ...); an explicit `null` is the same as an absent field, everywhere;
//   - a field of the wrong type is an error value naming its JSON path,
//     "input[3].content[0].text: expected a string", never a silent default;
//   - `input_image` parts in a message are an error naming the item (gpt-oss reads text only; the
//     proxy answers 400). Image parts inside a tool output are NOT an error: Codex's view_image
//     tool produces them after the model asked for it, and a 400 there would break the agent loop,
//     so they are kept as `image_part` values and the conversion turns them into a placeholder;
//   - hosted tools a local model cannot run (web_search, image_generation, file_search,
//     code_interpreter, local_shell, computer_use_preview, mcp, ...) are recognised and reported in
//     request::skipped_tools (the proxy logs them once), never an error;
//   - input items of a type this proxy does not know (web_search_call, compaction, ...) are
//     reported in request::skipped_items rather than failing the whole conversation.
//
// The --oss warm-up probe `{"model":..., "input":"", "max_output_tokens":1}` parses to one user
// message with empty text.
#pragma once

#include "translate/conversation.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hp::translate::responses {

// ---------------------------------------------------------------------------------------------
// Errors

enum class request_errc {
    malformed_json,      // the body is not JSON, or not a JSON object
    wrong_type,          // a field holds the wrong JSON type
    missing_field,       // a required field is absent or null
    bad_value,           // right type, value out of range or not one of the allowed strings
    unsupported_image,   // an input_image part in a message (gpt-oss reads text only)
    unknown_call_id,     // a tool output whose call_id matches no earlier call (conversion)
    duplicate_tool,      // two tools that render to the same harmony recipient
    unknown_tool_choice, // tool_choice names a tool the request does not declare (conversion)
};

// Every variant is a client error: the proxy answers 400 with `message` as the Responses error
// body's message and `path` as its `param`.
struct request_error
{
    request_errc code;
    std::string path;    // JSON path of the offending value: "input[3].content[0].text", "" for the body
    std::string message; // for people, starts with the path: "input[3].content[0].text: expected a string"
};

// ---------------------------------------------------------------------------------------------
// Input items

enum class message_role { developer, system, user, assistant };

constexpr std::string_view message_role_name(message_role r) noexcept
{
    switch (r) {
    case message_role::developer:
        return "developer";
    case message_role::system:
        return "system";
    case message_role::user:
        return "user";
    case message_role::assistant:
        return "assistant";
    }
    return "user"; // unreachable for valid enumerators
}

// A text part of a message or tool output: input_text, output_text (and refusal, whose text is
// kept as text).
struct text_part
{
    std::string type; // "input_text", "output_text", "refusal"
    std::string text;

    bool operator==(text_part const&) const = default;
};

// An image part, only legal inside a tool output (see the header comment).
struct image_part
{
    std::optional<std::string> image_url;

    bool operator==(image_part const&) const = default;
};

using content_part = std::variant<text_part, image_part>;

struct message_item
{
    std::optional<std::string> id;
    message_role role = message_role::user;
    // A string `content` becomes one text_part of type "input_text" ("output_text" for assistant).
    std::vector<content_part> content;
    // Codex's newer `phase` ("commentary" | "final_answer") on assistant messages, when present:
    // it settles whether the message was a preamble or a final answer (responses_to_harmony.hpp).
    std::optional<std::string> phase;

    bool operator==(message_item const&) const = default;
};

struct reasoning_item
{
    std::optional<std::string> id;
    std::vector<std::string> summary; // summary[].text (summary_text parts)
    std::vector<std::string> content; // content[].text (reasoning_text and text parts)
    // Echoed verbatim by Codex from what the proxy sent; opaque here (DESIGN.md decision 3).
    std::optional<std::string> encrypted_content;

    bool operator==(reasoning_item const&) const = default;
};

struct function_call_item
{
    std::optional<std::string> id;
    std::string name;
    // Set for a call of a tool declared inside a `namespace` tool. Codex's ResponseItem::FunctionCall
    // carries `name` and an optional `namespace` as separate wire fields and rebuilds the tool's
    // identity from both (codex-rs/core/src/tools/router.rs: ToolName::new(namespace, name)); a
    // call without `namespace` is looked up among the plain tools only. So `name` is the bare name
    // inside the namespace ("search" in namespace "mcp__docs__").
    std::optional<std::string> ns;
    std::string arguments; // a JSON text, kept byte for byte
    std::string call_id;

    bool operator==(function_call_item const&) const = default;
};

struct function_call_output_item
{
    std::optional<std::string> id;
    std::string call_id;
    // A string `output` becomes one text_part of type "input_text".
    std::vector<content_part> output;

    bool operator==(function_call_output_item const&) const = default;
};

struct custom_tool_call_item
{
    std::optional<std::string> id;
    std::string name;
    std::string input; // raw text, kept byte for byte (apply_patch applies it as is)
    std::string call_id;

    bool operator==(custom_tool_call_item const&) const = default;
};

struct custom_tool_call_output_item
{
    std::optional<std::string> id;
    std::string call_id;
    std::vector<content_part> output;

    bool operator==(custom_tool_call_output_item const&) const = default;
};

using input_item = std::variant<message_item, reasoning_item, function_call_item, function_call_output_item,
                                custom_tool_call_item, custom_tool_call_output_item>;

// ---------------------------------------------------------------------------------------------
// Tools

struct function_tool
{
    std::string name;
    std::optional<std::string> description;
    std::optional<bool> strict;
    // A JSON Schema object, key order as sent (boost::json::object keeps insertion order; harmony
    // renders properties in that order).
    std::optional<boost::json::value> parameters;

    bool operator==(function_tool const&) const = default;
};

// `format` of a custom tool: {type:"text"} (any text) or {type:"grammar", syntax, definition}.
struct custom_tool_format
{
    enum class kind { text, grammar };
    kind type = kind::text;
    std::string syntax;     // "lark" | "regex" (grammar only)
    std::string definition; // the grammar text (grammar only)

    bool operator==(custom_tool_format const&) const = default;
};

struct custom_tool
{
    std::string name;
    std::optional<std::string> description;
    custom_tool_format format; // absent or null: {type:"text"}

    bool operator==(custom_tool const&) const = default;
};

// {type:"namespace", name, description, tools:[function...]}: a group of function tools that
// renders as its own harmony namespace ("## name" in the developer message's # Tools).
struct namespace_tool
{
    std::string name;
    std::optional<std::string> description;
    std::vector<function_tool> tools;

    bool operator==(namespace_tool const&) const = default;
};

using tool = std::variant<function_tool, custom_tool, namespace_tool>;

struct tool_choice
{
    enum class mode { auto_, none, required, named };
    mode choice = mode::auto_;
    // For `named`: {"type":"function","name":...} or {"type":"custom","name":...}. The proxy
    // resolves the name against the registry (responses_to_harmony.hpp).
    std::string name;

    bool operator==(tool_choice const&) const = default;
};

struct reasoning_options
{
    // "low" | "medium" | "high" map as is; "minimal" and "none" map to low, "xhigh" to high
    // (harmony knows three levels). Absent or null: the proxy's default.
    std::optional<reasoning_effort> effort;
    std::optional<std::string> summary; // "auto" | "concise" | "detailed", kept for the response

    bool operator==(reasoning_options const&) const = default;
};

// ---------------------------------------------------------------------------------------------
// The request

struct request
{
    std::optional<std::string> model;
    std::optional<std::string> instructions;
    // A string `input` becomes one user message_item (text possibly empty: the --oss probe).
    std::vector<input_item> input;
    // input_positions[i] is the index of input[i] in the body's `input` array (larger than i after
    // a skipped item): error messages and warnings name items by it.
    std::vector<std::size_t> input_positions;
    std::vector<tool> tools;
    tool_choice choice;
    std::optional<bool> parallel_tool_calls;
    reasoning_options reasoning;
    std::optional<std::int64_t> max_output_tokens; // >= 1 when present
    std::optional<double> temperature;             // 0..2 when present
    std::optional<double> top_p;                   // 0..1 when present
    std::optional<bool> store;
    std::vector<std::string> include;
    std::optional<std::string> prompt_cache_key;
    std::optional<boost::json::object> metadata;
    // Not supported by a stateless proxy (Codex never sends it); parsed so the proxy can refuse it.
    std::optional<std::string> previous_response_id;
    bool stream = false;

    // Hosted tools left out, by their `type` ("web_search", "image_generation"), each once, in
    // order of first appearance.
    std::vector<std::string> skipped_tools;
    // Input items of a type this proxy does not map, as "input[7] (web_search_call)".
    std::vector<std::string> skipped_items;
};

// Parses a request body. Never throws on any input.
boost::system::result<request, request_error> parse_request(std::string_view body);
boost::system::result<request, request_error> parse_request(boost::json::value const& body);
// A string literal is a body text, not a JSON string value.
inline boost::system::result<request, request_error> parse_request(char const* body)
{
    return parse_request(std::string_view(body));
}

// The text of a message or tool output's text parts, joined with "\n". Image parts are skipped.
std::string joined_text(std::span<content_part const> parts);

// ---------------------------------------------------------------------------------------------
// Tool registry: harmony recipient <-> Responses tool

enum class tool_kind {
    function,           // {type:"function"}: harmony "functions.NAME", JSON arguments
    custom,             // {type:"custom"}: harmony "functions.NAME", free-text input
    namespace_function, // a function inside {type:"namespace"}: harmony "NAMESPACE.NAME"
};

struct registered_tool
{
    tool_kind kind = tool_kind::function;
    std::string recipient;         // what the model writes after to=: "functions.apply_patch"
    std::string name;              // what Codex calls it: "apply_patch" (bare, also in a namespace)
    std::optional<std::string> ns; // namespace_function only: the namespace's name
    std::optional<std::string> description;
    std::optional<boost::json::value> parameters; // function kinds: the JSON Schema, if any
    std::optional<custom_tool_format> format;     // custom only

    bool operator==(registered_tool const&) const = default;
};

// The declared tools, in declaration order (namespace members in their order inside the
// namespace), looked up by harmony recipient or by the name Codex uses. Immutable once built.
class tool_registry
{
public:
    tool_registry() = default;

    // Two tools with one recipient are an error (path "tools[i]" of the second).
    static boost::system::result<tool_registry, request_error> build(std::span<tool const> tools);

    // Exact recipient match: "functions.exec_command", "mcp__fs.read_file".
    registered_tool const* find(std::string_view recipient) const noexcept;

    // By Codex's name and optional namespace (a function_call item's `name` / `namespace`).
    registered_tool const* find(std::string_view name, std::optional<std::string_view> ns) const noexcept;

    std::span<registered_tool const> tools() const noexcept { return tools_; }
    bool empty() const noexcept { return tools_.empty(); }

    bool operator==(tool_registry const&) const = default;

private:
    std::vector<registered_tool> tools_;
};

// "functions.NAME" for function and custom tools, "NS.NAME" for namespace functions.
std::string recipient_for(std::string_view name, std::optional<std::string_view> ns);

} // namespace hp::translate::responses
