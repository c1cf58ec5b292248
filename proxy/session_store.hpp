// proxy/session_store.hpp: what the proxy remembers about a conversation between its requests.
//
// Codex sends the whole history with every request and names the conversation with
// prompt_cache_key (its thread id). The store keeps, per conversation, the facts that must not
// change while it lasts: the date written into the system message is the day the conversation was
// first seen, so its prompts stay identical across midnight and on replay (a changed date would
// also throw away llama.cpp's KV cache). It also keeps what the cache accounting compares the next
// prompt with: the token sequence the conversation's slot should hold (the last prompt and its
// output, or the prefix a warm-up sent), whether a warm-up for it completed, and whether another
// conversation took the slot since. Bounded: the least recently used conversation is forgotten
// first, and the token sequences of the least recently used ones are dropped beyond a total
// budget. Thread-safe.
#pragma once

#include "translate/exact_history.hpp"
#include "translate/special_tokens.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <vector>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace hp::proxy {

enum class warm_state { none, pending, completed, cancelled, failed };

// What the next prompt of a conversation should extend.
struct cache_expectation
{
    std::vector<translate::token_id> prefix; // the slot's expected content
    bool warmed = false;                     // `prefix` is a warm-up's prompt (after a final answer)
    warm_state warm = warm_state::none;      // how that warm-up went
    bool slot_taken = false;                 // another conversation used the slot since `prefix` was set
};

class session_store
{
public:
    explicit session_store(std::size_t capacity = 4096, std::size_t token_budget = std::size_t{1} << 24)
        : capacity_(capacity ? capacity : 1), token_budget_(token_budget)
    {
    }

    // The conversation's date (YYYY-MM-DD, UTC), fixed the first time `key` is seen. An empty key
    // (a client that names no conversation) gets the date of `now`.
    std::string date_for(std::string const& key, std::chrono::system_clock::time_point now);

    // The llama-server slot (id_slot) of the conversation: the one it had before while it still
    // owns it, else a slot nobody owns, else the least recently used one (its owner loses it). With
    // at least as many slots as concurrent conversations, two active conversations never share a
    // slot, so neither evicts the other's KV cache. nullopt when slots == 0 or the key is empty.
    std::optional<int> slot_for(std::string const& key, std::size_t slots);

    // The conversation's expectation (a copy), nullopt when none is known.
    std::optional<cache_expectation> expectation(std::string const& key) const;
    // Sets what the next prompt should extend; resets the warm-up state and the slot_taken flag.
    void expect(std::string const& key, std::vector<translate::token_id> prefix, bool warmed);
    // Records how the warm-up of the current expectation went.
    void set_warm_state(std::string const& key, warm_state state);

    // The model's messages as it sampled them (translate/exact_history.hpp), per conversation.
    void add_exact(std::string const& key, std::vector<translate::exact_segment> segments);
    std::optional<std::vector<translate::token_id>> find_exact(std::string const& key,
                                                               translate::message const& m) const;

    std::size_t size() const;

private:
    struct slot_owner
    {
        std::string key;
        std::uint64_t last_used = 0;
    };
    std::vector<slot_owner> slots_; // guarded by mutex_
    std::uint64_t clock_ = 0;       // guarded by mutex_

    struct entry
    {
        std::string date;
        std::list<std::string>::iterator lru;
        std::optional<cache_expectation> expected;
        translate::exact_history exact;
    };
    entry& touch(std::string const& key, std::chrono::system_clock::time_point now); // mutex_ held
    void trim_tokens();                                                              // mutex_ held

    std::size_t capacity_;
    std::size_t token_budget_;
    std::size_t tokens_ = 0; // guarded by mutex_: ids held (expected prefixes and exact histories)
    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::list<std::string> lru_; // front: most recently used
};

std::string utc_date(std::chrono::system_clock::time_point t);

} // namespace hp::proxy
