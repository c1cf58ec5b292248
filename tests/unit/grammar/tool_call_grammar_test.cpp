// The grammars the proxy sends: one tool's arguments, and the continuation of a tool call after
// "to=" in both header shapes, run with special tokens mapped to their spellings.
#include "gbnf_matcher.hpp"
#include "grammar_test_support.hpp"

#include "translate/json_schema_validator.hpp"
#include "translate/tool_call_grammar.hpp"

namespace hp::translate {
namespace {

std::map<std::int64_t, std::string> const specials = {
    {200003, "<|constrain|>"}, {200005, "<|channel|>"}, {200008, "<|message|>"}};

std::vector<tool_grammar_source> codex_sources()
{
    auto r = tools_from_responses(test::codex_tools());
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : std::vector<tool_grammar_source>{};
}

TEST(ToolCallGrammar, ReadsCodexTools)
{
    auto tools = codex_sources();
    ASSERT_EQ(tools.size(), 5u);
    EXPECT_EQ(tools[0].recipient, "functions.exec_command");
    EXPECT_EQ(tools[3].type, tool_grammar_source::kind::lark);
    EXPECT_EQ(tools[3].recipient, "functions.apply_patch");
    auto ns = tools_from_responses(boost::json::parse(
        R"([{"type":"namespace","name":"mcp","tools":[{"type":"function","name":"f"}]},{"type":"web_search"}])"));
    ASSERT_TRUE(ns);
    ASSERT_EQ(ns->size(), 1u);
    EXPECT_EQ((*ns)[0].recipient, "mcp.f");
}

TEST(ToolCallGrammar, ArgumentsGrammarForEveryCodexToolParses)
{
    for (auto const& t : codex_sources())
        for (bool json_style : {false, true}) {
            auto g = arguments_grammar(t, json_style);
            ASSERT_TRUE(g) << t.name << ": " << g.error().message;
            test::must_parse(g->gbnf);
            EXPECT_EQ(g->gbnf.find("200012"), std::string::npos); // never an EOG token
        }
}

TEST(ToolCallGrammar, ContinuationAfterChannel)
{
    auto tools = codex_sources();
    auto g = tool_call_grammar(tools, false, header_position::after_channel);
    ASSERT_TRUE(g) << g.error().message;
    auto doc = test::must_parse(g->gbnf);
    test::gbnf_matcher m(doc, specials);
    EXPECT_TRUE(m.matches(R"(functions.exec_command <|constrain|>json<|message|>{"cmd":"ls"})"));
    EXPECT_TRUE(m.matches(
        R"(functions.update_plan <|constrain|>json<|message|>{"plan":[{"step":"a","status":"pending"}]})"));
    EXPECT_TRUE(
        m.matches("functions.apply_patch<|message|>*** Begin Patch\n*** Delete File: a\n*** End Patch\n"));
    EXPECT_FALSE(m.matches(R"(functions.exec_command <|constrain|>json<|message|>{"command":"ls"})"));
    EXPECT_FALSE(m.matches(R"(functions.unknown <|constrain|>json<|message|>{})"));
    EXPECT_FALSE(
        m.matches(R"(functions.exec_command<|channel|>commentary <|constrain|>json<|message|>{"cmd":"ls"})"));
    EXPECT_FALSE(m.matches("functions.apply_patch<|message|>*** Begin Patch\n*** End Patch\n"));
}

TEST(ToolCallGrammar, ContinuationBeforeChannelJsonStyleAndPartialRecipient)
{
    auto tools = codex_sources();
    auto g = tool_call_grammar(tools, true, header_position::before_channel, "functions.");
    ASSERT_TRUE(g) << g.error().message;
    auto doc = test::must_parse(g->gbnf);
    test::gbnf_matcher m(doc, specials);
    EXPECT_TRUE(
        m.matches(R"(view_image<|channel|>commentary <|constrain|>json<|message|>{"path":"/tmp/a.png"})"));
    EXPECT_TRUE(m.matches(
        R"(apply_patch<|channel|>commentary <|constrain|>json<|message|>{"input":"*** Begin Patch\n*** Delete File: a\n*** End Patch"})"));
    EXPECT_FALSE(m.matches("apply_patch<|channel|>commentary <|constrain|>json<|message|>{\"input\":\"*** "
                           "Begin Patch\n*** Delete File: a\n*** End Patch\"}"));
    EXPECT_FALSE(
        m.matches(R"(functions.view_image<|channel|>commentary <|constrain|>json<|message|>{"path":"a"})"));

    auto only = tool_call_grammar(tools, false, header_position::after_channel, "functions.wr");
    ASSERT_TRUE(only);
    test::gbnf_matcher w(test::must_parse(only->gbnf), specials);
    EXPECT_TRUE(w.matches(R"(ite_stdin <|constrain|>json<|message|>{"session_id":3,"chars":""})"));
    EXPECT_FALSE(tool_call_grammar(tools, false, header_position::after_channel, "functions.zz"));
}

TEST(ToolCallGrammar, AToolWithAnUntranslatableGrammarIsWidenedNotFatal)
{
    std::vector<tool_grammar_source> tools(2);
    tools[0] = {"bad", "functions.bad", tool_grammar_source::kind::lark, {}, "start: /(a)\\1/"};
    tools[1] = {"ok", "functions.ok", tool_grammar_source::kind::regex, {}, "[0-9]{1,3}"};
    auto g = tool_call_grammar(tools, false, header_position::after_channel);
    ASSERT_TRUE(g) << g.error().message;
    ASSERT_EQ(g->diagnostics.size(), 1u);
    EXPECT_NE(g->diagnostics[0].message.find("backreference"), std::string::npos);
    test::gbnf_matcher m(test::must_parse(g->gbnf), specials);
    EXPECT_TRUE(m.matches("functions.bad<|message|>anything at all\n\xc3\xa9 <|call|> as text"));
    EXPECT_TRUE(m.matches("functions.ok<|message|>123"));
    EXPECT_FALSE(m.matches("functions.ok<|message|>1234"));
}

} // namespace
} // namespace hp::translate
