// replay/check on synthetic captures: a clean Codex-like tool chain on which check is silent, and
// one planted bug per detector, each flagged with the right detector and exchange.
#include "tests/unit/check/check_support.hpp"

#include "capture/record.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace hp::replay {
namespace {

using namespace test;

// One rendered message: <|start|>header<|message|>content<|end|>.
ids msg(ids header, ids content, std::int64_t end = sp::end)
{
    return concat({{sp::start}, header, {sp::message}, content, {end}});
}

json::value item(std::string_view text)
{
    return json::parse(text);
}

// A clean Codex-like session: a tool chain (exec_command, then apply_patch) ending in a final
// answer, then a new user turn. Exchanges 1..4.
struct session
{
    std::vector<json::object> records;
    std::uint64_t seq = 0;

    void add(std::uint64_t ex, std::string_view kind, json::object fields)
    {
        auto r = capture::make_record(kind, "s1", ex, seq++, 0);
        for (auto& kv : fields) r[kv.key()] = kv.value();
        records.push_back(std::move(r));
    }

    json::object& find(std::uint64_t ex, std::string_view kind, int nth = 0)
    {
        for (auto& r : records)
            if (r.at("exchange").to_number<std::uint64_t>() == ex && r.at("kind").as_string() == kind && nth-- == 0)
                return r;
        throw std::logic_error("no such record");
    }

    json::array& input(std::uint64_t ex) { return request(ex).at("input").as_array(); }
    json::object& request(std::uint64_t ex) { return requests.at(ex - 1); }
    json::object& done(std::uint64_t ex, int nth) { return find(ex, "client_event", nth).at("event").at("item").as_object(); }

    std::vector<json::object> requests;

    // Client requests are stored as bytes, like the proxy does: write them out last.
    std::vector<json::object> finish()
    {
        auto out = records;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            auto r = capture::make_record(capture::kind::client_request, "s1", i + 1, 0, 0);
            r["target"] = "/v1/responses";
            capture::store_bytes(r, "body", json::serialize(requests[i]));
            out.push_back(std::move(r));
        }
        return out;
    }
};

json::array tools()
{
    return json::parse(R"([
      {"type":"function","name":"exec_command","parameters":{"type":"object",
        "properties":{"cmd":{"type":"string"}},"required":["cmd"],"additionalProperties":false}},
      {"type":"custom","name":"apply_patch","format":{"type":"grammar","syntax":"lark","definition":"..."}}])")
        .as_array();
}

json::object sys() { return {{"role", "system"}, {"content", json::object{}}}; }
json::object text_msg(std::string_view role, std::string_view text, std::string_view channel = "")
{
    json::object m{{"role", role}};
    if (!channel.empty()) m["channel"] = channel;
    m["content"] = text;
    return m;
}

ids const p_sys = msg({1}, {2, 3});
ids const p_dev = msg({4}, {5, 6});
ids const p_user = msg({7}, {8, 9});
ids const open_assistant = {sp::start, 10};
// Generated ids: analysis then a tool call ending in <|call|>.
ids const c1 = {sp::channel, 11, sp::message, 12, sp::end, sp::start, 10, 13, sp::message, 14, sp::call};
ids const p_tool1 = msg({15}, {16});
ids const c2 = {sp::channel, 17, sp::message, 18, sp::end, sp::start, 10, 19, sp::message, 20, sp::call};
ids const p_tool2 = msg({21}, {22});
ids const c3 = {sp::channel, 23, sp::message, 24, sp::return_};
ids const p_final = msg({10, 25}, {24});
ids const p_user2 = msg({7}, {26, 27});

std::string const patch_ok = "*** Begin Patch\n*** Update File: a.txt\n@@\n-path C:\\temp\\x\n+path D:\\temp\\x\n*** End Patch\n";

