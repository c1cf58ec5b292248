// The golden JSON message form: strict reading with path-naming errors, and a lossless round trip.
#include "render_test_support.hpp"

#include "translate/golden_messages.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

namespace hp::translate {
namespace {

std::string error_of(std::string_view messages_json)
{
    auto r = messages_from_json(boost::json::parse(messages_json));
    return r ? std::string("(no error)") : r.error().what();
}

TEST(GoldenMessages, ErrorsNameThePath)
{
    EXPECT_EQ(error_of(R"({"role":"user"})"), "messages: expected an array, got an object");
    EXPECT_EQ(error_of(R"([{"role":"user","content":"a"},{"role":"robot","content":"b"}])"),
              "messages[1].role: unknown role 'robot'");
    EXPECT_EQ(error_of(R"([{"content":"a"}])"), "messages[0].role: missing");
    EXPECT_EQ(error_of(R"([{"role":"user","channel":3,"content":"a"}])"),
              "messages[0].channel: expected a string, got a number");
    EXPECT_EQ(error_of(R"([{"role":"user"}])"), "messages[0].content: missing");
    EXPECT_EQ(error_of(R"([{"role":"user","content":{"instructions":"x"}}])"),
              "messages[0].content: expected a string, got an object");
    EXPECT_EQ(error_of(R"([{"role":"system","content":{"reasoning_effort":"extreme"}}])"),
              "messages[0].content.reasoning_effort: unknown effort 'extreme' (low, medium, high)");
    EXPECT_EQ(error_of(R"([{"role":"system","content":{"channel_config":{"valid_channels":["a",1]}}}])"),
              "messages[0].content.channel_config.valid_channels[1]: expected a string, got a number");
    EXPECT_EQ(error_of(R"([{"role":"developer","content":{"tools":{"functions":{"name":"functions",
                          "tools":[{"description":"d"}]}}}}])"),
              "messages[0].content.tools.functions.tools[0].name: missing");
    EXPECT_EQ(
        error_of(R"([{"role":"developer","content":{"tools":{"functions":{"name":"other","tools":[]}}}}])"),
        "messages[0].content.tools.functions.name: namespace 'other' is filed under the key 'functions'");
}

TEST(GoldenMessages, AbsentSystemFieldsKeepHarmonyDefaultsAndNullClearsThem)
{
    auto r =
        message_from_json(boost::json::parse(R"({"role":"system","content":{"knowledge_cutoff":null}})"));
    ASSERT_TRUE(r) << r.error().what();
    auto const& sys = std::get<system_content>(r->content);
    EXPECT_EQ(sys.model_identity, system_content{}.model_identity);
    EXPECT_EQ(sys.effort, reasoning_effort::medium);
    EXPECT_FALSE(sys.knowledge_cutoff.has_value());
}

TEST(GoldenMessages, EveryGoldenCaseParsesAndRoundTrips)
{
    std::size_t files = 0;
    for (auto const& e : std::filesystem::directory_iterator(test::golden_dir() / "render")) {
        if (e.path().extension() != ".json") continue;
        ++files;
        auto const doc = test::read_json(e.path());
        auto c = render_case_from_json(doc);
        ASSERT_TRUE(c) << e.path() << ": " << c.error().what();
        EXPECT_EQ(c->name, e.path().stem().string());
        auto const& raw = doc.as_object().at("messages").as_array();
        ASSERT_EQ(raw.size(), c->messages.size());
        for (std::size_t i = 0; i < raw.size(); ++i) {
            // Written back, each message is the file's own JSON, key for key and in order.
            auto const back = boost::json::value_from(c->messages[i]);
            EXPECT_EQ(boost::json::serialize(back), boost::json::serialize(raw[i]))
                << e.path() << " message " << i;
            auto again = message_from_json(back);
            ASSERT_TRUE(again);
            EXPECT_EQ(*again, c->messages[i]);
        }
    }
    EXPECT_EQ(files, 24u);
}

TEST(GoldenMessages, RenderCaseSettings)
{
    auto parse = [](std::string_view j) { return render_case_from_json(boost::json::parse(j)); };
    auto c = parse(R"({"messages":[]})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->operation, render_operation::completion);
    EXPECT_EQ(c->next_role, role::assistant);
    EXPECT_EQ(c->config.analysis, analysis_policy::harmony_auto_drop);

    c = parse(R"({"render_config":null,"messages":[]})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->config.analysis, analysis_policy::keep_all);
    c = parse(R"({"render_config":{"auto_drop_analysis":false},"messages":[]})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->config.analysis, analysis_policy::keep_all);
    // The effective flag wins over render_config.
    c = parse(R"({"render_config":null,"auto_drop_analysis":true,"messages":[]})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->config.analysis, analysis_policy::harmony_auto_drop);

    c = parse(R"({"operation":"render","messages":[]})");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().what(), "$.messages: operation 'render' takes exactly one message, got 0");
    c = parse(R"({"operation":"sing","messages":[]})");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().path, "$.operation");
    c = parse(R"({"expected_tokens":[1,-1],"messages":[]})");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().what(), "$.expected_tokens[1]: not a token id");
}

} // namespace
} // namespace hp::translate
