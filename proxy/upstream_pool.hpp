// proxy/upstream_pool.hpp: a bounded pool of keep-alive connections to the one upstream.
//
// At most `max_connections` are open at once; a session that finds them all leased waits (up to
// the connect timeout) for one to come back. Idle connections are kept up to `max_idle`. A pooled
// connection is re-homed onto the borrowing session's executor, so its timer and its handlers run
// on that session's strand. Only a connection whose response was read completely goes back; after a
// timeout, an error or a client that went away mid-stream the connection is closed, never pooled.
// Thread-safe.
#pragma once

#include "proxy/options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <deque>
#include <memory>
#include <mutex>

namespace hp::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;

class upstream_pool
{
public:
    upstream_pool(upstream_target target, timeouts limits, std::size_t max_connections, std::size_t max_idle);
    upstream_pool(upstream_pool const&) = delete;
    upstream_pool& operator=(upstream_pool const&) = delete;

    struct lease
    {
        beast::tcp_stream stream;
        bool reused = false; // true: it served an earlier request and may have been closed since
    };

    // A connected stream on the calling coroutine's executor. Fails with the connect error,
    // net::error::timed_out, or net::error::no_buffer_space when no connection became free in time.
    // Cancellation: none beyond the connect timeout.
    net::awaitable<lease> acquire(boost::system::error_code& ec);

    // Returns a leased connection after a complete response on a keep-alive connection.
    void give_back(beast::tcp_stream stream);
    // Ends a lease whose connection was closed or is unusable.
    void discard(beast::tcp_stream& stream);

    upstream_target const& target() const { return target_; }
    std::size_t active() const;
    std::size_t idle() const;

private:
    struct waiter
    {
        net::any_io_executor executor;
        std::shared_ptr<net::steady_timer> timer;
        bool woken = false;
    };
    void wake_one(); // mutex_ held

    upstream_target target_;
    timeouts limits_;
    std::size_t max_connections_;
    std::size_t max_idle_;
    mutable std::mutex mutex_;
    std::size_t active_ = 0; // leased plus idle
    struct idle_socket
    {
        net::ip::tcp::socket::native_handle_type fd;
        net::ip::tcp protocol;
    };
    std::deque<idle_socket> idle_;
    std::deque<std::shared_ptr<waiter>> waiters_;
};

} // namespace hp::proxy
