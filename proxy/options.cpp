#include "proxy/options.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace hp::proxy {

namespace {
template <class T>
boost::system::result<T, std::string> fail(std::string_view what, std::string_view text, std::string_view problem)
{
    return {boost::system::in_place_error, std::string(what) + " '" + std::string(text) + "' " + std::string(problem)};
}
} // namespace

boost::system::result<upstream_target, std::string> parse_upstream_url(std::string_view url)
{
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u) return fail<upstream_target>("upstream URL", url, "is not an absolute URL");
    if (u->scheme() != "http")
        return fail<upstream_target>("upstream URL", url, "is not http:// (the only scheme supported)");
    upstream_target t;
    t.host = u->encoded_host();
    if (t.host.empty()) return fail<upstream_target>("upstream URL", url, "has no host");
    if (u->has_port()) {
        auto p = u->port();
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
        if (ec != std::errc{} || ptr != p.data() + p.size() || value == 0 || value > 65535)
            return fail<upstream_target>("upstream URL", url, "has an invalid port");
        t.port = static_cast<std::uint16_t>(value);
    }
    t.base_path = u->encoded_path();
    while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
    if (u->has_query() || u->has_fragment())
        return fail<upstream_target>("upstream URL", url, "must not have a query or fragment");
    return t;
}

boost::system::result<listen_endpoint, std::string> parse_listen(std::string_view text)
{
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return fail<listen_endpoint>("listen address", text, "is not HOST:PORT");
    listen_endpoint ep;
    ep.host = std::string(text.substr(0, colon));
    if (ep.host.size() > 2 && ep.host.front() == '[' && ep.host.back() == ']')
        ep.host = ep.host.substr(1, ep.host.size() - 2);
    auto port = text.substr(colon + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value > 65535)
        return fail<listen_endpoint>("listen address", text, "has an invalid port");
    ep.port = static_cast<std::uint16_t>(value);
    return ep;
}

} // namespace hp::proxy
