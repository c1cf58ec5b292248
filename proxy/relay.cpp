#include "proxy/relay.hpp"

#include "proxy/http_util.hpp"
#include "proxy/chunked_writer.hpp"
#include "proxy/client_watch.hpp"
#include "proxy/upstream_call.hpp"

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
    upstream_call& upstream;
    exchange_recorder& recorder;
    server_options const& options;
    bool chunk_to_client;
    chunked_writer chunked{client, options.limits.client_write};

    std::uint64_t bytes_down = 0;
    bool client_gone = false;
    error_code upstream_error{};
    error_code client_error{};

    net::awaitable<void> pump()
    {
        std::string data;
        while (!upstream.body_done()) {
            data.clear();
            auto ec = co_await upstream.read_some(data, options.limits.idle);
            if (!data.empty()) {
                if (recorder.enabled()) {
                    auto r = recorder.make(capture::kind::upstream_chunk);
                    capture::store_bytes(r, "data", data);
                    recorder.submit(std::move(r));
                }
                error_code wec;
                if (chunk_to_client) {
                    wec = co_await chunked.write(data);
                } else {
                    client.expires_after(options.limits.client_write);
                    auto [ec2, wn] = co_await net::async_write(client, net::buffer(data), tuple_awaitable);
                    wec = ec2;
                }
                if (wec) {
                    client_error = wec;
                    co_return;
                }
                // A relayed body needs no client_chunk records: the client received exactly the first
                // bytes_down bytes of the upstream chunks (exchange_end says how many).
                bytes_down += data.size();
            }
            if (ec) {
                upstream_error = ec;
                co_return;
            }
        }
        if (chunk_to_client) client_error = co_await chunked.finish();
    }

    net::awaitable<void> watch()
    {
        bool const gone = co_await watch_client(client, client_buffer);
        if (gone) {
            client_gone = true;
            upstream.close(); // llama-server learns of the disconnect from its socket
        }
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

    upstream_call upstream(pool, options.limits, hooks.upstream_slot);
    auto const upstream_name = pool.target().host_header();
    auto const start_error = co_await upstream.start(up, req.method() == http::verb::head);
    if (auto ec = start_error) {
        if (is_timeout(ec))
            co_return co_await fail_before_head(proxy_error::upstream_timeout,
                                                "upstream " + upstream_name + " sent no response head in time");
        co_return co_await fail_before_head(proxy_error::upstream_unavailable,
                                            "upstream " + upstream_name + ": " + ec.message());
    }

    r.time_to_first_byte = std::chrono::steady_clock::now() - started;
    auto const& head = upstream.head();
    r.status = head.result_int();
    record_head(recorder, capture::kind::upstream_response_head, head.result_int(), head.reason(), head);

    http::response<http::empty_body> out{head.result(), req.version()};
    out.reason(head.reason());
    copy_end_to_end(head, out);
    bool const no_body = req.method() == http::verb::head || r.status / 100 == 1 || r.status == 204 ||
                         r.status == 304;
    bool chunk_to_client = false;
    r.client_keep_alive = req.keep_alive() && !hooks.is_stopping();
    if (!no_body && !upstream.content_length()) {
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
        upstream.close();
        r.end = is_timeout(hec) ? outcome::client_timeout : outcome::client_gone;
        r.error = "writing the response head: " + hec.message();
        r.client_keep_alive = false;
        co_return r;
    }

    body_relay body{client, client_buffer, upstream, recorder, options, chunk_to_client};
    if (!upstream.body_done()) {
        co_await (body.pump() || body.watch());
    } else if (chunk_to_client) {
        co_await body.pump(); // writes the last chunk
    }
    r.bytes_down = body.bytes_down;

    if (body.client_gone || body.client_error) {
        upstream.close();
        r.client_keep_alive = false;
        r.end = !body.client_gone && is_timeout(body.client_error) ? outcome::client_timeout : outcome::client_gone;
        r.error = "client: " + body.client_error.message();
    } else if (body.upstream_error) {
        upstream.close();
        r.client_keep_alive = false; // the client sees the body end early (no last chunk)
        r.end = hooks.is_stopping() ? outcome::shutdown
                : is_timeout(body.upstream_error) ? outcome::upstream_timeout
                                                  : outcome::upstream_failed;
        r.error = "upstream body: " + body.upstream_error.message();
    } else {
        r.end = outcome::complete;
        upstream.finish();
    }
    co_return r;
}

} // namespace hp::proxy
