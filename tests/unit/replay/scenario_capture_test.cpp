// Scripted sessions through the real proxy (in-process) in front of the scripted llama-server, each
// captured and then replayed offline: the live run and the replay must agree on every layer. This
// is what proves the proxy and replay run the same translation. The captures are left in
// build/replay-scenarios/<name>/ and are the source of the committed fixtures under tests/fixtures/
// (harmony-proxy fixture build/replay-scenarios/<name>/capture --exchange N --out tests/fixtures/<name>).
#include "support/http_client.hpp"

#include "capture/reader.hpp"
#include "capture/writer.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "replay/offline_replay.hpp"
#include "tools/fake_llama/server.hpp"
#include "tools/fake_llama/vocab.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace hp::test {
namespace {

namespace fs = std::filesystem;
namespace fl = hp::tools::fake_llama;

translate::tokenizer const& tok()
{
    static auto t = translate::tokenizer::load(translate::tokenizer::default_path());
    if (!t) throw std::runtime_error(t.error().message);
    return *t;
}

class scenario : public ::testing::Test
{
protected:
    fs::path dir;
    std::unique_ptr<fl::fake_llama_thread> fake;
    std::ostringstream proxy_log;
    std::shared_ptr<spdlog::logger> log;
    boost::asio::io_context ioc;
    std::optional<capture::writer> capture;
    std::optional<proxy::responses_service> responses;
    std::optional<proxy::server> server;
    std::thread proxy_thread;

    void SetUp() override
    {
        auto const* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir = fs::path(HP_BINARY_DIR) / "replay-scenarios" / info->name();
        fs::remove_all(dir);
        log = std::make_shared<spdlog::logger>("scenario", std::make_shared<spdlog::sinks::ostream_sink_mt>(proxy_log));
    }

    void TearDown() override
    {
        stop();
        if (HasFailure()) std::cerr << "---- proxy log ----\n" << proxy_log.str() << "-------------------\n";
    }

    void stop()
    {
        if (server) server->shutdown();
        if (proxy_thread.joinable()) proxy_thread.join();
        if (fake) fake->stop();
        server.reset();
        if (capture) capture->flush();
    }

    void start(std::string_view script_json, proxy::responses_options options = {})
    {
        fl::vocab voc(tok());
        auto s = fl::parse_script(script_json, "scenario script", voc);
        ASSERT_TRUE(s) << s.error().message;
        fake = std::make_unique<fl::fake_llama_thread>(std::move(*s), tok(), fl::server_options{});
        proxy::server_options po;
        po.listen = {"127.0.0.1", 0};
        po.upstream = {"127.0.0.1", fake->port(), ""};
        capture.emplace(capture::writer_options{dir / "capture", 4096, 16 << 20, {}, {}});
        responses.emplace(tok(), options, *log);
        server.emplace(ioc, po, *log, &*capture);
        server->set_responses(&*responses);
        server->start();
        proxy_thread = std::thread([this] { ioc.run(); });
    }

    // Stops everything (the exchange_end records are written), then replays the whole capture.
    replay::replay_report replay_all()
    {
        stop();
        auto c = capture::read_capture(dir / "capture");
        EXPECT_TRUE(c.problems.empty()) << c.problems.front();
        return replay::replay_capture(c, tok(), {});
    }

    void expect_clean_replay(std::size_t exchanges)
    {
        auto report = replay_all();
        EXPECT_TRUE(report.ok()) << replay::format_report(report);
        EXPECT_EQ(report.exchanges, exchanges) << replay::format_report(report);
        // The same capture with one rendering rule changed must not pass: replay really compares.
        auto c = capture::read_capture(dir / "capture");
        replay::replay_options perturb;
        perturb.perturb = replay::perturbation::drop_date_line;
        auto perturbed = replay::replay_capture(c, tok(), perturb);
        ASSERT_EQ(perturbed.differences.size(), exchanges);
        EXPECT_EQ(perturbed.differences[0].layer, "prompt");
    }

    unsigned short port() const { return server->port(); }
};

std::string user_request(std::string_view text, bool stream = true, std::string_view tools = "[]")
{
    return std::string(R"({"model":"gpt-oss","stream":)") + (stream ? "true" : "false") + R"(,"tools":)" +
           std::string(tools) + R"(,"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":)" +
           boost::json::serialize(boost::json::value(text)) + "}]}]}";
}

constexpr std::string_view exec_tool =
    R"([{"type":"function","name":"exec_command","description":"Runs a shell command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}}])";
constexpr std::string_view patch_tool =
    R"([{"type":"custom","name":"apply_patch","description":"Edits files with a patch"}])";

TEST_F(scenario, plain_answer)
{
    start(R"({"rules":[{"tokens":"<|channel|>analysis<|message|>A greeting.<|end|><|start|>assistant<|channel|>final<|message|>Hello from gpt-oss!"}]})");
    auto r = sse_request(port(), "/v1/responses", user_request("Say hello"));
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(r.complete);
    EXPECT_NE(r.body.find("response.completed"), std::string::npos);
    expect_clean_replay(1);
}

TEST_F(scenario, plain_answer_non_streaming)
{
    start(R"({"rules":[{"tokens":"<|channel|>final<|message|>Hello without a stream."}]})");
    auto r = http_request("POST", port(), "/v1/responses", user_request("Say hello", false));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("Hello without a stream."), std::string::npos);
    expect_clean_replay(1);
}

