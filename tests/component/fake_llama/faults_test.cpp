// Rule selection, delays, pings and scripted faults, over real loopback HTTP.
#include "fixture.hpp"

#include <future>

namespace hp::tools::fake_llama::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string stream_body(json::array prompt, std::int64_t id_slot = -1)
{
    return post_body({{"prompt", std::move(prompt)}, {"stream", true}, {"id_slot", id_slot}});
}

TEST(FakeLlamaFaults, RulesMatchByOrderRequestNumberTrailingTokensSlotAndTimes)
{
    auto srv = start(R"({"rules":[
        {"name":"second", "match":{"request":2}, "tokens":"second"},
        {"name":"tail", "match":{"prompt_ends_with":[7,8]}, "tokens":"tail"},
        {"name":"slot1", "match":{"id_slot":1}, "tokens":"slot one"},
        {"name":"once", "times":1, "tokens":"once"},
        {"name":"default", "tokens":"default"}]})");
    auto content = [&](json::array prompt, std::int64_t slot) {
        auto r = hp::test::http_request("POST", srv->port(), "/completion",
                                        post_body({{"prompt", std::move(prompt)}, {"id_slot", slot}}));
        return std::string(r.json().at("content").as_string());
    };
    EXPECT_EQ(content({1}, -1), "once");
    EXPECT_EQ(content({7, 8}, -1), "second"); // request 2 comes first in file order
    EXPECT_EQ(content({5, 7, 8}, -1), "tail");
    EXPECT_EQ(content({5}, 1), "slot one");
    EXPECT_EQ(content({5}, -1), "default"); // "once" is used up
    auto rec = srv->requests();
    ASSERT_EQ(rec.size(), 5u);
    EXPECT_EQ(rec[2].rule, "tail");
    EXPECT_EQ(rec[4].rule, "default");
}

TEST(FakeLlamaFaults, NoMatchingRuleIsAServerErrorNamingTheRequest)
{
    auto srv = start(R"({"rules":[{"match":{"request":5},"tokens":"x"}]})");
    auto r = hp::test::http_request("POST", srv->port(), "/completion", R"({"prompt":[1,2]})");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json().at("error").at("type"), "server_error");
    EXPECT_NE(std::string(r.json().at("error").at("message").as_string()).find("completion request #1"),
              std::string::npos);
}

TEST(FakeLlamaFaults, HttpErrorUsesLlamaServerErrorJson)
{
    auto srv = start(R"({"rules":[
        {"match":{"request":1},"fault":{"kind":"http_error","message":"boom"}},
        {"fault":{"kind":"http_error","error_type":"unavailable_error","message":"no slot available"}}]})");
    auto a = hp::test::http_request("POST", srv->port(), "/completion", stream_body({1}));
    EXPECT_EQ(a.status, 500);
    EXPECT_EQ(a.json(), json_of(R"({"error":{"code":500,"message":"boom","type":"server_error"}})"));
    auto b = hp::test::http_request("POST", srv->port(), "/completion", stream_body({1}));
    EXPECT_EQ(b.status, 503);
    EXPECT_EQ(b.json(),
              json_of(R"({"error":{"code":503,"message":"no slot available","type":"unavailable_error"}})"));
}

TEST(FakeLlamaFaults, StreamErrorAfterNTokensEndsTheStream)
{
    auto srv = start(
        R"({"rules":[{"tokens":[10,11,12,13],"fault":{"kind":"stream_error","after":2,"message":"decode failed"}}]})");
    auto r = hp::test::sse_request(srv->port(), "/completion", stream_body({1}));
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.complete);
    auto ev = r.json_events();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[1].at("tokens_predicted"), 2);
    EXPECT_EQ(ev[2], json_of(R"({"error":{"code":500,"message":"decode failed","type":"server_error"}})"));
    EXPECT_NE(
        r.body.find(
            "data: {\"error\":{\"code\":500,\"message\":\"decode failed\",\"type\":\"server_error\"}}\n\n"),
        std::string::npos);
}

TEST(FakeLlamaFaults, DropAfterNTokensClosesTheConnectionMidStream)
{
    auto srv = start(R"({"rules":[{"tokens":[10,11,12,13],"fault":{"kind":"drop","after":3}}]})");
    auto r = hp::test::sse_request(srv->port(), "/completion", stream_body({1}));
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.complete);
    EXPECT_TRUE(r.error);
    EXPECT_EQ(r.events.size(), 3u);
    // The server survives: the next request is answered.
    EXPECT_EQ(hp::test::http_request("GET", srv->port(), "/health").status, 200);
}

TEST(FakeLlamaFaults, StallSendsPingsThenResumes)
{
    auto srv =
        start(R"({"rules":[{"tokens":[10,11],"ping_ms":40,"fault":{"kind":"stall","after":1,"ms":300}}]})");
    auto r = hp::test::sse_request(srv->port(), "/completion", stream_body({1}));
    EXPECT_TRUE(r.complete) << r.error.message();
    ASSERT_EQ(r.events.size(), 4u); // 10, 11, EOG, final
    EXPECT_GE(r.comments, 5u);
    EXPECT_NE(r.body.find(":\n\n"), std::string::npos);
    EXPECT_GE(r.event_times[1] - r.event_times[0], 250ms);
}

TEST(FakeLlamaFaults, PerTokenDelaySpacesTheChunks)
{
    auto srv = start(R"({"rules":[{"tokens":[10,11,12,13],"delay_ms":40,"prompt_delay_ms":60}]})");
    auto const t0 = std::chrono::steady_clock::now();
    auto r = hp::test::sse_request(srv->port(), "/completion", stream_body({1}));
    ASSERT_EQ(r.events.size(), 6u);
    EXPECT_GE(r.event_times[0] - t0, 90ms);
    EXPECT_GE(r.event_times[3] - r.event_times[0], 110ms);
    auto fin = json_of(r.events.back());
    EXPECT_GE(fin.at("timings").at("prompt_ms").to_number<double>(), 55.0);
    EXPECT_GE(fin.at("timings").at("predicted_ms").to_number<double>(), 190.0);
}

TEST(FakeLlamaFaults, StopEndsAStallThatWouldLastForever)
{
    auto srv = start(R"({"rules":[{"tokens":[10,11],"fault":{"kind":"stall","after":1}}]})");
    auto port = srv->port();
    auto reply = std::async(std::launch::async, [port] {
        return hp::test::sse_request(port, "/completion", stream_body({1}), 10s);
    });
    // Wait (bounded) until the first chunk has surely been sent, then stop the server.
    ASSERT_EQ(reply.wait_for(300ms), std::future_status::timeout);
    auto const t0 = std::chrono::steady_clock::now();
    srv.reset(); // stop + join
    ASSERT_EQ(reply.wait_for(5s), std::future_status::ready);
    auto r = reply.get();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(r.events.size(), 1u);
    EXPECT_FALSE(r.complete);
}

} // namespace
} // namespace hp::tools::fake_llama::test
