// The real Codex CLI (npm @openai/codex@0.169.0, run as ../shared/notes/codex.md says) against
// harmony-proxy in-process, in front of the scripted llama-server in-process. Codex runs as a child
// process with its own HOME/CODEX_HOME under the build tree (Codex refuses helper binaries under
// /tmp), stdin from /dev/null, bounded in time and stopped by pid.
#pragma once

#include "support/child_process.hpp"

#include "capture/reader.hpp"
#include "capture/writer.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/server.hpp"
#include "tools/fake_llama/server.hpp"
#include "tools/fake_llama/vocab.hpp"
#include "translate/tokenizer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace hp::test {

namespace fs = std::filesystem;
namespace fl = hp::tools::fake_llama;

struct codex_run
{
    int exit_code = -1;
    std::vector<boost::json::object> events; // Codex's --json lines
    std::string log;                         // everything it printed

    // The text of every item.completed of `type` (agent_message, command_execution ...).
    std::vector<boost::json::object> items(std::string_view type) const
    {
        std::vector<boost::json::object> out;
        for (auto const& e : events)
            if (e.at("type") == "item.completed" && e.at("item").at("type").as_string() == type)
                out.push_back(e.at("item").as_object());
        return out;
    }
};

class codex_e2e : public ::testing::Test
{
protected:
    static translate::tokenizer const& tok()
    {
        static auto t = translate::tokenizer::load(translate::tokenizer::default_path());
        if (!t) throw std::runtime_error(t.error().message);
        return *t;
    }

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
        dir = fs::path(HP_BINARY_DIR) / "e2e" / info->name();
        fs::remove_all(dir);
        fs::create_directories(dir / "home");
        fs::create_directories(dir / "work");
        fs::copy_file(fs::path(HP_SHARED_DIR) / "codex" / "catalog.json", dir / "catalog.json");
        log = std::make_shared<spdlog::logger>("e2e", std::make_shared<spdlog::sinks::ostream_sink_mt>(proxy_log));
        log->set_level(spdlog::level::debug);
    }

    void TearDown() override
    {
        stop();
        if (HasFailure()) std::cerr << "---- proxy log ----\n" << proxy_log.str() << "-------------------\n";
    }

    // Stops the proxy and the scripted server (start() may be called again).
    void stop()
    {
        if (server) server->shutdown();
        if (proxy_thread.joinable()) proxy_thread.join();
        if (fake) fake->stop();
        if (capture) capture->flush();
        server.reset();
        responses.reset();
        capture.reset();
        fake.reset();
        ioc.restart();
    }

    // Starts the scripted llama-server with `script_json` and the proxy in front of it, capturing
    // into dir/capture (or dir/<capture_name>).
    void start(std::string_view script_json, proxy::responses_options options = {},
               std::string const& capture_name = "capture")
    {
        fl::vocab voc(tok());
        auto s = fl::parse_script(script_json, "test script", voc);
        ASSERT_TRUE(s) << s.error().message;
        fl::server_options fo;
        fo.n_ctx = 32768;
        fake = std::make_unique<fl::fake_llama_thread>(std::move(*s), tok(), fo);

        proxy::server_options po;
        po.listen = {"127.0.0.1", 0};
        po.upstream = {"127.0.0.1", fake->port(), ""};
        capture.emplace(capture::writer_options{dir / capture_name, 65536, 64 << 20, {}, {}});
        responses.emplace(tok(), options, *log);
        server.emplace(ioc, po, *log, &*capture);
        server->set_responses(&*responses);
        server->start();
        proxy_thread = std::thread([this] { ioc.run(); });

        std::ifstream in(fs::path(HP_SHARED_DIR) / "codex" / "config.toml");
        std::stringstream ss;
        ss << in.rdbuf();
        auto config = ss.str();
        auto replace = [&](std::string const& from, std::string const& to) { // every occurrence
            for (auto at = config.find(from); at != std::string::npos; at = config.find(from, at + to.size()))
                config.replace(at, from.size(), to);
        };
        replace("@CATALOG@", (dir / "catalog.json").string());
        replace("@BASE_URL@", "http://127.0.0.1:" + std::to_string(server->port()) + "/v1");
        std::ofstream(dir / "home" / "config.toml") << config;
    }

    // `codex exec --json --skip-git-repo-check PROMPT` (or `exec resume --last PROMPT`) in dir/work.
    codex_run run_codex(std::string const& prompt, bool resume = false)
    {
        static int runs = 0;
        auto codex = fs::path(HP_CACHE_DIR) / "npm" / "node_modules" / ".bin" / "codex";
        auto home = (dir / "home").string();
        std::vector<std::string> argv{"/usr/bin/env", "-C", (dir / "work").string(), "HOME=" + home,
                                      "CODEX_HOME=" + home, "RUST_LOG=error", codex.string(), "exec"};
        if (resume) {
            argv.insert(argv.end(), {"resume", "--last"});
        }
        argv.insert(argv.end(), {"--json", "--skip-git-repo-check", prompt});
        auto log_path = dir / ("codex-" + std::to_string(++runs) + ".log");
        child_process child(argv, log_path);
        codex_run run;
        auto status = child.wait_for(std::chrono::seconds(90));
        if (!status) {
            child.stop();
            ADD_FAILURE() << "codex did not finish in 90 s:\n" << child.log_tail();
        } else {
            run.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
        }
        std::ifstream in(log_path);
        std::string line;
        while (std::getline(in, line)) {
            run.log += line + "\n";
            if (line.empty() || line.front() != '{') continue;
            boost::system::error_code ec;
            auto v = boost::json::parse(line, ec);
            if (!ec && v.is_object() && v.as_object().contains("type")) run.events.push_back(v.as_object());
        }
        return run;
    }

    // The prompts of the /completion requests that started a response (a prompt ending in
    // <|start|>assistant), as ids. Continuations of a tool call (continuation_bodies()) are left out.
    std::vector<std::vector<std::uint32_t>> completion_prompts() const
    {
        std::vector<std::vector<std::uint32_t>> out;
        for (auto const& body : completion_bodies()) {
            std::vector<std::uint32_t> ids;
            for (auto const& v : body.at("prompt").as_array()) ids.push_back(static_cast<std::uint32_t>(v.to_number<std::int64_t>()));
            if (ids.size() >= 2 && ids[ids.size() - 2] == 200006 && tok().decode(std::span(ids).last(1)) == "assistant")
                out.push_back(std::move(ids));
        }
        return out;
    }

    // Every /completion body the scripted server received that asked for tokens, in order.
    std::vector<boost::json::object> completion_bodies() const { return bodies(false); }
    // The prompt-only /completion bodies (n_predict 0): the warm-ups after final answers.
    std::vector<boost::json::object> warmup_bodies() const { return bodies(true); }

    std::vector<boost::json::object> bodies(bool warmups) const
    {
        std::vector<boost::json::object> out;
        for (auto const& r : fake->requests()) {
            if (r.target != "/completion") continue;
            auto const* n = r.body.as_object().if_contains("n_predict");
            bool const warmup = n && n->is_int64() && n->as_int64() == 0;
            if (warmup == warmups) out.push_back(r.body.as_object());
        }
        return out;
    }

    // The /completion bodies that continued a tool call under a grammar.
    std::vector<boost::json::object> continuation_bodies() const
    {
        std::vector<boost::json::object> out;
        for (auto const& b : completion_bodies())
            if (auto const* g = b.if_contains("grammar"); g && g->is_string() && !g->as_string().empty()) out.push_back(b);
        return out;
    }

    std::string decode(std::vector<std::uint32_t> const& ids) const { return tok().decode(ids); }
};

} // namespace hp::test
