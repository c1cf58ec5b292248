#include "proxy/chunked_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

namespace hp::proxy {

namespace net = boost::asio;
namespace http = boost::beast::http;

net::awaitable<boost::system::error_code> write_sse_head(boost::beast::tcp_stream& client, unsigned version,
                                                         bool keep_alive, std::chrono::milliseconds timeout)
{
    http::response<http::empty_body> head{http::status::ok, version};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.chunked(true);
    head.keep_alive(keep_alive);
    http::response_serializer<http::empty_body> serializer{head};
    client.expires_after(timeout);
    auto [ec, n] = co_await http::async_write_header(client, serializer, net::as_tuple(net::use_awaitable));
    co_return ec;
}

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
