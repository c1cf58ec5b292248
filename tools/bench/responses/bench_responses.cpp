// bench-responses: how long a streaming Responses client waits for its first events through
// harmony-proxy, against llama-server's own /v1/responses, in front of the same real llama-server
// (tiny random-weight gpt-oss model) in the same run.
//
// Per request it records, from just before the request is written: the first `response.created`,
// the first `response.output_item.added`, and the first event whose type ends in `.delta`. The
// model's weights are random, so what it writes differs between the two paths (and may contain no
// well-formed harmony header, so the proxy may only learn the channel, and send its first delta, at
// the end of the stream): the output_item figure is the fallback, the whole stream is timed too,
// and the events each target sent are listed. Requests alternate between the
// targets (the order flips every round) after one warm-up each; both paths share llama-server's
// slots and prompt cache, as they would in production.
//
// With the random model, llama-server's gpt-oss template parser rejects the output and its stream
// ends in an error frame after `response.in_progress`; `--llama-arg --chat-template --llama-arg
// chatml` makes it stream the raw text as deltas instead (the proxy does not use that template).
//
//   bench-responses [N=15] [--max-tokens 48] [--llama-arg ARG]...
#include "real_llama/support/llama_server.hpp"

#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto request_timeout = std::chrono::seconds(120);

// Milliseconds from the request to the first event of each kind; empty when it never came.
struct sample
{
    std::optional<double> created_ms, item_added_ms, delta_ms;
    double total_ms = 0;
    std::vector<std::string> types; // distinct event types, in order of first arrival
};

// The event type of one SSE frame: the JSON payload's "type", else the `event:` line.
std::string frame_type(std::string_view frame)
{
    std::string event_line;
    std::size_t pos = 0;
    while (pos < frame.size()) {
        auto end = frame.find('\n', pos);
        if (end == std::string_view::npos) end = frame.size();
        auto line = frame.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = end + 1;
        if (line.starts_with("event:")) {
            auto value = line.substr(6);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            event_line = std::string(value);
        } else if (line.starts_with("data:")) {
            boost::system::error_code ec;
            auto v = json::parse(line.substr(5), ec);
            if (!ec && v.is_object()) {
                if (auto const* t = v.as_object().if_contains("type"); t && t->is_string())
                    return std::string(t->as_string());
                if (v.as_object().contains("error")) return "(error frame)"; // llama-server's mid-stream failure
            }
        }
    }
    return event_line;
}

net::awaitable<sample> stream_once(std::uint16_t port, std::string body)
{
    beast::tcp_stream s(co_await net::this_coro::executor);
    s.expires_after(request_timeout);
    co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), net::use_awaitable);
    http::request<http::string_body> req{http::verb::post, "/v1/responses", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "text/event-stream");
    req.body() = std::move(body);
    req.prepare_payload();

    sample out;
    auto const start = clock_type::now();
    auto since_start = [&] { return std::chrono::duration<double, std::milli>(clock_type::now() - start).count(); };
    co_await http::async_write(s, req, net::use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    co_await http::async_read_header(s, buf, parser, net::use_awaitable);
    if (parser.get().result() != http::status::ok)
        throw std::runtime_error("HTTP " + std::to_string(parser.get().result_int()) + " from port " +
                                 std::to_string(port));
    std::string pending;
    std::vector<char> chunk(1 << 16);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        auto [ec, _] = co_await http::async_read_some(s, buf, parser, net::as_tuple(net::use_awaitable));
        if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
        pending.append(chunk.data(), chunk.size() - parser.get().body().size);
        // Frames end with a blank line; both servers write "\n\n" (no CRLF inside frames).
        for (auto end = pending.find("\n\n"); end != std::string::npos; end = pending.find("\n\n")) {
            auto type = frame_type(std::string_view(pending).substr(0, end));
            pending.erase(0, end + 2);
            if (type.empty()) continue; // comment / keep-alive
            auto const t = since_start();
            if (std::find(out.types.begin(), out.types.end(), type) == out.types.end()) out.types.push_back(type);
            if (type == "response.created" && !out.created_ms) out.created_ms = t;
            if (type == "response.output_item.added" && !out.item_added_ms) out.item_added_ms = t;
            if (type.ends_with(".delta") && !out.delta_ms) out.delta_ms = t;
        }
    }
    out.total_ms = since_start();
    co_return out;
}

