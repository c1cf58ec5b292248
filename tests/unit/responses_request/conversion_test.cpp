// A Responses request -> the harmony conversation (messages, registry, settings), without a tokenizer.
#include "request_test_support.hpp"

#include "translate/responses_to_harmony.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace {

using namespace hp::translate::responses;
namespace ht = hp::translate;
namespace json = boost::json;
using hp::test::parse_ok;

conversion_options session_options()
{
    conversion_options o;
    o.conversation_date = "2026-11-24";
    return o;
}

// The fixture with `items` (a JSON array text) appended to its input.
json::value codex_with(std::string_view items)
{
    auto body = hp::test::codex_request_json();
    json::value const parsed = json::parse(items);
    for (auto const& v : parsed.as_array())
        body.at("input").as_array().push_back(v);
    return body;
}

harmony_request convert_ok(json::value const& body, conversion_options const& options = session_options())
{
    auto req = parse_ok(body);
    auto r = to_harmony(req, options);
    EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
    return r.has_value() ? std::move(*r) : harmony_request{};
}

std::string const& text_of(ht::message const& m)
{
    return std::get<std::string>(m.content);
}

std::size_t count_channel(harmony_request const& h, std::string_view channel)
{
    std::size_t n = 0;
    for (auto const& m : h.messages)
        n += m.channel == channel;
    return n;
}

constexpr std::string_view kToolChain = R"([
  {"type":"reasoning","id":"rs_1","summary":[],"content":[{"type":"reasoning_text","text":"I should read the file first."}],
   "encrypted_content":null},
  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Reading User.php."}]},
  {"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cat User.php\"}","call_id":"call_1"},
  {"type":"function_call_output","call_id":"call_1","output":"use B;\nuse A;\n"}
])";

TEST(responses_to_harmony, first_turn)
{
    auto h = convert_ok(hp::test::codex_request_json());
    ASSERT_EQ(h.messages.size(), 4u);
    EXPECT_EQ(h.effort, ht::reasoning_effort::medium);

    auto const& sys = std::get<ht::system_content>(h.messages[0].content);
    EXPECT_EQ(sys.effort, ht::reasoning_effort::medium);
    EXPECT_EQ(sys.conversation_start_date, "2026-11-24");
    EXPECT_EQ(sys.knowledge_cutoff, "2024-06");
    EXPECT_FALSE(sys.tools); // no builtin browser/python

    auto const& dev = std::get<ht::developer_content>(h.messages[1].content);
    ASSERT_TRUE(dev.instructions);
    // Parts of one message are joined with "\n".
    EXPECT_EQ(*dev.instructions,
              "You are Codex, a coding agent based on GPT-5. You and the user share the same workspace "
              "and collaborate to achieve the user's goals.\n<permissions instructions>\nFilesystem "
              "sandboxing: workspace-write. Network access is restricted.\n</permissions instructions>");
    ASSERT_TRUE(dev.tools);
    ASSERT_EQ(dev.tools->size(), 1u);
    auto const& functions = (*dev.tools)[0];
    EXPECT_EQ(functions.name, "functions");
    ASSERT_EQ(functions.tools.size(), 4u);
    EXPECT_EQ(functions.tools[0].name, "exec_command");
    EXPECT_EQ(functions.tools[3].name, "apply_patch");
    EXPECT_EQ(functions.tools[3].parameters, json::value(json::object{{"type", "string"}}));
    EXPECT_NE(functions.tools[3].description.find("raw text, not JSON"), std::string::npos);
    EXPECT_NE(functions.tools[3].description.find("Lark grammar:\nstart: begin_patch"), std::string::npos);

    EXPECT_EQ(h.messages[2].author, ht::role::user);
    EXPECT_EQ(text_of(h.messages[3]), "Sort the use statements in User.php alphabetically.");
    EXPECT_EQ(h.sources, (std::vector<std::optional<std::size_t>>{std::nullopt, std::nullopt, 1, 2}));
    EXPECT_EQ(h.generation, generation_settings{});
    EXPECT_FALSE(h.tool_calls_forbidden);
    EXPECT_TRUE(h.warnings.empty());
    EXPECT_EQ(h.render.analysis, ht::analysis_policy::keep_all);
    EXPECT_NE(h.tools.find("functions.apply_patch"), nullptr);
}

