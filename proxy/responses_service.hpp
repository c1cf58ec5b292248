// proxy/responses_service.hpp: POST /v1/responses (and /responses) on raw harmony tokens.
//
// The request is parsed and rendered into harmony token ids (translate/), sent to llama-server's
// raw /completion endpoint as ids (never text: llama-server would parse harmony markers out of
// text), and the token stream coming back is parsed into harmony messages and answered as
// Responses events (streaming SSE or one JSON object). Every layer is recorded in the capture.
// The service holds what outlives one request: the tokenizer, the options, the session store.
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "proxy/options.hpp"
#include "proxy/relay.hpp"
#include "proxy/session_store.hpp"
#include "proxy/upstream_pool.hpp"
#include "translate/conversation.hpp"
#include "translate/responses_to_harmony.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <mutex>
#include <set>
#include <string>

namespace spdlog {
class logger;
}

namespace hp::proxy {

struct responses_options
{
    translate::reasoning_effort default_effort = translate::reasoning_effort::high;
    translate::responses::custom_tool_style custom_tools = translate::responses::custom_tool_style::raw;
    double temperature = 1.0; // gpt-oss's recommended sampling when the request names none
    double top_p = 1.0;
    // While llama-server processes a long prompt nothing comes back; an event this often keeps
    // Codex's stream_idle_timeout (300 s by default) from firing.
    std::chrono::milliseconds keep_alive = std::chrono::seconds(5);
    std::size_t max_sessions = 4096;
    // llama-server slots (-np) to spread conversations over with id_slot; 0 sends no id_slot.
    std::size_t slots = 0;
};

class responses_service
{
public:
    responses_service(translate::tokenizer const& tok, responses_options options, spdlog::logger& log);

    static bool handles(std::string_view method, std::string_view target);

    // Answers one Responses request on `client`. Never throws for network or upstream outcomes.
    // Cancellation: none; the session stops it by closing the sockets.
    net::awaitable<relay_result> handle(boost::beast::tcp_stream& client, boost::beast::flat_buffer& client_buffer,
                                        http::request<http::string_body> const& req, upstream_pool& pool,
                                        server_options const& options, exchange_recorder& recorder, relay_hooks hooks);

    responses_options const& options() const { return options_; }
    translate::tokenizer const& tokenizer() const { return tok_; }

private:
    void note_skipped_tools(std::vector<std::string> const& types);

    translate::tokenizer const& tok_;
    responses_options options_;
    spdlog::logger& log_;
    session_store sessions_;
    std::mutex logged_mutex_;
    std::set<std::string> logged_skipped_; // hosted tools already reported (logged once)
};

} // namespace hp::proxy
