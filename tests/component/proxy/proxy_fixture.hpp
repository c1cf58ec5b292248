// The proxy in-process on loopback, in front of a test_origin, all on one io_context.
#pragma once

#include "support/run_coro.hpp"
#include "test_origin.hpp"

#include "capture/writer.hpp"
#include "proxy/server.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

namespace hp::test {

namespace beast = boost::beast;
using namespace std::chrono_literals;

class proxy_fixture : public ::testing::Test
{
protected:
    net::io_context ioc;
    test_origin origin{ioc};
    std::ostringstream log_text;
    std::shared_ptr<spdlog::logger> log =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text));
    proxy::server_options options;
    std::optional<capture::writer> capture;
    std::optional<proxy::server> server;

    proxy_fixture()
    {
        log->set_level(spdlog::level::debug);
        options.listen = {"127.0.0.1", 0};
        options.upstream = {"127.0.0.1", origin.port(), ""};
    }

    void start(bool with_capture = false, std::filesystem::path capture_dir = {})
    {
        if (with_capture) capture.emplace(capture::writer_options{capture_dir, 1024, 64 << 20, {}, {}});
        server.emplace(ioc, options, *log, capture ? &*capture : nullptr);
        server->start();
    }

    // Lets the proxy's sessions finish what they do after the client has its answer (the summary
    // log line, the exchange_end record), bounded in time.
    void settle(std::chrono::milliseconds for_ = 100ms)
    {
        ioc.restart();
        ioc.run_for(for_);
    }

    net::awaitable<beast::tcp_stream> connect()
    {
        beast::tcp_stream s(ioc);
        co_await s.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()),
                                 net::use_awaitable);
        co_return s;
    }

    static http::request<http::string_body> make_request(http::verb verb, std::string target, std::string body = {})
    {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "proxy.test");
        req.body() = std::move(body);
        req.prepare_payload();
        return req;
    }

    // One request on a given connection, the whole response read.
    static net::awaitable<http::response<http::string_body>> exchange(beast::tcp_stream& s,
                                                                      http::request<http::string_body> req,
                                                                      beast::flat_buffer& buf)
    {
        co_await http::async_write(s, req, net::use_awaitable);
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        co_await http::async_read(s, buf, parser, net::use_awaitable);
        co_return parser.release();
    }

    net::awaitable<http::response<http::string_body>> fetch(http::request<http::string_body> req)
    {
        auto s = co_await connect();
        beast::flat_buffer buf;
        co_return co_await exchange(s, std::move(req), buf);
    }
};

} // namespace hp::test
