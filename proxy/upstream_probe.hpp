// proxy/upstream_probe.hpp: one-off synchronous requests to the upstream for command-line tools
// (codex-config) and start-up checks. Not for the serving path, which is fully asynchronous.
#pragma once

#include "proxy/options.hpp"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <string>

namespace hp::proxy {

struct upstream_props
{
    std::int64_t n_ctx = 0;       // per-slot context (default_generation_settings.n_ctx)
    std::int64_t total_slots = 0;
    std::string model_path;
    boost::json::value raw;
};

// GET {upstream}/props within `timeout`. The error names the upstream and what went wrong.
boost::system::result<upstream_props, std::string> fetch_props(upstream_target const& target,
                                                               std::chrono::milliseconds timeout);

} // namespace hp::proxy
