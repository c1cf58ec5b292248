#include "proxy/chunked_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace hp::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

net::awaitable<boost::system::error_code> chunked_writer::write(std::string_view data)
{
    if (data.empty()) co_return boost::system::error_code{};
    client.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(client, http::make_chunk(net::buffer(data)),
                                             net::as_tuple(net::use_awaitable));
    if (!ec) bytes += data.size();
    co_return ec;
}

net::awaitable<boost::system::error_code> chunked_writer::finish()
{
    client.expires_after(timeout);
    auto [ec, n] = co_await net::async_write(client, http::make_chunk_last(), net::as_tuple(net::use_awaitable));
    co_return ec;
}

} // namespace hp::proxy
