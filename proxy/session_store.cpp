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

std::string session_store::date_for(std::string const& key, std::chrono::system_clock::time_point now)
{
    if (key.empty()) return utc_date(now);
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.date;
    }
    if (entries_.size() >= capacity_) {
        entries_.erase(lru_.back());
        lru_.pop_back();
    }
    lru_.push_front(key);
    auto date = utc_date(now);
    entries_.emplace(key, entry{date, lru_.begin()});
    return date;
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
