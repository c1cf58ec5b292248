#include "capture/summary.hpp"

#include "capture/record.hpp"

#include <cstdio>
#include <map>
#include <utility>

namespace hp::capture {
namespace json = boost::json;

namespace {

std::string str(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t num(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    return 0;
}

} // namespace

std::vector<exchange_summary> summarize(std::vector<json::object> const& records)
{
    std::vector<exchange_summary> out;
    std::map<std::pair<std::string, std::int64_t>, std::size_t> index;
    for (auto const& r : records) {
        auto k = str(r, "kind");
        if (k != kind::client_request && k != kind::exchange_end) continue;
        auto key = std::make_pair(str(r, "session"), num(r, "exchange"));
        auto [it, inserted] = index.emplace(key, out.size());
        if (inserted) {
            out.emplace_back();
            out.back().session = key.first;
            out.back().exchange = static_cast<std::uint64_t>(key.second);
        }
        auto& s = out[it->second];
        if (k == kind::client_request) {
            s.wall = str(r, "wall");
            s.method = str(r, "method");
            s.target = str(r, "target");
        } else {
            s.status = num(r, "status");
            s.outcome = str(r, "outcome");
            s.bytes_up = num(r, "bytes_up");
            s.bytes_down = num(r, "bytes_down");
            s.ttfb_us = num(r, "ttfb_us");
            s.duration_us = num(r, "duration_us");
        }
    }
    return out;
}

std::string summary_header()
{
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-27s %-24s %6s %-7s %-28s %6s %10s %10s %10s %10s  %s", "time", "session",
                  "exch", "method", "path", "status", "up", "down", "ttfb_ms", "total_ms", "outcome");
    return buf;
}

std::string format_summary(exchange_summary const& s)
{
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%-27s %-24s %6llu %-7s %-28s %6s %10lld %10lld %10.1f %10.1f  %s", s.wall.c_str(),
                  s.session.c_str(), static_cast<unsigned long long>(s.exchange), s.method.c_str(),
                  s.target.c_str(), s.status ? std::to_string(*s.status).c_str() : "-",
                  static_cast<long long>(s.bytes_up), static_cast<long long>(s.bytes_down), s.ttfb_us / 1000.0,
                  s.duration_us / 1000.0, s.status ? s.outcome.c_str() : "unfinished");
    return buf;
}

} // namespace hp::capture
