// capture/summary.hpp: one summary per exchange, built from its client_request and exchange_end
// records (what `harmony-proxy inspect` prints).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::capture {

struct exchange_summary
{
    std::string session;
    std::uint64_t exchange = 0;
    std::string wall;   // ISO 8601 UTC of the request
    std::string method;
    std::string target;
    std::optional<std::int64_t> status; // absent: the exchange never ended (crash, torn capture)
    std::string outcome;
    std::int64_t bytes_up = 0;
    std::int64_t bytes_down = 0;
    std::int64_t ttfb_us = 0;
    std::int64_t duration_us = 0;
};

// In order of first appearance.
std::vector<exchange_summary> summarize(std::vector<boost::json::object> const& records);
std::string summary_header();
std::string format_summary(exchange_summary const& s);

} // namespace hp::capture
