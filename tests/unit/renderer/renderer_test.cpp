// The renderer beyond the golden vectors: header variants, system/developer sections, errors as
// values, the analysis policies and the training rule. Text only (the golden and prefix tests
// cover ids).
#include "render_test_support.hpp"

#include "translate/golden_messages.hpp"
#include "translate/renderer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hp::translate {
namespace {

message text_message(role r, std::string content, std::optional<std::string> channel = std::nullopt)
{
    message m;
    m.author = r;
    m.channel = std::move(channel);
    m.content = std::move(content);
    return m;
}

message user(std::string content)
{
    return text_message(role::user, std::move(content));
}

message assistant(std::string channel, std::string content)
{
    return text_message(role::assistant, std::move(content), std::move(channel));
}

message tool_call(std::string name, std::string args)
{
    message m = assistant("commentary", std::move(args));
    m.recipient = "functions." + name;
    m.content_type = "<|constrain|>json";
    return m;
}

message tool_result(std::string name, std::string output)
{
    message m = text_message(role::tool, std::move(output), "commentary");
    m.author_name = "functions." + name;
    m.recipient = "assistant";
    return m;
}

std::string text_of(message const& m, render_options opts = {})
{
    auto r = renderer::text_only().render(m, opts);
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->text : std::string();
}

std::string conversation_text(std::vector<message> const& msgs, analysis_policy policy)
{
    auto r = renderer::text_only().render_conversation(msgs, render_config{policy});
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->text : std::string();
}

TEST(RendererHeader, AuthorNameOfNonToolRoleFollowsAColon)
{
    message m = user("hi");
    m.author_name = "alice";
    EXPECT_EQ(text_of(m), "<|start|>user:alice<|message|>hi<|end|>");
}

TEST(RendererHeader, RecipientAllIsNotWrittenButStillEndsAnAssistantMessageWithCall)
{
    message m = assistant("commentary", "x");
    m.recipient = "all";
    EXPECT_EQ(text_of(m), "<|start|>assistant<|channel|>commentary<|message|>x<|call|>");
    EXPECT_EQ(message_end_token(m), special::call);
}

TEST(RendererHeader, ContentTypeWithoutConstrainIsPlainText)
{
    message m = tool_call("f", "{}");
    m.content_type = "code";
    EXPECT_EQ(text_of(m), "<|start|>assistant to=functions.f<|channel|>commentary code<|message|>{}<|call|>");
}

TEST(RendererHeader, BareConstrainMarkerHasNoTrailingText)
{
    message m = tool_call("f", "{}");
    m.content_type = "<|constrain|>";
    EXPECT_EQ(text_of(m),
              "<|start|>assistant to=functions.f<|channel|>commentary <|constrain|><|message|>{}<|call|>");
}

TEST(RendererHeader, ToolResultCarriesNameRecipientAndChannel)
{
    EXPECT_EQ(text_of(tool_result("get_weather", "{\"t\":20}")),
              "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"t\":20}<|end|>");
}

TEST(RendererHeader, NonAssistantMessageWithRecipientEndsWithEnd)
{
    message m = user("hi");
    m.recipient = "functions.f";
    EXPECT_EQ(text_of(m), "<|start|>user to=functions.f<|message|>hi<|end|>");
}

TEST(RendererSystem, EveryFieldAbsentLeavesOnlyTheChannelSection)
{
    system_content sys;
    sys.model_identity.reset();
    sys.knowledge_cutoff.reset();
    sys.effort.reset();
    message m;
    m.author = role::system;
    m.content = sys;
    EXPECT_EQ(text_of(m),
              "<|start|>system<|message|># Valid channels: analysis, commentary, final. Channel must be "
              "included for every message.<|end|>");
    sys.channels.reset();
    m.content = sys;
    EXPECT_EQ(text_of(m), "<|start|>system<|message|><|end|>");
}

TEST(RendererSystem, ChannelNotRequiredAndEmptyChannelList)
{
    system_content sys;
    sys.channels = channel_config{{"final"}, false};
    message m;
    m.author = role::system;
    m.content = sys;
    EXPECT_EQ(text_of(m, {true}),
              "<|start|>system<|message|>You are ChatGPT, a large language model trained by "
              "OpenAI.\nKnowledge cutoff: 2024-06\n\nReasoning: medium\n\n# Valid channels: "
              "final.\nCalls to these tools must go to the commentary channel: 'functions'.<|end|>");
    // No channel list: no channel section, and so no commentary line either.
    sys.channels = channel_config{{}, true};
    m.content = sys;
    EXPECT_EQ(text_of(m, {true}),
              "<|start|>system<|message|>You are ChatGPT, a large language model trained by "
              "OpenAI.\nKnowledge cutoff: 2024-06\n\nReasoning: medium<|end|>");
}

TEST(RendererSystem, FunctionLineOnlyForANonEmptyFunctionsNamespaceInADeveloperMessage)
{
    auto with_dev_tools = [](std::string ns_name, bool with_tool) {
        developer_content dev;
        tool_namespace ns{ns_name, std::nullopt, {}};
        if (with_tool) ns.tools.push_back(tool_description{"f", "does f", std::nullopt});
        dev.tools = std::vector{ns};
        message sys_msg;
        sys_msg.author = role::system;
        sys_msg.content = system_content{};
        message dev_msg;
        dev_msg.author = role::developer;
        dev_msg.content = dev;
        return std::vector{sys_msg, dev_msg};
    };
    EXPECT_TRUE(has_function_tools(with_dev_tools("functions", true)));
    EXPECT_FALSE(has_function_tools(with_dev_tools("functions", false)));
    EXPECT_FALSE(has_function_tools(with_dev_tools("custom", true)));

    std::string const line = "Calls to these tools must go to the commentary channel: 'functions'.";
    EXPECT_NE(conversation_text(with_dev_tools("functions", true), analysis_policy::keep_all).find(line),
              std::string::npos);
    EXPECT_EQ(conversation_text(with_dev_tools("custom", true), analysis_policy::keep_all).find(line),
              std::string::npos);

    // Builtin tools in the system message do not count.
    message sys_msg;
    sys_msg.author = role::system;
    system_content sys;
    sys.tools = std::vector{browser_tool_namespace()};
    sys_msg.content = sys;
    EXPECT_FALSE(has_function_tools(std::vector{sys_msg}));
}

TEST(RendererSystem, NamespacesAreSortedByName)
{
    developer_content dev;
    dev.tools = std::vector{tool_namespace{"zeta", std::nullopt, {tool_description{"z", "", std::nullopt}}},
                            tool_namespace{"alpha", "Alpha tools.", {}}};
    message m;
    m.author = role::developer;
    m.content = dev;
    EXPECT_EQ(text_of(m), "<|start|>developer<|message|># Tools\n\n## alpha\n\nAlpha tools.\n\n## zeta\n\n"
                          "namespace zeta {\n\ntype z = () => any;\n\n} // namespace zeta<|end|>");
}

TEST(RendererBuiltins, MatchTheGoldenInputsWordForWord)
{
    auto const c = render_case_from_json(
        test::read_json(test::golden_dir() / "render/test_browser_and_python_tool.json"));
    ASSERT_TRUE(c) << c.error().what();
    auto const& sys = std::get<system_content>(c->messages.at(0).content);
    ASSERT_TRUE(sys.tools.has_value());
    ASSERT_EQ(sys.tools->size(), 2u);
    EXPECT_EQ(sys.tools->at(0), browser_tool_namespace());
    EXPECT_EQ(sys.tools->at(1), python_tool_namespace());
}

TEST(RendererErrors, ToolMessageWithoutNameIsAnErrorAndWritesNothing)
{
    message m = tool_result("f", "out");
    m.author_name.reset();
    rendered out{"prefix", {1, 2}};
    auto r = renderer::text_only().render_into(m, {}, out);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, render_errc::tool_without_name);
    EXPECT_EQ(out.text, "prefix");
    EXPECT_EQ(out.tokens, (std::vector<token_id>{1, 2}));
}

