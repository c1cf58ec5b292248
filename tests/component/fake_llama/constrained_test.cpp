// Sampling under a request's grammar and logit_bias bans: ranked choices, forced and substituted
// end-of-generation tokens, and the in-stream error for a script the grammar forbids.
#include "fixture.hpp"

namespace hp::tools::fake_llama::test {
namespace {

namespace json = boost::json;

json::value complete(std::uint16_t port, json::object extra)
{
    extra["prompt"] = json::array{1};
    extra["return_tokens"] = true;
    auto r = hp::test::http_request("POST", port, "/completion", post_body(std::move(extra)));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
}

std::vector<std::int64_t> ids(std::string_view text)
{
    std::vector<token_id> out;
    voc().tokenize(text, true, out);
    return {out.begin(), out.end()};
}

TEST(FakeLlamaConstrained, ChooseWithoutConstraintsTakesTheFirst)
{
    auto srv = start(R"({"rules":[{"tokens":["x=",{"choose":["apple","pear"]},"."]}]})");
    auto r = complete(srv->port(), {});
    EXPECT_EQ(r.at("content"), "x=apple.");
}

TEST(FakeLlamaConstrained, GrammarPicksTheFirstAllowedCandidate)
{
    auto srv = start(R"({"rules":[{"tokens":["x=",{"choose":["apple","pear","plum"]},"."]}]})");
    auto r = complete(srv->port(), {{"grammar", R"(root ::= "x=" ("pear" | "plum") ".")"}});
    EXPECT_EQ(r.at("content"), "x=pear.");
    EXPECT_EQ(r.at("stop_type"), "eos");
}

TEST(FakeLlamaConstrained, BannedReturnEndsWithCall)
{
    auto srv = start(R"({"rules":[{"tokens":"done"}]})");
    auto plain = complete(srv->port(), {});
    EXPECT_EQ(ids_of(plain.at("tokens")).back(), 200002);
    auto banned = complete(srv->port(), {{"logit_bias", json::array{json::array{200002, false}, json::array{199999, false}}}});
    auto t = ids_of(banned.at("tokens"));
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.back(), 200012);
    EXPECT_EQ(banned.at("content"), "done");
}

TEST(FakeLlamaConstrained, BannedScriptedTokenTakesTheNextChoice)
{
    auto const pear = ids("pear");
    ASSERT_EQ(pear.size(), 1u);
    auto srv = start(R"({"rules":[{"tokens":[{"choose":["pear","apple"]}]}]})");
    auto r = complete(srv->port(), {{"logit_bias", json::array{json::array{pear[0], -1e30}}}});
    EXPECT_EQ(r.at("content"), "apple");
}

TEST(FakeLlamaConstrained, FinishedGrammarForcesEndAndDropsTheRest)
{
    auto srv = start(R"({"rules":[{"tokens":"{\"a\":1} and some chatter","end":{"token":200012}}]})");
    auto r = complete(srv->port(), {{"grammar", R"(root ::= "{\"a\":" [0-9]+ "}")"}});
    EXPECT_EQ(r.at("content"), R"({"a":1})");
    auto t = ids_of(r.at("tokens"));
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.back(), 200012);
    EXPECT_EQ(r.at("stop_type"), "eos");
}

TEST(FakeLlamaConstrained, ViolatingTokenEndsTheStreamWithAnError)
{
    auto srv = start(R"({"rules":[{"tokens":["yes"," maybe"]}]})");
    auto const bad = ids(" maybe");
    ASSERT_EQ(bad.size(), 1u);
    auto body = post_body({{"prompt", json::array{1}}, {"stream", true}, {"grammar", R"(root ::= "yes" " no")"}});
    auto r = hp::test::sse_request(srv->port(), "/completion", body);
    auto const expected = R"(data: {"error":{"code":500,"message":"scripted token )" + std::to_string(bad[0]) +
                          R"( (\" maybe\") is not allowed by the grammar at generated token 1","type":"server_error"}})";
    EXPECT_NE(r.body.find(expected), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("content":"yes")"), std::string::npos) << r.body;
}

TEST(FakeLlamaConstrained, EndOfGenerationBeforeTheGrammarCanEndIsAnError)
{
    auto srv = start(R"({"rules":[{"tokens":"ab"}]})");
    auto r = hp::test::http_request("POST", srv->port(), "/completion",
                                    post_body({{"prompt", json::array{1}}, {"grammar", R"(root ::= "abc")"}}));
    EXPECT_EQ(r.status, 500) << r.body;
    EXPECT_NE(r.body.find("not allowed by the grammar"), std::string::npos) << r.body;
}

} // namespace
} // namespace hp::tools::fake_llama::test
