// Every case of ../shared/harmony-golden/parse/ (openai/harmony's StreamableParser and
// parse_messages_from_completion_tokens tests), asserting everything its `expected` holds:
// messages, errors (stage, token index, message), and the streaming state after each token.
#include "parser_test_support.hpp"

#include "translate/utf8.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hp::translate::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path parse_dir()
{
    return fs::path(HP_SHARED_DIR) / "harmony-golden" / "parse";
}

std::vector<std::string> case_names()
{
    std::vector<std::string> names;
    std::error_code ec;
    for (auto const& e : fs::directory_iterator(parse_dir(), ec))
        if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

json::object load_case(std::string const& name)
{
    std::ifstream in(parse_dir() / (name + ".json"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str()).as_object();
}

json::value optional_json(std::optional<std::string> const& s)
{
    return s ? json::value(*s) : json::value(nullptr);
}

TEST(StreamParserGolden, AllCasesPresent)
{
    EXPECT_EQ(case_names().size(), 27u) << "expected the 27 cases of harmony-golden/parse/";
}

class StreamParserGoldenCase : public ::testing::TestWithParam<std::string>
{
};

TEST_P(StreamParserGoldenCase, MatchesReference)
{
    json::object const c = load_case(GetParam());
    json::object const& expected = c.at("expected").as_object();
    std::vector<token_id> const ids = ids_from_json(c.at("tokens"));

    stream_parser_options options;
    options.initial_role = c.at("role").is_null() ? std::nullopt : role_from_name(c.at("role").as_string());
    ASSERT_TRUE(c.at("role").is_null() || options.initial_role);
    options.strict = c.at("strict").as_bool();
    bool const process_eos = c.at("process_eos").as_bool();

    stream_parser p(vocab(), options);
    std::vector<stream_event> events;
    std::vector<json::value> deltas_per_token; // last_content_delta() after each feed
    std::vector<std::string> content_per_token;
    std::string joined;
    for (token_id id : ids) {
        p.feed(id, events);
        deltas_per_token.push_back(optional_json(p.last_content_delta()));
        content_per_token.push_back(p.current_content());
        if (p.last_content_delta()) joined += *p.last_content_delta();
    }
    std::string const content_after_tokens = p.current_content();
    if (process_eos) p.finish(events);

    EXPECT_EQ(check_event_invariants(events, p.messages()), "");

    if (expected.at("outcome") == "error") {
        ASSERT_TRUE(p.error().has_value()) << "the reference fails on this input";
        parse_error const& err = *p.error();
        EXPECT_EQ(p.current_state(), stream_parser::state::failed);
        std::string const stage = std::string(expected.at("error_stage").as_string());
        EXPECT_EQ(err.at_end_of_stream, stage == "process_eos");
        if (auto const* idx = expected.if_contains("error_at_token_index")) {
            EXPECT_EQ(err.token_index, idx->to_number<std::size_t>());
        }
        if (stage == "process_eos") {
            EXPECT_EQ(err.token_index, ids.size());
        }
        EXPECT_EQ(err.what, std::string(expected.at("reference_error_message").as_string()));
        if (auto const* sub = expected.if_contains("error_message_contains")) {
            EXPECT_NE(err.what.find(std::string(sub->as_string())), std::string::npos);
        }
        EXPECT_EQ(json::value(to_golden(p.messages())), expected.at("messages_before_error"));
        EXPECT_EQ(events_of<parse_error>(events).size(), 1u);
        return;
    }

    ASSERT_FALSE(p.error().has_value()) << p.error()->what;
    EXPECT_EQ(json::value(to_golden(p.messages())), expected.at("messages"));

    if (auto const* steps = expected.if_contains("steps")) {
        for (auto const& s : steps->as_array()) {
            std::size_t const k = s.at("after_token_index").to_number<std::size_t>();
            ASSERT_LT(k, ids.size());
            EXPECT_EQ(ids[k], s.at("token").to_number<token_id>());
            EXPECT_EQ(deltas_per_token[k], s.at("last_content_delta")) << "after token " << k;
            EXPECT_EQ(json::value(content_per_token[k]), s.at("current_content")) << "after token " << k;
        }
    }
    if (auto const* after = expected.if_contains("after_process_eos")) {
        EXPECT_EQ(optional_json(p.last_content_delta()), after->at("last_content_delta"));
        EXPECT_EQ(json::value(p.current_content()), after->at("current_content"));
    }
    if (auto const* cc = expected.if_contains("current_content_after_tokens")) {
        EXPECT_EQ(json::value(content_after_tokens), *cc);
    }
    if (auto const* j = expected.if_contains("joined_non_null_content_deltas")) {
        EXPECT_EQ(json::value(joined), *j);
    }
    if (auto const* per = expected.if_contains("content_deltas_per_token")) {
        EXPECT_EQ(json::value(json::array(deltas_per_token.begin(), deltas_per_token.end())), *per);
    }
    if (auto const* more = expected.if_contains("after_then_one_more_token")) {
        ASSERT_FALSE(process_eos);
        p.feed(c.at("input").at("then_one_more_token").to_number<token_id>(), events);
        EXPECT_EQ(optional_json(p.last_content_delta()), more->at("last_content_delta"));
        EXPECT_EQ(json::value(p.current_content()), more->at("current_content"));
    }
    if (expected.contains("decode_utf8_of_9552_9552")) {
        std::string const bytes = vocab().decode(std::vector<token_id>{9552, 9552});
        EXPECT_FALSE(check_utf8(bytes).valid(bytes.size())) << "the reference's decode_utf8 fails here";
    }
    // Tokenizer facts the cases rely on.
    json::object const& input = c.at("input").as_object();
    if (auto const* xy = input.if_contains("encode_XY")) {
        EXPECT_EQ(json::value(json::value_from(vocab().encode("XY"))), *xy);
    }
    if (auto const* emoji = input.if_contains("emoji_tokens")) {
        EXPECT_EQ(json::value(json::value_from(vocab().encode("\xF0\x9F\x92\x96"))), *emoji);
    }

    // The proxy's lenient mode gives the reference's messages on every input the reference accepts.
    stream_parser_options lenient = options;
    lenient.strict = false;
    stream_parser q(vocab(), lenient);
    std::vector<stream_event> lenient_events = run(q, ids, process_eos);
    EXPECT_EQ(json::value(to_golden(q.messages())), expected.at("messages"))
        << describe_events(lenient_events);
    EXPECT_EQ(check_event_invariants(lenient_events, q.messages()), "");
}

TEST(StreamParserGolden, StreamingStateFollowsTheReference)
{
    // test_streamable_parser's input: the reference's current_role() is the initial role during the
    // first header, the header's role in content, and None between messages; channel, recipient
    // and content type are known only in content.
    json::object const c = load_case("test_streamable_parser");
    std::vector<token_id> const ids = ids_from_json(c.at("tokens"));
    stream_parser p(vocab(), {role::assistant, true, 1024});
    std::vector<stream_event> events;
    EXPECT_EQ(p.current_state(), stream_parser::state::header);
    EXPECT_EQ(p.current_role(), role::assistant);
    bool saw_tool_call = false;
    for (token_id id : ids) {
        p.feed(id, events);
        switch (p.current_state()) {
        case stream_parser::state::header:
            EXPECT_FALSE(p.current_channel());
            EXPECT_EQ(p.current_role(), p.messages().empty() ? std::optional(role::assistant) : std::nullopt);
            break;
        case stream_parser::state::content:
            ASSERT_NE(p.current_header(), nullptr);
            EXPECT_EQ(p.current_role(), p.current_header()->author);
            if (p.current_recipient() == "browser.search") {
                saw_tool_call = true;
                EXPECT_EQ(p.current_channel(), "commentary");
                EXPECT_EQ(p.current_content_type(), "code");
            }
            break;
        case stream_parser::state::expect_start:
            EXPECT_FALSE(p.current_role());
            EXPECT_FALSE(p.current_recipient());
            EXPECT_EQ(p.current_content(), "");
            break;
        case stream_parser::state::failed:
            FAIL() << p.error()->what;
        }
    }
    EXPECT_TRUE(saw_tool_call);
    EXPECT_EQ(p.messages().size(), 3u);
    EXPECT_EQ(p.tokens_fed(), ids.size());
}

INSTANTIATE_TEST_SUITE_P(HarmonyGolden, StreamParserGoldenCase, ::testing::ValuesIn(case_names()),
                         [](auto const& info) { return info.param; });

} // namespace
} // namespace hp::translate::test
