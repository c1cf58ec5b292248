#include "tools/cli/live_replay.hpp"

#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "capture/writer.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "replay/exchanges.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

namespace hp::cli {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

std::string field(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The recorded proxy configuration (harmony_prompt.defaults), so the translation matches.
proxy::responses_options options_from(json::object const& harmony_prompt)
{
    proxy::responses_options o;
    auto const* d = harmony_prompt.if_contains("defaults");
    if (!d || !d->is_object()) return o;
    auto const& defaults = d->get_object();
    if (auto e = translate::effort_from_name(field(defaults, "effort"))) o.default_effort = *e;
    if (field(defaults, "custom_tools") == "json") o.custom_tools = translate::responses::custom_tool_style::json;
    if (auto const* t = defaults.if_contains("temperature"); t && t->is_number()) o.temperature = t->to_number<double>();
    if (auto const* t = defaults.if_contains("top_p"); t && t->is_number()) o.top_p = t->to_number<double>();
    if (auto const* t = defaults.if_contains("tool_control"); t && t->is_bool()) o.tool_control = t->get_bool();
    if (auto const* t = defaults.if_contains("exact_history"); t && t->is_bool()) o.exact_history = t->get_bool();
    return o;
}

// One request to the in-process proxy; the whole answer is read (a stream to its end).
unsigned send(std::uint16_t port, json::object const& client_request)
{
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::minutes(30)); // a real model may think for long
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::verb::post, field(client_request, "target"), 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    // The headers that name the conversation (credentials were never recorded).
    if (auto const* headers = client_request.if_contains("headers"); headers && headers->is_object())
        for (auto const& [name, value] : headers->get_object())
            if ((name == "session-id" || name == "thread-id") && value.is_string()) req.set(name, value.get_string());
    req.body() = capture::load_bytes(client_request, "body");
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    return parser.get().result_int();
}

} // namespace

int run_live_replay(live_replay_args const& a)
{
    auto tok = translate::tokenizer::load(a.vocab.empty() ? translate::tokenizer::default_path() : a.vocab);
    if (!tok) {
        std::cerr << "replay: " << tok.error().message << '\n';
        return 2;
    }
    auto upstream = proxy::parse_upstream_url(a.upstream);
    if (!upstream) {
        std::cerr << "replay: --upstream: " << upstream.error() << '\n';
        return 2;
    }
    auto const recorded = capture::read_capture(a.capture);
    for (auto const& p : recorded.problems) std::cerr << "replay: " << p << '\n';
    std::vector<replay::exchange_records const*> selected;
    auto const exchanges = replay::group_exchanges(recorded.records);
    for (auto const& ex : exchanges)
        if (replay::is_responses_exchange(ex) && (a.session.empty() || ex.session == a.session)) selected.push_back(&ex);
    if (selected.empty()) {
        std::cerr << "replay: no recorded /v1/responses exchange in " << a.capture << '\n';
        return 2;
    }
    auto out = a.out;
    if (out.empty()) out = a.capture.string() + ".live";
    if (std::filesystem::exists(out) && !std::filesystem::is_empty(out)) {
        std::cerr << "replay: " << out << " exists and is not empty; choose another --out\n";
        return 2;
    }

    auto log = spdlog::stderr_logger_mt("live-replay");
    log->set_level(spdlog::level::warn);
    net::io_context ioc;
    std::optional<capture::writer> writer(std::in_place, capture::writer_options{out, 65536, 256 << 20, {}, {}});
    proxy::responses_service responses(*tok, options_from(*selected.front()->first("harmony_prompt")), *log);
    proxy::server_options so;
    so.listen = {"127.0.0.1", 0};
    so.upstream = *upstream;
    so.limits.first_byte = std::chrono::minutes(30);
    so.limits.idle = std::chrono::minutes(30);
    proxy::server srv(ioc, so, *log, &*writer);
    srv.set_responses(&responses);
    srv.start();
    std::thread io([&] { ioc.run(); });

    std::size_t ok = 0;
    for (std::size_t i = 0; i < selected.size(); ++i) {
        auto const& ex = *selected[i];
        unsigned status = 0;
        try {
            status = send(srv.port(), *ex.first("client_request"));
        } catch (std::exception const& e) {
            std::cerr << "replay: session " << ex.session << " exchange " << ex.exchange << ": " << e.what() << '\n';
        }
        if (status == 200) ++ok;
        std::cout << "session " << ex.session << " exchange " << ex.exchange << ": " << status << '\n';
    }
    srv.shutdown();
    io.join();
    writer.reset();
    std::cout << "live replay: " << ok << " of " << selected.size() << " exchange(s) answered 200; new capture in "
              << out.string() << "\ncompare: harmony-proxy diff " << a.capture.string() << ' ' << out.string() << '\n';
    return ok == selected.size() ? 0 : 1;
}

} // namespace hp::cli
