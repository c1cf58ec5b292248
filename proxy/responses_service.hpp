// proxy/responses_service.hpp: POST /v1/responses (and /responses) on raw harmony tokens.
//
// The request is parsed and rendered into harmony token ids (translate/), sent to llama-server's
// raw /completion endpoint as ids (never text: llama-server would parse harmony markers out of
// text), and the token stream coming back is parsed into harmony messages and answered as
// Responses events (streaming SSE or one JSON object). Every layer is recorded in the capture.
// The service holds what outlives one request: the tokenizer, the options, the session store.
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "proxy/metrics.hpp"
#include "proxy/options.hpp"
#include "proxy/relay.hpp"
#include "proxy/session_store.hpp"
#include "proxy/upstream_pool.hpp"
#include "translate/conversation.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_errors.hpp"
#include "translate/responses_to_harmony.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace hp::proxy {

class server;

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
    // Take control at the tool-call header: stop on "to=" inside a header and continue with a
    // grammar that admits only declared tools and valid arguments (translate/tool_control.hpp).
    bool tool_control = true;
    // After a response that ends with a final answer, send the slot the prompt the next turn
    // starts with (this turn's analysis dropped) with n_predict 0, while the user reads. A real
    // request cancels warm-ups in flight; warm-ups start only when no real request is in flight.
    bool warm_cache = true;
    // Render the model's own earlier messages with the exact ids it sampled (carried in the
    // reasoning item's encrypted_content and kept per conversation), so each prompt extends the
    // previous prompt and output token for token (translate/exact_history.hpp).
    bool exact_history = true;
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
    proxy_metrics const& metrics() const { return metrics_; }

private:
    // A request converted and rendered: what the /completion prompt is made of.
    struct prepared
    {
        translate::responses::conversion_options conversion;
        translate::responses::harmony_request harmony;
        translate::rendered prompt;
        // Assistant messages rendered from the ids the model sampled: (message index, ids).
        std::vector<std::pair<std::size_t, std::vector<translate::token_id>>> exact_messages;
    };
    struct prepare_error
    {
        translate::failure failure;
        std::string param; // the request field at fault, when known
    };
    boost::system::result<prepared, prepare_error> prepare(translate::responses::request const& request,
                                                                std::string const& session_key);

    struct warmup_job
    {
        std::string session;    // capture session and conversation key
        std::string key;        // the conversation key (prompt_cache_key or session-id)
        std::vector<translate::token_id> prompt;
        std::optional<int> slot;
        std::uint64_t after_exchange = 0;
    };
    // The prompt the next request of this conversation starts with, after a final answer: the
    // request with the response's output items appended, converted and rendered as the next
    // request will be, without the trailing <|start|>assistant. nullopt (and a debug log) when
    // it cannot be built.
    std::optional<std::vector<translate::token_id>> next_turn_prefix(std::string_view request_body,
                                                                     boost::json::object const& response,
                                                                     std::string const& session_key);
    void start_warmup(server& owner, warmup_job job, timeouts limits);
    void cancel_warmups();
    net::awaitable<void> run_warmup(server& owner, warmup_job job, timeouts limits,
                                    boost::beast::tcp_stream** upstream_slot,
                                    std::shared_ptr<std::atomic<bool>> cancelled);
    void note_skipped_tools(std::vector<std::string> const& types);

    translate::tokenizer const& tok_;
    responses_options options_;
    spdlog::logger& log_;
    session_store sessions_;
    std::mutex logged_mutex_;
    std::set<std::string> logged_skipped_; // hosted tools already reported (logged once)
    proxy_metrics metrics_;
    std::atomic<int> active_{0}; // real Responses requests in flight

    struct warmup_handle
    {
        std::function<void()> cancel; // closes its upstream connection
        std::shared_ptr<std::atomic<bool>> cancelled;
    };
    std::mutex warm_mutex_;
    std::vector<warmup_handle> warmups_; // in flight (pruned when they end)
};

} // namespace hp::proxy
