// `harmony-proxy serve`: run the proxy in front of llama-server.
#include "tools/cli/commands.hpp"

#include "capture/writer.hpp"
#include "proxy/options.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "proxy/playback_service.hpp"
#include "proxy/upstream_probe.hpp"
#include "capture/reader.hpp"
#include "replay/playback.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <thread>

namespace hp::cli {

namespace {

struct serve_args
{
    std::string listen = "127.0.0.1:8000";
    std::string upstream = "http://127.0.0.1:8080";
    std::string capture_dir;
    std::string log_level = "info";
    unsigned threads = 1;
    double connect_timeout_s = 5;
    double first_byte_timeout_s = 600;
    double idle_timeout_s = 300;
    double shutdown_grace_s = 10;
    std::uint64_t body_limit = 64ull << 20;
    std::size_t max_upstream = 64;
    std::string vocab;
    std::string reasoning_effort = "high";
    std::string custom_tools = "raw";
    bool no_tool_grammar = false;
    bool no_warm_cache = false;
    std::string playback;     // answer /v1/responses from this capture
    double speed = 1.0;       // playback timing scale; 0 = as fast as possible
    double temperature = 1.0;
    double top_p = 1.0;
    double keep_alive_s = 5;
    int slots = -1; // -1: ask the upstream's /props for total_slots
};

std::chrono::milliseconds seconds(double s)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
}

int run_serve(serve_args const& a)
{
    auto log = spdlog::stderr_color_mt("harmony-proxy");
    log->set_level(spdlog::level::from_str(a.log_level));
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    proxy::server_options opts;
    auto listen = proxy::parse_listen(a.listen);
    if (!listen) {
        log->error("{}", listen.error());
        return 2;
    }
    opts.listen = *listen;
    auto upstream = proxy::parse_upstream_url(a.upstream);
    if (!upstream) {
        log->error("{}", upstream.error());
        return 2;
    }
    opts.upstream = *upstream;
    opts.limits.connect = seconds(a.connect_timeout_s);
    opts.limits.first_byte = seconds(a.first_byte_timeout_s);
    opts.limits.idle = seconds(a.idle_timeout_s);
    opts.limits.shutdown_grace = seconds(a.shutdown_grace_s);
    opts.body_limit = a.body_limit;
    opts.max_upstream_connections = a.max_upstream;

    std::optional<capture::writer> capture;
    if (!a.capture_dir.empty()) {
        opts.capture_dir = a.capture_dir;
        capture.emplace(capture::writer_options{
            a.capture_dir, 65536, 256u << 20, [log](std::string_view msg) { log->error("{}", msg); }, {}});
        log->info("capturing to {}", a.capture_dir);
    }

    auto vocab_path = a.vocab.empty() ? translate::tokenizer::default_path() : std::filesystem::path(a.vocab);
    auto tok = translate::tokenizer::load(vocab_path);
    if (!tok) {
        log->error("cannot load the o200k_harmony vocabulary: {}", tok.error().message);
        return 1;
    }
    proxy::responses_options ropts;
    ropts.default_effort = *translate::effort_from_name(a.reasoning_effort);
    ropts.custom_tools = a.custom_tools == "json" ? translate::responses::custom_tool_style::json
                                                  : translate::responses::custom_tool_style::raw;
    ropts.temperature = a.temperature;
    ropts.tool_control = !a.no_tool_grammar;
    ropts.warm_cache = !a.no_warm_cache;
    ropts.top_p = a.top_p;
    ropts.keep_alive = seconds(a.keep_alive_s);
    if (a.slots >= 0 || !a.playback.empty()) {
        ropts.slots = static_cast<std::size_t>(std::max(0, a.slots));
    } else if (auto props = proxy::fetch_props(opts.upstream, std::chrono::seconds(5))) {
        ropts.slots = static_cast<std::size_t>(std::max<std::int64_t>(0, props->total_slots));
        log->info("upstream has {} slots of {} tokens; one per conversation", ropts.slots, props->n_ctx);
    } else {
        log->warn("{}; conversations are not pinned to slots (pass --slots N)", props.error());
    }
    proxy::responses_service responses(*tok, ropts, *log);

    boost::asio::io_context ioc;
    proxy::server srv(ioc, opts, *log, capture ? &*capture : nullptr);
    srv.set_responses(&responses);
    std::optional<replay::playback_script> script;
    std::optional<proxy::playback_service> playback;
    if (!a.playback.empty()) {
        auto recorded = capture::read_capture(a.playback);
        for (auto const& p : recorded.problems) log->warn("playback: {}", p);
        script.emplace(recorded);
        if (script->size() == 0) {
            log->error("playback: no recorded /v1/responses exchange in {}", a.playback);
            return 1;
        }
        playback.emplace(*script, a.speed);
        srv.set_playback(&*playback);
        log->info("playing back {} recorded responses from {} at speed {}", script->size(), a.playback, a.speed);
    }
    try {
        srv.start();
    } catch (boost::system::system_error const& e) {
        log->error("cannot listen on {}: {}", a.listen, e.code().message());
        return 1;
    }
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        log->info("signal {} received", sig);
        srv.shutdown();
    });
    // When every session has ended after a shutdown, only the signal wait keeps run() busy.
    std::vector<std::thread> extra;
    for (unsigned i = 1; i < a.threads; ++i) extra.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : extra) t.join();
    if (capture) {
        capture->flush();
        auto st = capture->stats();
        log->info("capture: {} records written, {} dropped, {} write errors", st.written, st.dropped,
                  st.write_errors);
    }
    auto st = srv.stats();
    log->info("stopped after {} connections, {} exchanges", st.connections, st.exchanges);
    return 0;
}

} // namespace

