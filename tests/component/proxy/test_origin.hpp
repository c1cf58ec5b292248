// A tiny HTTP origin for the proxy's component tests, written with raw socket writes so each test
// controls the exact framing (chunked, content-length, close-delimited) and the timing of every
// byte. Runs on the test's io_context; every wait is bounded by the test's run_coro timeout.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hp::test {

namespace net = boost::asio;
namespace http = boost::beast::http;

// A one-shot signal between coroutines on one io_context: wait() until open().
class gate
{
public:
    explicit gate(net::io_context& ioc) : timer_(ioc, net::steady_timer::time_point::max()) {}
    void open()
    {
        opened_ = true;
        timer_.cancel();
    }
    net::awaitable<void> wait()
    {
        while (!opened_) co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
    }
    bool is_open() const { return opened_; }

private:
    net::steady_timer timer_;
    bool opened_ = false;
};

class test_origin
{
public:
    using tcp = net::ip::tcp;
    // A handler gets the request and the raw socket and writes whatever it wants.
    using handler = std::function<net::awaitable<void>(http::request<http::string_body> const&, tcp::socket&)>;

    explicit test_origin(net::io_context& ioc) : ioc_(ioc), acceptor_(ioc, {net::ip::make_address("127.0.0.1"), 0})
    {
        // The accept loop ends when the acceptor closes (test end); its frame dies with the io_context.
        net::co_spawn(ioc_, accept_loop(), net::detached);
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void on(std::string target, handler h) { handlers_.emplace_back(std::move(target), std::move(h)); }

    std::vector<http::request<http::string_body>> requests;
    int connections = 0;
    // Set when a handler's connection saw the peer (the proxy) close it.
    std::optional<std::chrono::steady_clock::time_point> peer_closed_at;

    // Waits until the proxy closes this connection, recording when.
    net::awaitable<void> wait_for_close(tcp::socket& s)
    {
        char byte;
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(net::buffer(&byte, 1), net::as_tuple(net::use_awaitable));
            if (ec) break;
        }
        peer_closed_at = std::chrono::steady_clock::now();
    }

    static net::awaitable<bool> send(tcp::socket& s, std::string_view bytes)
    {
        auto [ec, n] = co_await net::async_write(s, net::buffer(bytes), net::as_tuple(net::use_awaitable));
        co_return !ec;
    }
    static std::string chunk(std::string_view data)
    {
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", data.size());
        return std::string(len) + std::string(data) + "\r\n";
    }

private:
    net::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            ++connections;
            net::co_spawn(ioc_, serve(std::move(sock)), net::detached);
        }
    }

    net::awaitable<void> serve(tcp::socket sock)
    {
        boost::beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(sock, buf, req, net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            requests.push_back(req);
            bool handled = false;
            for (auto& [target, h] : handlers_) {
                if (req.target() == target) {
                    co_await h(req, sock);
                    handled = true;
                    break;
                }
            }
            if (!handled) co_await send(sock, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            if (!sock.is_open()) co_return;
        }
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::vector<std::pair<std::string, handler>> handlers_;
};

} // namespace hp::test