TEST(responses_to_harmony, default_effort_and_probe_settings)
{
    auto h = convert_ok(json::parse(R"({"model":"m","input":"","max_output_tokens":1})"));
    EXPECT_EQ(h.effort, ht::reasoning_effort::high);
    ASSERT_EQ(h.messages.size(), 2u); // system, user: no developer message without instructions or tools
    EXPECT_EQ(h.messages[1].author, ht::role::user);
    EXPECT_EQ(text_of(h.messages[1]), "");
    EXPECT_EQ(h.generation.n_predict, 1);

    conversion_options low = session_options();
    low.default_effort = ht::reasoning_effort::low;
    EXPECT_EQ(convert_ok(json::parse(R"({"input":"hi","temperature":0.5,"top_p":0.9})"), low).effort,
              ht::reasoning_effort::low);
    auto t = convert_ok(json::parse(R"({"input":"hi","temperature":0.5,"top_p":0.9})"));
    EXPECT_EQ(t.generation.temperature, 0.5);
    EXPECT_EQ(t.generation.top_p, 0.9);
}

TEST(responses_to_harmony, tool_chain_keeps_analysis)
{
    auto h = convert_ok(codex_with(kToolChain));
    ASSERT_EQ(h.messages.size(), 8u);
    auto const& analysis = h.messages[4];
    EXPECT_EQ(analysis.author, ht::role::assistant);
    EXPECT_EQ(analysis.channel, "analysis");
    EXPECT_EQ(text_of(analysis), "I should read the file first.");
    // An assistant message followed by more items of its turn was a preamble.
    EXPECT_EQ(h.messages[5].channel, "commentary");
    EXPECT_FALSE(h.messages[5].recipient);
    auto const& call = h.messages[6];
    EXPECT_EQ(call.recipient, "functions.exec_command");
    EXPECT_EQ(call.channel, "commentary");
    EXPECT_EQ(call.content_type, "<|constrain|>json");
    EXPECT_EQ(text_of(call), R"({"cmd":"cat User.php"})");
    auto const& result = h.messages[7];
    EXPECT_EQ(result.author, ht::role::tool);
    EXPECT_EQ(result.author_name, "functions.exec_command");
    EXPECT_EQ(result.recipient, "assistant");
    EXPECT_EQ(result.channel, "commentary");
    EXPECT_EQ(text_of(result), "use B;\nuse A;\n"); // raw, not JSON-encoded
    EXPECT_EQ(h.sources[4], 3u);
    EXPECT_EQ(h.sources[7], 6u);
}

TEST(responses_to_harmony, follow_up_turn_drops_completed_analysis)
{
    std::string items(kToolChain);
    items.pop_back(); // "]"
    items +=
        R"(,{"type":"reasoning","summary":[],"content":[{"type":"reasoning_text","text":"Now sort them."}]},
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]},
        {"type":"message","role":"user","content":[{"type":"input_text","text":"Thanks! Now run the tests."}]}])";
    auto h = convert_ok(codex_with(items));
    EXPECT_EQ(count_channel(h, "analysis"), 0u);
    EXPECT_EQ(count_channel(h, "final"), 1u);
    EXPECT_EQ(h.messages.back().author, ht::role::user);
    auto const& done = h.messages[h.messages.size() - 2];
    EXPECT_EQ(done.channel, "final");
    EXPECT_EQ(text_of(done), "Done.");
    // The tool call and its result stay: only chain of thought is dropped.
    EXPECT_EQ(h.messages[5].recipient, "functions.exec_command");

    // keep_all keeps both analysis messages.
    conversion_options keep = session_options();
    keep.analysis = ht::analysis_policy::keep_all;
    EXPECT_EQ(count_channel(convert_ok(codex_with(items), keep), "analysis"), 2u);
}

TEST(responses_to_harmony, phase_overrides_the_position_rule)
{
    auto h = convert_ok(json::parse(R"({"input":[{"role":"user","content":"q"},
        {"role":"assistant","content":"working on it","phase":"commentary"},
        {"role":"assistant","content":"answer","phase":"final_answer"},
        {"role":"assistant","content":"more"}]})"));
    ASSERT_EQ(h.messages.size(), 5u);
    EXPECT_EQ(h.messages[2].channel, "commentary");
    EXPECT_EQ(h.messages[3].channel, "final");
    EXPECT_EQ(h.messages[4].channel, "final"); // ends the input, so ends the turn
}

