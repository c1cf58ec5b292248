// proxy/cache_accounting.hpp: how much of an exchange's prompt llama-server had to process beyond
// its new input, and why (issue 8 item 4). Pure.
//
// The conversation's slot should hold the previous prompt and its output (after a tool call), or
// the next turn's prefix a warm-up sent (after a final answer). The new input is what the prompt
// adds after the longest prefix it shares with that. Everything processed on top of it is
// re-processing, with one cause:
//   history_changed  the prompt leaves that sequence at `divergence_at` (the earlier tokens after
//                    it, had they been kept, would have been reused);
//   slot_taken       another conversation took the slot in between;
//   warmup_missed    the prefix was to be warmed, and the warm-up did not complete;
//   cache_dropped    none of those: llama-server kept less than it could (context shift, a
//                    sliding-window checkpoint, a restart).
// llama.cpp always processes at least one prompt token; that token is not re-processing.
#pragma once

#include "proxy/metrics.hpp"
#include "proxy/session_store.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace hp::proxy {

struct cache_report
{
    std::uint64_t new_input = 0;   // prompt tokens after the shared prefix
    std::uint64_t reprocessed = 0; // processed beyond the new input
    reprocess_cause cause = reprocess_cause::none;
    std::optional<std::uint64_t> divergence_at; // history_changed: the first differing position
};

cache_report account_cache(std::optional<cache_expectation> const& expected,
                           std::span<translate::token_id const> prompt, std::uint64_t cache_n);

} // namespace hp::proxy
