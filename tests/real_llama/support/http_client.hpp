// A small blocking HTTP/1.1 client for tests against an upstream server (real or scripted
// llama-server), bounded in time, plus the SSE frame splitter llama-server's streams need.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hp::test {

/// Where an upstream listens. Tests that compare the real and the scripted llama-server hold one
/// endpoint per server and send the same request to each.
struct endpoint
{
    std::string name; ///< for messages: "real llama-server", "fake-llama-server"
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;

    std::string base_url() const { return "http://" + host + ":" + std::to_string(port); }
};

struct http_reply
{
    unsigned status = 0;
    std::string content_type;
    std::string body;

    /// The body as JSON; throws std::runtime_error naming the body when it is not JSON.
    boost::json::value json() const;
};

/// One request on a fresh connection; the whole exchange must finish within `timeout`.
/// Transport failures and timeouts throw std::runtime_error (a test failure, with the reason).
http_reply http_request(endpoint const& ep, boost::beast::http::verb method, std::string_view target,
                        std::string body = {}, std::chrono::milliseconds timeout = std::chrono::seconds(30));

inline http_reply http_get(endpoint const& ep, std::string_view target,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30))
{
    return http_request(ep, boost::beast::http::verb::get, target, {}, timeout);
}

http_reply post_json(endpoint const& ep, std::string_view target, boost::json::value const& body,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The `data:` payloads of an SSE body in order, parsed as JSON. Frames are separated by a blank line;
/// comment lines (starting with ':', llama-server's idle pings) are skipped. A `data: [DONE]` payload
/// or a payload that is not JSON throws std::runtime_error: llama-server's native route sends neither.
std::vector<boost::json::object> sse_json_events(std::string_view body);

/// A JSON array of integers (token ids) as a vector; throws std::runtime_error on anything else.
std::vector<std::int64_t> to_ids(boost::json::value const& array);

} // namespace hp::test
