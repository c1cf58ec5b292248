#include "proxy/upstream_probe.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace hp::proxy {

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

std::int64_t as_int(boost::json::value const* v)
{
    if (!v) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    return 0;
}
} // namespace

boost::system::result<upstream_props, std::string> fetch_props(upstream_target const& target,
                                                               std::chrono::milliseconds timeout)
{
    auto fail = [&](std::string what) {
        return boost::system::result<upstream_props, std::string>(
            boost::system::in_place_error, "upstream http://" + target.host_header() + target.base_path + "/props: " + what);
    };
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    net::ip::tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
    if (ec) return fail(ec.message());
    http::request<http::empty_body> req{http::verb::get, target.base_path + "/props", 11};
    req.set(http::field::host, target.host_header());
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    stream.expires_after(timeout);
    stream.async_connect(results, [&](boost::system::error_code e, auto const&) {
        if (e) {
            ec = e;
            return;
        }
        http::async_write(stream, req, [&](boost::system::error_code e2, std::size_t) {
            if (e2) {
                ec = e2;
                return;
            }
            http::async_read(stream, buf, res, [&](boost::system::error_code e3, std::size_t) { ec = e3; });
        });
    });
    ioc.run();
    if (ec) return fail(ec.message());
    if (res.result() != http::status::ok)
        return fail("HTTP " + std::to_string(res.result_int()) + " " + res.body().substr(0, 200));
    auto v = boost::json::parse(res.body(), ec);
    if (ec || !v.is_object()) return fail("not a JSON object");
    upstream_props p;
    auto const& o = v.get_object();
    if (auto const* dgs = o.if_contains("default_generation_settings"); dgs && dgs->is_object())
        p.n_ctx = as_int(dgs->get_object().if_contains("n_ctx"));
    p.total_slots = as_int(o.if_contains("total_slots"));
    if (auto const* mp = o.if_contains("model_path"); mp && mp->is_string()) p.model_path = mp->get_string();
    p.raw = std::move(v);
    if (p.n_ctx <= 0) return fail("no default_generation_settings.n_ctx");
    return p;
}

} // namespace hp::proxy
