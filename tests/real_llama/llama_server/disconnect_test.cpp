// A client that goes away mid-stream: llama-server notices (it polls the socket about once a second,
// or fails the next write) and cancels the task, freeing the slot. The proxy relies on this to stop
// generation when Codex disconnects (notes/llama-server.md, "Client disconnect").
#include "real_llama/support/llama_server_suite.hpp"

#include "support/run_coro.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <thread>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace http = boost::beast::http;

// Sends `body` to /completion and returns once the first SSE frame has arrived, leaving the
// connection open in `stream`.
net::awaitable<std::string> open_stream(boost::beast::tcp_stream& stream, endpoint ep, std::string body)
{
    stream.expires_after(std::chrono::seconds(30));
    co_await stream.async_connect(net::ip::tcp::endpoint(net::ip::make_address(ep.host), ep.port),
                                  net::use_awaitable);
    http::request<http::string_body> req{http::verb::post, "/completion", 11};
    req.set(http::field::host, ep.host);
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    co_await http::async_write(stream, req, net::use_awaitable);
    std::string received;
    char buf[4096];
    while (received.find("data: ") == std::string::npos ||
           received.find("\n\n", received.find("data: ")) == std::string::npos) {
        auto const n = co_await stream.async_read_some(net::buffer(buf), net::use_awaitable);
        received.append(buf, n);
    }
    co_return received;
}

bool any_slot_processing(endpoint const& ep)
{
    auto const reply = http_get(ep, "/slots");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    auto const slots = reply.json();
    for (auto const& slot : slots.as_array())
        if (slot.at("is_processing").as_bool()) return true;
    return false;
}

class real_llama_disconnect : public llama_server_suite
{
};

TEST_F(real_llama_disconnect, dropping_the_connection_cancels_generation)
{
    ASSERT_FALSE(any_slot_processing(upstream()));
    // Grammar-constrained sampling over the 201,088-token vocabulary is slow enough (well over 10 ms
    // a token) that 1000 tokens would take far longer than the cancellation bound below.
    json::object const request = {{"prompt", json::array{13225}},
                                  {"n_predict", 1000},
                                  {"grammar", "root ::= [a-z]+"},
                                  {"stream", true}};
    net::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    auto const first =
        run_coro(ioc, open_stream(stream, upstream(), json::serialize(request)), std::chrono::seconds(35));
    EXPECT_NE(first.find("\"tokens_predicted\":1"), std::string::npos) << first;
    ASSERT_TRUE(any_slot_processing(upstream()));

    boost::system::error_code ignored;
    stream.socket().close(ignored);
    auto const dropped = std::chrono::steady_clock::now();
    bool busy = true;
    while (busy && std::chrono::steady_clock::now() - dropped < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        busy = any_slot_processing(upstream());
    }
    EXPECT_FALSE(busy) << "the slot was still generating 5 s after the client went away";
}

} // namespace
} // namespace hp::test