void add_serve(CLI::App& app, run_fn& run)
{
    auto args = std::make_shared<serve_args>();
    auto* cmd = app.add_subcommand("serve", "Run the proxy in front of llama-server");
    cmd->add_option("--listen", args->listen, "HOST:PORT to listen on")->capture_default_str();
    cmd->add_option("--upstream", args->upstream, "llama-server base URL")->capture_default_str();
    cmd->add_option("--capture-dir", args->capture_dir, "Record every exchange under this directory");
    cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, off")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    cmd->add_option("--threads", args->threads, "I/O threads")->capture_default_str()->check(CLI::Range(1u, 64u));
    cmd->add_option("--connect-timeout", args->connect_timeout_s, "Seconds to connect to the upstream")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--first-byte-timeout", args->first_byte_timeout_s,
                    "Seconds from request to the upstream's response head (prefill)")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--idle-timeout", args->idle_timeout_s, "Seconds of upstream silence mid-stream")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--shutdown-grace", args->shutdown_grace_s, "Seconds streams may finish after SIGTERM")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--body-limit", args->body_limit, "Largest request body in bytes (larger: 413)")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-upstream-connections", args->max_upstream, "Concurrent upstream connections")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--vocab", args->vocab, "tiktoken's o200k_base.json (default: the setup's npm cache, or $HP_VOCAB)");
    cmd->add_option("--reasoning-effort", args->reasoning_effort, "Effort when a request names none")
        ->capture_default_str()
        ->check(CLI::IsMember({"low", "medium", "high"}));
    cmd->add_option("--custom-tools", args->custom_tools,
                    "How free-text tools (apply_patch) are shown to the model: raw text or {\"input\": ...} JSON")
        ->capture_default_str()
        ->check(CLI::IsMember({"raw", "json"}));
    cmd->add_flag("--no-tool-grammar", args->no_tool_grammar,
                  "Let the model write tool calls unconstrained (no stop at the tool-call header, no grammar)");
    cmd->add_option("--playback", args->playback,
                    "Answer /v1/responses from this capture (matched by order within a session) instead of llama-server");
    cmd->add_option("--speed", args->speed, "Playback timing scale (2 = twice as fast, 0 = no waiting)")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_flag("--no-warm-cache", args->no_warm_cache,
                  "Do not warm the conversation's slot with the next turn's prefix after a final answer");
    cmd->add_option("--temperature", args->temperature, "Sampling temperature when a request names none")
        ->capture_default_str()->check(CLI::Range(0.0, 2.0));
    cmd->add_option("--top-p", args->top_p, "top_p when a request names none")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--keep-alive", args->keep_alive_s, "Seconds between keep-alive events while llama-server is silent")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--slots", args->slots,
                    "llama-server slots (-np) to pin conversations to; 0 disables; default: ask /props")
        ->check(CLI::Range(0, 4096));
    cmd->callback([&run, args] { run = [args] { return run_serve(*args); }; });
}

} // namespace hp::cli
