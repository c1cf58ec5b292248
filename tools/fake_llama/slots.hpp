// tools/fake_llama/slots.hpp: a simulated per-slot KV cache, enough to compute the
// timings.cache_n / prompt_n that llama-server reports. Sans-io.
//
// Invariants reproduced (server-context.cpp):
// - id_slot >= 0 picks that slot (modulo the slot count, as llama-server wraps it around);
//   id_slot -1 picks the idle slot whose cached tokens share the largest fraction of the new prompt
//   (above 0.1), else the least recently used idle slot.
// - cache_n is the longest common prefix of the slot's cached tokens and the prompt, minus one
//   when it covers the whole prompt (at least one prompt token is always evaluated).
// - After a request the slot holds prompt + every generated token but the last (the last sampled
//   token is never decoded), which is also the final chunk's tokens_cached.
// Not simulated: sliding-window checkpoints (the real gpt-oss cache can only resume near its end),
// and waiting for a busy slot (a busy slot is shared at once).
#pragma once

#include "tools/fake_llama/vocab.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace hp::tools::fake_llama {

class slot_pool
{
public:
    explicit slot_pool(std::size_t n_slots);

    std::size_t size() const noexcept { return slots_.size(); }

    // Chooses a slot for a prompt and marks it busy.
    std::size_t acquire(std::int64_t id_slot, std::span<const token_id> prompt);

    // Tokens of the prompt found in the slot's cache (see the invariant above).
    std::size_t cached_prefix(std::size_t slot, std::span<const token_id> prompt) const;

    // Stores what the slot's KV cache now holds and marks it idle.
    void release(std::size_t slot, std::vector<token_id> cached);

    std::vector<token_id> const& cached(std::size_t slot) const { return slots_.at(slot).tokens; }

private:
    struct slot
    {
        std::vector<token_id> tokens;
        bool busy = false;
        std::uint64_t last_used = 0;
    };
    std::vector<slot> slots_;
    std::uint64_t clock_ = 0;
};

std::size_t common_prefix(std::span<const token_id> a, std::span<const token_id> b) noexcept;

} // namespace hp::tools::fake_llama
