// Parsing Responses request bodies: every item and tool kind, explicit nulls, path-naming errors.
#include "request_test_support.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace hp::translate::responses;
using hp::test::parse_ok;
using hp::translate::reasoning_effort;

TEST(responses_parse, codex_request_fixture)
{
    auto req = parse_ok(hp::test::codex_request_json());
    EXPECT_EQ(req.model, "gpt-oss-20b");
    EXPECT_FALSE(req.instructions);
    EXPECT_TRUE(req.stream);
    EXPECT_EQ(req.store, false);
    EXPECT_EQ(req.parallel_tool_calls, true);
    EXPECT_EQ(req.choice.choice, tool_choice::mode::auto_);
    EXPECT_EQ(req.reasoning.effort, reasoning_effort::medium);
    EXPECT_EQ(req.reasoning.summary, "auto");
    EXPECT_EQ(req.include, std::vector<std::string>{"reasoning.encrypted_content"});
    EXPECT_EQ(req.prompt_cache_key, "0199a0b2-6a7e-7c31-9d1e-2f4b5c6d7e8f");
    EXPECT_FALSE(req.max_output_tokens);
    EXPECT_TRUE(req.skipped_tools.empty());

    ASSERT_EQ(req.input.size(), 3u);
    auto const& dev = std::get<message_item>(req.input[0]);
    EXPECT_EQ(dev.role, message_role::developer);
    ASSERT_EQ(dev.content.size(), 2u);
    EXPECT_EQ(std::get<text_part>(dev.content[1]).type, "input_text");
    EXPECT_EQ(std::get<message_item>(req.input[2]).role, message_role::user);
    EXPECT_EQ(joined_text(std::get<message_item>(req.input[2]).content),
              "Sort the use statements in User.php alphabetically.");

    ASSERT_EQ(req.tools.size(), 4u);
    auto const& exec = std::get<function_tool>(req.tools[0]);
    EXPECT_EQ(exec.name, "exec_command");
    EXPECT_EQ(exec.strict, false);
    ASSERT_TRUE(exec.parameters);
    // Property order is the order sent: harmony renders it that way.
    std::vector<std::string> keys;
    for (auto const& kv : exec.parameters->at("properties").get_object())
        keys.emplace_back(kv.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"cmd", "workdir", "shell", "login", "yield_time_ms",
                                              "max_output_tokens"}));
    auto const& patch = std::get<custom_tool>(req.tools[3]);
    EXPECT_EQ(patch.name, "apply_patch");
    EXPECT_EQ(patch.format.type, custom_tool_format::kind::grammar);
    EXPECT_EQ(patch.format.syntax, "lark");
    EXPECT_EQ(patch.format.definition.rfind("start: begin_patch hunk+ end_patch\n", 0), 0u);
    EXPECT_NE(patch.format.definition.find("%import common.LF"), std::string::npos);
}

TEST(responses_parse, oss_warm_up_probe)
{
    auto req = parse_ok(R"({"model":"gpt-oss-20b","input":"","max_output_tokens":1})");
    ASSERT_EQ(req.input.size(), 1u);
    auto const& m = std::get<message_item>(req.input[0]);
    EXPECT_EQ(m.role, message_role::user);
    EXPECT_EQ(joined_text(m.content), "");
    EXPECT_EQ(req.max_output_tokens, 1);
    EXPECT_FALSE(req.stream);
    EXPECT_TRUE(req.tools.empty());
}

TEST(responses_parse, explicit_nulls_everywhere_at_top_level)
{
    auto req = parse_ok(R"({"model":null,"instructions":null,"input":null,"tools":null,"tool_choice":null,
        "parallel_tool_calls":null,"reasoning":null,"max_output_tokens":null,"temperature":null,"top_p":null,
        "store":null,"include":null,"prompt_cache_key":null,"metadata":null,"stream":null,
        "previous_response_id":null})");
    EXPECT_FALSE(req.model);
    EXPECT_TRUE(req.input.empty());
    EXPECT_EQ(req.choice.choice, tool_choice::mode::auto_);
    EXPECT_FALSE(req.reasoning.effort);
    EXPECT_FALSE(req.temperature);
    EXPECT_FALSE(req.stream);
}

