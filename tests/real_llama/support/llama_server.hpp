// The real llama-server as a test fixture: found (or explained how to build), loaded with the tiny
// gpt-oss-vocabulary model (generated on demand), started on a free loopback port, ready when
// /health answers 200, stopped by pid when the fixture goes away.
#pragma once

#include "real_llama/support/child_process.hpp"
#include "real_llama/support/http_client.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hp::test {

/// The llama-server binary: $HP_LLAMA_SERVER if set, else the cached build of
/// tools/llama-server/build.sh. Throws std::runtime_error saying how to build it when missing.
std::filesystem::path find_llama_server_binary();

/// The tiny test model in the build tree ($HP_TEST_MODEL overrides), generated with
/// make-test-model if it does not exist yet. (ctest's real_llama setup regenerates it on every run.)
std::filesystem::path ensure_test_model();

/// A loopback port that was free a moment ago (bound to port 0, then released).
std::uint16_t free_loopback_port();

struct llama_server_options
{
    std::filesystem::path binary; ///< empty: find_llama_server_binary()
    std::filesystem::path model;  ///< empty: ensure_test_model()
    int n_ctx = 2048;             ///< total; each slot gets n_ctx / n_parallel
    int n_parallel = 2;
    int threads = 2;
    std::vector<std::string> extra_args;
    std::chrono::milliseconds ready_timeout = std::chrono::seconds(120);
};

class llama_server
{
public:
    /// Starts the server and waits for /health 200. Throws std::runtime_error with the server's log
    /// tail if it exits or does not become ready in time (a bind race on the port is retried).
    explicit llama_server(llama_server_options options = {});
    ~llama_server();

    llama_server(llama_server const&) = delete;
    llama_server& operator=(llama_server const&) = delete;

    hp::test::endpoint const& endpoint() const { return endpoint_; }
    std::filesystem::path const& model_path() const { return options_.model; }
    std::filesystem::path const& log_path() const { return process_->log_path(); }
    int pid() const { return process_->pid(); }
    std::string log_tail(std::size_t max_bytes = 4000) const { return process_->log_tail(max_bytes); }

    /// The distinct non-200 /health answers seen while waiting for readiness (llama-server answers 503
    /// "Loading model" while it loads), in order.
    std::vector<http_reply> const& startup_health_answers() const { return startup_answers_; }

    /// Stops the server now (SIGTERM, then SIGKILL). Also done by the destructor.
    void stop() { process_->stop(); }

private:
    bool start_once(std::uint16_t port, std::string& failure);

    llama_server_options options_;
    hp::test::endpoint endpoint_;
    std::unique_ptr<child_process> process_;
    std::vector<http_reply> startup_answers_;
};

} // namespace hp::test
