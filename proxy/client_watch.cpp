#include "proxy/client_watch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hp::proxy {

namespace net = boost::asio;

net::awaitable<bool> watch_client(boost::beast::tcp_stream& client, boost::beast::flat_buffer& buffer)
{
    constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
    co_await net::this_coro::throw_if_cancelled(false);
    // The raw socket, not the Beast stream: its operations support per-operation cancellation.
    auto [ec, n] = co_await client.socket().async_read_some(buffer.prepare(4096), tuple_awaitable);
    if (!ec) {
        buffer.commit(n);
        if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
            co_return false;
        net::steady_timer until_cancelled(co_await net::this_coro::executor, net::steady_timer::time_point::max());
        co_await until_cancelled.async_wait(tuple_awaitable);
        co_return false;
    }
    co_return ec != net::error::operation_aborted;
}

} // namespace hp::proxy
