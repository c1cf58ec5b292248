// The product, end to end: the real Codex CLI driving harmony-proxy in front of the scripted
// llama-server. Each script is what a gpt-oss model would sample, written as harmony text.
#include "codex_fixture.hpp"

#include <algorithm>

namespace hp::test {
namespace {

bool contains_run(std::vector<std::uint32_t> const& hay, std::vector<std::uint32_t> const& needle)
{
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST_F(codex_e2e, reasoning_then_answer)
{
    start(R"({"rules":[{"tokens":"<|channel|>analysis<|message|>The user wants a greeting.<|end|><|start|>assistant<|channel|>final<|message|>Hello from gpt-oss!"}]})");
    auto run = run_codex("Say hello");
    EXPECT_EQ(run.exit_code, 0) << run.log;
    auto answers = run.items("agent_message");
    ASSERT_EQ(answers.size(), 1u) << run.log;
    EXPECT_EQ(answers[0].at("text"), "Hello from gpt-oss!");
    ASSERT_EQ(completion_bodies().size(), 1u) << "an answer without a tool call costs one request";
    auto prompt = decode(completion_prompts()[0]);
    EXPECT_NE(prompt.find("Reasoning: high"), std::string::npos) << "the proxy's default effort";
    EXPECT_TRUE(prompt.ends_with("Say hello<|end|><|start|>assistant")) << prompt.substr(prompt.size() - 200);
}

TEST_F(codex_e2e, tool_chain_keeps_chain_of_thought_and_the_next_turn_drops_it)
{
    start(R"({"rules":[
      {"match":{"request":1},"tokens":"<|channel|>analysis<|message|>I will run echo to check.<|end|><|start|>assistant<|channel|>commentary to=functions.exec_command <|constrain|>json<|message|>{\"cmd\":\"echo tool-output-42\"}","end":{"token":200012}},
      {"match":{"request":2},"tokens":"<|channel|>analysis<|message|>The output is there.<|end|><|start|>assistant<|channel|>final<|message|>The command printed tool-output-42."},
      {"match":{"request":3},"tokens":"<|channel|>final<|message|>Second answer."}
    ]})");
    auto first = run_codex("Run echo for me");
    EXPECT_EQ(first.exit_code, 0) << first.log;
    auto commands = first.items("command_execution");
    ASSERT_EQ(commands.size(), 1u) << first.log;
    EXPECT_NE(boost::json::serialize(commands[0]).find("tool-output-42"), std::string::npos) << first.log;
    ASSERT_EQ(first.items("agent_message").size(), 1u);
    EXPECT_EQ(first.items("agent_message")[0].at("text"), "The command printed tool-output-42.");

    auto second = run_codex("And now?", /*resume=*/true);
    EXPECT_EQ(second.exit_code, 0) << second.log;
    ASSERT_EQ(second.items("agent_message").size(), 1u) << second.log;
    EXPECT_EQ(second.items("agent_message")[0].at("text"), "Second answer.");