TEST(responses_parse, every_item_kind_with_nulls)
{
    auto req = parse_ok(R"({"input":[
      {"type":"message","id":null,"role":"system","content":"be brief","phase":null},
      {"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]},
      {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"sum"}],
       "content":[{"type":"reasoning_text","text":"think 1"},{"type":"reasoning_text","text":"think 2"}],
       "encrypted_content":"opaque+/=="},
      {"type":"reasoning","id":null,"summary":null,"content":null,"encrypted_content":null},
      {"type":"function_call","id":null,"name":"exec_command","namespace":null,
       "arguments":"{\"cmd\":\"ls\"}","call_id":"call_1","status":null},
      {"type":"function_call","name":"search","namespace":"mcp__docs","arguments":"{}","call_id":"call_2"},
      {"type":"function_call_output","call_id":"call_1","output":"a.txt\n"},
      {"type":"function_call_output","id":null,"call_id":"call_2",
       "output":[{"type":"input_text","text":"hit"},{"type":"input_image","image_url":"data:image/png;base64,AA"}]},
      {"type":"custom_tool_call","id":"ctc_1","status":null,"name":"apply_patch","input":"raw \\ text","call_id":"call_3"},
      {"type":"custom_tool_call_output","call_id":"call_3","output":"Success."},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"done","annotations":[]}],
       "phase":"final_answer"}
    ]})");
    ASSERT_EQ(req.input.size(), 11u);
    auto const& sys = std::get<message_item>(req.input[0]);
    EXPECT_EQ(sys.role, message_role::system);
    EXPECT_FALSE(sys.id);
    EXPECT_EQ(joined_text(sys.content), "be brief");
    EXPECT_EQ(joined_text(std::get<message_item>(req.input[1]).content), "a\nb");

    auto const& rs = std::get<reasoning_item>(req.input[2]);
    EXPECT_EQ(rs.id, "rs_1");
    EXPECT_EQ(rs.summary, std::vector<std::string>{"sum"});
    EXPECT_EQ(rs.content, (std::vector<std::string>{"think 1", "think 2"}));
    EXPECT_EQ(rs.encrypted_content, "opaque+/==");
    auto const& empty = std::get<reasoning_item>(req.input[3]);
    EXPECT_TRUE(empty.summary.empty());
    EXPECT_TRUE(empty.content.empty());
    EXPECT_FALSE(empty.encrypted_content);

    auto const& fc = std::get<function_call_item>(req.input[4]);
    EXPECT_EQ(fc.name, "exec_command");
    EXPECT_FALSE(fc.ns);
    EXPECT_EQ(fc.arguments, R"({"cmd":"ls"})");
    EXPECT_EQ(fc.call_id, "call_1");
    EXPECT_EQ(std::get<function_call_item>(req.input[5]).ns, "mcp__docs");

    auto const& out = std::get<function_call_output_item>(req.input[6]);
    EXPECT_EQ(out.call_id, "call_1");
    EXPECT_EQ(joined_text(out.output), "a.txt\n");
    auto const& with_image = std::get<function_call_output_item>(req.input[7]);
    ASSERT_EQ(with_image.output.size(), 2u);
    EXPECT_EQ(std::get<image_part>(with_image.output[1]).image_url, "data:image/png;base64,AA");

    auto const& ctc = std::get<custom_tool_call_item>(req.input[8]);
    EXPECT_EQ(ctc.input, "raw \\ text");
    EXPECT_EQ(ctc.id, "ctc_1");
    EXPECT_EQ(joined_text(std::get<custom_tool_call_output_item>(req.input[9]).output), "Success.");
    auto const& answer = std::get<message_item>(req.input[10]);
    EXPECT_EQ(answer.role, message_role::assistant);
    EXPECT_EQ(answer.phase, "final_answer");
    EXPECT_EQ(std::get<text_part>(answer.content[0]).type, "output_text");
}

