// llama-server's own chat path renders through the model's Jinja template (gpt-oss's, embedded by
// make-test-model). The tool round trip shows what the proxy avoids (notes/llama-server.md): the
// constraint as plain text "commentary json" where the model writes <|constrain|>json, and the tool
// result JSON-encoded (quoted, every backslash doubled) where harmony puts raw text.
#include "real_llama/support/llama_server_suite.hpp"

#include <boost/json.hpp>

namespace hp::test {
namespace {

namespace json = boost::json;

class real_llama_chat_template : public llama_server_suite
{
};

TEST_F(real_llama_chat_template, tool_round_trip_rendering)
{
    auto const request = json::parse(R"({
        "messages": [
            {"role": "user", "content": "fix it"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "apply_patch",
                             "arguments": "{\"input\": \"*** Begin Patch\\n-use A\\\\B;\\n*** End Patch\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "Success. use A\\B; ok"}
        ],
        "tools": [{"type": "function", "function": {"name": "apply_patch", "description": "patch",
            "parameters": {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}}}]
    })");
    auto const reply = post_json(upstream(), "/apply-template", request);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto const prompt = std::string(reply.json().at("prompt").as_string());

    EXPECT_TRUE(
        prompt.starts_with("<|start|>system<|message|>You are ChatGPT, a large language model trained by "
                           "OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: "))
        << prompt;
    EXPECT_NE(prompt.find("<|start|>developer<|message|># Tools\n\n## functions\n\nnamespace functions {\n\n"
                          "// patch\ntype apply_patch = (_: {\ninput: string,\n}) => any;\n\n} // namespace "
                          "functions<|end|>"),
              std::string::npos)
        << prompt;
    std::string const round_trip =
        R"(<|start|>user<|message|>fix it<|end|>)"
        R"(<|start|>assistant to=functions.apply_patch<|channel|>commentary json<|message|>)"
        R"({"input": "*** Begin Patch\n-use A\\B;\n*** End Patch"}<|call|>)"
        R"(<|start|>functions.apply_patch to=assistant<|channel|>commentary<|message|>"Success. use A\\B; ok"<|end|>)"
        R"(<|start|>assistant)";
    EXPECT_TRUE(prompt.ends_with(round_trip)) << prompt;
}

} // namespace
} // namespace hp::test
