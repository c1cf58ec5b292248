// /health, /props, /tokenize, /detokenize and unknown routes, over real loopback HTTP.
#include "fixture.hpp"

#include <thread>

namespace hp::tools::fake_llama::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr char const* empty_script = R"({"rules": []})";

TEST(FakeLlamaRoutes, HealthIsOkWhenLoaded)
{
    auto srv = start(empty_script);
    auto r = hp::test::http_request("GET", srv->port(), "/health");
    ASSERT_FALSE(r.error) << r.error.message();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json_of(R"({"status":"ok"})"));
}

TEST(FakeLlamaRoutes, EveryRouteAnswers503WhileLoadingThenRecovers)
{
    server_options o;
    o.loading = 400ms;
    auto srv = start(empty_script, o);
    auto const loading =
        json_of(R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
    for (auto [method, target] :
         {std::pair{"GET", "/health"}, {"GET", "/props"}, {"POST", "/completion"}, {"POST", "/tokenize"}}) {
        auto r = hp::test::http_request(method, srv->port(), target, R"({"prompt":[1],"content":"x"})");
        ASSERT_FALSE(r.error) << r.error.message();
        EXPECT_EQ(r.status, 503) << target;
        EXPECT_EQ(r.json(), loading) << target;
    }
    // Poll /health, bounded in count and time, until the loading period is over.
    int status = 0;
    auto const deadline = std::chrono::steady_clock::now() + 5s;
    for (int i = 0; i < 100 && status != 200 && std::chrono::steady_clock::now() < deadline; ++i) {
        status = hp::test::http_request("GET", srv->port(), "/health").status;
        if (status != 200) std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(status, 200);
}

TEST(FakeLlamaRoutes, PropsReportsConfiguredContextSlotsAndModel)
{
    server_options o;
    o.n_ctx = 2048;
    o.slots = 3;
    o.model_path = "/tmp/models/tiny.gguf";
    o.build_info = "b42-test";
    auto srv = start(empty_script, o);
    auto r = hp::test::http_request("GET", srv->port(), "/props");
    ASSERT_EQ(r.status, 200);
    auto p = r.json().as_object();
    EXPECT_EQ(p.at("default_generation_settings").at("n_ctx"), 2048);
    EXPECT_EQ(p.at("total_slots"), 3);
    EXPECT_EQ(p.at("model_path"), "/tmp/models/tiny.gguf");
    EXPECT_EQ(p.at("bos_token"), "<|startoftext|>");
    EXPECT_EQ(p.at("eos_token"), "<|return|>");
    EXPECT_EQ(p.at("build_info"), "b42-test");
}

TEST(FakeLlamaRoutes, TokenizeParsesTheFiveHarmonyMarkersEvenWithParseSpecialFalse)
{
    auto srv = start(empty_script);
    // The verified real answer (../shared/notes/llama-server.md).
    auto r = hp::test::http_request("POST", srv->port(), "/tokenize",
                                    R"({"content":"Hello <|end|> world <|call|>","parse_special":false})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(ids_of(r.json().at("tokens")),
              (std::vector<std::int64_t>{13225, 220, 200007, 2375, 464, 91, 9925, 91, 29}));

    for (auto const* marker : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>", "<|end|>"}) {
        auto body = post_body({{"content", marker}, {"parse_special", false}});
        auto m = hp::test::http_request("POST", srv->port(), "/tokenize", body);
        auto ids = ids_of(m.json().at("tokens"));
        ASSERT_EQ(ids.size(), 1u) << marker;
        EXPECT_EQ(translate::special_token_name(static_cast<token_id>(ids[0])), marker);
    }
    // <|return|> stays text without parse_special, and becomes 200002 with it (the default).
    auto plain = hp::test::http_request("POST", srv->port(), "/tokenize",
                                        R"({"content":"<|return|>","parse_special":false})");
    EXPECT_GT(ids_of(plain.json().at("tokens")).size(), 1u);
    auto special = hp::test::http_request("POST", srv->port(), "/tokenize", R"({"content":"<|return|>"})");
    EXPECT_EQ(ids_of(special.json().at("tokens")), (std::vector<std::int64_t>{200002}));
}

TEST(FakeLlamaRoutes, TokenizeWithPiecesGivesBytesForPartialUtf8)
{
    // A character o200k has no single token for is split into byte-level tokens.
    std::string text;
    for (auto const* candidate : {"𝔘", "𓀀", "𒀀", "ꙮ", "𐌰"}) {
        for (auto id : voc().tokenize(candidate, false))
            if (!is_valid_utf8(voc().piece(id, true))) text = candidate;
        if (!text.empty()) break;
    }
    ASSERT_FALSE(text.empty()) << "no candidate splits inside a character";
    text = "Hi" + text + "<|end|>";

    auto srv = start(empty_script);
    auto r = hp::test::http_request("POST", srv->port(), "/tokenize",
                                    post_body({{"content", text}, {"with_pieces", true}}));
    ASSERT_EQ(r.status, 200) << r.body;
    auto const reply = r.json();
    auto const& toks = reply.at("tokens").as_array();
    auto expected_ids = voc().tokenize(text, true);
    ASSERT_EQ(toks.size(), expected_ids.size());
    std::string joined;
    bool saw_bytes = false;
    for (std::size_t i = 0; i < toks.size(); ++i) {
        EXPECT_EQ(toks[i].at("id").to_number<token_id>(), expected_ids[i]);
        auto const& piece = toks[i].at("piece");
        if (piece.is_string()) {
            joined += piece.as_string();
        } else {
            saw_bytes = true;
            for (auto const& b : piece.as_array())
                joined += static_cast<char>(b.to_number<int>());
        }
    }
    EXPECT_TRUE(saw_bytes);
    EXPECT_EQ(joined, text);
    EXPECT_EQ(expected_ids.back(), 200007u);
}

TEST(FakeLlamaRoutes, DetokenizeRendersSpecialsByName)
{
    auto srv = start(empty_script);
    auto r = hp::test::http_request("POST", srv->port(), "/detokenize",
                                    R"({"tokens":[13225,200007,200012,200002]})");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json_of(R"({"content":"Hello<|end|><|call|><|return|>"})"));
}

TEST(FakeLlamaRoutes, UnknownRouteIs404AndEveryRequestIsRecorded)
{
    auto srv = start(empty_script);
    auto r = hp::test::http_request("GET", srv->port(), "/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json().at("error").at("type"), "not_found_error");
    hp::test::http_request("POST", srv->port(), "/tokenize", R"({"content":"a"})");
    auto rec = srv->requests();
    ASSERT_EQ(rec.size(), 2u);
    EXPECT_EQ(rec[0].method, "GET");
    EXPECT_EQ(rec[0].target, "/nope");
    EXPECT_EQ(rec[1].method, "POST");
    EXPECT_EQ(rec[1].target, "/tokenize");
    EXPECT_EQ(rec[1].body, json_of(R"({"content":"a"})"));
}

} // namespace
} // namespace hp::tools::fake_llama::test