TEST(responses_parse, every_tool_kind_and_hosted_tools_skipped)
{
    auto req = parse_ok(R"({"tools":[
      {"type":"web_search"},
      {"type":"function","name":"f","description":null,"strict":null,"parameters":null},
      {"type":"custom","name":"free","description":"any text","format":{"type":"text"}},
      {"type":"custom","name":"bare","format":null},
      {"type":"custom","name":"digits","format":{"type":"grammar","syntax":"regex","definition":"[0-9]+"}},
      {"type":"namespace","name":"mcp__docs","description":"Docs server","tools":[
        {"type":"function","name":"search","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}]},
      {"type":"image_generation"},
      {"type":"web_search","search_context_size":"low"}
    ],"tool_choice":{"type":"function","name":"f"}})");
    ASSERT_EQ(req.tools.size(), 5u);
    EXPECT_EQ(req.skipped_tools, (std::vector<std::string>{"web_search", "image_generation"}));
    auto const& f = std::get<function_tool>(req.tools[0]);
    EXPECT_FALSE(f.description);
    EXPECT_FALSE(f.parameters);
    EXPECT_EQ(std::get<custom_tool>(req.tools[1]).format.type, custom_tool_format::kind::text);
    EXPECT_EQ(std::get<custom_tool>(req.tools[2]).format.type, custom_tool_format::kind::text);
    auto const& digits = std::get<custom_tool>(req.tools[3]);
    EXPECT_EQ(digits.format.syntax, "regex");
    EXPECT_EQ(digits.format.definition, "[0-9]+");
    auto const& ns = std::get<namespace_tool>(req.tools[4]);
    EXPECT_EQ(ns.name, "mcp__docs");
    EXPECT_EQ(ns.description, "Docs server");
    ASSERT_EQ(ns.tools.size(), 1u);
    EXPECT_EQ(ns.tools[0].name, "search");
    EXPECT_EQ(req.choice.choice, tool_choice::mode::named);
    EXPECT_EQ(req.choice.name, "f");
}

TEST(responses_parse, settings_tool_choice_effort_and_unknown_fields)
{
    auto req = parse_ok(R"({"tool_choice":"none","reasoning":{"effort":"minimal"},"temperature":0.7,"top_p":1,
        "max_output_tokens":256.0,"metadata":{"k":"v"},"text":{"format":{"type":"text"}},"service_tier":"auto",
        "client_metadata":{"x":1},"truncation":"auto"})");
    EXPECT_EQ(req.choice.choice, tool_choice::mode::none);
    EXPECT_EQ(req.reasoning.effort, reasoning_effort::low);
    EXPECT_EQ(req.temperature, 0.7);
    EXPECT_EQ(req.top_p, 1.0);
    EXPECT_EQ(req.max_output_tokens, 256);
    ASSERT_TRUE(req.metadata);
    EXPECT_EQ(req.metadata->at("k"), "v");
    EXPECT_EQ(parse_ok(R"({"reasoning":{"effort":"xhigh"}})").reasoning.effort, reasoning_effort::high);
    EXPECT_EQ(parse_ok(R"({"tool_choice":"required"})").choice.choice, tool_choice::mode::required);
}

TEST(responses_parse, unknown_item_types_are_skipped_and_reported)
{
    auto req = parse_ok(R"({"input":[{"role":"user","content":"hi"},
        {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"x"}},
        {"role":"user","content":"again"}]})");
    EXPECT_EQ(req.input.size(), 2u);
    EXPECT_EQ(req.skipped_items, std::vector<std::string>{"input[1] (web_search_call)"});
    EXPECT_EQ(req.input_positions, (std::vector<std::size_t>{0, 2}));
}

struct error_case
{
    char const* body;
    request_errc code;
    char const* path;
    char const* message;
};

class responses_parse_error : public ::testing::TestWithParam<error_case>
{
};