TEST(RendererErrors, ConversationErrorNamesTheMessage)
{
    message bad = tool_result("f", "out");
    bad.author_name.reset();
    std::vector msgs{user("a"), assistant("final", "b"), bad};
    auto r = renderer::text_only().render_conversation(msgs);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message_index, 2u);
    EXPECT_EQ(r.error().message, "message 2: a tool message needs an author name");
}

TEST(RendererErrors, StructuredContentMustMatchTheRole)
{
    message m;
    m.author = role::user;
    m.content = system_content{};
    auto r = renderer::text_only().render(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, render_errc::misplaced_system_content);

    m.author = role::system;
    m.content = developer_content{};
    r = renderer::text_only().render(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, render_errc::misplaced_developer_content);
}

TEST(RendererErrors, DuplicateNamespace)
{
    developer_content dev;
    dev.tools = std::vector{tool_namespace{"functions", std::nullopt, {}},
                            tool_namespace{"functions", std::nullopt, {}}};
    message m;
    m.author = role::developer;
    m.content = dev;
    auto r = renderer::text_only().render(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, render_errc::duplicate_tool_namespace);
}

// Turn 1 is over (analysis, final); turn 2 is an ongoing tool-call chain.
std::vector<message> two_turns_with_open_tool_chain()
{
    return {user("q1"),
            assistant("analysis", "think1"),
            assistant("final", "a1"),
            user("q2"),
            assistant("analysis", "think2"),
            tool_call("f", "{}"),
            tool_result("f", "out")};
}

