#include "proxy/session_store.hpp"

#include <ctime>

namespace hp::proxy {

std::string utc_date(std::chrono::system_clock::time_point t)
{
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

session_store::entry& session_store::touch(std::string const& key, std::chrono::system_clock::time_point now)
{
    if (auto it = entries_.find(key); it != entries_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second;
    }
    if (entries_.size() >= capacity_) {
        auto& victim = entries_.at(lru_.back());
        if (victim.expected) tokens_ -= victim.expected->prefix.size();
        tokens_ -= victim.exact.tokens();
        entries_.erase(lru_.back());
        lru_.pop_back();
    }
    lru_.push_front(key);
    return entries_.emplace(key, entry{utc_date(now), lru_.begin(), std::nullopt, translate::exact_history()}).first->second;
}

std::string session_store::date_for(std::string const& key, std::chrono::system_clock::time_point now)
{
    if (key.empty()) return utc_date(now);
    std::lock_guard lock(mutex_);
    return touch(key, now).date;
}

std::optional<cache_expectation> session_store::expectation(std::string const& key) const
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second.expected;
}

void session_store::expect(std::string const& key, std::vector<translate::token_id> prefix, bool warmed)
{
    if (key.empty()) return;
    std::lock_guard lock(mutex_);
    auto& e = touch(key, std::chrono::system_clock::now());
    if (e.expected) tokens_ -= e.expected->prefix.size();
    tokens_ += prefix.size();
    e.expected = cache_expectation{std::move(prefix), warmed, warmed ? warm_state::pending : warm_state::none, false};
    trim_tokens();
}

void session_store::set_warm_state(std::string const& key, warm_state state)
{
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end() && it->second.expected) it->second.expected->warm = state;
}

void session_store::add_exact(std::string const& key, std::vector<translate::exact_segment> segments)
{
    if (key.empty() || segments.empty()) return;
    std::lock_guard lock(mutex_);
    auto& e = touch(key, std::chrono::system_clock::now());
    tokens_ -= e.exact.tokens();
    for (auto& s : segments) e.exact.add(std::move(s));
    tokens_ += e.exact.tokens();
    trim_tokens();
}

std::optional<std::vector<translate::token_id>> session_store::find_exact(std::string const& key,
                                                                          translate::message const& m) const
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    auto ids = it->second.exact.find(m);
    if (!ids) return std::nullopt;
    return std::vector<translate::token_id>(ids->begin(), ids->end());
}

void session_store::trim_tokens()
{
    // Oldest first; the most recently used conversation keeps its prefix whatever its size.
    for (auto it = lru_.rbegin(); tokens_ > token_budget_ && std::next(it) != lru_.rend(); ++it) {
        auto& e = entries_.at(*it);
        if (e.expected) tokens_ -= e.expected->prefix.size();
        e.expected.reset();
        tokens_ -= e.exact.tokens();
        e.exact = translate::exact_history();
    }
}

std::optional<int> session_store::slot_for(std::string const& key, std::size_t slots)
{
    if (slots == 0 || key.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    if (slots_.size() != slots) slots_.assign(slots, slot_owner{});
    ++clock_;
    std::size_t chosen = slots;
    for (std::size_t i = 0; i < slots; ++i) {
        if (slots_[i].key == key) {
            chosen = i;
            break;
        }
    }
    if (chosen == slots) {
        chosen = 0;
        for (std::size_t i = 0; i < slots; ++i) {
            if (slots_[i].key.empty()) {
                chosen = i;
                break;
            }
            if (slots_[i].last_used < slots_[chosen].last_used) chosen = i;
        }
        // The previous owner's KV cache is about to be overwritten.
        if (auto it = entries_.find(slots_[chosen].key); it != entries_.end() && it->second.expected)
            it->second.expected->slot_taken = true;
        slots_[chosen].key = key;
    }
    slots_[chosen].last_used = clock_;
    return static_cast<int>(chosen);
}

std::size_t session_store::size() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

} // namespace hp::proxy
