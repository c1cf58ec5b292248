// tests/support/http_client.hpp: a small loopback HTTP/1.1 client for tests (Beast), with a
// deadline on every exchange so a misbehaving server fails the test instead of hanging it.
//
//   auto r = hp::test::http_request("POST", port, "/completion", R"({"prompt":[1]})");
//   auto s = hp::test::sse_request(port, "/completion", body);   // reads a text/event-stream
//
// Each call runs its own io_context on the calling thread. Header-only; needs hp_asio.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::test {

struct http_reply
{
    int status = 0;
    std::string content_type;
    std::string body;
    boost::system::error_code error; // transport error (connect, read, timeout)

    boost::json::value json() const { return boost::json::parse(body); }
};

// A streamed reply as it arrived: body bytes in order, split into SSE frames.
struct sse_reply
{
    int status = 0;
    std::string content_type;
    std::string body;                // every body byte received
    std::vector<std::string> events; // the payload of each "data: " frame, in order
    std::size_t comments = 0;        // ":" lines (llama-server's SSE pings)
    bool complete = false;           // the chunked body ended properly
    boost::system::error_code error; // how reading ended when not complete
    std::vector<std::chrono::steady_clock::time_point> event_times;

    std::vector<boost::json::value> json_events() const
    {
        std::vector<boost::json::value> out;
        for (auto const& e : events)
            out.push_back(boost::json::parse(e));
        return out;
    }
};

namespace detail {

inline void split_sse(sse_reply& r, std::string& pending)
{
    // Frames end with a blank line; within a frame, "data: " carries the payload, ":" is a comment.
    for (;;) {
        auto end = pending.find("\n\n");
        if (end == std::string::npos) return;
        std::string frame = pending.substr(0, end);
        pending.erase(0, end + 2);
        std::size_t from = 0;
        while (from <= frame.size()) {
            auto nl = frame.find('\n', from);
            auto line = frame.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
            if (line.starts_with("data: ")) {
                r.events.push_back(line.substr(6));
                r.event_times.push_back(std::chrono::steady_clock::now());
            } else if (line.starts_with(":")) {
                ++r.comments;
            }
            if (nl == std::string::npos) break;
            from = nl + 1;
        }
    }
}

} // namespace detail

// Extra request headers (name, value).
using header_list = std::vector<std::pair<std::string, std::string>>;

inline http_reply http_request(std::string_view method, unsigned short port, std::string_view target,
                               std::string body = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(10),
                               header_list const& headers = {})
{
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    boost::beast::tcp_stream stream(io);
    http_reply out;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req{http::string_to_verb(method), std::string(target), 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto const& [name, value] : headers) req.set(name, value);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::response_parser<http::string_body> res;
    res.body_limit(64 * 1024 * 1024);

    stream.expires_after(timeout);
    stream.async_connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](boost::system::error_code ec) {
            if (ec) {
                out.error = ec;
                return;
            }
            http::async_write(stream, req, [&](boost::system::error_code ec, std::size_t) {
                if (ec) {
                    out.error = ec;
                    return;
                }
                http::async_read(stream, buffer, res,
                                 [&](boost::system::error_code ec, std::size_t) { out.error = ec; });
            });
        });
    io.run();
    if (!out.error) {
        out.status = static_cast<int>(res.get().result_int());
        out.content_type = std::string(res.get()[http::field::content_type]);
        out.body = res.get().body();
    }
    return out;
}

// POSTs `body` and reads the event stream until it ends, fails, or `timeout` passes in total.
inline sse_reply sse_request(unsigned short port, std::string_view target, std::string body,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10),
                             header_list const& headers = {})
{
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    boost::beast::tcp_stream stream(io);
    sse_reply out;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req{http::verb::post, std::string(target), 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto const& [name, value] : headers) req.set(name, value);
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::response_parser<http::buffer_body> res;
    char chunk[4096];
    std::string pending;

    std::function<void()> read_more = [&] {
        res.get().body().data = chunk;
        res.get().body().size = sizeof(chunk);
        http::async_read_some(stream, buffer, res, [&](boost::system::error_code ec, std::size_t) {
            if (ec == http::error::need_buffer) ec = {};
            auto got = sizeof(chunk) - res.get().body().size;
            out.body.append(chunk, got);
            pending.append(chunk, got);
            detail::split_sse(out, pending);
            if (ec) {
                out.error = ec;
                return;
            }
            if (res.is_done()) {
                out.complete = true;
                return;
            }
            read_more();
        });
    };

    stream.expires_after(timeout);
    stream.async_connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](boost::system::error_code ec) {
            if (ec) {
                out.error = ec;
                return;
            }
            http::async_write(stream, req, [&](boost::system::error_code ec, std::size_t) {
                if (ec) {
                    out.error = ec;
                    return;
                }
                http::async_read_header(stream, buffer, res, [&](boost::system::error_code ec, std::size_t) {
                    if (ec) {
                        out.error = ec;
                        return;
                    }
                    out.status = static_cast<int>(res.get().result_int());
                    out.content_type = std::string(res.get()[http::field::content_type]);
                    if (res.is_done()) {
                        out.complete = true;
                        return;
                    }
                    read_more();
                });
            });
        });
    io.run();
    return out;
}

} // namespace hp::test