TEST_F(scenario, tool_chain)
{
    start(R"({"rules":[{"tokens":"<|channel|>analysis<|message|>The output is there.<|end|><|start|>assistant<|channel|>commentary to=functions.exec_command <|constrain|>json<|message|>{\"cmd\":\"echo second\"}","end":{"token":200012}}]})");
    // A turn inside a tool chain: the chain of thought and the first call come back in the input.
    std::string body = R"({"model":"gpt-oss","stream":true,"tools":)" + std::string(exec_tool) + R"(,"input":[
      {"type":"message","role":"user","content":[{"type":"input_text","text":"Run echo twice"}]},
      {"type":"reasoning","summary":[],"content":[{"type":"reasoning_text","text":"I will run echo."}]},
      {"type":"function_call","call_id":"call_a1","name":"exec_command","arguments":"{\"cmd\":\"echo first\"}"},
      {"type":"function_call_output","call_id":"call_a1","output":"first\n"}]})";
    auto r = sse_request(port(), "/v1/responses", body);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("echo second"), std::string::npos);
    EXPECT_NE(r.body.find("\"function_call\""), std::string::npos);
    expect_clean_replay(1);
}

TEST_F(scenario, apply_patch_backslashes)
{
    start(R"({"rules":[{"tokens":"<|channel|>commentary to=functions.apply_patch<|message|>*** Begin Patch\n*** Update File: User.php\n@@\n-use Symfony\\Component\\HttpFoundation\\Response;\n+use Illuminate\\Support\\Str;\n*** End Patch\n","end":{"token":200012}}]})");
    auto r = sse_request(port(), "/v1/responses", user_request("Sort the use lines", true, patch_tool));
    ASSERT_EQ(r.status, 200);
    // One backslash on the wire inside JSON is "\\": never "\\\\".
    EXPECT_NE(r.body.find(R"(Symfony\\Component)"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(R"(Symfony\\\\Component)"), std::string::npos) << r.body;
    expect_clean_replay(1);
}

TEST_F(scenario, upstream_failure_mid_stream)
{
    start(R"({"rules":[{"tokens":"<|channel|>final<|message|>This answer is cut short by the upstream.","fault":{"kind":"drop","after":5}}]})");
    auto r = sse_request(port(), "/v1/responses", user_request("Tell me a story"));
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("response.failed"), std::string::npos) << r.body;
    expect_clean_replay(1);
}

TEST_F(scenario, lost_id_utf8_gap)
{
    // The fake server, like llama-server, sends no chunk (and so no id) for a token that ends inside
    // a UTF-8 character: the emoji's ids must be rebuilt from the text.
    start(R"({"rules":[{"tokens":"<|channel|>final<|message|>Party time 🎉🎊 done."}]})");
    auto r = sse_request(port(), "/v1/responses", user_request("Celebrate"));
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("response.completed"), std::string::npos) << r.body;
    expect_clean_replay(1);
}

TEST_F(scenario, malformed_model_header)
{
    start(R"({"rules":[{"tokens":"<|channel|>commentary to=functions.exec_command to=functions.exec_command<|message|>{\"cmd\":\"ls\"}","end":{"token":200012}}]})");
    auto r = sse_request(port(), "/v1/responses", user_request("List files", true, exec_tool));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.find("response.completed") != std::string::npos ||
                r.body.find("response.failed") != std::string::npos)
        << r.body;
    expect_clean_replay(1);
}

TEST_F(scenario, non_default_proxy_options_are_recorded_and_replayed)
{
    // The proxy's configuration shapes the prompt (effort line, custom tool declaration) and the
    // sampling parameters: replay must take them from the capture, not from its own defaults.
    proxy::responses_options options;
    options.default_effort = translate::reasoning_effort::low;
    options.custom_tools = translate::responses::custom_tool_style::json;
    options.temperature = 0.6;
    options.slots = 2; // id_slot is session state: replay takes it from the recorded request
    start(R"({"rules":[{"tokens":"<|channel|>commentary to=functions.apply_patch <|constrain|>json<|message|>{\"input\":\"*** Begin Patch\\n*** End Patch\\n\"}","end":{"token":200012}}]})",
          options);
    auto body = user_request("Patch it", true, patch_tool);
    body.insert(1, R"("prompt_cache_key":"thread-7",)"); // a named conversation gets a slot
    auto r = sse_request(port(), "/v1/responses", body);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("custom_tool_call"), std::string::npos) << r.body;
    stop();
    auto c = capture::read_capture(dir / "capture");
    std::string prompt_text;
    for (auto const& rec : c.records)
        if (rec.at("kind").as_string() == "harmony_prompt") prompt_text = rec.at("text").as_string().c_str();
    EXPECT_NE(prompt_text.find("Reasoning: low"), std::string::npos) << prompt_text;
    bool sent_slot = false;
    for (auto const& rec : c.records)
        if (rec.at("kind").as_string() == "upstream_request")
            sent_slot = capture::load_bytes(rec, "body").find("\"id_slot\":") != std::string::npos;
    EXPECT_TRUE(sent_slot) << "the conversation is pinned to a llama-server slot";
    expect_clean_replay(1);
}

} // namespace
} // namespace hp::test
