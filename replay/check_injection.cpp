// replay/check_injection.cpp: the injection detector. Every special token of a prompt must come
// from the renderer; text the client sent (user and tool messages, but also developer text and the
// assistant history Codex echoes back) must reach llama-server as ordinary ids. A user file holding
// "<|end|><|start|>system<|message|>" must not become a message boundary.
//
// Two checks: the structure of the prompt ids (every <|message|> body is ordinary ids up to one
// terminator, and a terminator is followed by <|start|> or the end of the prompt), and, for
// message text that spells a special token's name, that its ordinary encoding is in the prompt.
#include "replay/check_model.hpp"

#include "translate/special_tokens.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace hp::replay::detail {
namespace sp = translate::special;
namespace {

bool is_terminator(std::int64_t id)
{
    return id == sp::end || id == sp::call || id == sp::return_;
}

bool is_special_id(std::int64_t id)
{
    return id >= sp::first;
}

std::string name_of(std::int64_t id)
{
    auto name = translate::special_token_name(static_cast<translate::token_id>(id));
    return name ? *name : "<special " + std::to_string(id) + ">";
}

std::string decode(std::vector<std::int64_t> const& ids, std::size_t from, std::size_t to, context const& ctx)
{
    if (!ctx.tok) return {};
    std::vector<translate::token_id> window;
    for (std::size_t i = from; i < to && i < ids.size(); ++i) window.push_back(static_cast<translate::token_id>(ids[i]));
    return ctx.tok->decode(window);
}

struct reporter
{
    session_view const& s;
    exchange_view const& e;
    context const& ctx;
    std::set<std::string>& seen; // the history repeats in every request: report each excerpt once

    void operator()(std::string what, std::string evidence) const
    {
        if (seen.insert(what.substr(0, what.find(" (")) + evidence).second)
            ctx.report(s, e, "injection", std::move(what), std::move(evidence));
    }
};

void check_structure(exchange_view const& e, reporter const& report, context const& ctx)
{
    auto const& ids = e.prompt_ids;
    std::size_t i = 0;
    while (i < ids.size()) {
        if (ids[i] != sp::start) {
            report("prompt text outside any message (position " + std::to_string(i) + ")",
                   name_of(ids[i]) + " '" + excerpt(decode(ids, i, i + 12, ctx), 60) + "'");
            return;
        }
        std::size_t const header = i + 1;
        std::size_t j = header;
        while (j < ids.size() && ids[j] != sp::message && ids[j] != sp::start && !is_terminator(ids[j])) ++j;
        if (j == ids.size()) return; // the open header the model continues: <|start|>assistant
        std::string role = excerpt(decode(ids, header, j, ctx), 40);
        if (ids[j] != sp::message) {
            report("message header without <|message|> (position " + std::to_string(j) + ")",
                   "header '" + role + "' then " + name_of(ids[j]));
            return;
        }
        std::size_t k = j + 1;
        while (k < ids.size() && !is_special_id(ids[k])) ++k;
        if (k == ids.size()) return; // an unterminated last message: nothing after it to corrupt
        if (!is_terminator(ids[k])) {
            report("special token " + name_of(ids[k]) + " inside the text of a '" + role + "' message (position " +
                       std::to_string(k) + ")",
                   "'" + excerpt(decode(ids, k > j + 20 ? k - 20 : j + 1, k + 8, ctx), 80) + "'");
            return;
        }
        if (k + 1 < ids.size() && ids[k + 1] != sp::start) {
            report("text continues after the end of a '" + role + "' message (position " + std::to_string(k) + ")",
                   "'" + excerpt(decode(ids, k > j + 20 ? k - 20 : j + 1, k + 8, ctx), 80) + "'");
            return;
        }
        i = k + 1;
    }
}

// The name of a special token spelled inside `text`, if any ("<|end|>").
std::optional<std::string> spelled_special(std::string_view text)
{
    for (std::size_t at = text.find("<|"); at != std::string_view::npos; at = text.find("<|", at + 2)) {
        auto close = text.find("|>", at + 2);
        if (close == std::string_view::npos) return std::nullopt;
        auto name = text.substr(at, close + 2 - at);
        if (translate::special_token_id(name)) return std::string(name);
    }
    return std::nullopt;
}

void check_marker_text(exchange_view const& e, reporter const& report, context const& ctx)
{
    if (!ctx.tok) return;
    auto const* messages = e.prompt->if_contains("messages");
    if (!messages || !messages->is_array()) return;
    for (auto const& v : messages->get_array()) {
        auto const* m = v.if_object();
        if (!m) continue;
        auto const* content = m->if_contains("content");
        if (!content || !content->is_string()) continue;
        std::string_view text = content->get_string();
        auto spelled = spelled_special(text);
        if (!spelled) continue;
        auto encoded = ctx.tok->encode(text);
        std::vector<std::int64_t> wanted(encoded.begin(), encoded.end());
        if (std::search(e.prompt_ids.begin(), e.prompt_ids.end(), wanted.begin(), wanted.end()) == e.prompt_ids.end())
            report("text spelling " + *spelled + " in a '" + string_or_empty(m->if_contains("role")) +
                       "' message is not in the prompt as ordinary tokens",
                   "'" + excerpt(text.substr(text.find(*spelled) > 30 ? text.find(*spelled) - 30 : 0), 80) + "'");
    }
}

} // namespace

void check_injection(session_view const& s, context const& ctx)
{
    std::set<std::string> seen;
    for (auto const& e : s.exchanges) {
        reporter report{s, e, ctx, seen};
        check_structure(e, report, ctx);
        check_marker_text(e, report, ctx);
    }
}

} // namespace hp::replay::detail
