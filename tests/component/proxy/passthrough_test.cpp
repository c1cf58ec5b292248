// The proxy's network core against an origin on loopback: forwarding, streaming, keep-alive,
// client disconnects, errors and limits.
#include "proxy_fixture.hpp"

#include <boost/json/parse.hpp>

namespace hp::test {
namespace {

namespace json = boost::json;

net::awaitable<void> reply_text(test_origin& o, test_origin::tcp::socket& s, std::string body,
                                std::string extra_headers = {})
{
    co_await o.send(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body);
}

TEST_F(proxy_fixture, forwards_method_target_headers_and_body_and_drops_hop_by_hop_headers)
{
    origin.on("/v1/echo?x=1", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await reply_text(origin, s, "pong",
                            "X-Origin: yes\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
                            "Keep-Alive: timeout=5\r\n");
    });
    start();
    auto res = run_coro(ioc, [&]() -> net::awaitable<http::response<http::string_body>> {
        auto req = make_request(http::verb::post, "/v1/echo?x=1", R"({"hello":"world"})");
        req.set("X-Client", "abc");
        req.set(http::field::connection, "keep-alive, X-Client-Hop");
        req.set("X-Client-Hop", "1");
        req.set(http::field::authorization, "Bearer sk-test");
        co_return co_await fetch(std::move(req));
    }(), 5s);
    settle();

    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "pong");
    EXPECT_EQ(res["X-Origin"], "yes");
    EXPECT_EQ(res.count("X-Hop"), 0u) << "headers named by Connection are hop-by-hop";
    EXPECT_EQ(res.count("Keep-Alive"), 0u);
    ASSERT_EQ(origin.requests.size(), 1u);
    auto const& up = origin.requests[0];
    EXPECT_EQ(up.method(), http::verb::post);
    EXPECT_EQ(up.target(), "/v1/echo?x=1");
    EXPECT_EQ(up.body(), R"({"hello":"world"})");
    EXPECT_EQ(up["X-Client"], "abc");
    EXPECT_EQ(up.count("X-Client-Hop"), 0u);
    EXPECT_EQ(up["Authorization"], "Bearer sk-test") << "end-to-end credentials are forwarded, only never logged";
    EXPECT_EQ(up[http::field::host], "127.0.0.1:" + std::to_string(origin.port()));
    EXPECT_EQ(log_text.str().find("sk-test"), std::string::npos);
    EXPECT_NE(log_text.str().find("POST /v1/echo?x=1 -> 200 complete"), std::string::npos) << log_text.str();
}

TEST_F(proxy_fixture, sse_events_reach_the_client_one_by_one_before_the_upstream_sends_the_next)
{
    gate first_seen(ioc);
    origin.on("/completion", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        co_await origin.send(s, test_origin::chunk("data: {\"n\":1}\n\n"));
        co_await first_seen.wait(); // the second event exists only after the client saw the first
        co_await origin.send(s, test_origin::chunk("data: {\"n\":2}\n\n"));
        co_await origin.send(s, "0\r\n\r\n");
    });
    start();
    run_coro(ioc, [&]() -> net::awaitable<void> {
        auto s = co_await connect();
        co_await http::async_write(s, make_request(http::verb::post, "/completion", "{}"), net::use_awaitable);
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        co_await http::async_read_header(s, buf, parser, net::use_awaitable);
        EXPECT_EQ(parser.get()[http::field::content_type], "text/event-stream");
        while (parser.get().body().find("\"n\":1") == std::string::npos)
            co_await http::async_read_some(s, buf, parser, net::use_awaitable);
        EXPECT_EQ(parser.get().body().find("\"n\":2"), std::string::npos);
        first_seen.open();
        while (!parser.is_done()) co_await http::async_read_some(s, buf, parser, net::use_awaitable);
        EXPECT_EQ(parser.get().body(), "data: {\"n\":1}\n\ndata: {\"n\":2}\n\n");
    }(), 5s);
}

TEST_F(proxy_fixture, keeps_both_connections_alive_across_requests)
{
    origin.on("/a", [&](auto const&, auto& s) -> net::awaitable<void> { co_await reply_text(origin, s, "A"); });
    origin.on("/b", [&](auto const&, auto& s) -> net::awaitable<void> { co_await reply_text(origin, s, "B"); });
    start();
    run_coro(ioc, [&]() -> net::awaitable<void> {
        auto s = co_await connect();
        beast::flat_buffer buf;
        for (int i = 0; i < 3; ++i) {
            auto a = co_await exchange(s, make_request(http::verb::get, "/a"), buf);
            auto b = co_await exchange(s, make_request(http::verb::get, "/b"), buf);
            EXPECT_EQ(a.body(), "A");
            EXPECT_EQ(b.body(), "B");
            EXPECT_TRUE(b.keep_alive());
        }
    }(), 5s);
    EXPECT_EQ(origin.requests.size(), 6u);
    EXPECT_EQ(origin.connections, 1) << "the upstream connection is pooled and reused";
    EXPECT_EQ(server->stats().connections, 1u);
}

TEST_F(proxy_fixture, close_delimited_upstream_body_reaches_an_http11_client_chunked)
{
    origin.on("/old", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, ");
        co_await origin.send(s, "part two");
        s.close();
    });
    start();
    auto res = run_coro(ioc, fetch(make_request(http::verb::get, "/old")), 5s);
    EXPECT_EQ(res.body(), "part one, part two");
    EXPECT_TRUE(res.chunked());
}

