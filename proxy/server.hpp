// proxy/server.hpp: the listener, the per-connection sessions and graceful shutdown.
//
// One coroutine owns each client connection (run on its own strand). The server owns what
// outlives a connection: the acceptor, the upstream pool, the session registry used for shutdown.
// main() owns the server, the io_context and the capture writer and passes references.
//
// Shutdown (SIGINT/SIGTERM): stop accepting; close connections that sit idle between requests;
// let responses in flight finish for up to `shutdown_grace` (they answer with Connection: close);
// then close whatever is left. The capture writer is flushed by its owner afterwards.
#pragma once

#include "proxy/options.hpp"
#include "proxy/upstream_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace spdlog {
class logger;
}
namespace hp::capture {
class writer;
}

namespace hp::proxy {

class responses_service;
class playback_service;

struct server_stats
{
    std::uint64_t connections = 0;
    std::uint64_t exchanges = 0;
    std::uint64_t active_sessions = 0;
};

class server
{
public:
    // Used by sessions (on their strand) to register for shutdown handling.
    struct session_entry;

    // `capture` may be null (capture off). Neither it nor the logger is owned.
    server(net::io_context& ioc, server_options options, spdlog::logger& log, capture::writer* capture);
    server(server const&) = delete;
    server& operator=(server const&) = delete;
    ~server();

    // Serves POST /v1/responses with this service instead of forwarding it (set before start()).
    void set_responses(responses_service* service) { responses_ = service; }
    // Answers POST /v1/responses from a capture instead (serve --playback; set before start()).
    void set_playback(playback_service* service) { playback_ = service; }
    capture::writer* capture() const { return capture_; }
    std::uint64_t next_exchange_id() { return ++next_exchange_; }

    // Binds and starts accepting. Throws boost::system::system_error when the address cannot be bound.
    void start();
    // The bound port (useful with port 0).
    std::uint16_t port() const { return port_; }

    // Begins graceful shutdown; safe from any thread, idempotent. io_context::run() returns once
    // every session has ended.
    void shutdown();

    // Runs `work` as a background task of the server (a warm-up): on its own strand, registered
    // like a connection, so that shutdown closes its upstream connection at once (background work
    // never holds shutdown up) and io_context::run() returns only after it ended. `work` gets the
    // pointer an upstream_call keeps up to date. Returns the task's entry (for cancel_background),
    // or nullptr while shutting down.
    using background_work = std::function<net::awaitable<void>(boost::beast::tcp_stream** upstream_slot)>;
    std::shared_ptr<session_entry> spawn_background(background_work work);
    // Closes the background task's upstream connection (on its strand); its work then ends.
    static void cancel_background(std::shared_ptr<session_entry> const& entry);
    upstream_pool& pool() { return pool_; }

    server_stats stats() const;
    server_options const& options() const { return options_; }


private:
    friend struct session_access;
    net::awaitable<void> accept_loop();
    net::awaitable<void> run_session(net::ip::tcp::socket socket, std::shared_ptr<session_entry> entry);
    std::shared_ptr<session_entry> register_session(net::any_io_executor ex);
    void unregister_session(std::uint64_t id);
    void close_sessions(bool idle_only);

    net::io_context& ioc_;
    server_options options_;
    spdlog::logger& log_;
    capture::writer* capture_;
    responses_service* responses_ = nullptr;
    playback_service* playback_ = nullptr;
    upstream_pool pool_;
    net::ip::tcp::acceptor acceptor_;
    net::steady_timer grace_timer_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> next_connection_{0};
    std::atomic<std::uint64_t> next_exchange_{0};
    std::atomic<std::uint64_t> exchanges_{0};
    mutable std::mutex sessions_mutex_;
    std::map<std::uint64_t, std::shared_ptr<session_entry>> sessions_;
};

} // namespace hp::proxy
