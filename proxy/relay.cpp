#include "proxy/relay.hpp"

#include "proxy/http_util.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>
#include <vector>

namespace hp::proxy {

namespace {

using namespace boost::asio::experimental::awaitable_operators;
using boost::system::error_code;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t relay_buffer_size = 64 * 1024;

// A reused keep-alive connection the upstream closed while it sat idle fails like this before any
// response byte; the request was not processed, so it is safe to send again on a fresh connection.
bool is_stale_connection_error(error_code ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe;
}

bool is_timeout(error_code ec) { return ec == beast::error::timeout || ec == net::error::timed_out; }

void record_head(exchange_recorder& rec, std::string_view kind, unsigned status, std::string_view reason,
                 http::fields const& fields)
{
    if (!rec.enabled()) return;
    auto r = rec.make(kind);
    r["status"] = status;
    r["reason"] = reason;
    r["headers"] = capture::headers_to_json(capture_headers(fields));
    rec.submit(std::move(r));
}

// The body loop and the client watch of one streaming response. Lives in relay_request's frame.
struct body_relay
{
    beast::tcp_stream& client;
    beast::flat_buffer& client_buffer;
    beast::tcp_stream& upstream;
    beast::flat_buffer& upstream_buffer;
    http::response_parser<http::buffer_body>& parser;
    exchange_recorder& recorder;
    server_options const& options;
    bool chunk_to_client;

    std::uint64_t bytes_down = 0;
    bool client_gone = false;
    error_code upstream_error;
    error_code client_error;

    // Parses what has already arrived without waiting for more, so events that came in together
    // leave in one client write instead of one write per upstream chunk. Never waits on the socket.
    error_code drain_buffered()
    {
        while (!parser.is_done() && parser.get().body().size > 0 && upstream_buffer.size() > 0) {
            error_code ec;
            auto used = parser.put(upstream_buffer.data(), ec);
            upstream_buffer.consume(used);
            if (ec == http::error::need_more || ec == http::error::need_buffer) return {};
            if (ec) return ec;
            if (used == 0) return {};
        }
        return {};
    }

    net::awaitable<void> pump()
    {
        std::vector<char> buf(relay_buffer_size);
        while (!parser.is_done()) {
            parser.get().body().data = buf.data();
            parser.get().body().size = buf.size();
            upstream.expires_after(options.limits.idle);
            auto [ec, n] = co_await http::async_read_some(upstream, upstream_buffer, parser, tuple_awaitable);
            if (ec == http::error::need_buffer) ec = {};
            if (!ec) ec = drain_buffered();
            std::size_t const got = buf.size() - parser.get().body().size;
            if (got > 0) {
                std::string_view data(buf.data(), got);
                if (recorder.enabled()) {
                    auto r = recorder.make(capture::kind::upstream_chunk);
                    capture::store_bytes(r, "data", data);
                    recorder.submit(std::move(r));
                }
                client.expires_after(options.limits.client_write);
                auto [wec, wn] = chunk_to_client
                                     ? co_await net::async_write(client, http::make_chunk(net::buffer(data)),
                                                                 tuple_awaitable)
                                     : co_await net::async_write(client, net::buffer(data), tuple_awaitable);
                if (wec) {
                    client_error = wec;
                    co_return;
                }
                // A relayed body needs no client_chunk records: the client received exactly the first
                // bytes_down bytes of the upstream chunks (exchange_end says how many).
                bytes_down += got;
            }
            if (ec) {
                upstream_error = ec;
                co_return;
            }
        }
        if (chunk_to_client) {
            client.expires_after(options.limits.client_write);
            auto [wec, wn] = co_await net::async_write(client, http::make_chunk_last(), tuple_awaitable);
            client_error = wec;
        }
    }

