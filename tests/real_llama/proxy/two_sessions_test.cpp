// Two conversations interleaved through the proxy on a real llama-server with two slots: each
// keeps its slot (id_slot from the session store), so each turn processes only its new input plus
// at most 8 tokens, whatever the other conversation did in between. Those few tokens are the
// model's own output: a random-weight model does not write harmony, so its text comes back as an
// assistant message the proxy renders canonically; the output is kept to two tokens so that this
// unavoidable rewrite stays inside the bound.
#include "real_llama/support/llama_server_suite.hpp"
#include "real_llama/support/child_process.hpp"
#include "support/new_input.hpp"

#include <sys/wait.h>

#include "capture/writer.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <thread>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

class real_llama_proxy : public llama_server_suite
{
};

TEST_F(real_llama_proxy, interleaved_sessions_keep_their_slots_and_their_cache)
{
    auto tok = translate::tokenizer::load(translate::tokenizer::default_path());
    ASSERT_TRUE(tok) << tok.error().message;
    auto const dir = fs::path(HP_BINARY_DIR) / "real_llama" / "two_sessions";
    fs::remove_all(dir);

    auto log = std::make_shared<spdlog::logger>("proxy", std::make_shared<spdlog::sinks::null_sink_mt>());
    boost::asio::io_context ioc;
    std::optional<capture::writer> capture(std::in_place, capture::writer_options{dir, 65536, 64 << 20, {}, {}});
    proxy::responses_options ro;
    ro.slots = 2; // llama_server_suite runs --parallel 2
    proxy::responses_service responses(*tok, ro, *log);
    proxy::server_options so;
    so.listen = {"127.0.0.1", 0};
    so.upstream = {"127.0.0.1", upstream().port, ""};
    proxy::server srv(ioc, so, *log, &*capture);
    srv.set_responses(&responses);
    srv.start();
    std::thread io([&] { ioc.run(); });
    struct stop_on_exit
    {
        proxy::server& srv;
        std::thread& io;
        ~stop_on_exit()
        {
            srv.shutdown();
            if (io.joinable()) io.join();
        }
    } stopper{srv, io};
    endpoint proxy_ep{"proxy", "127.0.0.1", srv.port()};

    std::map<std::string, json::array> history;
    for (int turn = 1; turn <= 5; ++turn)
        for (std::string const session : {"conversation-a", "conversation-b"}) {
            auto& input = history[session];
            json::object part{{"type", "input_text"}, {"text", session + ", turn " + std::to_string(turn)}};
            json::object message{{"type", "message"}, {"role", "user"}, {"content", json::array{part}}};
            input.push_back(std::move(message));
            json::object request{{"model", "gpt-oss"},         {"input", input},
                                 {"max_output_tokens", 2},     {"stream", false},
                                 {"store", false},             {"prompt_cache_key", session},
                                 {"instructions", "Answer briefly."}};
            auto reply = post_json(proxy_ep, "/v1/responses", request, std::chrono::seconds(60));
            ASSERT_EQ(reply.status, 200u) << reply.body;
            // As Codex does: the output items go back into the history.
            auto const answer = reply.json();
            for (auto const& item : answer.at("output").as_array()) input.push_back(item);
        }

    srv.shutdown();
    io.join();
    capture.reset();
    auto const figures = figures_of(*tok, dir);
    ASSERT_EQ(figures.size(), 10u);
    std::map<std::string, int> seen;
    std::printf("session          prompt  new-input  processed  re-processed\n");
    for (auto const& f : figures) {
        std::printf("%-15s  %6llu  %9llu  %9llu  %12lld\n", f.session.c_str(), static_cast<unsigned long long>(f.prompt),
                    static_cast<unsigned long long>(f.new_input), static_cast<unsigned long long>(f.processed),
                    static_cast<long long>(f.reprocessed()));
        if (seen[f.session]++ == 0) continue; // a conversation's first request processes everything
        EXPECT_LE(f.reprocessed(), 8) << f.session << " request " << seen[f.session];
    }

    // Live replay: the recorded requests again, through the current translation, to the same
    // llama-server; the new capture has every exchange and replays offline.
    auto const live = dir.string() + ".live";
    fs::remove_all(live);
    child_process replay({HP_HARMONY_PROXY, "replay", dir.string(), "--upstream", upstream().base_url(), "--out", live},
                         dir.string() + ".live.log");
    auto const status = replay.wait_for(std::chrono::seconds(120));
    ASSERT_TRUE(status) << replay.log_tail();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << replay.log_tail();
    auto const again = figures_of(*tok, live);
    EXPECT_EQ(again.size(), figures.size());
}

} // namespace
} // namespace hp::test
