// proxy/playback_service.hpp: `serve --playback CAPTURE`: Responses requests answered from a
// capture (replay/playback.hpp matches them), with the recorded timing scaled by `speed`
// (0: as fast as possible). A request that matches nothing gets a 404 naming the nearest recorded
// request and how it differs. Other paths are forwarded to the upstream as usual.
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "proxy/options.hpp"
#include "proxy/relay.hpp"
#include "replay/playback.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace hp::proxy {

class playback_service
{
public:
    playback_service(replay::playback_script& script, double speed) : script_(script), speed_(speed) {}

    net::awaitable<relay_result> handle(boost::beast::tcp_stream& client, http::request<http::string_body> const& req,
                                        server_options const& options, exchange_recorder& recorder);

private:
    replay::playback_script& script_;
    double speed_;
};

} // namespace hp::proxy