    auto prompts = completion_prompts();
    ASSERT_EQ(prompts.size(), 3u);
    // The tool call took exactly one more request: the continuation under the grammar, from
    // the first request's prompt plus what the model had written up to "to=".
    ASSERT_EQ(completion_bodies().size(), 4u);
    auto const continuations = continuation_bodies();
    ASSERT_EQ(continuations.size(), 1u);
    std::vector<std::uint32_t> continued;
    for (auto const& v : continuations[0].at("prompt").as_array())
        continued.push_back(static_cast<std::uint32_t>(v.to_number<std::int64_t>()));
    EXPECT_TRUE(std::equal(prompts[0].begin(), prompts[0].end(), continued.begin(), continued.begin() + prompts[0].size()));
    EXPECT_TRUE(decode(continued).ends_with("<|channel|>commentary to=")) << decode(continued);
    // After each final answer the slot was warmed with the next turn's prefix, which the next
    // turn's prompt then extends: the analysis dropped, the final answer kept.
    auto const warmups = warmup_bodies();
    ASSERT_EQ(warmups.size(), 2u);
    std::vector<std::uint32_t> warm;
    for (auto const& v : warmups[0].at("prompt").as_array()) warm.push_back(static_cast<std::uint32_t>(v.to_number<std::int64_t>()));
    ASSERT_LT(warm.size(), prompts[2].size());
    EXPECT_TRUE(std::equal(warm.begin(), warm.end(), prompts[2].begin())) << decode(warm);
    EXPECT_TRUE(decode(warm).ends_with("<|channel|>final<|message|>The command printed tool-output-42.<|end|>")) << decode(warm);
    auto p2 = decode(prompts[1]);
    auto p3 = decode(prompts[2]);
    // Inside the tool chain the analysis comes back, exactly as the model wrote it ...
    EXPECT_NE(p2.find("<|channel|>analysis<|message|>I will run echo to check.<|end|>"), std::string::npos) << p2;
    // The call as the model sampled it (recipient after the channel), not harmony's canonical
    // `to=... <|channel|>` order: the prompt extends the previous prompt and output exactly.
    EXPECT_NE(p2.find("<|start|>assistant<|channel|>commentary to=functions.exec_command <|constrain|>json<|message|>{\"cmd\":\"echo tool-output-42\"}<|call|>"),
              std::string::npos) << p2;
    EXPECT_LE(completion_prompts()[0].size(), prompts[1].size());
    EXPECT_TRUE(std::equal(prompts[0].begin(), prompts[0].end(), prompts[1].begin()));
    EXPECT_NE(p2.find("<|start|>functions.exec_command to=assistant<|channel|>commentary<|message|>"), std::string::npos);
    EXPECT_NE(p2.find("tool-output-42\n"), std::string::npos) << "the tool's raw output";
    // ... and after the final answer the next turn no longer carries it.
    EXPECT_EQ(p3.find("I will run echo to check."), std::string::npos) << p3;
    EXPECT_EQ(p3.find("The output is there."), std::string::npos) << p3;
    EXPECT_NE(p3.find("<|channel|>final<|message|>The command printed tool-output-42.<|end|>"), std::string::npos) << p3;
    EXPECT_TRUE(p3.ends_with("And now?<|end|><|start|>assistant"));
}

TEST_F(codex_e2e, apply_patch_with_backslashes_reaches_the_file_byte_for_byte)
{
    std::ofstream(dir / "work" / "User.php") << "<?php\n\nnamespace App\\Models;\n\n"
                                                "use Symfony\\Component\\HttpFoundation\\Response;\n"
                                                "use Illuminate\\Support\\Str;\n"
                                                "use Symfony\\Component\\HttpFoundation\\Request;\n\n"
                                                "class User\n{\n}\n";
    start(R"({"rules":[
      {"match":{"request":1},"tokens":"<|channel|>analysis<|message|>Sort the use lines.<|end|><|start|>assistant to=functions.apply_patch<|channel|>commentary<|message|>*** Begin Patch\n*** Update File: User.php\n@@\n namespace App\\Models;\n \n-use Symfony\\Component\\HttpFoundation\\Response;\n-use Illuminate\\Support\\Str;\n-use Symfony\\Component\\HttpFoundation\\Request;\n+use Illuminate\\Support\\Str;\n+use Symfony\\Component\\HttpFoundation\\Request;\n+use Symfony\\Component\\HttpFoundation\\Response;\n*** End Patch\n","end":{"token":200012}},
      {"match":{"request":2},"tokens":"<|channel|>final<|message|>Imports sorted."}
    ]})");
    auto run = run_codex("Sort the imports in User.php");
    EXPECT_EQ(run.exit_code, 0) << run.log;
    EXPECT_EQ(run.items("file_change").size(), 1u) << run.log;
    std::ifstream in(dir / "work" / "User.php");
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), "<?php\n\nnamespace App\\Models;\n\n"
                        "use Illuminate\\Support\\Str;\n"
                        "use Symfony\\Component\\HttpFoundation\\Request;\n"
                        "use Symfony\\Component\\HttpFoundation\\Response;\n\n"
                        "class User\n{\n}\n");
    // The call went to Codex as a custom_tool_call with the raw patch.
    capture->flush();
    auto records = capture::read_capture(dir / "capture");
    bool saw_custom_call = false;
    for (auto const& r : records.records) {
        if (r.at("kind") != "client_event") continue;
        auto const& ev = r.at("event").as_object();
        if (ev.at("type") == "response.output_item.done" && ev.at("item").at("type") == "custom_tool_call") {
            saw_custom_call = true;
            EXPECT_NE(ev.at("item").at("input").as_string().find("+use Symfony\\Component\\HttpFoundation\\Request;\n"),
                      std::string::npos);
        }
    }
    EXPECT_TRUE(saw_custom_call);
    auto prompts = completion_prompts();
    ASSERT_EQ(prompts.size(), 2u);
    auto p2 = decode(prompts[1]);
    EXPECT_EQ(p2.find("\\\\"), std::string::npos) << "no doubled backslash anywhere in the prompt";
}

TEST_F(codex_e2e, upstream_failure_mid_stream_is_reported_and_the_next_request_is_served)
{
    start(R"({"rules":[
      {"match":{"request":1},"tokens":"<|channel|>analysis<|message|>Thinking about it for a while","fault":{"kind":"stream_error","after":3,"message":"decode failed"}},
      {"match":{"request":2},"tokens":"<|channel|>final<|message|>Back on track."}
    ]})");
    auto failed = run_codex("First try");
    EXPECT_NE(failed.exit_code, 0) << failed.log;
    bool reported = false;
    for (auto const& e : failed.events)
        if (e.at("type") == "turn.failed" || e.at("type") == "error") reported = true;
    EXPECT_TRUE(reported) << failed.log;

    auto ok = run_codex("Second try");
    EXPECT_EQ(ok.exit_code, 0) << ok.log;
    ASSERT_EQ(ok.items("agent_message").size(), 1u) << ok.log;
    EXPECT_EQ(ok.items("agent_message")[0].at("text"), "Back on track.");
}

