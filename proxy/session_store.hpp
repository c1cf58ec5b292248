// proxy/session_store.hpp: what the proxy remembers about a conversation between its requests.
//
// Codex sends the whole history with every request and names the conversation with
// prompt_cache_key (its thread id). The store keeps, per conversation, the facts that must not
// change while it lasts: the date written into the system message is the day the conversation was
// first seen, so its prompts stay identical across midnight and on replay (a changed date would
// also throw away llama.cpp's KV cache). Bounded: the least recently used conversation is forgotten
// first. Thread-safe.
#pragma once

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

class session_store
{
public:
    explicit session_store(std::size_t capacity = 4096) : capacity_(capacity ? capacity : 1) {}

    // The conversation's date (YYYY-MM-DD, UTC), fixed the first time `key` is seen. An empty key
    // (a client that names no conversation) gets the date of `now`.
    std::string date_for(std::string const& key, std::chrono::system_clock::time_point now);

    // The llama-server slot (id_slot) of the conversation: the one it had before while it still
    // owns it, else a slot nobody owns, else the least recently used one (its owner loses it). With
    // at least as many slots as concurrent conversations, two active conversations never share a
    // slot, so neither evicts the other's KV cache. nullopt when slots == 0 or the key is empty.
    std::optional<int> slot_for(std::string const& key, std::size_t slots);

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
    };
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::list<std::string> lru_; // front: most recently used
};

std::string utc_date(std::chrono::system_clock::time_point t);

} // namespace hp::proxy
