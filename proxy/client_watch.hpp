// proxy/client_watch.hpp: noticing that a client went away while its response streams.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace hp::proxy {

// Waits on the client's socket for as long as a response streams. Completes with true when the
// client closed or reset its connection, with false when cancelled (the response finished first:
// race it against the streaming loop with `||`). Bytes of a pipelined next request that arrive
// meanwhile are kept in `buffer` for the session's next read. Supports terminal cancellation.
boost::asio::awaitable<bool> watch_client(boost::beast::tcp_stream& client, boost::beast::flat_buffer& buffer);

} // namespace hp::proxy
