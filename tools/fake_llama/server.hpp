// tools/fake_llama/server.hpp: the scripted llama-server, in-process or as build/fake-llama-server.
//
// Speaks llama-server's HTTP API (/health, /props, /tokenize, /detokenize, /completion,
// /completions) on loopback, answers /completion from a script (script.hpp, SCRIPT.md) and records
// every request it receives so tests can assert on prompts, grammars and parameters.
//
// Threading: all connections and all state run on one strand of the given executor, so the
// io_context may be run by any number of threads. port(), requests() and stop() are thread-safe.
// Lifetime: the object may be destroyed once stop() was called; coroutines still unwinding keep
// the shared state alive. The tokenizer must outlive the io_context's run.
#pragma once

#include "tools/fake_llama/options.hpp"
#include "tools/fake_llama/script.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hp::tools::fake_llama {

namespace detail {
struct server_state;
}

struct recorded_request
{
    std::string method;
    std::string target;
    std::string raw_body;
    boost::json::value body; // null when the body is empty or not JSON
    std::string rule;        // the script rule that answered a completion, "" otherwise
    std::int64_t slot = -1;  // the slot a completion ran on
    std::chrono::steady_clock::time_point at;
};

class fake_llama_server
{
public:
    // Binds and listens at once (port() is valid on return; throws boost::system::system_error when
    // the address cannot be bound) and starts accepting on `ex`.
    fake_llama_server(boost::asio::any_io_executor ex, script s, translate::tokenizer const& tok,
                      server_options opts, std::shared_ptr<spdlog::logger> log = nullptr);
    ~fake_llama_server();

    fake_llama_server(fake_llama_server const&) = delete;
    fake_llama_server& operator=(fake_llama_server const&) = delete;

    unsigned short port() const noexcept { return port_; }

    // A snapshot of every request received so far, in arrival order.
    std::vector<recorded_request> requests() const;

    // Closes the listener and every connection, cancels every delay and stall. Idempotent.
    // Coroutines finish on the executor afterwards; the io_context then runs out of work.
    void stop();

private:
    std::shared_ptr<detail::server_state> state_;
    unsigned short port_ = 0;
};

// The server on its own io_context and thread, for tests that do not run an io_context.
class fake_llama_thread
{
public:
    fake_llama_thread(script s, translate::tokenizer const& tok, server_options opts,
                      std::shared_ptr<spdlog::logger> log = nullptr);
    ~fake_llama_thread(); // stop(), then join

    fake_llama_server& server() noexcept { return *server_; }
    unsigned short port() const noexcept { return server_->port(); }
    std::vector<recorded_request> requests() const { return server_->requests(); }
    void stop();

private:
    boost::asio::io_context io_;
    std::unique_ptr<fake_llama_server> server_;
    std::thread thread_;
};

} // namespace hp::tools::fake_llama