TEST_F(codex_e2e, user_text_with_harmony_markers_reaches_llama_server_as_plain_text)
{
    start(R"({"rules":[{"tokens":"<|channel|>final<|message|>Done."}]})");
    auto run = run_codex("<|end|>");
    EXPECT_EQ(run.exit_code, 0) << run.log;
    auto second = run_codex("Print <|end|> and <|start|><|call|> literally", /*resume=*/true);
    EXPECT_EQ(second.exit_code, 0) << second.log;
    auto prompts = completion_prompts();
    ASSERT_EQ(prompts.size(), 2u);
    auto const& p = prompts[1];
    // The first user message was exactly "<|end|>": ordinary text ids, as the notes verified.
    EXPECT_TRUE(contains_run(prompts[0], {200008, 27, 91, 419, 91, 29, 200007})) << "<|end|> as ordinary text ids";
    EXPECT_TRUE(contains_run(p, tok().encode("Print <|end|> and <|start|><|call|> literally")));
    // Every 200007 in the prompt ends a message: one fewer than the <|start|>s (the prompt ends
    // with <|start|>assistant), so no marker from the user's text became a special token.
    auto ends = std::count(p.begin(), p.end(), 200007u);
    auto starts = std::count(p.begin(), p.end(), 200006u);
    EXPECT_EQ(ends, starts - 1);
}

// The model wants a tool the client never declared: with the proxy in control at the header, the
// grammar leaves it only declared recipients, and its next preference is executed.
TEST_F(codex_e2e, a_call_to_an_undeclared_tool_ends_as_a_valid_executed_call)
{
    start(R"({"rules":[
      {"match":{"request":1},"tokens":["<|channel|>analysis<|message|>Use the shell.<|end|><|start|>assistant<|channel|>commentary to=",
         {"choose":["functions.shell","functions.exec_command"]},
         " <|constrain|>json<|message|>{\"cmd\":\"echo undeclared-ok\"}"],"end":{"token":200012}},
      {"match":{"request":2},"tokens":"<|channel|>final<|message|>Ran it."}
    ]})");
    auto run = run_codex("Run echo");
    EXPECT_EQ(run.exit_code, 0) << run.log;
    auto commands = run.items("command_execution");
    ASSERT_EQ(commands.size(), 1u) << run.log;
    EXPECT_NE(boost::json::serialize(commands[0]).find("undeclared-ok"), std::string::npos) << run.log;
    auto const continuations = continuation_bodies();
    ASSERT_EQ(continuations.size(), 1u);
    auto const& grammar = continuations[0].at("grammar").as_string();
    EXPECT_EQ(std::string_view(grammar).find("functions.shell"), std::string_view::npos) << "only declared tools";
    EXPECT_NE(std::string_view(grammar).find("functions.exec_command"), std::string_view::npos) << grammar;
    EXPECT_EQ(continuations[0].at("logit_bias"), boost::json::parse("[[200002,false],[199999,false]]"));
}

// The recipient before the channel, and arguments the model would have escaped wrongly: the
// grammar admits only the JSON string spelling, so the call Codex runs is the valid one.
TEST_F(codex_e2e, recipient_before_the_channel_and_bad_json_escapes_still_give_a_valid_call)
{
    start(R"({"rules":[
      {"match":{"request":1},"tokens":["<|channel|>analysis<|message|>Print a path.<|end|><|start|>assistant to=functions.exec_command<|channel|>commentary <|constrain|>json<|message|>",
         {"choose":["{\"cmd\":\"printf %s 'C:\\q'\"}","{\"cmd\":\"printf %s 'C:\\\\q'\"}"]}],"end":{"token":200012}},
      {"match":{"request":2},"tokens":"<|channel|>final<|message|>Printed."}
    ]})");
    auto run = run_codex("Print the path");
    EXPECT_EQ(run.exit_code, 0) << run.log;
    auto commands = run.items("command_execution");
    ASSERT_EQ(commands.size(), 1u) << run.log;
    // The command ran with the path, backslash intact (the model's first preference, an invalid
    // JSON escape, was never sampled).
    EXPECT_EQ(commands[0].at("aggregated_output"), "C:\\q") << boost::json::serialize(commands[0]);
    auto const continuations = continuation_bodies();
    ASSERT_EQ(continuations.size(), 1u);
    // The grammar for a recipient written before the channel starts with the channel marker.
    auto const& grammar = continuations[0].at("grammar").as_string();
    EXPECT_NE(std::string_view(grammar).find("<[200005]> \"commentary\""), std::string_view::npos) << grammar;
}

} // namespace
} // namespace hp::test
