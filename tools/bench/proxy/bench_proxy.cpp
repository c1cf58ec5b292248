// bench-proxy: streams SSE events through the proxy (capture on) and directly from the same
// upstream, in one run, and prints the event rate ratio and the latency the proxy adds per event.
//
//   flood:     the upstream writes N events as fast as it can, one write per event (as llama-server
//              flushes one chunk per token); the client counts events per second.
//   ping-pong: the upstream writes one event, the client receives it and only then the next one
//              is written, so each event's transit time is measured on its own.
// The upstream and the client share one thread; the proxy runs on another, as it would in its
// own process.
#include "capture/writer.hpp"
#include "proxy/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

struct shared_state
{
    net::steady_timer* client_got = nullptr; // ping-pong: cancelled by the client per event
    std::size_t received = 0;
};

std::string chunk(std::string_view data)
{
    char len[32];
    std::snprintf(len, sizeof len, "%zx\r\n", data.size());
    return std::string(len) + std::string(data) + "\r\n";
}

// One llama-server-like event of about 200 bytes carrying its send time.
std::string event(std::size_t i)
{
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "data: {\"index\":0,\"content\":\" token\",\"tokens\":[%zu],\"stop\":false,\"id_slot\":0,"
                  "\"tokens_predicted\":%zu,\"tokens_evaluated\":42,\"t\":%lld}\n\n",
                  i % 200000, i + 1, static_cast<long long>(now_ns()));
    return buf;
}

net::awaitable<void> upstream_session(tcp::socket s, shared_state& st, std::size_t n)
{
    beast::flat_buffer buf;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, _] = co_await http::async_read(s, buf, req, net::as_tuple(net::use_awaitable));
        if (ec) co_return;
        bool ping_pong = req.target().find("pingpong") != std::string_view::npos;
        co_await net::async_write(s, net::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                                             "Transfer-Encoding: chunked\r\n\r\n")),
                                  net::use_awaitable);
        for (std::size_t i = 0; i < n; ++i) {
            if (ping_pong && i > 0) {
                while (st.received < i) co_await st.client_got->async_wait(net::as_tuple(net::use_awaitable));
            }
            co_await net::async_write(s, net::buffer(chunk(event(i))), net::use_awaitable);
        }
        co_await net::async_write(s, net::buffer(std::string("0\r\n\r\n")), net::use_awaitable);
    }
}

net::awaitable<void> upstream_accept(tcp::acceptor& acc, shared_state& st, std::size_t n)
{
    for (;;) {
        auto [ec, s] = co_await acc.async_accept(net::as_tuple(net::use_awaitable));
        if (ec) co_return;
        net::co_spawn(acc.get_executor(), upstream_session(std::move(s), st, n), net::detached);
    }
}

struct run_result
{
    double seconds = 0;
    std::size_t events = 0;
    std::vector<double> latency_us;
};

net::awaitable<run_result> client(std::uint16_t port, std::string target, shared_state& st, std::size_t n)
{
    beast::tcp_stream s(co_await net::this_coro::executor);
    co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), net::use_awaitable);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "bench");
    req.set("session-id", "bench");
    req.body() = "{}";
    req.prepare_payload();
    co_await http::async_write(s, req, net::use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    co_await http::async_read_header(s, buf, parser, net::use_awaitable);
    run_result r;
    r.latency_us.reserve(n);
    std::string pending;
    std::vector<char> body(1 << 16);
    auto const start = clock_type::now();
    while (!parser.is_done()) {
        parser.get().body().data = body.data();
        parser.get().body().size = body.size();
        auto [ec, _] = co_await http::async_read_some(s, buf, parser, net::as_tuple(net::use_awaitable));
        if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
        pending.append(body.data(), body.size() - parser.get().body().size);
        std::size_t pos;
        while ((pos = pending.find("\n\n")) != std::string::npos) {
            auto t = pending.find("\"t\":");
            if (t != std::string::npos && t < pos) {
                auto sent = std::strtoll(pending.c_str() + t + 4, nullptr, 10);
                r.latency_us.push_back((now_ns() - sent) / 1000.0);
            }
            pending.erase(0, pos + 2);
            ++r.events;
            st.received = r.events;
            st.client_got->cancel();
        }
    }
    r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    co_return r;
}

