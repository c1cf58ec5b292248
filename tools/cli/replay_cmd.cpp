// `harmony-proxy replay CAPTURE [--session S] [--exchange N]`: offline replay of recorded
// /v1/responses exchanges through the current translation (replay/offline_replay.hpp). Exit 0 when
// every layer of every selected exchange is identical, 1 with a report naming the first difference.
#include "tools/cli/commands.hpp"
#include "tools/cli/live_replay.hpp"

#include "capture/reader.hpp"
#include "replay/offline_replay.hpp"
#include "translate/tokenizer.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

namespace hp::cli {

namespace {

struct replay_args
{
    std::string capture;
    std::string session;
    std::int64_t exchange = -1;
    std::string vocab;
    bool perturb_render = false;
    std::string upstream; // live replay: llama-server's URL
    std::string out;      // live replay: the new capture
};

int run_replay(replay_args const& a)
{
    if (!a.upstream.empty())
        return run_live_replay({a.capture, a.upstream, a.out, a.vocab, a.session});
    auto tok = translate::tokenizer::load(a.vocab.empty() ? translate::tokenizer::default_path()
                                                          : std::filesystem::path(a.vocab));
    if (!tok) {
        std::cerr << "replay: " << tok.error().message << '\n';
        return 2;
    }
    auto capture = capture::read_capture(a.capture);
    replay::replay_options options;
    if (!a.session.empty()) options.session = a.session;
    if (a.exchange >= 0) options.exchange = static_cast<std::uint64_t>(a.exchange);
    if (a.perturb_render) options.perturb = replay::perturbation::drop_date_line;

    // A progress line only for people watching a terminal; logs and tests get the report alone.
    bool const tty = ::isatty(STDERR_FILENO) == 1;
    auto progress = [tty](std::size_t done, std::size_t total) {
        if (!tty || total < 2) return;
        std::fprintf(stderr, "\rreplay: %zu/%zu exchanges", done, total);
        if (done == total) std::fputc('\n', stderr);
    };
    auto report = replay::replay_capture(capture, *tok, options, progress);
    std::cout << replay::format_report(report);
    if (!a.out.empty()) {
        auto n = replay::write_replayed_capture(capture, *tok, options, a.out);
        std::cout << "wrote " << n << " replayed exchange(s) to " << a.out << "; compare: harmony-proxy diff " << a.capture
                  << ' ' << a.out << '\n';
    }
    return report.ok() ? 0 : 1;
}

} // namespace

void add_replay(CLI::App& app, run_fn& run)
{
    auto args = std::make_shared<replay_args>();
    auto* cmd = app.add_subcommand("replay", "Replay recorded /v1/responses exchanges offline and compare every layer");
    cmd->add_option("CAPTURE", args->capture, "A capture .jsonl file or a capture directory")->required();
    cmd->add_option("--session", args->session, "Only this session");
    cmd->add_option("--exchange", args->exchange, "Only this exchange number")->check(CLI::NonNegativeNumber);
    cmd->add_option("--vocab", args->vocab, "o200k_base.json (default: the compiled-in path)");
    cmd->add_option("--upstream", args->upstream,
                    "Live replay: send the recorded requests through the current translation to this llama-server");
    cmd->add_option("--out", args->out,
                    "Write the replayed exchanges as a capture here (live replay: default CAPTURE.live beside it)");
    cmd->add_flag("--perturb-render", args->perturb_render,
                  "Test only: render without the date line, so that a clean capture must fail");
    cmd->callback([&run, args] { run = [args] { return run_replay(*args); }; });
}

} // namespace hp::cli
