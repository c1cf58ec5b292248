// replay/check_reasoning.cpp: the reasoning detector. Harmony's rule for chain-of-thought: the
// analysis of the current turn is carried across tool calls (the model continues its own
// reasoning), and dropped once the turn ends with a final answer. Codex can only send back what it
// was given, so reasoning items must round-trip through the client, and the effort in the system
// message must be the one configured when the request names none.
#include "replay/check_model.hpp"

namespace hp::replay::detail {
namespace json = boost::json;
namespace {

std::string_view str(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

json::array const* prompt_messages(exchange_view const& e)
{
    auto const* v = e.prompt->if_contains("messages");
    return v ? v->if_array() : nullptr;
}

bool is_analysis(json::object const& m)
{
    return str(m, "role") == "assistant" && str(m, "channel") == "analysis";
}

std::string reasoning_text(json::object const& item)
{
    std::string text;
    if (auto const* c = item.if_contains("content"); c && c->is_array())
        for (auto const& part : c->get_array())
            if (auto const* p = part.if_object()) text += str(*p, "text");
    return text;
}

// Analysis messages of the prompt that follow its last user message (the current turn).
std::vector<std::string_view> current_turn_analysis(json::array const& messages)
{
    std::vector<std::string_view> out;
    for (auto const& v : messages) {
        auto const* m = v.if_object();
        if (!m) continue;
        if (str(*m, "role") == "user") out.clear();
        else if (is_analysis(*m)) out.push_back(str(*m, "content"));
    }
    return out;
}

void check_dropped_in_chain(session_view const& s, exchange_view const& prev, exchange_view const& e,
                            context const& ctx)
{
    if (!e.continues_chain_of(prev)) return;
    auto const* messages = prompt_messages(e);
    if (!messages) return;
    auto analysis = current_turn_analysis(*messages);
    for (auto const& item : prev.done_items) {
        if (str(item, "type") != "reasoning") continue;
        auto text = reasoning_text(item);
        bool carried = false;
        for (auto a : analysis) carried = carried || (text.empty() ? !a.empty() : a.find(text) != std::string_view::npos);
        if (!carried)
            ctx.report(s, e, "reasoning",
                       "analysis of exchange " + std::to_string(prev.number) + " dropped inside a tool chain",
                       "missing '" + excerpt(text, 80) + "'");
    }
}

void check_carried_past_final(session_view const& s, exchange_view const& e, context const& ctx)
{
    auto const* messages = prompt_messages(e);
    if (!messages) return;
    std::size_t last_final = messages->size();
    for (std::size_t i = 0; i < messages->size(); ++i)
        if (auto const* m = (*messages)[i].if_object();
            m && str(*m, "role") == "assistant" && str(*m, "channel") == "final")
            last_final = i;
    if (last_final == messages->size()) return;
    for (std::size_t i = 0; i < last_final; ++i)
        if (auto const* m = (*messages)[i].if_object(); m && is_analysis(*m)) {
            ctx.report(s, e, "reasoning",
                       "analysis carried past a final answer (message " + std::to_string(i) + ", final at " +
                           std::to_string(last_final) + ")",
                       "'" + excerpt(str(*m, "content"), 80) + "'");
            return;
        }
}

// Did the client send this reasoning item back? Matched by id, else by encrypted_content, else text.
bool came_back(json::object const& item, json::array const& input)
{
    auto id = str(item, "id");
    auto enc = str(item, "encrypted_content");
    auto text = reasoning_text(item);
    for (auto const& v : input) {
        auto const* o = v.if_object();
        if (!o || str(*o, "type") != "reasoning") continue;
        if (!id.empty() && str(*o, "id") == id) return true;
        if (!enc.empty() && str(*o, "encrypted_content") == enc) return true;
        if (!text.empty() && reasoning_text(*o) == text) return true;
    }
    return false;
}

void check_round_trip(session_view const& s, exchange_view const& prev, exchange_view const& e, context const& ctx)
{
    // Only a completed response is recorded by Codex; a failed one is retried from scratch.
    if (!prev.completed) return;
    auto const* in = e.input();
    if (!in) return;
    for (auto const& item : prev.done_items)
        if (str(item, "type") == "reasoning" && !came_back(item, *in))
            ctx.report(s, e, "reasoning",
                       "reasoning item of exchange " + std::to_string(prev.number) + " not sent back by the client",
                       "id " + std::string(str(item, "id")) + " '" + excerpt(reasoning_text(item), 60) + "'");
}

void check_effort(session_view const& s, exchange_view const& e, context const& ctx)
{
    std::string expected = ctx.options.effort;
    std::string source = "configured";
    if (auto const* req = e.request.if_object())
        if (auto const* r = req->if_contains("reasoning"); r && r->is_object())
            if (auto named = str(r->get_object(), "effort"); !named.empty()) expected = named, source = "requested";
    auto actual = str(*e.prompt, "effort");
    if (!actual.empty() && actual != expected)
        ctx.report(s, e, "reasoning", "reasoning effort " + std::string(actual) + " in the prompt, " + source + " " + expected,
                   "harmony_prompt.effort = \"" + std::string(actual) + "\"");
}

} // namespace

void check_reasoning(session_view const& s, context const& ctx)
{
    for (std::size_t i = 0; i < s.exchanges.size(); ++i) {
        auto const& e = s.exchanges[i];
        check_effort(s, e, ctx);
        check_carried_past_final(s, e, ctx);
        if (i == 0) continue;
        check_dropped_in_chain(s, s.exchanges[i - 1], e, ctx);
        check_round_trip(s, s.exchanges[i - 1], e, ctx);
    }
}

} // namespace hp::replay::detail
