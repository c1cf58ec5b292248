#include "proxy/http_util.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>

namespace hp::proxy {
namespace beast = boost::beast;

bool is_hop_by_hop(http::fields const& fields, std::string_view name)
{
    static constexpr std::array<std::string_view, 9> always{
        "connection", "keep-alive", "proxy-connection",   "te",
        "trailer",    "transfer-encoding", "upgrade", "proxy-authenticate",
        "proxy-authorization"};
    for (auto h : always)
        if (beast::iequals(h, name)) return true;
    // Connection: a, b names further per-connection headers.
    for (auto it = fields.find(http::field::connection); it != fields.end() && it->name() == http::field::connection;
         ++it) {
        for (auto const& token : http::token_list(it->value()))
            if (beast::iequals(token, name)) return true;
    }
    return false;
}

void copy_end_to_end(http::fields const& from, http::fields& to)
{
    for (auto const& f : from)
        if (!is_hop_by_hop(from, f.name_string())) to.insert(f.name_string(), f.value());
}

http::status status_of(proxy_error e)
{
    switch (e) {
    case proxy_error::bad_request: return http::status::bad_request;
    case proxy_error::payload_too_large: return http::status::payload_too_large;
    case proxy_error::upstream_unavailable: return http::status::bad_gateway;
    case proxy_error::upstream_timeout: return http::status::gateway_timeout;
    case proxy_error::shutting_down: return http::status::service_unavailable;
    case proxy_error::internal_error: return http::status::internal_server_error;
    }
    return http::status::internal_server_error;
}

std::string_view type_of(proxy_error e)
{
    switch (e) {
    case proxy_error::bad_request: return "invalid_request_error";
    case proxy_error::payload_too_large: return "payload_too_large";
    case proxy_error::upstream_unavailable: return "upstream_unavailable";
    case proxy_error::upstream_timeout: return "upstream_timeout";
    case proxy_error::shutting_down: return "shutting_down";
    case proxy_error::internal_error: return "internal_error";
    }
    return "internal_error";
}

http::response<http::string_body> make_error_response(proxy_error e, std::string_view message,
                                                      unsigned version, bool keep_alive)
{
    boost::json::object err{{"type", type_of(e)}, {"message", message}};
    http::response<http::string_body> res{status_of(e), version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    if (e == proxy_error::shutting_down) res.set(http::field::retry_after, "1");
    res.body() = boost::json::serialize(boost::json::object{{"error", std::move(err)}});
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

capture::header_list capture_headers(http::fields const& fields)
{
    capture::header_list out;
    for (auto const& f : fields) {
        auto name = f.name_string();
        out.emplace_back(std::string(name), capture::is_credential_header(name)
                                                ? std::string(capture::redacted_value)
                                                : std::string(f.value()));
    }
    return out;
}

} // namespace hp::proxy
