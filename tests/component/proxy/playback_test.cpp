// serve --playback: Responses requests answered from a capture, matched by order within their
// session; a request that matches nothing gets a 404 naming the nearest recorded request.
#include "support/http_client.hpp"

#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "proxy/playback_service.hpp"
#include "proxy/server.hpp"
#include "replay/playback.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

struct playback_fixture : ::testing::Test
{
    capture::read_result recorded = capture::read_capture(fs::path(HP_SOURCE_DIR) / "tests/fixtures/tool_chain/capture.jsonl");
    replay::playback_script script{recorded};
    std::shared_ptr<spdlog::logger> log =
        std::make_shared<spdlog::logger>("proxy", std::make_shared<spdlog::sinks::null_sink_mt>());
    boost::asio::io_context ioc;
    std::optional<proxy::playback_service> playback;
    std::optional<proxy::server> srv;
    std::thread io;

    void start(double speed)
    {
        playback.emplace(script, speed);
        proxy::server_options so;
        so.listen = {"127.0.0.1", 0};
        so.upstream = {"127.0.0.1", 9, ""}; // never reached
        srv.emplace(ioc, so, *log, nullptr);
        srv->set_playback(&*playback);
        srv->start();
        io = std::thread([this] { ioc.run(); });
    }

    void TearDown() override
    {
        if (srv) srv->shutdown();
        if (io.joinable()) io.join();
    }

    // The recorded requests of the capture, in order: (session, body, recorded events).
    std::vector<std::tuple<std::string, std::string, std::vector<json::object>>> recorded_requests() const
    {
        std::vector<std::tuple<std::string, std::string, std::vector<json::object>>> out;
        for (auto const& r : recorded.records) {
            if (r.at("kind") == "client_request")
                out.emplace_back(std::string(r.at("session").as_string()), capture::load_bytes(r, "body"),
                                 std::vector<json::object>{});
            else if (r.at("kind") == "client_event" && !out.empty())
                std::get<2>(out.back()).push_back(r.at("event").as_object());
        }
        return out;
    }
};

TEST_F(playback_fixture, recorded_requests_get_their_recorded_events_in_order)
{
    ASSERT_GE(script.size(), 1u);
    start(0);
    for (auto const& [session, body, events] : recorded_requests()) {
        auto reply = sse_request(srv->port(), "/v1/responses", body, std::chrono::seconds(10), {{"session-id", session}});
        ASSERT_EQ(reply.status, 200) << reply.body;
        auto const got = reply.json_events();
        ASSERT_EQ(got.size(), events.size());
        for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], json::value(events[i])) << "event " << i;
    }
    // Matched by order: the session's recorded requests are used up.
    auto const& [session, body, events] = recorded_requests().front();
    auto again = http_request("POST", srv->port(), "/v1/responses", body, std::chrono::seconds(10), {{"session-id", session}});
    EXPECT_EQ(again.status, 404);
    EXPECT_NE(again.body.find("all answered already"), std::string::npos) << again.body;
}

TEST(playback, recorded_timing_is_scaled_by_speed)
{
    // A synthetic capture: the answer's second event came 400 ms after the request.
    auto const dir = fs::path(HP_BINARY_DIR) / "component" / "playback-timing";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto line = [](std::string kind, std::int64_t t_ns, std::string extra) {
        return R"({"v":1,"kind":")" + kind + R"(","session":"s","exchange":1,"seq":0,"t_ns":)" + std::to_string(t_ns) +
               extra + "}\n";
    };
    std::string const body = R"({"model":"m","input":"hi","stream":true})";
    std::ofstream(dir / "s.jsonl") << line("client_request", 0, R"(,"method":"POST","target":"/v1/responses","body":)" + json::serialize(json::value(body)))
                                   << line("harmony_prompt", 1, R"(,"tokens":[])")
                                   << line("client_event", 1000000, R"(,"event":{"type":"response.created"})")
                                   << line("client_event", 400000000, R"(,"event":{"type":"response.completed"})")
                                   << line("exchange_end", 400000001, R"(,"status":200)");
    auto recorded = capture::read_capture(dir);
    replay::playback_script script(recorded);
    ASSERT_EQ(script.size(), 1u);
    auto log = std::make_shared<spdlog::logger>("proxy", std::make_shared<spdlog::sinks::null_sink_mt>());
    boost::asio::io_context ioc;
    proxy::playback_service playback(script, 2.0);
    proxy::server_options so;
    so.listen = {"127.0.0.1", 0};
    so.upstream = {"127.0.0.1", 9, ""};
    proxy::server srv(ioc, so, *log, nullptr);
    srv.set_playback(&playback);
    srv.start();
    std::thread io([&] { ioc.run(); });
    auto const started = std::chrono::steady_clock::now();
    auto reply = sse_request(srv.port(), "/v1/responses", body, std::chrono::seconds(10), {{"session-id", "s"}});
    auto const took = std::chrono::steady_clock::now() - started;
    srv.shutdown();
    io.join();
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json_events().size(), 2u) << reply.body;
    EXPECT_GE(took, std::chrono::milliseconds(190)) << "400 ms at speed 2";
    EXPECT_LT(took, std::chrono::milliseconds(380));
}

TEST_F(playback_fixture, a_request_that_matches_nothing_names_the_nearest_recorded_one)
{
    start(0);
    auto const requests = recorded_requests();
    auto const& [session, body, events] = requests.front();
    auto changed = json::parse(body).as_object();
    changed["input"].as_array()[0].as_object()["content"].as_array()[0].as_object()["text"] = "Something else";
    auto reply = http_request("POST", srv->port(), "/v1/responses", json::serialize(changed), std::chrono::seconds(10),
                              {{"session-id", session}});
    EXPECT_EQ(reply.status, 404);
    auto const message = std::string(reply.json().at("error").at("message").as_string());
    EXPECT_NE(message.find("session " + session), std::string::npos) << message;
    EXPECT_NE(message.find(".input[0]"), std::string::npos) << message;
    EXPECT_NE(message.find("Something else"), std::string::npos) << message;

    auto unknown = http_request("POST", srv->port(), "/v1/responses", body, std::chrono::seconds(10), {{"session-id", "nobody"}});
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("nearest recorded request is session " + session), std::string::npos) << unknown.body;
}

} // namespace
} // namespace hp::test