double median(std::vector<double> v)
{
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

} // namespace

int main(int argc, char** argv)
{
    std::size_t n = 20000;
    bool with_capture = true;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--no-capture")
            with_capture = false;
        else
            n = std::strtoul(argv[i], nullptr, 10);
    }
    net::io_context io; // upstream + client
    shared_state st;
    net::steady_timer got(io, net::steady_timer::time_point::max());
    st.client_got = &got;
    tcp::acceptor acc(io, {net::ip::make_address("127.0.0.1"), 0});
    net::co_spawn(io, upstream_accept(acc, st, n), net::detached);

    char tmpl[] = "/tmp/hp-bench-capture-XXXXXX";
    std::filesystem::path capture_dir = ::mkdtemp(tmpl);
    net::io_context proxy_io;
    auto log = std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    hp::proxy::server_options opts;
    opts.listen = {"127.0.0.1", 0};
    opts.upstream = {"127.0.0.1", acc.local_endpoint().port(), ""};
    std::optional<hp::capture::writer> capture;
    if (with_capture) capture.emplace(hp::capture::writer_options{capture_dir, 1 << 20, 1u << 30, {}, {}});
    hp::proxy::server proxy(proxy_io, opts, *log, capture ? &*capture : nullptr);
    proxy.start();
    auto guard = net::make_work_guard(proxy_io);
    std::thread proxy_thread([&] { proxy_io.run(); });

    auto run = [&](std::uint16_t port, char const* target) {
        st.received = 0;
        std::optional<run_result> result;
        net::co_spawn(io, client(port, target, st, n), [&](std::exception_ptr e, run_result r) {
            if (e) std::rethrow_exception(e);
            result = std::move(r);
        });
        io.restart();
        while (!result) io.run_one();
        return *result;
    };
    auto const up = acc.local_endpoint().port();
    auto const px = proxy.port();
    run(up, "/warmup?flood");
    run(px, "/warmup?flood");
    auto direct_flood = run(up, "/completion?flood");
    auto proxy_flood = run(px, "/completion?flood");
    auto direct_pp = run(up, "/completion?pingpong");
    auto proxy_pp = run(px, "/completion?pingpong");

    proxy.shutdown();
    guard.reset();
    proxy_thread.join();
    hp::capture::writer_stats cst;
    if (capture) {
        capture->flush();
        cst = capture->stats();
    }
    capture.reset();
    std::filesystem::remove_all(capture_dir);

    double direct_rate = direct_flood.events / direct_flood.seconds;
    double proxy_rate = proxy_flood.events / proxy_flood.seconds;
    std::printf("bench-proxy: %zu SSE events of ~200 bytes, capture %s (%llu records written, %llu dropped)\n", n,
                with_capture ? "on" : "off",
                static_cast<unsigned long long>(cst.written), static_cast<unsigned long long>(cst.dropped));
    std::printf("  flood      direct %10.0f events/s   via proxy %10.0f events/s   ratio %.3f (target >= 0.90)\n",
                direct_rate, proxy_rate, proxy_rate / direct_rate);
    double dm = median(direct_pp.latency_us), pm = median(proxy_pp.latency_us);
    std::printf("  ping-pong  direct median %7.1f us (p99 %7.1f)   via proxy median %7.1f us (p99 %7.1f)\n", dm,
                percentile(direct_pp.latency_us, 0.99), pm, percentile(proxy_pp.latency_us, 0.99));
    std::printf("  added median latency per event: %.1f us (target < 100 us)\n", pm - dm);
    bool ok = direct_flood.events == n && proxy_flood.events == n && proxy_pp.events == n;
    if (!ok) std::printf("  ERROR: events lost (direct %zu, proxy %zu)\n", direct_flood.events, proxy_flood.events);
    return ok ? 0 : 1;
}
