#include "translate/tool_control.hpp"

#include "translate/special_tokens.hpp"

#include <algorithm>

namespace hp::translate {

namespace {

tool_grammar_source grammar_source(responses::registered_tool const& t)
{
    tool_grammar_source s;
    s.name = t.name;
    s.recipient = t.recipient;
    if (t.kind != responses::tool_kind::custom) {
        s.type = tool_grammar_source::kind::json_schema;
        if (t.parameters) s.schema = *t.parameters;
        return s;
    }
    s.type = tool_grammar_source::kind::text;
    if (t.format && t.format->type == responses::custom_tool_format::kind::grammar) {
        // The request parser accepts only these two syntaxes; anything else stays free text.
        if (t.format->syntax == "lark") s.type = tool_grammar_source::kind::lark;
        if (t.format->syntax == "regex") s.type = tool_grammar_source::kind::regex;
        s.definition = t.format->definition;
    }
    return s;
}

} // namespace

tool_control tool_control_for(responses::harmony_request const& request, responses::custom_tool_style style)
{
    tool_control c;
    c.custom_json = style == responses::custom_tool_style::json;
    if (request.tool_calls_forbidden) return c;
    for (auto const& t : request.tools.tools())
        if (!request.forced_recipient || *request.forced_recipient == t.recipient) c.tools.push_back(grammar_source(t));
    return c;
}

continuation plan_continuation(std::optional<std::string_view> header_text, std::size_t resumes_so_far,
                               std::size_t generated)
{
    continuation c;
    c.generated = generated;
    auto const at = header_text ? header_text->rfind(tool_header_stop) : std::string_view::npos;
    if (at == std::string_view::npos) {
        c.type = continuation::kind::resume;
        c.keep_stop = resumes_so_far + 1 < max_resumes;
        return c;
    }
    c.type = continuation::kind::tool_call;
    // (A) "<|channel|>commentary to=" : the channel came first; (B) " to=" : it comes after.
    c.position = header_text->substr(0, at).find("<|channel|>") != std::string_view::npos
                     ? header_position::after_channel
                     : header_position::before_channel;
    c.written = std::string(header_text->substr(at + tool_header_stop.size()));
    return c;
}

void arm_tool_control(completion_settings& first, tool_control const& control)
{
    if (!control.enabled()) return;
    if (std::ranges::find(first.stop, tool_header_stop) == first.stop.end()) first.stop.emplace_back(tool_header_stop);
}

continuation_request continuation_settings(completion_settings const& first, std::span<token_id const> generated,
                                           tool_control const& control, continuation const& plan)
{
    continuation_request out;
    auto& s = out.settings;
    s = first;
    s.prompt.insert(s.prompt.end(), generated.begin(), generated.end());
    if (first.n_predict >= 0)
        s.n_predict = std::max<std::int32_t>(0, first.n_predict - static_cast<std::int32_t>(generated.size()));
    std::erase(s.stop, std::string(tool_header_stop));

    if (plan.type == continuation::kind::tool_call) {
        auto grammar = tool_call_grammar(control.tools, control.custom_json, plan.position, plan.written);
        if (grammar) {
            s.grammar = std::move(grammar->gbnf);
            out.diagnostics = std::move(grammar->diagnostics);
            for (auto id : {special::return_, special::endoftext})
                if (std::ranges::find(s.banned_tokens, id) == s.banned_tokens.end()) s.banned_tokens.push_back(id);
            return out;
        }
        out.unconstrained_because = grammar.error().message;
    }
    if (plan.type == continuation::kind::resume && plan.keep_stop) s.stop.emplace_back(tool_header_stop);
    return out;
}

std::string_view to_string(continuation::kind k) noexcept
{
    return k == continuation::kind::tool_call ? "tool_call" : "resume";
}

std::string_view to_string(header_position p) noexcept
{
    return p == header_position::after_channel ? "after_channel" : "before_channel";
}

} // namespace hp::translate