TEST_F(proxy_fixture, client_disconnect_mid_stream_closes_the_upstream_connection_within_a_second)
{
    origin.on("/completion", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        co_await origin.send(s, test_origin::chunk("data: {\"n\":1}\n\n"));
        co_await origin.wait_for_close(s); // a generation that would go on for ever
    });
    start();
    std::chrono::steady_clock::time_point client_closed;
    run_coro(ioc, [&]() -> net::awaitable<void> {
        auto s = co_await connect();
        co_await http::async_write(s, make_request(http::verb::post, "/completion", "{}"), net::use_awaitable);
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        while (parser.get().body().find("\"n\":1") == std::string::npos)
            co_await http::async_read_some(s, buf, parser, net::use_awaitable);
        s.socket().close();
        client_closed = std::chrono::steady_clock::now();
        net::steady_timer t(ioc);
        for (int i = 0; i < 100 && !origin.peer_closed_at; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(net::use_awaitable);
        }
    }(), 5s);
    ASSERT_TRUE(origin.peer_closed_at) << "the upstream connection stayed open";
    EXPECT_LT(*origin.peer_closed_at - client_closed, 1s);
    EXPECT_NE(log_text.str().find("client_gone"), std::string::npos) << log_text.str();
}

TEST_F(proxy_fixture, unreachable_upstream_gives_502_upstream_unavailable)
{
    net::ip::tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
    options.upstream.port = probe.local_endpoint().port();
    probe.close(); // nothing listens there now
    start();
    auto res = run_coro(ioc, fetch(make_request(http::verb::get, "/health")), 5s);
    EXPECT_EQ(res.result_int(), 502);
    auto body = json::parse(res.body());
    EXPECT_EQ(body.at("error").at("type"), "upstream_unavailable");
    EXPECT_FALSE(body.at("error").at("message").as_string().empty());
}

TEST_F(proxy_fixture, upstream_closing_before_the_response_head_gives_502)
{
    origin.on("/crash", [&](auto const&, auto& s) -> net::awaitable<void> {
        s.close();
        co_return;
    });
    start();
    auto res = run_coro(ioc, fetch(make_request(http::verb::post, "/crash", "{}")), 5s);
    EXPECT_EQ(res.result_int(), 502);
    EXPECT_EQ(json::parse(res.body()).at("error").at("type"), "upstream_unavailable");
}

TEST_F(proxy_fixture, silent_upstream_gives_504_after_the_first_byte_timeout)
{
    options.limits.first_byte = 200ms;
    origin.on("/slow", [&](auto const&, auto& s) -> net::awaitable<void> { co_await origin.wait_for_close(s); });
    start();
    auto res = run_coro(ioc, fetch(make_request(http::verb::get, "/slow")), 5s);
    EXPECT_EQ(res.result_int(), 504);
    EXPECT_EQ(json::parse(res.body()).at("error").at("type"), "upstream_timeout");
}

TEST_F(proxy_fixture, body_over_the_limit_gets_413_and_never_reaches_the_upstream)
{
    options.body_limit = 1024;
    start();
    auto res = run_coro(ioc, fetch(make_request(http::verb::post, "/completion", std::string(4096, 'x'))), 5s);
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(json::parse(res.body()).at("error").at("type"), "payload_too_large");
    EXPECT_TRUE(origin.requests.empty());
}

TEST_F(proxy_fixture, chunked_body_over_the_limit_gets_413)
{
    options.body_limit = 1024;
    start();
    auto res = run_coro(ioc, [&]() -> net::awaitable<http::response<http::string_body>> {
        auto s = co_await connect();
        std::string raw = "POST /completion HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 4; ++i) raw += test_origin::chunk(std::string(512, 'y'));
        raw += "0\r\n\r\n";
        co_await net::async_write(s, net::buffer(raw), net::use_awaitable);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        co_await http::async_read(s, buf, res, net::use_awaitable);
        co_return res;
    }(), 5s);
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_TRUE(origin.requests.empty());
}

TEST_F(proxy_fixture, graceful_shutdown_lets_a_stream_finish_and_refuses_new_connections)
{
    gate shutdown_started(ioc);
    origin.on("/completion", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        co_await origin.send(s, test_origin::chunk("data: 1\n\n"));
        co_await shutdown_started.wait();
        co_await origin.send(s, test_origin::chunk("data: 2\n\n"));
        co_await origin.send(s, "0\r\n\r\n");
    });
    options.limits.shutdown_grace = 3s;
    start();
    auto res = run_coro(ioc, [&]() -> net::awaitable<http::response<http::string_body>> {
        auto s = co_await connect();
        co_await http::async_write(s, make_request(http::verb::post, "/completion", "{}"), net::use_awaitable);
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        while (parser.get().body().find("data: 1") == std::string::npos)
            co_await http::async_read_some(s, buf, parser, net::use_awaitable);
        server->shutdown();
        net::steady_timer t(ioc, 50ms);
        co_await t.async_wait(net::use_awaitable);
        beast::tcp_stream late(ioc);
        auto [ec] = co_await late.async_connect(
            net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()),
            net::as_tuple(net::use_awaitable));
        EXPECT_TRUE(ec) << "a new connection was accepted after shutdown began";
        shutdown_started.open();
        while (!parser.is_done()) co_await http::async_read_some(s, buf, parser, net::use_awaitable);
        // Its head went out before the shutdown, so it said keep-alive; the proxy closes it anyway.
        http::response<http::string_body> next;
        s.expires_after(2s);
        auto [rec, rn] = co_await http::async_read(s, buf, next, net::as_tuple(net::use_awaitable));
        EXPECT_EQ(rec, http::error::end_of_stream) << rec.message();
        co_return parser.release();
    }(), 5s);
    EXPECT_EQ(res.body(), "data: 1\n\ndata: 2\n\n");
}

} // namespace
} // namespace hp::test
