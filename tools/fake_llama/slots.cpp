#include "tools/fake_llama/slots.hpp"

#include <algorithm>

namespace hp::tools::fake_llama {

std::size_t common_prefix(std::span<const token_id> a, std::span<const token_id> b) noexcept
{
    auto n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i])
        ++i;
    return i;
}

slot_pool::slot_pool(std::size_t n_slots) : slots_(std::max<std::size_t>(n_slots, 1)) {}

std::size_t slot_pool::acquire(std::int64_t id_slot, std::span<const token_id> prompt)
{
    std::size_t chosen = 0;
    if (id_slot >= 0) {
        chosen = static_cast<std::size_t>(id_slot) % slots_.size();
    } else {
        // llama-server's get_available_slot: best LCP similarity above 0.1 among idle slots with a
        // cache, else the least recently used idle slot.
        constexpr float similarity_threshold = 0.1f;
        float best = similarity_threshold;
        bool found = false;
        for (std::size_t i = 0; i < slots_.size() && !prompt.empty(); ++i) {
            auto const& s = slots_[i];
            if (s.busy || s.tokens.empty()) continue;
            float sim = float(common_prefix(s.tokens, prompt)) / float(prompt.size());
            if (sim > best) {
                best = sim;
                chosen = i;
                found = true;
            }
        }
        if (!found) {
            // Idle slots first, then the least recently used. All busy: share the LRU one.
            auto better = [](slot const& a, slot const& b) {
                if (a.busy != b.busy) return !a.busy;
                return a.last_used < b.last_used;
            };
            chosen = static_cast<std::size_t>(std::min_element(slots_.begin(), slots_.end(), better) -
                                              slots_.begin());
        }
    }
    slots_[chosen].busy = true;
    slots_[chosen].last_used = ++clock_;
    return chosen;
}

std::size_t slot_pool::cached_prefix(std::size_t slot, std::span<const token_id> prompt) const
{
    auto n = common_prefix(slots_.at(slot).tokens, prompt);
    if (n == prompt.size() && n > 0) --n;
    return n;
}

void slot_pool::release(std::size_t slot, std::vector<token_id> cached)
{
    auto& s = slots_.at(slot);
    s.tokens = std::move(cached);
    s.busy = false;
    s.last_used = ++clock_;
}

} // namespace hp::tools::fake_llama