TEST(RendererAnalysis, KeepAllKeepsEverything)
{
    auto const msgs = two_turns_with_open_tool_chain();
    EXPECT_EQ(kept_messages(msgs, analysis_policy::keep_all), std::vector<bool>(msgs.size(), true));
}

TEST(RendererAnalysis, HarmonyDropsNothingWhileTheLastAssistantMessageIsAToolCall)
{
    // Harmony's rule looks at the last assistant message only: during turn 2's tool chain, turn
    // 1's reasoning is rendered again.
    auto const msgs = two_turns_with_open_tool_chain();
    EXPECT_EQ(kept_messages(msgs, analysis_policy::harmony_auto_drop), std::vector<bool>(msgs.size(), true));
    EXPECT_NE(conversation_text(msgs, analysis_policy::harmony_auto_drop).find("think1"), std::string::npos);
}

TEST(RendererAnalysis, DropCompletedTurnsDropsOnlyReasoningBeforeTheLastFinal)
{
    auto const msgs = two_turns_with_open_tool_chain();
    EXPECT_EQ(kept_messages(msgs, analysis_policy::drop_completed_turns),
              (std::vector<bool>{true, false, true, true, true, true, true}));
    auto const text = conversation_text(msgs, analysis_policy::drop_completed_turns);
    EXPECT_EQ(text.find("think1"), std::string::npos);
    EXPECT_NE(text.find("think2"), std::string::npos);
}

TEST(RendererAnalysis, AfterTheSecondFinalThePoliciesDiffer)
{
    auto msgs = two_turns_with_open_tool_chain();
    msgs.push_back(assistant("analysis", "think3"));
    msgs.push_back(assistant("final", "a2"));
    // harmony: cut at the FIRST final, so think2 and think3 survive.
    EXPECT_EQ(kept_messages(msgs, analysis_policy::harmony_auto_drop),
              (std::vector<bool>{true, false, true, true, true, true, true, true, true}));
    // drop_completed_turns: everything before the last final goes.
    EXPECT_EQ(kept_messages(msgs, analysis_policy::drop_completed_turns),
              (std::vector<bool>{true, false, true, true, false, true, true, false, true}));
}

TEST(RendererAnalysis, HarmonyCutsAtTheFirstFinalOfAnyRole)
{
    // The cut point is the first message on `final` whatever its role, the condition the last
    // assistant message: both exactly as openai/harmony's render_conversation_into.
    message odd_user = user("u");
    odd_user.channel = "final";
    std::vector msgs{assistant("analysis", "t0"), odd_user, assistant("analysis", "t1"),
                     assistant("final", "f")};
    EXPECT_EQ(kept_messages(msgs, analysis_policy::harmony_auto_drop),
              (std::vector<bool>{false, true, true, true}));
    // Without any final there is nothing to cut.
    std::vector no_final{assistant("analysis", "t0"), user("u")};
    EXPECT_EQ(kept_messages(no_final, analysis_policy::harmony_auto_drop), (std::vector<bool>{true, true}));
}

TEST(RendererTraining, FinalAnswerEndsWithReturnOtherwiseUnchanged)
{
    auto const r = renderer::text_only();
    std::vector msgs{user("hi"), assistant("analysis", "t"), assistant("final", "hello")};
    auto out = r.render_conversation_for_training(msgs, {analysis_policy::keep_all});
    ASSERT_TRUE(out);
    EXPECT_EQ(out->text,
              "<|start|>user<|message|>hi<|end|><|start|>assistant<|channel|>analysis<|message|>t<|end|>"
              "<|start|>assistant<|channel|>final<|message|>hello<|return|>");
    // A tool call stays a <|call|>.
    std::vector call{user("hi"), tool_call("f", "{}")};
    out = r.render_conversation_for_training(call, {});
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->text.ends_with("{}<|call|>"));
    // Empty conversation: empty rendering.
    out = r.render_conversation_for_training({}, {});
    ASSERT_TRUE(out);
    EXPECT_EQ(out->text, "");
}

TEST(RendererCompletion, EndsWithStartAndTheNextRole)
{
    auto out = renderer::text_only().render_conversation_for_completion(std::vector{user("x")}, role::user);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->text, "<|start|>user<|message|>x<|end|><|start|>user");
}

} // namespace
} // namespace hp::translate
