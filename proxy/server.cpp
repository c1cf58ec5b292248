#include "proxy/server.hpp"

#include "proxy/session_entry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace hp::proxy {

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
}

server::server(net::io_context& ioc, server_options options, spdlog::logger& log, capture::writer* capture)
    : ioc_(ioc), options_(std::move(options)), log_(log), capture_(capture),
      pool_(options_.upstream, options_.limits, options_.max_upstream_connections, options_.max_idle_upstream),
      acceptor_(ioc), grace_timer_(ioc)
{
}

server::~server() = default;

void server::start()
{
    auto address = net::ip::make_address(options_.listen.host);
    net::ip::tcp::endpoint endpoint(address, options_.listen.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    log_.info("listening on {}:{}, upstream http://{}{}", options_.listen.host, port_,
              options_.upstream.host_header(), options_.upstream.base_path);
    net::co_spawn(ioc_, accept_loop(), [this](std::exception_ptr e) {
        if (e) log_.error("accept loop ended by an exception");
    });
}

net::awaitable<void> server::accept_loop()
{
    while (!stopping_) {
        auto strand = net::make_strand(ioc_);
        auto [ec, socket] = co_await acceptor_.async_accept(strand, tuple_awaitable);
        if (ec) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open()) break;
            // EMFILE and friends: back off briefly instead of spinning.
            log_.warn("accept failed: {}", ec.message());
            net::steady_timer pause(ioc_, std::chrono::milliseconds(50));
            co_await pause.async_wait(tuple_awaitable);
            continue;
        }
        auto entry = register_session(strand);
        auto id = entry->id;
        net::co_spawn(strand, run_session(std::move(socket), std::move(entry)), [this, id](std::exception_ptr e) {
            // run_session catches everything it can answer; reaching here with an exception is a bug.
            if (e) log_.error("session {} ended by an unexpected exception", id);
            unregister_session(id);
        });
    }
}

std::shared_ptr<server::session_entry> server::register_session(net::any_io_executor ex)
{
    auto entry = std::make_shared<session_entry>();
    entry->id = ++next_connection_;
    entry->executor = std::move(ex);
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(entry->id, entry);
    return entry;
}

void server::unregister_session(std::uint64_t id)
{
    bool last = false;
    {
        std::lock_guard lock(sessions_mutex_);
        sessions_.erase(id);
        last = sessions_.empty();
    }
    if (last && stopping_) net::post(ioc_, [this] { grace_timer_.cancel(); });
}

std::shared_ptr<server::session_entry> server::spawn_background(background_work work)
{
    if (stopping_) return nullptr;
    auto strand = net::make_strand(ioc_);
    auto entry = register_session(strand);
    entry->background = true;
    auto const id = entry->id;
    net::co_spawn(strand, work(&entry->upstream), [this, id](std::exception_ptr e) {
        if (e) log_.error("background task {} ended by an unexpected exception", id);
        unregister_session(id);
    });
    return entry;
}

void server::cancel_background(std::shared_ptr<session_entry> const& entry)
{
    net::post(entry->executor, [entry] {
        boost::system::error_code ec;
        if (entry->upstream) entry->upstream->socket().close(ec);
    });
}

void server::close_sessions(bool idle_only)
{
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, entry] : sessions_) {
        if (entry->background) {
            cancel_background(entry); // background work never waits out the grace period
            continue;
        }
        net::post(entry->executor, [entry = entry, idle_only] {
            if (!entry->client || (idle_only && entry->busy)) return;
            boost::system::error_code ec;
            entry->client->socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
            entry->client->socket().close(ec);
            if (entry->upstream) entry->upstream->socket().close(ec);
        });
    }
}

void server::shutdown()
{
    if (stopping_.exchange(true)) return;
    net::post(ioc_, [this] {
        log_.info("shutting down: no new connections; responses in flight have {} ms to finish",
                  options_.limits.shutdown_grace.count());
        boost::system::error_code ec;
        acceptor_.close(ec);
        close_sessions(true);
        bool none_left;
        {
            std::lock_guard lock(sessions_mutex_);
            none_left = sessions_.empty();
        }
        if (none_left) return;
        grace_timer_.expires_after(options_.limits.shutdown_grace);
        grace_timer_.async_wait([this](boost::system::error_code ec) {
            if (ec) return; // every session ended in time
            log_.warn("shutdown grace period over: closing the remaining connections");
            close_sessions(false);
        });
    });
}

server_stats server::stats() const
{
    std::lock_guard lock(sessions_mutex_);
    return server_stats{next_connection_.load(), exchanges_.load(), sessions_.size()};
}

} // namespace hp::proxy
