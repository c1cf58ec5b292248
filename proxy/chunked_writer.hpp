// proxy/chunked_writer.hpp: writes a response body to the client as HTTP/1.1 chunks, one chunk per
// write, each write under its own deadline, counting the body bytes that went out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

namespace hp::proxy {

// Writes the head of a chunked `text/event-stream` 200 response (HTTP/1.`version`), under `timeout`.
boost::asio::awaitable<boost::system::error_code> write_sse_head(boost::beast::tcp_stream& client, unsigned version,
                                                                 bool keep_alive, std::chrono::milliseconds timeout);

struct chunked_writer
{
    boost::beast::tcp_stream& client;
    std::chrono::milliseconds timeout;
    std::uint64_t bytes = 0; // body bytes written so far

    // One chunk; an empty `data` writes nothing (an empty chunk would end the body).
    boost::asio::awaitable<boost::system::error_code> write(std::string_view data);
    // The last chunk.
    boost::asio::awaitable<boost::system::error_code> finish();
};

} // namespace hp::proxy
