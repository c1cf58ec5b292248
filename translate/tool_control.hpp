// translate/tool_control.hpp: taking control at the tool-call header (issue 6 item 1), the part
// shared by the proxy and by replay. Sans-io.
//
// A response is generated in phases, each one /completion request on the session's slot:
//   1. Unconstrained, with the stop string "to=" when the request declares tools the model may
//      call. Ordinary answers end with <|return|> as before and cost nothing extra.
//   2. When the stop fires, the pipeline (responses_pipeline) asks its stream parser where it is:
//      - inside a message header: the model is addressing a recipient. The next request continues
//        from prompt + every token generated so far with a grammar that admits only the declared
//        tools' recipients, the content type, and the arguments in that tool's language, ending
//        right before <|call|>; <|return|> and <|endoftext|> are banned so the model closes with
//        <|call|>. The header shape decides where the grammar starts (tool_call_grammar.hpp).
//      - anywhere else ("to=" in prose or code): a plain resume from prompt + generated, the stop
//        kept (up to max_resumes times, then dropped so a text full of "to=" cannot multiply
//        requests).
// Since the continuation's prompt is the previous prompt plus the tokens the slot just decoded,
// llama.cpp reuses its KV cache and re-processes about one token.
#pragma once

#include "translate/completion_request.hpp"
#include "translate/responses_to_harmony.hpp"
#include "translate/tool_call_grammar.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// The stop string that ends the unconstrained phase: every recipient is written after it.
inline constexpr std::string_view tool_header_stop = "to=";
// Resumes after a "to=" outside a header before the stop is dropped for the rest of the response.
inline constexpr std::size_t max_resumes = 8;

// What the model may call in one request, in declaration order.
struct tool_control
{
    std::vector<tool_grammar_source> tools;
    bool custom_json = false; // custom tools are written {"input":"..."} (--custom-tools json)

    // Taking control needs something to constrain to; tool_choice "none" leaves it off.
    bool enabled() const noexcept { return !tools.empty(); }
};

// The callable tools of a converted request: every declared tool, only the named one for a
// tool_choice naming a tool, none for tool_choice "none".
tool_control tool_control_for(responses::harmony_request const& request, responses::custom_tool_style style);

// What the pipeline decided at the end of a phase.
struct continuation
{
    enum class kind {
        tool_call, // the stop fired inside a header: constrain the rest of the call
        resume,    // the stop fired elsewhere: go on unconstrained
    };
    kind type = kind::resume;
    header_position position = header_position::after_channel; // tool_call
    std::string written;         // tool_call: the header text already written after "to="
    bool keep_stop = true;       // resume: send the stop string again
    std::size_t generated = 0;   // tokens generated in the response so far

    friend bool operator==(continuation const&, continuation const&) = default;
};

// The pipeline's view of where the stop fired: the parser's header text when it is inside a
// header (nullopt otherwise), and how many resumes happened already.
continuation plan_continuation(std::optional<std::string_view> header_text, std::size_t resumes_so_far,
                               std::size_t generated);

// Arms the first request of a response: adds the stop string when control is enabled.
void arm_tool_control(completion_settings& first, tool_control const& control);

struct continuation_request
{
    completion_settings settings;
    std::vector<grammar_diagnostic> diagnostics; // tools whose arguments were widened
    // Set when a tool_call continuation could not be constrained (no declared recipient continues
    // what was written): the request is then a plain resume, and this says why.
    std::optional<std::string> unconstrained_because;
};

// The next request: `first`'s sampler, seed and slot; prompt = first.prompt + generated; the
// output budget reduced by what was generated. A tool_call gets the grammar and the bans and no
// stop; a resume keeps or drops the stop as planned.
continuation_request continuation_settings(completion_settings const& first, std::span<token_id const> generated,
                                           tool_control const& control, continuation const& plan);

std::string_view to_string(continuation::kind k) noexcept; // "tool_call" | "resume"
std::string_view to_string(header_position p) noexcept;    // "after_channel" | "before_channel"

} // namespace hp::translate