sample run_one(std::uint16_t port, std::string const& body)
{
    net::io_context io;
    std::optional<sample> result;
    std::exception_ptr error;
    net::co_spawn(io, stream_once(port, body), [&](std::exception_ptr e, sample s) {
        error = e;
        if (!e) result = std::move(s);
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

// Nearest-rank percentile of the values that are present; nothing when none are.
std::optional<double> percentile(std::vector<std::optional<double>> const& in, double p)
{
    std::vector<double> v;
    for (auto const& x : in)
        if (x) v.push_back(*x);
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

struct target
{
    std::string name;
    std::uint16_t port;
    std::vector<sample> samples;
    std::map<std::string, int> type_counts; // requests in which each type was seen

    void add(sample s)
    {
        for (auto const& t : s.types) ++type_counts[t];
        samples.push_back(std::move(s));
    }
    template <class F>
    std::vector<std::optional<double>> column(F f) const
    {
        std::vector<std::optional<double>> out;
        for (auto const& s : samples) out.push_back(f(s));
        return out;
    }
};

std::string show_ms(std::optional<double> v)
{
    if (!v) return "     n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%8.2f", *v);
    return buf;
}

std::string ratio(std::optional<double> a, std::optional<double> b)
{
    if (!a || !b || *b <= 0) return "   n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%6.2f", *a / *b);
    return buf;
}

} // namespace

int main(int argc, char** argv)
{
    int n = 15;
    int max_tokens = 48;
    hp::test::llama_server_options llama_options;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--max-tokens" && i + 1 < argc)
            max_tokens = std::atoi(argv[++i]);
        else if (a == "--llama-arg" && i + 1 < argc)
            llama_options.extra_args.emplace_back(argv[++i]);
        else if (!a.empty() && std::isdigit(static_cast<unsigned char>(a[0])))
            n = std::atoi(argv[i]);
        else {
            std::fprintf(stderr, "usage: bench-responses [N=15] [--max-tokens 48] [--llama-arg ARG]...\n");
            return 2;
        }
    }
    try {
        hp::test::llama_server llama(llama_options); // the real llama-server with the tiny model, free port
        std::printf("llama-server pid %d on port %u, model %s, extra args:", llama.pid(), llama.endpoint().port,
                    llama.model_path().c_str());
        for (auto const& a : llama_options.extra_args) std::printf(" %s", a.c_str());
        std::printf("\n");

        auto tok = hp::translate::tokenizer::load(hp::translate::tokenizer::default_path());
        if (!tok) throw std::runtime_error(tok.error().message);
        auto log = std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        log->set_level(spdlog::level::warn);
        net::io_context proxy_io;
        hp::proxy::server_options po;
        po.listen = {"127.0.0.1", 0};
        po.upstream = {"127.0.0.1", llama.endpoint().port, ""};
        hp::proxy::responses_service responses(*tok, hp::proxy::responses_options{}, *log);
        hp::proxy::server proxy(proxy_io, po, *log, nullptr); // capture off: measure the translation path
        proxy.set_responses(&responses);
        proxy.start();
        std::thread proxy_thread([&] { proxy_io.run(); });
        struct joiner
        {
            hp::proxy::server& s;
            std::thread& t;
            ~joiner()
            {
                s.shutdown();
                t.join();
            }
        } join{proxy, proxy_thread};

        // The same body for both: llama-server's converter takes a string `input` and maps
        // max_output_tokens to max_tokens.
        json::object body{{"model", "gpt-oss"}, {"input", "Say hi"}, {"stream", true},
                          {"max_output_tokens", max_tokens}, {"temperature", 0}};
        auto const body_text = json::serialize(body);
        std::printf("request: %s\nN=%d per target after one warm-up each, alternating\n\n", body_text.c_str(), n);

        target targets[2] = {{"harmony-proxy", proxy.port(), {}, {}}, {"llama-server", llama.endpoint().port, {}, {}}};
        for (auto& t : targets) run_one(t.port, body_text); // warm-up: model pages, prompt cache
        for (int round = 0; round < n; ++round)
            for (int k = 0; k < 2; ++k) {
                auto& t = targets[(round + k) % 2];
                t.add(run_one(t.port, body_text));
            }

        struct measure
        {
            char const* name;
            std::optional<double> sample::*field;
        } const measures[] = {{"response.created", &sample::created_ms},
                              {"output_item.added", &sample::item_added_ms},
                              {"first *.delta", &sample::delta_ms}};
        std::printf("%-18s %-14s %8s %8s %5s\n", "ms to", "target", "median", "p90", "seen");
        for (auto const& m : measures) {
            for (auto const& t : targets) {
                auto col = t.column([&](sample const& s) { return s.*(m.field); });
                auto seen = std::count_if(col.begin(), col.end(), [](auto const& x) { return x.has_value(); });
                std::printf("%-18s %-14s %s %s %2td/%zu\n", m.name, t.name.c_str(), show_ms(percentile(col, 0.5)).c_str(),
                            show_ms(percentile(col, 0.9)).c_str(), seen, col.size());
            }
        }
        auto totals = [](target const& t) { return t.column([](sample const& s) { return std::optional(s.total_ms); }); };
        for (auto const& t : targets)
            std::printf("%-18s %-14s %s %s\n", "whole stream", t.name.c_str(), show_ms(percentile(totals(t), 0.5)).c_str(),
                        show_ms(percentile(totals(t), 0.9)).c_str());

        std::printf("\nratio proxy/llama   median   p90\n");
        for (auto const& m : measures) {
            auto p = targets[0].column([&](sample const& s) { return s.*(m.field); });
            auto l = targets[1].column([&](sample const& s) { return s.*(m.field); });
            std::printf("%-18s %s %s\n", m.name, ratio(percentile(p, 0.5), percentile(l, 0.5)).c_str(),
                        ratio(percentile(p, 0.9), percentile(l, 0.9)).c_str());
        }

        std::printf("\nevents seen (requests out of %d)\n", n);
        for (auto const& t : targets) {
            std::printf("%s:", t.name.c_str());
            for (auto const& [type, count] : t.type_counts) std::printf(" %s=%d", type.c_str(), count);
            std::printf("\n");
        }
    } catch (std::exception const& e) {
        std::fprintf(stderr, "bench-responses: %s\n", e.what());
        return 1;
    }
    return 0;
}
