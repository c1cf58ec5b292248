// tools/fake_llama/server_state.hpp: internals shared by server.cpp (listener, sessions, routing)
// and completion_io.cpp (the /completion exchange). Not part of the public interface.
#pragma once

#include "tools/fake_llama/completion.hpp"
#include "tools/fake_llama/server.hpp"
#include "tools/fake_llama/slots.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <map>
#include <mutex>

namespace hp::tools::fake_llama::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using request_t = http::request<http::string_body>;

// What stop() must reach inside a live connection.
struct connection_handles
{
    beast::tcp_stream* stream = nullptr;
    net::steady_timer* timer = nullptr;
};

struct server_state
{
    server_state(net::any_io_executor ex, script s, translate::tokenizer const& tok, server_options o,
                 std::shared_ptr<spdlog::logger> l);

    net::strand<net::any_io_executor> strand;
    net::ip::tcp::acceptor acceptor;
    script rules;
    vocab voc;
    server_options opts;
    std::shared_ptr<spdlog::logger> log;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    // Touched on the strand only.
    bool stopping = false;
    std::vector<std::size_t> rule_uses;
    std::size_t completions = 0;
    slot_pool slots;
    // Recent generations that a request can continue (a tool call the client takes over at its
    // header): the full sequence (prompt + every sampled id), the rule, how many of the rule's
    // tokens were sampled. Newest last, a few kept.
    struct generation_record
    {
        std::vector<translate::token_id> sequence;
        rule const* from = nullptr;
        std::size_t consumed = 0;
    };
    std::vector<generation_record> generations;
    std::map<std::uint64_t, connection_handles> connections;
    std::uint64_t next_connection = 0;

    // Read from any thread.
    mutable std::mutex recorded_mutex;
    std::vector<recorded_request> recorded;

    void annotate(std::size_t record, std::string const& rule, std::int64_t slot);
};

// Writes one complete response. false when the connection failed.
net::awaitable<bool> write_response(server_state& st, beast::tcp_stream& stream, request_t const& req,
                                    http::status status, std::string body,
                                    std::string_view content_type = "application/json; charset=utf-8");

net::awaitable<bool> write_error(server_state& st, beast::tcp_stream& stream, request_t const& req,
                                 http_error const& e);

// Answers POST /completion. Returns whether the connection may serve another request.
net::awaitable<bool> serve_completion(std::shared_ptr<server_state> st, beast::tcp_stream& stream,
                                      net::steady_timer& timer, request_t const& req,
                                      boost::json::value const& body, std::size_t record);

} // namespace hp::tools::fake_llama::detail
