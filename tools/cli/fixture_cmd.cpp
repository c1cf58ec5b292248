// `harmony-proxy fixture CAPTURE --exchange N --out tests/fixtures/NAME --what "..."`: turns one
// recorded exchange into a normalized regression fixture (replay/fixture.hpp) and checks that it
// replays cleanly before leaving it there.
#include "tools/cli/commands.hpp"

#include "capture/reader.hpp"
#include "replay/fixture.hpp"
#include "replay/offline_replay.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace hp::cli {

namespace {

struct fixture_args
{
    std::string capture;
    std::string session;
    std::uint64_t exchange = 0;
    std::string out;
    std::string what;
    std::string vocab;
};

int run_fixture(fixture_args const& a)
{
    auto tok = translate::tokenizer::load(a.vocab.empty() ? translate::tokenizer::default_path()
                                                          : std::filesystem::path(a.vocab));
    if (!tok) {
        std::cerr << "fixture: " << tok.error().message << '\n';
        return 2;
    }
    auto capture = capture::read_capture(a.capture);
    for (auto const& p : capture.problems) std::cerr << "fixture: " << p << '\n';
    replay::exchange_records const* chosen = nullptr;
    auto exchanges = replay::group_exchanges(capture.records);
    for (auto const& ex : exchanges)
        if (ex.exchange == a.exchange && (a.session.empty() || ex.session == a.session)) {
            if (chosen) {
                std::cerr << "fixture: exchange " << a.exchange << " is in several sessions: name one with --session\n";
                return 2;
            }
            chosen = &ex;
        }
    if (!chosen || !replay::is_responses_exchange(*chosen)) {
        std::cerr << "fixture: no recorded /v1/responses exchange " << a.exchange << " in " << a.capture << '\n';
        return 2;
    }

    std::filesystem::path const dir(a.out);
    auto const name = dir.filename().string();
    replay::exchange_records normalized{name, 0, replay::fixture_records(*chosen, name)};
    // A fixture that does not replay cleanly guards nothing: refuse it.
    if (auto d = replay::replay_exchange(normalized, *tok)) {
        std::cerr << "fixture: the normalized exchange does not replay cleanly (layer " << d->layer << "):\n  "
                  << d->detail << '\n';
        return 1;
    }
    std::filesystem::create_directories(dir);
    std::ofstream file(dir / "capture.jsonl", std::ios::binary | std::ios::trunc);
    for (auto const& r : normalized.records) file << boost::json::serialize(r) << '\n';
    std::ofstream readme(dir / "README.md", std::ios::binary | std::ios::trunc);
    readme << replay::fixture_readme(name, a.what, a.capture, *chosen);
    if (!file || !readme) {
        std::cerr << "fixture: cannot write " << dir.string() << '\n';
        return 2;
    }
    std::cout << "fixture " << dir.string() << ": " << normalized.records.size() << " records\n";
    return 0;
}

} // namespace

void add_fixture(CLI::App& app, run_fn& run)
{
    auto args = std::make_shared<fixture_args>();
    auto* cmd = app.add_subcommand("fixture", "Write one recorded exchange as a regression fixture folder");
    cmd->add_option("CAPTURE", args->capture, "A capture .jsonl file or a capture directory")->required();
    cmd->add_option("--exchange", args->exchange, "The exchange number")->required();
    cmd->add_option("--session", args->session, "The session, when the capture holds several");
    cmd->add_option("--out", args->out, "The fixture folder, tests/fixtures/NAME")->required();
    cmd->add_option("--what", args->what, "What the fixture guards (the README line)")->required();
    cmd->add_option("--vocab", args->vocab, "o200k_base.json (default: the compiled-in path)");
    cmd->callback([&run, args] { run = [args] { return run_fixture(*args); }; });
}

} // namespace hp::cli