session clean()
{
    session s;
    json::array in1{item(R"({"type":"message","role":"developer","content":[{"type":"input_text","text":"be good"}]})"),
                    item(R"({"type":"message","role":"user","content":[{"type":"input_text","text":"fix a.txt"}]})")};
    s.requests.push_back({{"model", "gpt-oss"}, {"input", in1}, {"tools", tools()}, {"reasoning", {{"summary", "auto"}}}});
    json::array m1{sys(), text_msg("developer", "be good"), text_msg("user", "fix a.txt")};
    auto const p1 = concat({p_sys, p_dev, p_user, open_assistant});
    s.add(1, "harmony_prompt", {{"messages", m1}, {"effort", "high"}, {"tokens", to_array(p1)}});
    s.add(1, "completion_tokens", {{"ids", to_array(c1)}});
    s.add(1, "completion_final", {{"stop_type", "eos"}, {"cache_n", 0}, {"prompt_n", p1.size()}});
    auto r1 = item(R"({"type":"reasoning","id":"rs_1","content":[{"type":"reasoning_text","text":"look at it"}],"encrypted_content":"E1"})");
    auto f1 = item(R"({"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"cat a.txt\"}","call_id":"c1"})");
    s.add(1, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", r1}}}});
    s.add(1, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", f1}}}});
    s.add(1, "client_event", {{"event", {{"type", "response.completed"}}}});

    json::array in2 = in1;
    in2.push_back(r1);
    in2.push_back(f1);
    in2.push_back(item(R"({"type":"function_call_output","call_id":"c1","output":"path C:\\temp\\x\n"})"));
    s.requests.push_back({{"model", "gpt-oss"}, {"input", in2}, {"tools", tools()}});
    json::array m2 = m1;
    m2.push_back(text_msg("assistant", "look at it", "analysis"));
    m2.push_back(text_msg("assistant", "{\"cmd\":\"cat a.txt\"}", "commentary"));
    m2.push_back(text_msg("functions.exec_command", "path C:\\temp\\x\n", "commentary"));
    auto const p2 = concat({p1, c1, p_tool1, open_assistant});
    s.add(2, "harmony_prompt", {{"messages", m2}, {"effort", "high"}, {"tokens", to_array(p2)}});
    s.add(2, "completion_tokens", {{"ids", to_array(c2)}});
    s.add(2, "completion_final", {{"stop_type", "eos"}, {"cache_n", p1.size() + c1.size()}, {"prompt_n", p_tool1.size() + 2}});
    auto r2 = item(R"({"type":"reasoning","id":"rs_2","content":[{"type":"reasoning_text","text":"patch it"}]})");
    json::object f2{{"type", "custom_tool_call"}, {"name", "apply_patch"}, {"input", patch_ok}, {"call_id", "c2"}};
    s.add(2, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", r2}}}});
    s.add(2, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", f2}}}});
    s.add(2, "client_event", {{"event", {{"type", "response.completed"}}}});

    json::array in3 = in2;
    in3.push_back(r2);
    in3.push_back(f2);
    in3.push_back(item(R"({"type":"custom_tool_call_output","call_id":"c2","output":"Success. Updated the following files:\nM a.txt\n"})"));
    s.requests.push_back({{"model", "gpt-oss"}, {"input", in3}, {"tools", tools()}});
    json::array m3 = m2;
    m3.push_back(text_msg("assistant", "patch it", "analysis"));
    m3.push_back(text_msg("assistant", patch_ok, "commentary"));
    m3.push_back(text_msg("functions.apply_patch", "Success.", "commentary"));
    auto const p3 = concat({p2, c2, p_tool2, open_assistant});
    s.add(3, "harmony_prompt", {{"messages", m3}, {"effort", "high"}, {"tokens", to_array(p3)}});
    s.add(3, "completion_tokens", {{"ids", to_array(c3)}});
    s.add(3, "completion_final", {{"stop_type", "eos"}, {"cache_n", p2.size() + c2.size()}, {"prompt_n", p_tool2.size() + 2}});
    auto r3 = item(R"({"type":"reasoning","id":"rs_3","content":[{"type":"reasoning_text","text":"done now"}]})");
    auto f3 = item(R"({"type":"message","role":"assistant","content":[{"type":"output_text","text":"Fixed."}]})");
    s.add(3, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", r3}}}});
    s.add(3, "client_event", {{"event", {{"type", "response.output_item.done"}, {"item", f3}}}});
    s.add(3, "client_event", {{"event", {{"type", "response.completed"}}}});

    // A new user turn: the previous turn's analysis is dropped, its final answer kept.
    json::array in4 = in3;
    in4.push_back(r3);
    in4.push_back(f3);
    in4.push_back(item(R"({"type":"message","role":"user","content":[{"type":"input_text","text":"thanks"}]})"));
    s.requests.push_back({{"model", "gpt-oss"}, {"input", in4}, {"tools", tools()}});
    json::array m4{sys(), text_msg("developer", "be good"), text_msg("user", "fix a.txt"),
                   text_msg("assistant", "{\"cmd\":\"cat a.txt\"}", "commentary"),
                   text_msg("functions.exec_command", "path C:\\temp\\x\n", "commentary"),
                   text_msg("assistant", patch_ok, "commentary"), text_msg("functions.apply_patch", "Success.", "commentary"),
                   text_msg("assistant", "Fixed.", "final"), text_msg("user", "thanks")};
    auto const p4 = concat({p_sys, p_dev, p_user, p_tool1, p_tool2, p_final, p_user2, open_assistant});
    s.add(4, "harmony_prompt", {{"messages", m4}, {"effort", "high"}, {"tokens", to_array(p4)}});
    return s;
}

check_report run(session& s, check_options options = {}, translate::tokenizer const* tok = nullptr)
{
    return check_capture(s.finish(), options, tok);
}

// Exactly one finding, from `detector`, on `exchange`, whose text mentions `needle`.
void expect_one(check_report const& r, std::string_view detector, std::uint64_t exchange, std::string_view needle)
{
    ASSERT_EQ(r.findings.size(), 1u) << dump(r);
    auto const& f = r.findings[0];
    EXPECT_EQ(f.detector, detector) << dump(r);
    EXPECT_EQ(f.exchange, exchange) << dump(r);
    EXPECT_EQ(f.session, "s1");
    EXPECT_NE(format_finding(f).find(needle), std::string::npos) << dump(r);
}

TEST(check, clean_synthetic_session_has_no_findings)
{
    auto s = clean();
    auto r = run(s);
    EXPECT_TRUE(r.findings.empty()) << dump(r);
    EXPECT_EQ(r.sessions, 1u);
    EXPECT_EQ(r.exchanges, 4u);
    EXPECT_EQ(format_summary(r), "0 findings in 4 exchanges of 1 sessions");
}

TEST(check, escaping_arguments_that_are_not_json)
{
    auto s = clean();
    s.done(1, 1)["arguments"] = "{\"cmd\":\"cat a.txt\"";
    expect_one(run(s), "escaping", 1, "not JSON");
}

TEST(check, escaping_arguments_off_the_schema)
{
    auto s = clean();
    s.done(1, 1)["arguments"] = "{\"command\":\"cat a.txt\"}";
    expect_one(run(s), "escaping", 1, "do not match its schema");
}

TEST(check, escaping_patch_outside_the_language)
{
    auto s = clean();
    s.done(2, 1)["input"] = "*** Begin Patch\n*** Frobnicate File: a.txt\n*** End Patch\n";
    expect_one(run(s), "escaping", 2, "not in the patch language");
}

TEST(check, escaping_patch_with_doubled_backslashes)
{
    auto s = clean();
    s.done(2, 1)["input"] = "*** Begin Patch\n*** Update File: a.txt\n@@\n-path C:\\\\temp\\\\x\n+path D:\\temp\\x\n*** End Patch\n";
    auto r = run(s);
    expect_one(r, "escaping", 2, "doubles the backslashes");
    EXPECT_NE(r.findings[0].evidence.find("C:\\\\temp"), std::string::npos) << r.findings[0].evidence;
}

TEST(check, escaping_failed_patch_reported_once)
{
    auto s = clean();
    auto failure = "apply_patch verification failed: Failed to find expected lines in a.txt:\npath C:\\\\temp\\\\x";
    for (std::uint64_t ex : {3, 4})
        for (auto& v : s.input(ex))
            if (v.as_object().at("type") == "custom_tool_call_output") v.as_object()["output"] = failure;
    expect_one(run(s), "escaping", 3, "failed patch (call c2 from exchange 2)");
}

TEST(check, reasoning_dropped_inside_a_tool_chain)
{
    auto s = clean();
    auto& messages = s.find(2, "harmony_prompt").at("messages").as_array();
    messages.erase(messages.begin() + 3); // the analysis "look at it"
    expect_one(run(s), "reasoning", 2, "analysis of exchange 1 dropped");
}

TEST(check, reasoning_carried_past_a_final_answer)
{
    auto s = clean();
    auto& messages = s.find(4, "harmony_prompt").at("messages").as_array();
    messages.insert(messages.begin() + 3, text_msg("assistant", "look at it", "analysis"));
    expect_one(run(s), "reasoning", 4, "carried past a final answer");
}

TEST(check, reasoning_item_not_sent_back)
{
    auto s = clean();
    auto& in = s.input(4);
    for (auto it = in.begin(); it != in.end(); ++it)
        if (it->as_object().at("type") == "reasoning" && it->as_object().at("id") == "rs_3") {
            in.erase(it);
            break;
        }
    expect_one(run(s), "reasoning", 4, "rs_3");
}

TEST(check, reasoning_effort_other_than_configured)
{
    auto s = clean();
    s.find(1, "harmony_prompt")["effort"] = "medium";
    expect_one(run(s), "reasoning", 1, "effort medium in the prompt, configured high");
    // The same prompt is right when the proxy is configured for medium... and then the others are not.
    auto s2 = clean();
    auto r = run(s2, check_options{"medium"});
    EXPECT_EQ(r.findings.size(), 4u) << dump(r);
    // A request that names its effort overrides the configuration.
    auto s3 = clean();
    s3.request(1)["reasoning"] = json::object{{"effort", "low"}};
    expect_one(run(s3), "reasoning", 1, "requested low");
}

TEST(check, cache_prompt_that_does_not_extend_the_previous_one)
{
    auto s = clean();
    auto& tokens = s.find(3, "harmony_prompt").at("tokens").as_array();
    auto const p2_size = s.find(2, "harmony_prompt").at("tokens").as_array().size();
    tokens[p2_size + 3] = 99; // the model's "18" re-rendered as something else
    s.find(3, "completion_final")["prompt_n"] = 14;
    auto r = run(s);
    expect_one(r, "cache", 3, "at token " + std::to_string(p2_size + 3));
    EXPECT_NE(r.findings[0].what.find("re-processed 14 tokens"), std::string::npos) << dump(r);
    EXPECT_NE(r.findings[0].what.find("generated token 3"), std::string::npos) << dump(r);
    EXPECT_NE(r.findings[0].evidence.find("expected 18, got 99"), std::string::npos) << dump(r);
}

TEST(check, cache_and_chain_rules_follow_the_response_that_made_the_call)
{
    // A request whose tool output answers no call of the previous exchange (a retry after a failed
    // response, another client) is not that exchange's continuation: neither rule applies.
    auto s = clean();
    auto& tokens = s.find(3, "harmony_prompt").at("tokens").as_array();
    tokens[s.find(2, "harmony_prompt").at("tokens").as_array().size() + 3] = 99;
    auto& messages = s.find(3, "harmony_prompt").at("messages").as_array();
    messages.erase(messages.begin() + 6); // the analysis "patch it"
    s.input(3).back().as_object()["call_id"] = "c9";
    auto r = run(s);
    EXPECT_TRUE(r.findings.empty()) << dump(r);
}

TEST(check, cache_is_not_required_after_a_final_answer)
{
    auto s = clean(); // exchange 4 drops analysis and does not extend exchange 3: by design
    auto const& p3 = s.find(3, "harmony_prompt").at("tokens").as_array();
    auto const& p4 = s.find(4, "harmony_prompt").at("tokens").as_array();
    ASSERT_LT(p4.size(), p3.size() + c3.size());
    EXPECT_TRUE(run(s).findings.empty());
}

TEST(check, injection_special_inside_user_text)
{
    auto s = clean();
    auto& tokens = s.find(4, "harmony_prompt").at("tokens").as_array();
    // p_user2's content [26, 27] becomes [26, <|channel|>, 27].
    auto const at = tokens.size() - open_assistant.size() - 3;
    ASSERT_EQ(tokens[at].to_number<std::int64_t>(), 26);
    tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(at + 1), sp::channel);
    expect_one(run(s), "injection", 4, "<|channel|> inside the text");
}

TEST(check, injection_end_token_inside_user_text)
{
    auto s = clean();
    auto& tokens = s.find(4, "harmony_prompt").at("tokens").as_array();
    auto const at = tokens.size() - open_assistant.size() - 3;
    ASSERT_EQ(tokens[at].to_number<std::int64_t>(), 26);
    tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(at + 1), sp::end);
    expect_one(run(s), "injection", 4, "text continues after the end");
}

TEST(check, injection_marker_text_must_be_ordinary_tokens)
{
    auto const* tok = &vocab();
    auto s = clean();
    std::string const text = "cat <|end|> here";
    auto& prompt = s.find(4, "harmony_prompt");
    prompt.at("messages").as_array().back().as_object()["content"] = text;
    auto encoded = tok->encode(text);
    auto& tokens = prompt.at("tokens").as_array();
    auto const at = tokens.size() - open_assistant.size() - 3;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(at), tokens.begin() + static_cast<std::ptrdiff_t>(at + 2));
    tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(at), encoded.begin(), encoded.end());
    {
        auto clean_copy = s;
        auto r = run(clean_copy, {}, tok);
        EXPECT_TRUE(r.findings.empty()) << dump(r);
    }
    // What llama-server's own tokenizer would have made of it: the marker as a special token.
    auto const first = tok->encode("cat ");
    auto const last = tok->encode(" here");
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(at), tokens.begin() + static_cast<std::ptrdiff_t>(at + encoded.size()));
    ids injected = concat({ids(first.begin(), first.end()), {sp::end}, ids(last.begin(), last.end())});
    tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(at), injected.begin(), injected.end());
    auto r = run(s, {}, tok);
    ASSERT_EQ(r.findings.size(), 2u) << dump(r);
    for (auto const& f : r.findings) {
        EXPECT_EQ(f.detector, "injection");
        EXPECT_EQ(f.exchange, 4u);
    }
    EXPECT_NE(dump(r).find("spelling <|end|> in a 'user' message"), std::string::npos) << dump(r);
}

TEST(check, findings_as_json)
{
    finding f{"s1", 7, "cache", "what", "evidence"};
    auto j = finding_to_json(f);
    EXPECT_EQ(json::serialize(j), R"({"session":"s1","exchange":7,"detector":"cache","what":"what","evidence":"evidence"})");
    EXPECT_EQ(format_finding(f), "session s1 exchange 7 [cache] what: evidence");
}
} // namespace
} // namespace hp::replay
