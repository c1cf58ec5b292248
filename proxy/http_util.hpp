// proxy/http_util.hpp: HTTP helpers shared by the relay and the session loop: hop-by-hop header
// filtering (RFC 9110 section 7.6.1), the one table of proxy-generated errors, and header lists for
// the capture with credentials redacted.
#pragma once

#include "capture/record.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace hp::proxy {

namespace http = boost::beast::http;

// True for headers that describe one connection and must not be forwarded: Connection,
// Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Authenticate,
// Proxy-Authorization, and every header the Connection header names.
bool is_hop_by_hop(http::fields const& fields, std::string_view name);

// Copies end-to-end headers from `from` to `to`.
void copy_end_to_end(http::fields const& from, http::fields& to);

// Every error the proxy itself answers with. One table maps each to its status and JSON type.
enum class proxy_error {
    bad_request,          // 400: unparsable HTTP
    payload_too_large,    // 413: body over the configured limit
    upstream_unavailable, // 502: connect, write or response head failed
    upstream_timeout,     // 504: no response head within the first-byte timeout
    shutting_down,        // 503: the proxy is stopping
    internal_error,       // 500: a bug, caught at the session boundary
};

http::status status_of(proxy_error e);
std::string_view type_of(proxy_error e);

// {"error":{"type":"...","message":"..."}} with the right status, content-type and length.
http::response<http::string_body> make_error_response(proxy_error e, std::string_view message,
                                                      unsigned version, bool keep_alive);

// Headers in wire order for the capture; credential values replaced by capture::redacted_value.
capture::header_list capture_headers(http::fields const& fields);

} // namespace hp::proxy
