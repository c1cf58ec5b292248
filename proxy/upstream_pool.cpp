#include "proxy/upstream_pool.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>

#include <unistd.h>

namespace hp::proxy {

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
}

upstream_pool::upstream_pool(upstream_target target, timeouts limits, std::size_t max_connections,
                             std::size_t max_idle)
    : target_(std::move(target)), limits_(limits), max_connections_(std::max<std::size_t>(1, max_connections)),
      max_idle_(max_idle)
{
}

std::size_t upstream_pool::active() const
{
    std::lock_guard lock(mutex_);
    return active_;
}

std::size_t upstream_pool::idle() const
{
    std::lock_guard lock(mutex_);
    return idle_.size();
}

net::awaitable<upstream_pool::lease> upstream_pool::acquire(boost::system::error_code& ec)
{
    ec = {};
    auto ex = co_await net::this_coro::executor;
    auto const deadline = std::chrono::steady_clock::now() + limits_.connect;
    for (;;) {
        std::shared_ptr<waiter> w;
        {
            std::unique_lock lock(mutex_);
            if (!idle_.empty()) {
                auto s = idle_.back();
                idle_.pop_back();
                lock.unlock();
                // Re-home the descriptor onto this session's executor.
                net::ip::tcp::socket sock(ex);
                boost::system::error_code aec;
                sock.assign(s.protocol, s.fd, aec);
                if (aec) {
                    ::close(s.fd);
                    std::lock_guard relock(mutex_);
                    --active_;
                    continue;
                }
                co_return lease{beast::tcp_stream(std::move(sock)), true};
            }
            if (active_ < max_connections_) {
                ++active_;
                break;
            }
            w = std::make_shared<waiter>(waiter{ex, std::make_shared<net::steady_timer>(ex), false});
            w->timer->expires_at(deadline);
            waiters_.push_back(w);
        }
        co_await w->timer->async_wait(tuple_awaitable);
        std::lock_guard lock(mutex_);
        std::erase(waiters_, w);
        if (!w->woken) {
            ec = net::error::no_buffer_space; // every connection stayed busy until the deadline
            co_return lease{beast::tcp_stream(ex), false};
        }
    }

    // A new connection; active_ already counts it.
    net::ip::tcp::resolver resolver(ex);
    beast::tcp_stream stream(ex);
    auto [rec, results] = co_await resolver.async_resolve(target_.host, std::to_string(target_.port), tuple_awaitable);
    if (!rec) {
        stream.expires_after(limits_.connect);
        auto [cec, ep] = co_await stream.async_connect(results, tuple_awaitable);
        rec = cec;
    }
    if (rec) {
        ec = rec == beast::error::timeout ? net::error::timed_out : rec;
        discard(stream);
        co_return lease{std::move(stream), false};
    }
    stream.socket().set_option(net::ip::tcp::no_delay(true));
    stream.expires_never();
    co_return lease{std::move(stream), false};
}

void upstream_pool::give_back(beast::tcp_stream stream)
{
    stream.expires_never();
    auto& sock = stream.socket();
    if (!sock.is_open()) {
        discard(stream);
        return;
    }
    std::lock_guard lock(mutex_);
    if (idle_.size() >= max_idle_) {
        boost::system::error_code ec;
        sock.close(ec);
        --active_;
    } else {
        boost::system::error_code ec;
        auto endpoint = sock.local_endpoint(ec);
        auto fd = ec ? -1 : sock.release(ec);
        if (ec) {
            sock.close(ec);
            --active_;
        } else {
            idle_.push_back({fd, endpoint.protocol()});
        }
    }
    wake_one();
}

void upstream_pool::discard(beast::tcp_stream& stream)
{
    boost::system::error_code ec;
    stream.socket().close(ec);
    std::lock_guard lock(mutex_);
    --active_;
    wake_one();
}

void upstream_pool::wake_one()
{
    while (!waiters_.empty()) {
        auto w = waiters_.front();
        waiters_.pop_front();
        if (w->woken) continue;
        w->woken = true;
        // Timers are not thread-safe: cancel on the waiter's own executor.
        net::post(w->executor, [t = w->timer] { t->cancel(); });
        return;
    }
}

} // namespace hp::proxy
