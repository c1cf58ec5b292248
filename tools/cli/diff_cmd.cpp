// `harmony-proxy diff A B [--session S] [--exchange N] [--html FILE] [--color auto|always|never]`: two captures
// compared layer by layer (replay/diff.hpp). Exit 0 when identical, 1 when they differ, 2 on bad
// input.
#include "tools/cli/commands.hpp"

#include "capture/reader.hpp"
#include "replay/diff.hpp"
#include "translate/tokenizer.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

namespace hp::cli {

namespace {

struct diff_args
{
    std::string a, b, session, html, vocab;
    std::string color = "auto";
    std::int64_t exchange = -1;
};

int run_diff(diff_args const& args)
{
    auto tok = translate::tokenizer::load(args.vocab.empty() ? translate::tokenizer::default_path()
                                                             : std::filesystem::path(args.vocab));
    if (!tok) {
        std::cerr << "diff: " << tok.error().message << '\n';
        return 2;
    }
    for (auto const* path : {&args.a, &args.b})
        if (!std::filesystem::exists(*path)) {
            std::cerr << "diff: " << *path << ": no such capture\n";
            return 2;
        }
    replay::diff_options options;
    if (!args.session.empty()) options.session = args.session;
    if (args.exchange >= 0) options.exchange = static_cast<std::uint64_t>(args.exchange);
    auto const report = replay::diff_captures(capture::read_capture(args.a), capture::read_capture(args.b), *tok, options);
    bool const colour = args.color == "always" || (args.color == "auto" && ::isatty(STDOUT_FILENO) == 1);
    std::cout << replay::format_diff_text(report, colour);
    if (!args.html.empty()) {
        std::ofstream out(args.html, std::ios::binary);
        out << replay::format_diff_html(report, args.a, args.b);
        if (!out) {
            std::cerr << "diff: cannot write " << args.html << '\n';
            return 2;
        }
    }
    return report.identical() ? 0 : 1;
}

} // namespace

void add_diff(CLI::App& app, run_fn& run)
{
    auto args = std::make_shared<diff_args>();
    auto* cmd = app.add_subcommand("diff", "Compare two captures layer by layer (prompt ids, parameters, tokens, messages, events)");
    cmd->add_option("A", args->a, "A capture file or directory")->required();
    cmd->add_option("B", args->b, "The capture to compare with")->required();
    cmd->add_option("--session", args->session, "Only this session");
    cmd->add_option("--exchange", args->exchange, "Only the pair whose A side is this exchange number")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--html", args->html, "Also write a self-contained HTML report here");
    cmd->add_option("--color", args->color, "Colour the text output")->capture_default_str()->check(
        CLI::IsMember({"auto", "always", "never"}));
    cmd->add_option("--vocab", args->vocab, "o200k_base.json (default: the compiled-in path)");
    cmd->callback([&run, args] { run = [args] { return run_diff(*args); }; });
}

} // namespace hp::cli
