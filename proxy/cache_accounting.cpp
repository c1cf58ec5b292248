#include "proxy/cache_accounting.hpp"

#include <algorithm>

namespace hp::proxy {

cache_report account_cache(std::optional<cache_expectation> const& expected,
                           std::span<translate::token_id const> prompt, std::uint64_t cache_n)
{
    cache_report r;
    if (!expected || expected->prefix.empty()) {
        r.new_input = prompt.size(); // a conversation's first request: all of it is new
        return r;
    }
    auto const& old = expected->prefix;
    auto const shared = static_cast<std::uint64_t>(
        std::mismatch(prompt.begin(), prompt.end(), old.begin(), old.end()).first - prompt.begin());
    // At least one prompt token is always processed.
    auto const reusable = std::min<std::uint64_t>(shared, prompt.empty() ? 0 : prompt.size() - 1);
    if (shared < old.size() && shared < prompt.size()) {
        // The prompt does not extend the slot's sequence: what was cached after the divergence is
        // lost, and re-processed as far as the prompt reaches.
        auto const lost = std::min<std::uint64_t>(old.size(), prompt.size()) - shared;
        r.new_input = prompt.size() - shared - lost;
        r.reprocessed = lost + (reusable > cache_n ? reusable - cache_n : 0);
        r.cause = reprocess_cause::history_changed;
        r.divergence_at = shared;
        return r;
    }
    r.new_input = prompt.size() - reusable;
    if (cache_n >= reusable) return r;
    r.reprocessed = reusable - cache_n;
    if (expected->slot_taken)
        r.cause = reprocess_cause::slot_taken;
    else if (expected->warmed && expected->warm != warm_state::completed)
        r.cause = reprocess_cause::warmup_missed;
    else
        r.cause = reprocess_cause::cache_dropped;
    return r;
}

} // namespace hp::proxy
