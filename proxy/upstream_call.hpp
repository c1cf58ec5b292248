// proxy/upstream_call.hpp: one HTTP request to the upstream and its streamed response.
//
// start() borrows a pooled connection, sends the request and reads the response head; a pooled
// connection that turns out to have been closed by the upstream while idle is replaced once (the
// request never reached it). read_some() then hands out body bytes as they arrive, de-chunked,
// reading the raw socket so that a wait can be cut short by a timer or by cancellation (Beast's
// own stream operations support neither). finish() returns the connection to the pool only when
// the response was read completely on a keep-alive connection; otherwise it is closed.
#pragma once

#include "proxy/options.hpp"
#include "proxy/upstream_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace hp::proxy {

namespace http = boost::beast::http;

class upstream_call
{
public:
    // `slot`, when given, points at the session's record of its live upstream connection (for
    // shutdown); it is kept up to date and cleared when the call ends.
    upstream_call(upstream_pool& pool, timeouts const& limits, boost::beast::tcp_stream** slot = nullptr);
    upstream_call(upstream_call const&) = delete;
    upstream_call& operator=(upstream_call const&) = delete;
    ~upstream_call(); // closes a connection that was neither finished nor given back

    // Sends `req` and reads the response head within limits.first_byte. Errors: the pool's
    // connect errors, beast::error::timeout (no head in time), or the write/read error.
    // Cancellation: none; close() stops it.
    net::awaitable<boost::system::error_code> start(http::request<http::string_body> const& req,
                                                    bool head_request = false);

    http::response_header<> const& head() const { return parser_->get().base(); }
    std::optional<std::uint64_t> content_length() const
    {
        auto len = parser_->content_length();
        return len ? std::optional<std::uint64_t>(*len) : std::nullopt;
    }
    bool body_done() const { return parser_ && parser_->is_done(); }

    // Appends the next body bytes to `out`. Completes when at least one byte was appended, when
    // the body is complete (body_done()), after `wait` without data (net::error::timed_out,
    // nothing appended), or with the connection's error. Supports terminal cancellation.
    net::awaitable<boost::system::error_code> read_some(std::string& out, std::chrono::milliseconds wait);

    // Reads the rest of the body into `out`, at most `limit` bytes, with `idle` between reads.
    net::awaitable<boost::system::error_code> read_all(std::string& out, std::size_t limit,
                                                       std::chrono::milliseconds idle);

    // Ends the call: a complete keep-alive response returns the connection to the pool.
    void finish();
    // Closes the connection now (client gone, failure): the upstream sees the disconnect at once.
    void close();
    boost::beast::tcp_stream* stream() { return stream_ ? &*stream_ : nullptr; }

private:
    std::size_t decode_buffered(std::string& out, boost::system::error_code& ec);

    upstream_pool& pool_;
    timeouts limits_;
    boost::beast::tcp_stream** slot_;
    std::optional<boost::beast::tcp_stream> stream_;
    bool leased_ = false;
    boost::beast::flat_buffer buffer_;
    std::optional<http::response_parser<http::buffer_body>> parser_;
};

bool is_timeout(boost::system::error_code ec);

} // namespace hp::proxy
