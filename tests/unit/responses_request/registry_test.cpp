// The tool registry: harmony recipients <-> the tools Codex declared.
#include "request_test_support.hpp"

#include <gtest/gtest.h>

namespace {

using namespace hp::translate::responses;
using hp::test::parse_ok;

TEST(responses_registry, codex_tools_and_a_namespace)
{
    auto req = parse_ok(hp::test::codex_request_json());
    auto extra = parse_ok(R"({"tools":[{"type":"namespace","name":"mcp__docs","description":"Docs","tools":[
        {"type":"function","name":"search","parameters":{"type":"object"}},
        {"type":"function","name":"exec_command"}]}]})");
    req.tools.push_back(extra.tools[0]);

    auto reg = tool_registry::build(req.tools);
    ASSERT_TRUE(reg.has_value()) << reg.error().message;
    ASSERT_EQ(reg->tools().size(), 6u);

    auto const* exec = reg->find("functions.exec_command");
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->kind, tool_kind::function);
    EXPECT_EQ(exec->name, "exec_command");
    EXPECT_FALSE(exec->ns);
    ASSERT_TRUE(exec->parameters);
    EXPECT_TRUE(exec->parameters->at("properties").as_object().contains("cmd"));

    auto const* patch = reg->find("functions.apply_patch");
    ASSERT_NE(patch, nullptr);
    EXPECT_EQ(patch->kind, tool_kind::custom);
    ASSERT_TRUE(patch->format);
    EXPECT_EQ(patch->format->type, custom_tool_format::kind::grammar);
    EXPECT_FALSE(patch->parameters);

    // A namespace member with the same bare name as a function tool is a different tool.
    auto const* search = reg->find("mcp__docs.search");
    ASSERT_NE(search, nullptr);
    EXPECT_EQ(search->kind, tool_kind::namespace_function);
    EXPECT_EQ(search->name, "search");
    EXPECT_EQ(search->ns, "mcp__docs");
    EXPECT_EQ(reg->find("search", std::string_view("mcp__docs")), search);
    EXPECT_EQ(reg->find("search", std::nullopt), nullptr);
    EXPECT_EQ(reg->find("exec_command", std::nullopt), exec);
    auto const* ns_exec = reg->find("exec_command", std::string_view("mcp__docs"));
    ASSERT_NE(ns_exec, nullptr);
    EXPECT_NE(ns_exec, exec);
    EXPECT_EQ(ns_exec->recipient, "mcp__docs.exec_command");

    EXPECT_EQ(reg->find("functions.web_search"), nullptr);
    EXPECT_EQ(reg->find("exec_command"), nullptr); // recipients always carry a namespace
}

TEST(responses_registry, duplicate_recipient_is_an_error)
{
    auto req = parse_ok(R"({"tools":[{"type":"function","name":"a"},{"type":"custom","name":"a"}]})");
    auto reg = tool_registry::build(req.tools);
    ASSERT_FALSE(reg.has_value());
    EXPECT_EQ(reg.error().code, request_errc::duplicate_tool);
    EXPECT_EQ(reg.error().path, "tools[1]");
    EXPECT_NE(reg.error().message.find("functions.a"), std::string::npos);
}

TEST(responses_registry, recipient_spelling)
{
    EXPECT_EQ(recipient_for("apply_patch", std::nullopt), "functions.apply_patch");
    EXPECT_EQ(recipient_for("read", std::string_view("mcp__fs")), "mcp__fs.read");
}

} // namespace