TEST(responses_to_harmony, custom_tool_call_raw_and_json)
{
    std::string const patch =
        "*** Begin Patch\n*** Update File: User.php\n-use Symfony\\Component\\HttpFoundation\\Request;\n"
        "+use Symfony\\Component\\HttpFoundation\\Response;\n*** End Patch\n";
    json::array items{
        json::object{
            {"type", "custom_tool_call"}, {"name", "apply_patch"}, {"input", patch}, {"call_id", "c9"}},
        json::object{{"type", "custom_tool_call_output"},
                     {"call_id", "c9"},
                     {"output", "Success. Updated the following files:\nM User.php\n"}}};
    auto body = hp::test::codex_request_json();
    for (auto const& v : items)
        body.at("input").as_array().push_back(v);

    auto raw = convert_ok(body);
    auto const& call = raw.messages[4];
    EXPECT_EQ(call.recipient, "functions.apply_patch");
    EXPECT_EQ(call.channel, "commentary");
    EXPECT_FALSE(call.content_type);
    EXPECT_EQ(text_of(call), patch); // byte for byte: single backslashes
    EXPECT_EQ(raw.messages[5].author_name, "functions.apply_patch");

    conversion_options json_style = session_options();
    json_style.custom_tools = custom_tool_style::json;
    auto js = convert_ok(body, json_style);
    EXPECT_EQ(js.messages[4].content_type, "<|constrain|>json");
    auto wrapped = json::parse(text_of(js.messages[4]));
    EXPECT_EQ(wrapped.at("input").as_string(), patch);
    auto const& decl = std::get<ht::developer_content>(js.messages[1].content).tools->at(0).tools[3];
    EXPECT_EQ(decl.parameters->at("properties").at("input").at("type"), "string");
    EXPECT_EQ(decl.description.find("raw text, not JSON"), std::string::npos);
}

TEST(responses_to_harmony, tool_output_for_an_unknown_call_is_an_error)
{
    auto req = parse_ok(json::parse(R"({"input":[{"role":"user","content":"q"},
        {"type":"function_call","name":"f","arguments":"{}","call_id":"a"},
        {"type":"function_call_output","call_id":"a","output":"ok"},
        {"type":"custom_tool_call_output","call_id":"zzz","output":"?"}]})"));
    auto r = to_harmony(req, session_options());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, request_errc::unknown_call_id);
    EXPECT_EQ(r.error().path, "input[3].call_id");
    EXPECT_NE(r.error().message.find("zzz"), std::string::npos);
}

TEST(responses_to_harmony, tool_choice_flags)
{
    auto body = hp::test::codex_request_json();
    body.as_object()["tool_choice"] = "none";
    auto none = convert_ok(body);
    EXPECT_TRUE(none.tool_calls_forbidden);
    // Declarations stay for a stable prompt prefix.
    EXPECT_EQ(std::get<ht::developer_content>(none.messages[1].content).tools->at(0).tools.size(), 4u);

    body.as_object()["tool_choice"] = "required";
    EXPECT_TRUE(convert_ok(body).tool_call_required);

    body.as_object()["tool_choice"] = json::object{{"type", "custom"}, {"name", "apply_patch"}};
    EXPECT_EQ(convert_ok(body).forced_recipient, "functions.apply_patch");

    body.as_object()["tool_choice"] = json::object{{"type", "function"}, {"name", "web_search"}};
    auto r = to_harmony(parse_ok(body), session_options());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, request_errc::unknown_tool_choice);
    EXPECT_EQ(r.error().path, "tool_choice.name");
}

