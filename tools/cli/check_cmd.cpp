// `harmony-proxy check CAPTURE`: bug detectors over a capture (replay/check.hpp).
// Exit 0 when nothing was found, 1 with findings, 2 when the input cannot be read.
#include "tools/cli/commands.hpp"

#include "capture/reader.hpp"
#include "replay/check.hpp"

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace hp::cli {

namespace {

struct check_args
{
    std::string path;
    std::string effort = "high";
    std::string vocab;
    bool json = false;
};

int run_check(check_args const& a)
{
    auto result = capture::read_capture(a.path);
    for (auto const& p : result.problems) std::cerr << "check: " << p << '\n';
    if (result.records.empty() && !result.problems.empty() && !result.torn_tail) return 2;

    // The tokenizer makes evidence readable and enables the marker-text check; without it the
    // remaining detectors still run.
    std::optional<translate::tokenizer> tok;
    auto loaded = translate::tokenizer::load(a.vocab.empty() ? translate::tokenizer::default_path()
                                                              : std::filesystem::path(a.vocab));
    if (loaded) tok.emplace(std::move(*loaded));
    else std::cerr << "check: no tokenizer (" << loaded.error().message << "); some checks skipped\n";

    replay::check_options options;
    options.effort = a.effort;
    auto report = replay::check_capture(result.records, options, tok ? &*tok : nullptr);
    if (a.json) {
        boost::json::array findings;
        for (auto const& f : report.findings) findings.push_back(replay::finding_to_json(f));
        boost::json::object out{{"findings", std::move(findings)},
                                {"sessions", report.sessions},
                                {"exchanges", report.exchanges}};
        std::cout << boost::json::serialize(out) << '\n';
    } else {
        for (auto const& f : report.findings) std::cout << replay::format_finding(f) << '\n';
        std::cout << replay::format_summary(report) << '\n';
    }
    return report.findings.empty() ? 0 : 1;
}

} // namespace

void add_check(CLI::App& app, run_fn& run)
{
    auto args = std::make_shared<check_args>();
    auto* cmd = app.add_subcommand("check", "Run bug detectors (escaping, reasoning, cache, injection) over a capture");
    cmd->add_option("CAPTURE", args->path, "A capture .jsonl file or a capture directory")->required();
    cmd->add_option("--effort", args->effort, "The proxy's configured reasoning effort")
        ->capture_default_str()
        ->check(CLI::IsMember({"low", "medium", "high"}));
    cmd->add_option("--vocab", args->vocab, "o200k_base.json (default: the compiled-in path or HP_VOCAB)");
    cmd->add_flag("--json", args->json, "One JSON object on stdout");
    cmd->callback([&run, args] { run = [args] { return run_check(*args); }; });
}

} // namespace hp::cli
