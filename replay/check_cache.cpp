// replay/check_cache.cpp: the cache detector. gpt-oss uses sliding-window attention, so llama.cpp
// can only resume a cached prompt near its end: inside a tool chain the prompt of request N+1 must
// start with the prompt of request N followed by exactly the ids the model generated (its tool call,
// ending in <|call|>). Any divergence makes llama.cpp re-process everything after it.
#include "replay/check_model.hpp"

#include "translate/special_tokens.hpp"

#include <algorithm>

namespace hp::replay::detail {
namespace {

std::string describe(std::vector<std::int64_t> const& ids, std::size_t at, context const& ctx)
{
    if (at >= ids.size()) return "(end)";
    std::string out = std::to_string(ids[at]);
    if (ctx.tok && ids[at] >= 0) {
        std::size_t const end = std::min(ids.size(), at + 6);
        std::vector<translate::token_id> window;
        for (std::size_t i = at; i < end; ++i) window.push_back(static_cast<translate::token_id>(ids[i]));
        out += " '" + excerpt(ctx.tok->decode(window), 40) + "'";
    }
    return out;
}

} // namespace

void check_cache(session_view const& s, context const& ctx)
{
    for (std::size_t i = 1; i < s.exchanges.size(); ++i) {
        auto const& prev = s.exchanges[i - 1];
        auto const& e = s.exchanges[i];
        // Only a tool-chain continuation of a response that ended in a tool call must extend its
        // predecessor; after a final answer the analysis is dropped on purpose.
        if (!e.continues_chain_of(prev) || prev.completion_ids.empty() || prev.prompt_ids.empty()) continue;
        if (prev.completion_ids.back() != translate::special::call) continue;
        std::vector<std::int64_t> expected = prev.prompt_ids;
        expected.insert(expected.end(), prev.completion_ids.begin(), prev.completion_ids.end());
        auto const [exp_it, got_it] = std::mismatch(expected.begin(), expected.end(), e.prompt_ids.begin(), e.prompt_ids.end());
        if (exp_it == expected.end()) continue;
        auto const at = static_cast<std::size_t>(exp_it - expected.begin());
        std::string cause;
        if (got_it == e.prompt_ids.end())
            cause = "the prompt is shorter than the previous prompt plus its output";
        else if (at < prev.prompt_ids.size())
            cause = "history re-rendered differently inside the previous prompt";
        else
            cause = "the model's output re-rendered differently (generated token " +
                    std::to_string(at - prev.prompt_ids.size()) + ")";
        std::string reprocessed = "unknown";
        if (e.final)
            if (auto const* n = e.final->if_contains("prompt_n"); n && n->is_number())
                reprocessed = std::to_string(n->to_number<std::int64_t>());
        ctx.report(s, e, "cache",
                   "prompt does not extend exchange " + std::to_string(prev.number) + " at token " + std::to_string(at) +
                       " of " + std::to_string(expected.size()) + "; llama.cpp re-processed " + reprocessed +
                       " tokens; " + cause,
                   "expected " + describe(expected, at, ctx) + ", got " + describe(e.prompt_ids, at, ctx));
    }
}

} // namespace hp::replay::detail
