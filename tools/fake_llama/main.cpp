// fake-llama-server: the scripted llama-server as a program.
//
//   fake-llama-server --listen 127.0.0.1:0 --script script.json [--n-ctx 4096] [--slots 1]
//                     [--model-path PATH] [--loading-ms 0] [--vocab o200k_base.json]
//
// Prints the bound port alone on the first line of stdout (so a test or shell script can read it),
// then serves until SIGINT or SIGTERM. A bad script exits with status 2 and a message naming the
// file, line and problem.
#include "tools/fake_llama/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <charconv>
#include <cstdio>
#include <iostream>

namespace fl = hp::tools::fake_llama;

namespace {

bool split_listen(std::string const& s, fl::server_options& o)
{
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    o.address = s.substr(0, colon);
    auto port = std::string_view(s).substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || p != port.data() + port.size() || value > 65535) return false;
    o.port = static_cast<unsigned short>(value);
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Scripted llama-server for harmony-proxy tests (see tools/fake_llama/SCRIPT.md)"};
    fl::server_options opts;
    std::string listen = "127.0.0.1:0";
    std::string script_path;
    std::string vocab_path = hp::translate::tokenizer::default_path().string();
    long loading_ms = 0;
    bool keep_split_ids = false;
    bool no_grammar_check = false;
    std::string log_level = "warn";
    app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")
        ->capture_default_str();
    app.add_option("--script", script_path, "The script file (JSON, see SCRIPT.md)");
    app.add_option("--n-ctx", opts.n_ctx, "Per-slot context size")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--slots", opts.slots, "Number of slots (-np)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--model-path", opts.model_path, "model_path reported by /props")->capture_default_str();
    app.add_option("--loading-ms", loading_ms, "Answer 503 \"Loading model\" for this long")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--vocab", vocab_path, "o200k_base.json (npm tiktoken)")->capture_default_str();
    app.add_flag("--keep-split-utf8-ids", keep_split_ids,
                 "Send a chunk for tokens ending inside a UTF-8 character (the real server loses their ids)");
    app.add_flag("--no-grammar-check", no_grammar_check, "Accept grammars without a root rule");
    app.add_flag("--add-bos", opts.add_bos, "Prefix string prompts with <|startoftext|>");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    if (!split_listen(listen, opts)) {
        std::cerr << "fake-llama-server: --listen wants HOST:PORT, got \"" << listen << "\"\n";
        return 2;
    }
    opts.loading = std::chrono::milliseconds(loading_ms);
    opts.lose_split_utf8 = !keep_split_ids;
    opts.check_grammar = !no_grammar_check;

    auto tok = hp::translate::tokenizer::load(vocab_path);
    if (!tok) {
        std::cerr << "fake-llama-server: " << tok.error().message << "\n";
        return 2;
    }
    fl::vocab voc(*tok);
    fl::script script;
    if (!script_path.empty()) {
        auto s = fl::load_script(script_path, voc);
        if (!s) {
            std::cerr << "fake-llama-server: bad script: " << s.error().message << "\n";
            return 2;
        }
        script = std::move(*s);
    }

    auto log = std::make_shared<spdlog::logger>("fake-llama",
                                                std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    log->set_level(spdlog::level::from_str(log_level));

    boost::asio::io_context io;
    std::unique_ptr<fl::fake_llama_server> server;
    try {
        server =
            std::make_unique<fl::fake_llama_server>(io.get_executor(), std::move(script), *tok, opts, log);
    } catch (boost::system::system_error const& e) {
        std::cerr << "fake-llama-server: cannot listen on " << listen << ": " << e.what() << "\n";
        return 1;
    }
    std::cout << server->port() << std::endl; // the one line a caller reads

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code const& ec, int) {
        if (!ec) server->stop();
    });
    io.run();
    return 0;
}
