// The warm-up after a final answer (issue 8 item 3), against the scripted server: it is recorded
// in the capture, and a follow-up request that arrives while it runs is served at once (the
// warm-up is cancelled, never waited for).
#include "support/http_client.hpp"
#include "support/vocab.hpp"

#include "capture/reader.hpp"
#include "capture/writer.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "tools/fake_llama/server.hpp"
#include "tools/fake_llama/vocab.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
namespace fl = hp::tools::fake_llama;
using clock_type = std::chrono::steady_clock;

std::string request_body(json::array input)
{
    return json::serialize(json::object{{"model", "gpt-oss"},
                                        {"input", std::move(input)},
                                        {"stream", false},
                                        {"store", false},
                                        {"prompt_cache_key", "thread-1"}});
}

json::object user(std::string text)
{
    json::object part{{"type", "input_text"}, {"text", std::move(text)}};
    return json::object{{"type", "message"}, {"role", "user"}, {"content", json::array{part}}};
}

TEST(Warmup, AFollowUpDuringAWarmUpIsServedFirstAndTheWarmUpIsRecorded)
{
    auto const dir = fs::path(HP_BINARY_DIR) / "component" / "warmup";
    fs::remove_all(dir);
    fl::vocab voc(vocab());
    // Prompt-only requests (warm-ups) take 3 s to "process"; answers are immediate.
    auto script = fl::parse_script(R"({"warmup_delay_ms":3000,"rules":[
        {"times":1,"tokens":"<|channel|>final<|message|>First answer."},
        {"tokens":"<|channel|>final<|message|>Second answer."}]})", "warm-up script", voc);
    ASSERT_TRUE(script) << script.error().message;
    fl::fake_llama_thread fake(std::move(*script), vocab(), fl::server_options{});

    auto log = std::make_shared<spdlog::logger>("proxy", std::make_shared<spdlog::sinks::null_sink_mt>());
    boost::asio::io_context ioc;
    std::optional<capture::writer> capture(std::in_place, capture::writer_options{dir, 65536, 64 << 20, {}, {}});
    proxy::responses_service responses(vocab(), proxy::responses_options{}, *log);
    proxy::server_options so;
    so.listen = {"127.0.0.1", 0};
    so.upstream = {"127.0.0.1", fake.port(), ""};
    proxy::server srv(ioc, so, *log, &*capture);
    srv.set_responses(&responses);
    srv.start();
    std::thread io([&] { ioc.run(); });
    struct stop_on_exit
    {
        proxy::server& srv;
        std::thread& io;
        fl::fake_llama_thread& fake;
        ~stop_on_exit()
        {
            srv.shutdown();
            if (io.joinable()) io.join();
            fake.stop();
        }
    } stopper{srv, io, fake};

    json::array input{user("Hello")};
    auto first = http_request("POST", srv.port(), "/v1/responses", request_body(input));
    ASSERT_EQ(first.status, 200) << first.body;
    auto const answer = json::parse(first.body);
    for (auto const& item : answer.at("output").as_array()) input.push_back(item);
    input.push_back(user("And now?"));

    // The warm-up is on its way to the scripted server (3 s); the follow-up must not wait for it.
    auto const deadline = clock_type::now() + std::chrono::seconds(2);
    while (fake.requests().size() < 2 && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(fake.requests().size(), 2u) << "the warm-up reached the scripted server";
    auto const started = clock_type::now();
    auto second = http_request("POST", srv.port(), "/v1/responses", request_body(input));
    auto const took = clock_type::now() - started;
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_LT(took, std::chrono::milliseconds(1500)) << "the follow-up waited for the warm-up";
    EXPECT_NE(second.body.find("Second answer."), std::string::npos);

    // /metrics counts the exchanges and the warm-up cancelled by the follow-up.
    auto metrics = http_request("GET", srv.port(), "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("harmony_proxy_responses_total 2\n"), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("harmony_proxy_warmups_total{state=\"cancelled\"} 1\n"), std::string::npos) << metrics.body;

    // The warm-up's prompt is the first turn with its answer; the follow-up's prompt extends it.
    auto const requests = fake.requests();
    ASSERT_GE(requests.size(), 3u);
    auto const& warm = requests[1].body.at("prompt").as_array();
    auto const& next = requests[2].body.at("prompt").as_array();
    EXPECT_EQ(requests[1].body.at("n_predict"), 0);
    ASSERT_LT(warm.size(), next.size());
    EXPECT_TRUE(std::equal(warm.begin(), warm.end(), next.begin()));

    srv.shutdown();
    io.join();
    capture.reset();
    auto const recorded = capture::read_capture(dir);
    std::string outcome;
    bool warmup_recorded = false;
    for (auto const& r : recorded.records) {
        if (r.at("kind") == "warmup") warmup_recorded = true;
        if (r.at("kind") == "warmup_end" && outcome.empty()) { // the first turn's warm-up
            outcome = std::string(r.at("outcome").as_string());
            if (auto const* e = r.if_contains("error")) std::cerr << "warm-up: " << e->as_string() << "\n";
        }
    }
    EXPECT_TRUE(warmup_recorded);
    EXPECT_EQ(outcome, "cancelled");
}

} // namespace
} // namespace hp::test
