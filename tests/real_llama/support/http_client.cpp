#include "real_llama/support/http_client.hpp"

#include "support/run_coro.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <stdexcept>

namespace hp::test {
namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

net::awaitable<http_reply> exchange(endpoint ep, http::verb method, std::string target, std::string body,
                                    std::chrono::milliseconds timeout)
{
    boost::beast::tcp_stream stream(co_await net::this_coro::executor);
    // One deadline for the whole exchange: llama-server answers a test request quickly or is broken.
    stream.expires_after(timeout);
    co_await stream.async_connect(net::ip::tcp::endpoint(net::ip::make_address(ep.host), ep.port),
                                  net::use_awaitable);

    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, ep.host + ":" + std::to_string(ep.port));
    req.set(http::field::connection, "close");
    if (method != http::verb::get) {
        req.set(http::field::content_type, "application/json");
        req.body() = std::move(body);
        req.prepare_payload();
    }
    co_await http::async_write(stream, req, net::use_awaitable);

    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser, net::use_awaitable);
    auto& res = parser.get();

    boost::system::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    co_return http_reply{res.result_int(), std::string(res[http::field::content_type]),
                         std::move(res.body())};
}

} // namespace

boost::json::value http_reply::json() const
{
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec)
        throw std::runtime_error("HTTP " + std::to_string(status) +
                                 " body is not JSON: " + body.substr(0, 500));
    return v;
}

http_reply http_request(endpoint const& ep, http::verb method, std::string_view target, std::string body,
                        std::chrono::milliseconds timeout)
{
    net::io_context ioc;
    try {
        // run_coro's own bound is a little longer, so the stream's deadline reports first.
        return run_coro(ioc, exchange(ep, method, std::string(target), std::move(body), timeout),
                        timeout + std::chrono::seconds(1));
    } catch (boost::system::system_error const& e) {
        throw std::runtime_error(std::string(http::to_string(method)) + " " + ep.base_url() +
                                 std::string(target) + " (" + ep.name + "): " + e.what());
    }
}

http_reply post_json(endpoint const& ep, std::string_view target, boost::json::value const& body,
                     std::chrono::milliseconds timeout)
{
    return http_request(ep, http::verb::post, target, boost::json::serialize(body), timeout);
}

std::vector<std::int64_t> to_ids(boost::json::value const& array)
{
    auto const* a = array.if_array();
    if (!a) throw std::runtime_error("not an array of ids: " + boost::json::serialize(array));
    std::vector<std::int64_t> ids;
    for (auto const& v : *a) {
        if (!v.is_int64()) throw std::runtime_error("not an array of ids: " + boost::json::serialize(array));
        ids.push_back(v.as_int64());
    }
    return ids;
}

std::vector<boost::json::object> sse_json_events(std::string_view body)
{
    std::vector<boost::json::object> events;
    std::string data;
    auto flush = [&] {
        if (data.empty()) return;
        boost::system::error_code ec;
        auto v = boost::json::parse(data, ec);
        if (ec || !v.is_object())
            throw std::runtime_error("SSE data is not a JSON object: " + data.substr(0, 500));
        events.push_back(std::move(v.as_object()));
        data.clear();
    };
    while (!body.empty()) {
        auto const eol = body.find('\n');
        auto line = body.substr(0, eol);
        body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            flush();
        } else if (line.starts_with(':')) {
            continue;
        } else if (line.starts_with("data:")) {
            line.remove_prefix(5);
            if (line.starts_with(' ')) line.remove_prefix(1);
            if (!data.empty()) data.push_back('\n');
            data.append(line);
        } else {
            throw std::runtime_error("unexpected SSE line: " + std::string(line));
        }
    }
    flush();
    return events;
}

} // namespace hp::test
