// proxy/options.hpp: what the proxy's network core is configured with.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hp::proxy {

using namespace std::chrono_literals;

// Where requests go: http://host:port[/base]. Only plain HTTP: llama-server listens on loopback.
struct upstream_target
{
    std::string host;
    std::uint16_t port = 80;
    std::string base_path; // prefixed to every forwarded target; "" or "/llama"
    std::string host_header() const { return port == 80 ? host : host + ":" + std::to_string(port); }
};

// Parses "http://127.0.0.1:8080[/base]". An error names what is wrong with the URL.
boost::system::result<upstream_target, std::string> parse_upstream_url(std::string_view url);

struct listen_endpoint
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
};
boost::system::result<listen_endpoint, std::string> parse_listen(std::string_view text);

struct timeouts
{
    std::chrono::milliseconds connect = 5s;       // TCP connect to the upstream
    std::chrono::milliseconds first_byte = 600s;  // request sent -> response head (long prefills)
    std::chrono::milliseconds idle = 300s;        // between two body reads of a streaming response
    std::chrono::milliseconds client_header = 60s; // keep-alive idle and request head read
    std::chrono::milliseconds client_body = 120s;  // request body read
    std::chrono::milliseconds client_write = 60s;  // one write to a slow client
    std::chrono::milliseconds shutdown_grace = 10s; // streams may finish within this on SIGTERM
};

struct server_options
{
    listen_endpoint listen;
    upstream_target upstream;
    timeouts limits;
    std::uint64_t body_limit = 64ull << 20; // request bodies above this get 413
    std::size_t max_upstream_connections = 64; // concurrent connections to the upstream
    std::size_t max_idle_upstream = 16;        // kept alive for reuse
    std::optional<std::filesystem::path> capture_dir;
};

} // namespace hp::proxy
