// Offline replay on committed fixtures (tests/fixtures/, recorded from scripted sessions by
// replay_scenario_test): a clean capture replays identically, and each kind of planted change is
// caught and named by its layer.
#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "replay/exchanges.hpp"
#include "replay/fixture.hpp"
#include "replay/offline_replay.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

namespace hp::replay {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

translate::tokenizer const& tok()
{
    static auto t = translate::tokenizer::load(translate::tokenizer::default_path());
    if (!t) throw std::runtime_error(t.error().message);
    return *t;
}

capture::read_result fixture(std::string const& name)
{
    auto c = capture::read_capture(fs::path(HP_SOURCE_DIR) / "tests" / "fixtures" / name / "capture.jsonl");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_FALSE(c.records.empty());
    return c;
}

json::object& record_of(capture::read_result& c, std::string_view kind, std::size_t nth = 0)
{
    for (auto& r : c.records)
        if (r.at("kind").as_string() == kind && nth-- == 0) return r;
    throw std::runtime_error("no record " + std::string(kind));
}

TEST(replay, clean_fixture_replays_identically)
{
    for (auto const* name : {"plain_answer", "tool_chain"}) {
        auto report = replay_capture(fixture(name), tok(), {});
        EXPECT_TRUE(report.ok()) << name << "\n" << format_report(report);
        EXPECT_EQ(report.exchanges, 1u) << name;
        EXPECT_NE(format_report(report).find("1 identical"), std::string::npos);
    }
}

TEST(replay, corrupted_prompt_id_is_reported_at_its_position)
{
    auto c = fixture("plain_answer");
    auto& up = record_of(c, "upstream_request");
    auto body = json::parse(capture::load_bytes(up, "body")).as_object();
    auto& prompt = body.at("prompt").as_array();
    ASSERT_GT(prompt.size(), 20u);
    std::size_t const pos = prompt.size() - 5;
    prompt[pos] = 1000; // an ordinary token where the rendering has another
    capture::store_bytes(up, "body", json::serialize(body));

    auto report = replay_capture(c, tok(), {});
    ASSERT_EQ(report.differences.size(), 1u) << format_report(report);
    auto const& d = report.differences[0];
    EXPECT_EQ(d.layer, "prompt");
    EXPECT_EQ(d.session, "plain_answer");
    EXPECT_NE(d.detail.find("position " + std::to_string(pos)), std::string::npos) << d.detail;
    EXPECT_NE(d.detail.find("id 1000"), std::string::npos) << d.detail;
    EXPECT_NE(format_report(report).find("layer prompt differs"), std::string::npos);
}

TEST(replay, changed_sampling_parameter_is_an_upstream_request_difference)
{
    auto c = fixture("plain_answer");
    auto& up = record_of(c, "upstream_request");
    auto body = json::parse(capture::load_bytes(up, "body")).as_object();
    body["top_p"] = 0.5;
    capture::store_bytes(up, "body", json::serialize(body));
    auto report = replay_capture(c, tok(), {});
    ASSERT_EQ(report.differences.size(), 1u);
    EXPECT_EQ(report.differences[0].layer, "upstream_request");
    EXPECT_NE(report.differences[0].detail.find("top_p"), std::string::npos) << report.differences[0].detail;
}

TEST(replay, changed_event_is_reported_with_its_index_and_type)
{
    auto c = fixture("plain_answer");
    // The first output_text.delta: change its text.
    std::size_t index = 0;
    json::object* target = nullptr;
    for (auto& r : c.records) {
        if (r.at("kind").as_string() != "client_event") continue;
        auto& ev = r.at("event").as_object();
        if (ev.at("type").as_string() == "response.output_text.delta") {
            target = &ev;
            break;
        }
        ++index;
    }
    ASSERT_NE(target, nullptr);
    (*target)["delta"] = "Goodbye";
    auto report = replay_capture(c, tok(), {});
    ASSERT_EQ(report.differences.size(), 1u);
    auto const& d = report.differences[0];
    EXPECT_EQ(d.layer, "events");
    EXPECT_NE(d.detail.find("event " + std::to_string(index) + " (response.output_text.delta) .delta"),
              std::string::npos)
        << d.detail;
    EXPECT_NE(d.detail.find("Goodbye"), std::string::npos);
}

TEST(replay, missing_event_is_reported)
{
    auto c = fixture("tool_chain");
    auto& last = record_of(c, "client_event", 3);
    last["kind"] = "client_event_removed"; // drops one recorded event
    auto report = replay_capture(c, tok(), {});
    ASSERT_EQ(report.differences.size(), 1u);
    EXPECT_EQ(report.differences[0].layer, "events");
}

TEST(replay, perturbed_rendering_fails_in_the_prompt_layer)
{
    replay_options options;
    options.perturb = perturbation::drop_date_line;
    auto report = replay_capture(fixture("tool_chain"), tok(), options);
    ASSERT_EQ(report.differences.size(), 1u);
    EXPECT_EQ(report.differences[0].layer, "prompt");
    // The date line sits in the system message: the recorded side shows it.
    EXPECT_NE(report.differences[0].detail.find("Current date"), std::string::npos) << report.differences[0].detail;
    EXPECT_FALSE(report.ok());
}

TEST(replay, selection_matching_nothing_is_a_problem)
{
    replay_options options;
    options.session = "no-such-session";
    auto report = replay_capture(fixture("plain_answer"), tok(), options);
    EXPECT_EQ(report.exchanges, 0u);
    EXPECT_FALSE(report.ok());
}

TEST(replay, ids_are_normalized_consistently_per_side)
{
    json::value a = json::parse(R"([{"id":"msg_abc","item_id":"msg_abc","created_at":5},{"id":"fc_x1","call_id":"call_Z"}])");
    json::value b = json::parse(R"([{"id":"msg_7","item_id":"msg_7","created_at":9},{"id":"fc_2","call_id":"call_3"}])");
    json::value c = json::parse(R"([{"id":"msg_7","item_id":"msg_8","created_at":9},{"id":"fc_2","call_id":"call_3"}])");
    id_normalizer na, nb, nc;
    na.apply(a);
    nb.apply(b);
    nc.apply(c);
    EXPECT_FALSE(first_difference(a, b)) << json::serialize(a) << " vs " << json::serialize(b);
    auto d = first_difference(a, c);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->path, "[0].item_id"); // one id on one side, two on the other
}

