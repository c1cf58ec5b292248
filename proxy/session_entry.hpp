// proxy/session_entry.hpp: what the server knows of a live session, for shutdown. Created and
// updated by the session on its strand; the server only posts closures onto that strand, so the
// stream pointers are never touched from another thread.
#pragma once

#include "proxy/server.hpp"

#include <boost/beast/core/tcp_stream.hpp>

namespace hp::proxy {

struct server::session_entry
{
    std::uint64_t id = 0;
    net::any_io_executor executor;
    boost::beast::tcp_stream* client = nullptr;   // strand only
    boost::beast::tcp_stream* upstream = nullptr; // strand only; set while a relay is connected
    bool busy = false;                            // strand only; an exchange is in flight
    bool background = false;                      // a background task (spawn_background), no client
};

} // namespace hp::proxy