TEST(responses_to_harmony, namespace_tools_render_as_their_own_namespace)
{
    auto h = convert_ok(json::parse(R"({"tools":[
        {"type":"namespace","name":"mcp__docs","description":"Documentation server","tools":[
          {"type":"function","name":"search","description":"Full-text search",
           "parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}]}],
      "input":[{"role":"user","content":"find x"},
        {"type":"function_call","name":"search","namespace":"mcp__docs","arguments":"{\"q\":\"x\"}","call_id":"n1"},
        {"type":"function_call_output","call_id":"n1","output":"x is here"}]})"));
    auto const& dev = std::get<ht::developer_content>(h.messages[1].content);
    ASSERT_TRUE(dev.tools);
    ASSERT_EQ(dev.tools->size(), 1u); // no empty `functions` namespace
    EXPECT_EQ(dev.tools->at(0).name, "mcp__docs");
    EXPECT_EQ(dev.tools->at(0).description, "Documentation server");
    EXPECT_EQ(dev.tools->at(0).tools.at(0).name, "search");
    EXPECT_EQ(h.messages[3].recipient, "mcp__docs.search");
    EXPECT_EQ(h.messages[4].author_name, "mcp__docs.search");

    auto reserved = to_harmony(parse_ok(R"({"tools":[{"type":"namespace","name":"functions","tools":[
        {"type":"function","name":"f"}]}]})"),
                               session_options());
    ASSERT_FALSE(reserved.has_value());
    EXPECT_EQ(reserved.error().path, "tools[0].name");
}

TEST(responses_to_harmony, instructions_merge_and_late_developer_messages_stay)
{
    auto h = convert_ok(json::parse(R"({"instructions":"Top rules.","input":[
        {"role":"developer","content":"Dev one."},{"role":"system","content":[{"type":"input_text","text":"Sys two."}]},
        {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},
        {"role":"developer","content":"Model switched."},{"role":"user","content":"again"}]})"));
    ASSERT_EQ(h.messages.size(), 6u);
    EXPECT_EQ(std::get<ht::developer_content>(h.messages[1].content).instructions,
              "Top rules.\n\nDev one.\n\nSys two.");
    EXPECT_EQ(h.messages[3].channel, "final");
    auto const& late = h.messages[4];
    EXPECT_EQ(late.author, ht::role::developer);
    EXPECT_EQ(std::get<ht::developer_content>(late.content).instructions, "Model switched.");
    EXPECT_FALSE(std::get<ht::developer_content>(late.content).tools);
    EXPECT_EQ(h.sources[4], 4u);
}

TEST(responses_to_harmony, warnings_for_skipped_tools_items_and_images)
{
    auto h =
        convert_ok(json::parse(R"({"tools":[{"type":"web_search"},{"type":"function","name":"view_image"}],
      "input":[{"role":"user","content":"look"},{"type":"compaction","encrypted_content":"x"},
        {"type":"function_call","name":"view_image","arguments":"{\"path\":\"a.png\"}","call_id":"v"},
        {"type":"function_call_output","call_id":"v","output":[{"type":"input_image","image_url":"data:,"}]}]})"));
    EXPECT_EQ(text_of(h.messages.back()), kImagePlaceholder);
    ASSERT_EQ(h.warnings.size(), 3u);
    EXPECT_EQ(h.warnings[0], R"(hosted tool "web_search" left out: a local model cannot run it)");
    EXPECT_EQ(h.warnings[1], "input[1] (compaction): item type not supported, left out");
    EXPECT_EQ(h.warnings[2], "input[3]: image in a tool output replaced by a placeholder");
}

} // namespace

namespace {

// Codex's compaction request sends the whole history with `tools: []`: calls of tools that are no
// longer declared still render (as functions.NAME), and no developer message declares tools.
TEST(responses_to_harmony, history_calls_without_declared_tools)
{
    auto h = convert_ok(json::parse(R"({"tools":[],"input":[{"role":"user","content":"q"},
        {"type":"function_call","name":"exec_command","arguments":"{}","call_id":"a"},
        {"type":"function_call_output","call_id":"a","output":"ok"},
        {"role":"user","content":"Summarize the conversation."}]})"));
    ASSERT_EQ(h.messages.size(), 5u);
    EXPECT_TRUE(h.tools.empty());
    EXPECT_EQ(h.messages[2].recipient, "functions.exec_command");
    EXPECT_EQ(h.messages[3].author_name, "functions.exec_command");
    EXPECT_FALSE(ht::has_function_tools(h.messages));
}

} // namespace