TEST(replay, fixture_records_are_normalized_and_still_replay)
{
    auto c = fixture("tool_chain");
    auto exchanges = group_exchanges(c.records);
    ASSERT_EQ(exchanges.size(), 1u);
    auto records = fixture_records(exchanges[0], "renamed");
    for (auto const& r : records) {
        EXPECT_EQ(r.at("session").as_string(), "renamed");
        EXPECT_EQ(r.at("t_ns"), r.at("seq"));
    }
    exchange_records renamed{"renamed", 0, records};
    auto d = replay_exchange(renamed, tok());
    EXPECT_FALSE(d) << d->layer << ": " << d->detail;
}

// The command line: exit 0 on a clean fixture, 1 with the report on a difference, and no progress
// line when stderr is not a terminal (ctest's case).
struct cli_result
{
    int exit_code = -1;
    std::string output; // stdout and stderr
};

cli_result run_cli(std::string const& args)
{
    auto const cmd = std::string(HP_BINARY_DIR) + "/harmony-proxy " + args + " 2>&1";
    cli_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    int const status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

TEST(replay_cli, exit_codes_name_the_layer)
{
    auto const fixture_file = (fs::path(HP_SOURCE_DIR) / "tests" / "fixtures" / "tool_chain" / "capture.jsonl").string();
    auto clean = run_cli("replay " + fixture_file);
    EXPECT_EQ(clean.exit_code, 0) << clean.output;
    EXPECT_NE(clean.output.find("1 identical"), std::string::npos) << clean.output;
    EXPECT_EQ(clean.output.find("replay: 1/1"), std::string::npos) << "no progress line without a tty";

    auto perturbed = run_cli("replay " + fixture_file + " --perturb-render");
    EXPECT_EQ(perturbed.exit_code, 1) << perturbed.output;
    EXPECT_NE(perturbed.output.find("session tool_chain exchange 0: layer prompt differs"), std::string::npos)
        << perturbed.output;

    auto none = run_cli("replay " + fixture_file + " --exchange 7");
    EXPECT_EQ(none.exit_code, 1) << none.output;
    EXPECT_NE(none.output.find("no recorded /v1/responses exchange"), std::string::npos) << none.output;
}

TEST(replay_cli, fixture_command_writes_a_folder_that_replays)
{
    auto const out = fs::path(HP_BINARY_DIR) / "replay-cli-test" / "again";
    fs::remove_all(out);
    auto const from = (fs::path(HP_SOURCE_DIR) / "tests" / "fixtures" / "plain_answer" / "capture.jsonl").string();
    auto r = run_cli("fixture " + from + " --exchange 0 --out " + out.string() + " --what 'a copy'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(fs::exists(out / "capture.jsonl"));
    ASSERT_TRUE(fs::exists(out / "README.md"));
    auto c = capture::read_capture(out / "capture.jsonl");
    ASSERT_FALSE(c.records.empty());
    EXPECT_EQ(c.records.front().at("session").as_string(), "again");
    auto again = run_cli("replay " + (out / "capture.jsonl").string());
    EXPECT_EQ(again.exit_code, 0) << again.output;
}

} // namespace
} // namespace hp::replay
