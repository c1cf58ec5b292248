// Issue 8's measurement: a 20-turn Codex session (tool chains and final answers) against the
// scripted server's simulated KV cache, once as the proxy runs by default and once with the
// cache work switched off (no exact-token history, no warm-up), printed side by side.
//
// "Re-processed" is measured independently of the proxy's own accounting: per turn request,
// the prompt tokens llama-server processed (timings.prompt_n summed over the request's
// /completions, from the scripted server's cache simulation) minus the tokens of the NEW input
// items (the items after the last one the model produced: the user's message, the tool outputs),
// rendered and counted with the canonical renderer.
#include "codex_fixture.hpp"

#include "capture/reader.hpp"
#include "replay/offline_replay.hpp"
#include "support/new_input.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_request.hpp"
#include "translate/responses_to_harmony.hpp"

#include <cstdio>
#include <map>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace tr = hp::translate;

// Twenty turns: odd ones run a command then answer (on every other one the recipient is written
// after the channel, a shape harmony's canonical rendering, recipient first, would change), even
// ones answer directly.
std::string twenty_turn_script()
{
    std::string rules;
    for (int turn = 1; turn <= 20; ++turn) {
        auto const n = std::to_string(turn);
        if (turn % 2 == 1) {
            std::string const header = turn % 4 == 1
                                           ? "<|start|>assistant<|channel|>commentary to=functions.exec_command <|constrain|>json"
                                           : "<|start|>assistant to=functions.exec_command<|channel|>commentary <|constrain|>json";
            rules += R"({"times":1,"tokens":"<|channel|>analysis<|message|>Turn )" + n +
                     R"(: run it.<|end|>)" + header + R"(<|message|>{\"cmd\":\"echo out-)" + n +
                     R"(\"}","end":{"token":200012}},)";
            rules += R"({"times":1,"tokens":"<|channel|>analysis<|message|>It printed out-)" + n +
                     R"(.<|end|><|start|>assistant<|channel|>final<|message|>Done )" + n + R"(."},)";
        } else {
            rules += R"({"times":1,"tokens":"<|channel|>analysis<|message|>Just answer.<|end|><|start|>assistant<|channel|>final<|message|>Answer )" +
                     n + R"(."},)";
        }
    }
    rules.pop_back();
    return R"({"rules":[)" + rules + "]}";
}


TEST_F(codex_e2e, twenty_turns_reprocess_only_the_new_input)
{
    auto const script = twenty_turn_script();
    auto run_session = [&](proxy::responses_options options, std::string const& name) {
        start(script, options, name);
        for (int turn = 1; turn <= 20; ++turn) {
            auto run = run_codex("Turn " + std::to_string(turn), /*resume=*/turn > 1);
            EXPECT_EQ(run.exit_code, 0) << "turn " << turn << "\n" << run.log;
            if (run.exit_code != 0) break;
        }
        stop();
        return figures_of(tok(), dir / name);
    };
    auto const on = run_session({}, "capture-on");
    proxy::responses_options off_options;
    off_options.exact_history = false;
    off_options.warm_cache = false;
    auto const off = run_session(off_options, "capture-off");
    ASSERT_EQ(on.size(), 30u) << "20 turns, 10 of them with a tool call";
    ASSERT_EQ(off.size(), on.size());

    std::int64_t total_on = 0, total_off = 0;
    std::printf("request  prompt  new-input  processed(on)  re-processed(on)  processed(off)  re-processed(off)\n");
    for (std::size_t i = 0; i < on.size(); ++i) {
        std::printf("%7zu  %6llu  %9llu  %13llu  %16lld  %14llu  %17lld\n", i + 1,
                    static_cast<unsigned long long>(on[i].prompt), static_cast<unsigned long long>(on[i].new_input),
                    static_cast<unsigned long long>(on[i].processed), static_cast<long long>(on[i].reprocessed()),
                    static_cast<unsigned long long>(off[i].processed), static_cast<long long>(off[i].reprocessed()));
        if (i > 0) {
            EXPECT_LE(on[i].reprocessed(), 8) << "request " << i + 1;
            total_on += on[i].reprocessed();
            total_off += off[i].reprocessed();
        }
    }
    std::printf("re-processed beyond the new input, requests 2-30: %lld tokens with the cache work, %lld without\n",
                static_cast<long long>(total_on), static_cast<long long>(total_off));
    EXPECT_GT(total_off, total_on);

    // Both captures replay offline, continuations and exact-token history included; a changed
    // rendering rule is caught at the prompt layer.
    for (auto const* name : {"capture-on", "capture-off"}) {
        auto const recorded = capture::read_capture(dir / name);
        auto const report = replay::replay_capture(recorded, tok(), {}, {});
        EXPECT_TRUE(report.ok()) << name << ":\n" << replay::format_report(report);
        EXPECT_EQ(report.exchanges, 30u);
        replay::replay_options perturbed;
        perturbed.perturb = replay::perturbation::drop_date_line;
        auto const changed = replay::replay_capture(recorded, tok(), perturbed, {});
        EXPECT_FALSE(changed.ok());
        ASSERT_FALSE(changed.differences.empty());
        EXPECT_EQ(changed.differences[0].layer, "prompt");
    }
}

} // namespace
} // namespace hp::test