    // Finishes only when the client goes away (then closes the upstream at once) or when it is
    // cancelled because pump() finished. Bytes of a pipelined next request stay in client_buffer.
    net::awaitable<void> watch()
    {
        co_await net::this_coro::throw_if_cancelled(false);
        auto [ec, n] = co_await client.socket().async_read_some(client_buffer.prepare(4096), tuple_awaitable);
        if (!ec) {
            client_buffer.commit(n);
            if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
                co_return;
            net::steady_timer forever(co_await net::this_coro::executor, net::steady_timer::time_point::max());
            co_await forever.async_wait(tuple_awaitable);
            co_return;
        }
        if (ec == net::error::operation_aborted) co_return;
        client_gone = true;
        client_error = ec;
        error_code ignored;
        upstream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        upstream.socket().close(ignored);
    }
};

} // namespace

std::string_view to_string(outcome o)
{
    switch (o) {
    case outcome::complete: return "complete";
    case outcome::client_gone: return "client_gone";
    case outcome::upstream_failed: return "upstream_failed";
    case outcome::upstream_timeout: return "upstream_timeout";
    case outcome::client_timeout: return "client_timeout";
    case outcome::rejected: return "rejected";
    case outcome::shutdown: return "shutdown";
    }
    return "unknown";
}

net::awaitable<bool> write_own_response(beast::tcp_stream& client, http::response<http::string_body>& res,
                                        exchange_recorder& recorder, std::chrono::milliseconds timeout)
{
    record_head(recorder, capture::kind::client_response_head, res.result_int(), res.reason(), res);
    if (recorder.enabled()) {
        auto r = recorder.make(capture::kind::client_chunk);
        capture::store_bytes(r, "data", res.body());
        recorder.submit(std::move(r));
    }
    client.expires_after(timeout);
    auto [ec, n] = co_await http::async_write(client, res, tuple_awaitable);
    co_return !ec;
}

net::awaitable<relay_result> relay_request(beast::tcp_stream& client, beast::flat_buffer& client_buffer,
                                           http::request<http::string_body> const& req, upstream_pool& pool,
                                           server_options const& options, exchange_recorder& recorder,
                                           relay_hooks hooks)
{
    relay_result r;
    auto const started = std::chrono::steady_clock::now();

    http::request<http::string_body> up{req.method(), pool.target().base_path + std::string(req.target()), 11};
    if (req.method() == http::verb::unknown) up.method_string(req.method_string());
    copy_end_to_end(req, up);
    up.erase(http::field::expect); // the whole body is already here; a 100 Continue would only confuse
    up.set(http::field::host, pool.target().host_header());
    up.body() = req.body();
    up.keep_alive(true);
    up.prepare_payload();
    if (recorder.enabled()) {
        auto rec = recorder.make(capture::kind::upstream_request);
        rec["method"] = up.method_string();
        rec["target"] = up.target();
        rec["headers"] = capture::headers_to_json(capture_headers(up));
        capture::store_bytes(rec, "body", up.body());
        recorder.submit(std::move(rec));
    }

    auto fail_before_head = [&](proxy_error e, std::string message) -> net::awaitable<relay_result> {
        r.end = e == proxy_error::upstream_timeout ? outcome::upstream_timeout : outcome::upstream_failed;
        r.error = message;
        auto res = make_error_response(e, message, req.version(), req.keep_alive() && !hooks.is_stopping());
        r.status = res.result_int();
        r.bytes_down = res.body().size();
        r.client_keep_alive = co_await write_own_response(client, res, recorder, options.limits.client_write) &&
                              res.keep_alive();
        co_return r;
    };

    std::optional<beast::tcp_stream> upstream;
    struct slot_guard
    {
        beast::tcp_stream** slot;
        ~slot_guard()
        {
            if (slot) *slot = nullptr;
        }
    } guard{hooks.upstream_slot};
    beast::flat_buffer upstream_buffer;
    std::optional<http::response_parser<http::buffer_body>> parser;
    auto const upstream_name = pool.target().host_header();
    for (int attempt = 0;; ++attempt) {
        error_code ec;
        auto lease = co_await pool.acquire(ec);
        if (ec)
            co_return co_await fail_before_head(proxy_error::upstream_unavailable,
                                                "cannot connect to upstream " + upstream_name + ": " + ec.message());
        upstream.emplace(std::move(lease.stream));
        if (hooks.upstream_slot) *hooks.upstream_slot = &*upstream;
        upstream->expires_after(options.limits.first_byte);
        auto [wec, wn] = co_await http::async_write(*upstream, up, tuple_awaitable);
        ec = wec;
        if (!ec) {
            parser.emplace();
            parser->body_limit(boost::none); // responses stream for as long as the model writes
            if (req.method() == http::verb::head) parser->skip(true);
            upstream_buffer.clear();
            auto [rec, rn] = co_await http::async_read_header(*upstream, upstream_buffer, *parser, tuple_awaitable);
            ec = rec;
        }
        if (!ec) break;
        pool.discard(*upstream);
        if (lease.reused && attempt == 0 && is_stale_connection_error(ec)) continue;
        if (is_timeout(ec))
            co_return co_await fail_before_head(proxy_error::upstream_timeout,
                                                "upstream " + upstream_name + " sent no response head in time");
        co_return co_await fail_before_head(proxy_error::upstream_unavailable,
                                            "upstream " + upstream_name + " failed before the response: " +
                                                ec.message());
    }

    r.time_to_first_byte = std::chrono::steady_clock::now() - started;
    auto& head = parser->get();
    r.status = head.result_int();
    record_head(recorder, capture::kind::upstream_response_head, head.result_int(), head.reason(), head);

    http::response<http::empty_body> out{head.result(), req.version()};
    out.reason(head.reason());
    copy_end_to_end(head, out);
    bool const no_body = req.method() == http::verb::head || r.status / 100 == 1 || r.status == 204 ||
                         r.status == 304;
    bool chunk_to_client = false;
    r.client_keep_alive = req.keep_alive() && !hooks.is_stopping();
    if (!no_body && !parser->content_length()) {
        if (req.version() >= 11) {
            out.erase(http::field::content_length);
            out.chunked(true);
            chunk_to_client = true;
        } else {
            r.client_keep_alive = false; // HTTP/1.0 without a length: the close ends the body
        }
    }
    out.keep_alive(r.client_keep_alive);
    record_head(recorder, capture::kind::client_response_head, out.result_int(), out.reason(), out);
    http::response_serializer<http::empty_body> serializer{out};
    client.expires_after(options.limits.client_write);
    auto [hec, hn] = co_await http::async_write_header(client, serializer, tuple_awaitable);
    if (hec) {
        pool.discard(*upstream);
        r.end = is_timeout(hec) ? outcome::client_timeout : outcome::client_gone;
        r.error = "writing the response head: " + hec.message();
        r.client_keep_alive = false;
        co_return r;
    }

    body_relay body{client, client_buffer, *upstream, upstream_buffer, *parser, recorder, options, chunk_to_client, 0, false, {}, {}};
    if (!parser->is_done()) {
        co_await (body.pump() || body.watch());
    } else if (chunk_to_client) {
        co_await body.pump(); // writes the last chunk
    }
    r.bytes_down = body.bytes_down;

    if (body.client_gone || body.client_error) {
        pool.discard(*upstream);
        r.client_keep_alive = false;
        r.end = !body.client_gone && is_timeout(body.client_error) ? outcome::client_timeout : outcome::client_gone;
        r.error = "client: " + body.client_error.message();
    } else if (body.upstream_error) {
        pool.discard(*upstream);
        r.client_keep_alive = false; // the client sees the body end early (no last chunk)
        r.end = hooks.is_stopping() ? outcome::shutdown
                : is_timeout(body.upstream_error) ? outcome::upstream_timeout
                                                  : outcome::upstream_failed;
        r.error = "upstream body: " + body.upstream_error.message();
    } else {
        r.end = outcome::complete;
        if (parser->keep_alive())
            pool.give_back(std::move(*upstream));
        else
            pool.discard(*upstream);
    }
    co_return r;
}

} // namespace hp::proxy