TEST_P(responses_parse_error, names_the_path)
{
    auto const& c = GetParam();
    auto r = parse_request(std::string_view(c.body));
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_EQ(r.error().path, c.path);
    EXPECT_EQ(r.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    cases, responses_parse_error,
    ::testing::Values(
        error_case{R"({"input":[{"role":"user","content":"a"},{"role":"user","content":"b"},
            {"role":"user","content":"c"},{"type":"message","role":"user","content":[{"type":"input_text","text":5}]}]})",
                   request_errc::wrong_type, "input[3].content[0].text",
                   "input[3].content[0].text: expected a string"},
        error_case{R"({"tools":[{"type":"function","name":"f","parameters":"{}"}]})",
                   request_errc::wrong_type, "tools[0].parameters",
                   "tools[0].parameters: expected an object"},
        error_case{R"({"temperature":"hot"})", request_errc::wrong_type, "temperature",
                   "temperature: expected a number"},
        error_case{R"({"temperature":3})", request_errc::bad_value, "temperature",
                   "temperature: must be between 0 and 2"},
        error_case{R"({"max_output_tokens":1.5})", request_errc::wrong_type, "max_output_tokens",
                   "max_output_tokens: expected an integer"},
        error_case{R"({"max_output_tokens":0})", request_errc::bad_value, "max_output_tokens",
                   "max_output_tokens: must be at least 1"},
        error_case{R"({"input":[{"type":"function_call","name":"f","arguments":"{}","call_id":null}]})",
                   request_errc::missing_field, "input[0].call_id", "input[0].call_id: required"},
        error_case{R"({"input":[{"type":"function_call","name":"f","arguments":{},"call_id":"c"}]})",
                   request_errc::wrong_type, "input[0].arguments", "input[0].arguments: expected a string"},
        error_case{R"({"input":[{"type":"function_call_output","call_id":"c","output":7}]})",
                   request_errc::wrong_type, "input[0].output",
                   "input[0].output: expected a string or an array"},
        error_case{R"({"input":[{"type":"reasoning","summary":[{"type":"summary_text","text":null}]}]})",
                   request_errc::missing_field, "input[0].summary[0].text",
                   "input[0].summary[0].text: required"},
        error_case{R"({"input":[{"type":"message","role":"robot","content":"x"}]})", request_errc::bad_value,
                   "input[0].role",
                   R"(input[0].role: expected "developer", "system", "user" or "assistant")"},
        error_case{R"({"input":[5]})", request_errc::wrong_type, "input[0]", "input[0]: expected an object"},
        error_case{R"({"input":5})", request_errc::wrong_type, "input",
                   "input: expected a string or an array"},
        error_case{R"({"reasoning":{"effort":"extreme"}})", request_errc::bad_value, "reasoning.effort",
                   R"(reasoning.effort: expected "minimal", "low", "medium" or "high")"},
        error_case{R"({"tool_choice":"sometimes"})", request_errc::bad_value, "tool_choice",
                   R"(tool_choice: expected "auto", "none", "required" or an object)"},
        error_case{R"({"tool_choice":{"type":"function"}})", request_errc::missing_field, "tool_choice.name",
                   "tool_choice.name: required"},
        error_case{
            R"({"tools":[{"type":"custom","name":"c","format":{"type":"grammar","syntax":"peg","definition":"x"}}]})",
            request_errc::bad_value, "tools[0].format.syntax",
            R"(tools[0].format.syntax: expected "lark" or "regex")"},
        error_case{R"({"tools":[{"type":"namespace","name":"n","tools":[{"type":"custom","name":"c"}]}]})",
                   request_errc::bad_value, "tools[0].tools[0].type",
                   "tools[0].tools[0].type: a namespace holds function tools only"},
        error_case{R"({"tools":[{"type":"namespace","name":"n"}]})", request_errc::missing_field,
                   "tools[0].tools", "tools[0].tools: required"},
        error_case{R"({"include":["a",1]})", request_errc::wrong_type, "include[1]",
                   "include[1]: expected a string"},
        error_case{R"({"stream":"yes"})", request_errc::wrong_type, "stream", "stream: expected a boolean"},
        error_case{R"([])", request_errc::wrong_type, "", "request body: expected an object"}));

TEST(responses_parse, malformed_json)
{
    auto r = parse_request(std::string_view(R"({"input": )"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, request_errc::malformed_json);
    EXPECT_EQ(r.error().path, "");
}

TEST(responses_parse, input_image_in_a_message_names_the_item)
{
    auto r = parse_request(
        std::string_view(R"({"input":[{"role":"developer","content":"d"},{"role":"user","content":"u"},
        {"role":"user","content":[{"type":"input_text","text":"what is this?"},
                                  {"type":"input_image","image_url":"data:image/png;base64,AA"}]}]})"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, request_errc::unsupported_image);
    EXPECT_EQ(r.error().path, "input[2].content[1]");
    EXPECT_NE(r.error().message.find("input[2]"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("text only"), std::string::npos) << r.error().message;
}

} // namespace
