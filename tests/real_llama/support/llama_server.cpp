#include "real_llama/support/llama_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace hp::test {
namespace fs = std::filesystem;

namespace {

fs::path env_path(char const* name)
{
    char const* v = std::getenv(name);
    return v && *v ? fs::path(v) : fs::path();
}

fs::path log_dir()
{
    fs::path dir = fs::path(HP_BINARY_DIR) / "real_llama" / "logs";
    fs::create_directories(dir);
    return dir;
}

} // namespace

fs::path find_llama_server_binary()
{
    fs::path bin = env_path("HP_LLAMA_SERVER");
    if (bin.empty())
        bin = fs::path(HP_CACHE_DIR) / "llama.cpp-node-llama-cpp-3.21.1" / "build" / "bin" / "llama-server";
    if (::access(bin.c_str(), X_OK) != 0)
        throw std::runtime_error(
            "no llama-server at " + bin.string() +
            "; build it with " HP_SOURCE_DIR
            "/tools/llama-server/build.sh (about 8 minutes on 2 cores) or set HP_LLAMA_SERVER");
    return bin;
}

fs::path ensure_test_model()
{
    fs::path model = env_path("HP_TEST_MODEL");
    if (model.empty()) model = HP_TEST_MODEL_PATH;
    if (fs::exists(model)) return model;
    fs::create_directories(model.parent_path());
    child_process gen({HP_MAKE_TEST_MODEL, "--out", model.string()}, log_dir() / "make-test-model.log");
    auto const status = gen.wait_for(std::chrono::minutes(2));
    if (!status || *status != 0 || !fs::exists(model))
        throw std::runtime_error("make-test-model failed (" +
                                 (status ? describe_status(*status) : "timeout") + "): " + gen.log_tail());
    return model;
}

std::uint16_t free_loopback_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(
        ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

llama_server::llama_server(llama_server_options options) : options_(std::move(options))
{
    if (options_.binary.empty()) options_.binary = find_llama_server_binary();
    if (options_.model.empty()) options_.model = ensure_test_model();
    endpoint_.name = "real llama-server";

    // Another process may take the port between free_loopback_port() and llama-server's bind:
    // a start that fails on bind is retried on a new port, a few times.
    std::string failure;
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (start_once(free_loopback_port(), failure)) return;
        if (failure.find("bind") == std::string::npos) break;
    }
    throw std::runtime_error(failure);
}

llama_server::~llama_server()
{
    if (process_) process_->stop();
}

bool llama_server::start_once(std::uint16_t port, std::string& failure)
{
    endpoint_.port = port;
    startup_answers_.clear();
    std::vector<std::string> argv = {options_.binary.string(),
                                     "--model",
                                     options_.model.string(),
                                     "--host",
                                     endpoint_.host,
                                     "--port",
                                     std::to_string(port),
                                     "--ctx-size",
                                     std::to_string(options_.n_ctx),
                                     "--parallel",
                                     std::to_string(options_.n_parallel),
                                     "--threads",
                                     std::to_string(options_.threads),
                                     "--no-webui"};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    auto const log =
        log_dir() / ("llama-server-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".log");
    process_ = std::make_unique<child_process>(std::move(argv), log);

    // /health answers 503 while the model loads and 200 once the server is ready.
    auto const deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto status = process_->poll()) {
            failure = "llama-server exited during start-up (" + describe_status(*status) + "), log " +
                      log.string() + ":\n" + process_->log_tail();
            return false;
        }
        try {
            auto reply = http_get(endpoint_, "/health", std::chrono::seconds(2));
            if (reply.status == 200) return true;
            last = "HTTP " + std::to_string(reply.status) + " " + reply.body;
            if (startup_answers_.empty() || startup_answers_.back().body != reply.body)
                startup_answers_.push_back(std::move(reply));
        } catch (std::exception const& e) {
            last = e.what(); // not listening yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    process_->stop();
    failure = "llama-server not ready within " + std::to_string(options_.ready_timeout.count()) +
              " ms (last /health: " + last + "), log " + log.string() + ":\n" + process_->log_tail();
    return false;
}

} // namespace hp::test
