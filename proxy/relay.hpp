// proxy/relay.hpp: forwards one client request to the upstream and streams the response back.
//
// The response body is relayed read by read: a server-sent event reaches the client as soon as it
// leaves the upstream, whatever the upstream's framing (chunked, content-length or close-delimited;
// the client gets chunked in the last case). While the body streams, a second loop watches the
// client socket; if the client goes away the upstream connection is closed at once, which is how
// llama-server learns to stop generating (it polls its socket).
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "proxy/options.hpp"
#include "proxy/upstream_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace hp::proxy {

namespace http = boost::beast::http;

// How an exchange ended, named at the boundary where it was decided.
enum class outcome {
    complete,          // the whole response reached the client
    client_gone,       // the client closed or reset its connection before the end
    upstream_failed,   // connect/write/head failed (a 502 went out) or the body broke off
    upstream_timeout,  // no head within first_byte, or silence beyond idle mid-stream
    client_timeout,    // a write to the client did not finish in time
    rejected,          // the proxy answered itself (400, 413, 503)
    shutdown,          // cut by the end of the shutdown grace period
};
std::string_view to_string(outcome o);

struct relay_result
{
    outcome end = outcome::complete;
    unsigned status = 0;            // what the client was told (0: nothing was sent)
    bool client_keep_alive = false; // the client connection may serve another request
    std::uint64_t bytes_down = 0;   // response body bytes sent to the client
    std::chrono::steady_clock::duration time_to_first_byte{};
    std::string error; // a one-line description when end != complete
    // Responses exchanges: the prompt and how much of it llama-server found in its KV cache.
    std::uint64_t prompt_tokens = 0;
    std::uint64_t cached_tokens = 0; // timings.cache_n: reused, not processed again
    std::uint64_t output_tokens = 0;
    std::uint64_t processed_tokens = 0; // timings.prompt_n summed over the /completion requests
    std::size_t completions = 0;        // /completion requests that ran to their final chunk
    // Prompt tokens processed beyond the new input, and why (proxy/cache_accounting.hpp).
    std::uint64_t reprocessed_tokens = 0;
    std::string reprocess_cause;                // "" when nothing was re-processed
    std::optional<std::uint64_t> divergence_at; // history_changed: the first differing position
    bool warmup_started = false;                // a warm-up of the next turn followed this exchange
};

// Hooks into the session for shutdown: where the current upstream connection lives, so the
// server can close it at the end of the grace period. Owned by the session, used on its strand.
class server;

struct relay_hooks
{
    boost::beast::tcp_stream** upstream_slot = nullptr;
    std::atomic<bool> const* stopping = nullptr; // set: answer with Connection: close
    server* owner = nullptr;                     // runs background work (warm-ups)
    bool is_stopping() const { return stopping && stopping->load(std::memory_order_relaxed); }
};

// Writes a response the proxy generated itself (errors) and records it. Returns false when the
// client could not be written to.
net::awaitable<bool> write_own_response(boost::beast::tcp_stream& client, http::response<http::string_body>& res,
                                        exchange_recorder& recorder, std::chrono::milliseconds timeout);

// Forwards `req` and relays the response to `client`. `client_buffer` is the session's read
// buffer: bytes of a pipelined next request that arrive while the response streams are kept there.
// Never throws for network outcomes; they are reported in the result. Cancellation: none; the
// session stops it by closing the sockets (the shutdown path does that through relay_hooks).
net::awaitable<relay_result> relay_request(boost::beast::tcp_stream& client, boost::beast::flat_buffer& client_buffer,
                                           http::request<http::string_body> const& req, upstream_pool& pool,
                                           server_options const& options, exchange_recorder& recorder,
                                           relay_hooks hooks);

} // namespace hp::proxy
