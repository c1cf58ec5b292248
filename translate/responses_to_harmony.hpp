// translate/responses_to_harmony.hpp: a typed Responses request -> the harmony conversation the
// model is prompted with. A pure function of the request and the options: same input, same ids,
// which is what keeps llama.cpp's prompt cache warm across a session and makes replay exact.
//
// The mapping (../shared/notes/harmony.md, issue 5 item 2):
//   - system: identity, knowledge cutoff, the date from the options (fixed per session by the
//     caller, never "today"), reasoning effort from the request else the default; no builtin
//     browser/python tools.
//   - developer: `instructions`, then the text of every developer/system-role input message that
//     comes BEFORE the first user or assistant-side item, merged in order into `# Instructions`:
//     blocks are joined with a blank line ("\n\n"), the parts of one message with "\n". A
//     developer/system message that appears later in the input (Codex adds one when settings
//     change mid-session) stays where it is, as its own developer message with `# Instructions`
//     only: merging it upwards would rewrite the top of the prompt and throw away the KV cache
//     (DESIGN.md decision 3). Tools are declared in the first developer message, which is emitted
//     whenever there are instructions or tools.
//   - tools: function tools in the `functions` namespace, custom tools there too (see
//     custom_tool_style), each namespace tool as its own harmony namespace.
//   - user message -> user; assistant message -> assistant on `final` when it ends its turn (the
//     next item is a user/developer/system message, or there is none), on `commentary` without a
//     recipient (a preamble) when more items of the same turn follow. An explicit `phase`
//     ("commentary" | "final_answer") on the item wins over that rule.
//   - reasoning -> assistant `analysis` (content texts joined with "\n"; the summary texts when
//     there is no content; nothing when both are empty).
//   - function_call -> assistant to=RECIPIENT, `commentary`, content type `<|constrain|>json`,
//     content = the arguments byte for byte.
//   - custom_tool_call -> assistant to=functions.NAME, `commentary`; raw style: content = the raw
//     input byte for byte, no content type; json style: content type `<|constrain|>json`, content
//     = {"input":"..."}.
//   - function_call_output / custom_tool_call_output -> tool message, author = the recipient of
//     the call with that call_id, to=assistant, `commentary`, content = the output text raw
//     (never JSON-encoded: a JSON-encoded result doubles every backslash and teaches the model to
//     write patches that do not match the file; ../shared/notes/llama-server.md). Image parts
//     become the placeholder text kImagePlaceholder and a warning.
//   - chain of thought: analysis messages are then filtered with the renderer's
//     drop_completed_turns policy (kept inside the ongoing tool-call chain, dropped once a turn
//     ended with a final answer); the result holds only the kept messages.
#pragma once

#include "translate/completion_request.hpp"
#include "translate/conversation.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_request.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate::responses {

// How a custom (free-text) tool is shown to the model and how its calls are rendered back.
enum class custom_tool_style {
    // Declared as `type NAME = (_: string) => any;` with a description line saying the input is
    // raw text, not JSON (and, for a grammar, the grammar). The model writes the raw input as the
    // message content, as gpt-oss's builtin python tool takes raw code.
    raw,
    // Declared as `type NAME = (_: { input: string }) => any;`; calls are {"input":"..."} JSON.
    json,
};

struct conversion_options
{
    reasoning_effort default_effort = reasoning_effort::high;
    // YYYY-MM-DD, fixed per session by the caller (the day the session was first seen). Empty:
    // no date line.
    std::string conversation_date;
    std::string knowledge_cutoff = "2024-06";
    custom_tool_style custom_tools = custom_tool_style::raw;
    analysis_policy analysis = analysis_policy::drop_completed_turns;
};

// Text that stands in for an image in a tool output.
inline constexpr std::string_view kImagePlaceholder = "[image omitted: this model reads text only]";

// Sampling settings from the request; nullopt means "use the proxy's configured default".
struct generation_settings
{
    std::optional<std::int64_t> n_predict; // from max_output_tokens
    std::optional<double> temperature;
    std::optional<double> top_p;

    bool operator==(generation_settings const&) const = default;
};

struct harmony_request
{
    // The conversation to render, the analysis policy already applied: render it with
    // `render` (keep_all) and render_conversation_for_completion.
    std::vector<message> messages;
    // For each message, the index in request::input of the item it came from (request::
    // input_positions maps it to the body); nullopt for the system and merged developer message.
    std::vector<std::optional<std::size_t>> sources;
    render_config render{analysis_policy::keep_all};

    tool_registry tools;
    reasoning_effort effort = reasoning_effort::high;
    generation_settings generation;

    // tool_choice "none": the tools stay declared (a stable prompt prefix) but the proxy must not
    // let the model call one (ban the tool-call path when sampling).
    bool tool_calls_forbidden = false;
    // tool_choice "required": the response must contain a tool call.
    bool tool_call_required = false;
    // tool_choice {type:function|custom, name}: the one recipient the model may call.
    std::optional<std::string> forced_recipient;

    // For the proxy's log (translate/ does not log): skipped hosted tools, skipped items, image
    // placeholders. Stable wording, one line each.
    std::vector<std::string> warnings;
};

boost::system::result<harmony_request, request_error> to_harmony(request const& req,
                                                                 conversion_options const& options);

// The /completion settings for a converted request: the prompt ids, n_predict from
// max_output_tokens, the request's temperature/top_p or the configured ones. The one place this is
// decided, shared by the proxy and by replay. id_slot is session state, set by the caller.
completion_settings completion_settings_for(harmony_request const& request, std::vector<token_id> prompt,
                                            double default_temperature, double default_top_p);

// The system message alone (also used by the proxy to warm a slot).
message system_message(reasoning_effort effort, conversion_options const& options);

} // namespace hp::translate::responses
