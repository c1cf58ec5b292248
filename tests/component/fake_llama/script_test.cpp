// Script loading errors (file, line:column, JSON path) and the fake-llama-server executable.
#include "fixture.hpp"

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hp::tools::fake_llama::test {
namespace {

using namespace std::chrono_literals;

std::string error_of(std::string const& text)
{
    auto s = parse_script(text, "f.json", voc());
    EXPECT_FALSE(s) << "the script was accepted";
    return s ? std::string() : s.error().message;
}

TEST(FakeLlamaScript, InvalidJsonNamesFileLineAndColumn)
{
    EXPECT_EQ(error_of("{\n  \"rules\": [\n    {\"tokens\": [1, 2,, 3]}\n  ]\n}").substr(0, 12),
              "f.json:3:22:");
    EXPECT_NE(error_of("{\n  \"rules\": [\n").find("f.json:3:1: invalid JSON"), std::string::npos);
}

TEST(FakeLlamaScript, SemanticErrorsNameThePathAndItsLine)
{
    EXPECT_EQ(error_of("{\"rules\": [\n  {\"tokens\": [1]},\n  {\"tokns\": [1]}\n]}"),
              "f.json:3:4: $.rules[1].tokns: unknown field \"tokns\"");
    EXPECT_EQ(error_of("{\"rules\": [\n  {\"fault\":\n     {\"kind\": \"explode\"}}\n]}"),
              "f.json:3:7: $.rules[0].fault.kind: expected \"http_error\", \"stream_error\", \"drop\" or "
              "\"stall\", got \"explode\"");
    EXPECT_EQ(error_of("{\"rules\": [{\"tokens\": [1, 201088]}]}"),
              "f.json:1:27: $.rules[0].tokens[1]: out of range [0, 201087]");
    EXPECT_NE(error_of(R"({"rules": [{"end": {"type": "eos", "token": 200007}}]})")
                  .find("$.rules[0].end.token: expected one end-of-generation token"),
              std::string::npos);
    EXPECT_EQ(error_of("{}"), "f.json:1:1: $: missing field \"rules\"");
    EXPECT_EQ(error_of(R"({"rules": [{"match": {"request": 0}}]})"),
              "f.json:1:23: $.rules[0].match.request: out of range [1, 2147483647]");
}

TEST(FakeLlamaScript, MissingFileIsNamed)
{
    auto s = load_script("/nonexistent/dir/script.json", voc());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "/nonexistent/dir/script.json: cannot open the script file");
}

TEST(FakeLlamaScript, RulesRecordTheirLine)
{
    auto s = parse_or_fail(
        "{\"rules\": [\n  {\"tokens\": \"a\"},\n\n  {\"name\": \"b\", \"tokens\": [1, \"<|call|>\"]}\n]}");
    ASSERT_EQ(s.rules.size(), 2u);
    EXPECT_EQ(s.rules[0].line, 2u);
    EXPECT_EQ(s.rules[1].line, 4u);
    EXPECT_EQ(s.rules[1].name, "b");
    EXPECT_EQ(s.rules[1].tokens, (std::vector<token_id>{1, 200012}));
}

// A child process with its stdout and stderr captured, killed and reaped by pid on destruction.
class child
{
public:
    explicit child(std::vector<std::string> args)
    {
        int out[2], err[2];
        if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe");
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], 1);
            dup2(err[1], 2);
            close(out[0]);
            close(err[0]);
            std::vector<char*> argv;
            for (auto& a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(out[1]);
        close(err[1]);
        out_ = out[0];
        err_ = err[0];
    }
    ~child()
    {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(out_);
        close(err_);
    }

    // One line of stdout, waiting at most `timeout`.
    std::string read_line(std::chrono::milliseconds timeout) { return read_until(out_, timeout, true); }
    std::string read_stderr(std::chrono::milliseconds timeout) { return read_until(err_, timeout, false); }

    void signal(int sig) { kill(pid_, sig); }

    // The exit status, or -1 when it did not exit within `timeout`.
    int wait_exit(std::chrono::milliseconds timeout)
    {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }

private:
    static std::string read_until(int fd, std::chrono::milliseconds timeout, bool one_line)
    {
        std::string s;
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            char c;
            if (read(fd, &c, 1) != 1) break;
            if (one_line && c == '\n') break;
            s += c;
        }
        return s;
    }

    pid_t pid_ = -1;
    int out_ = -1, err_ = -1;
    bool reaped_ = false;
};

std::string const server_exe = std::string(HP_BINARY_DIR) + "/fake-llama-server";

std::filesystem::path write_temp(std::string const& name, std::string const& text)
{
    auto p = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".json");
    std::ofstream(p) << text;
    return p;
}

TEST(FakeLlamaExecutable, BadScriptExitsWithFileLineAndProblem)
{
    auto path = write_temp("fake-llama-bad", "{\"rules\": [\n  {\"delay_ms\": -5}\n]}");
    child c({server_exe, "--script", path.string()});
    auto err = c.read_stderr(10s);
    EXPECT_EQ(c.wait_exit(10s), 2);
    EXPECT_NE(err.find(path.string() + ":2:4: $.rules[0].delay_ms: out of range"), std::string::npos) << err;
    std::filesystem::remove(path);
}

TEST(FakeLlamaExecutable, PrintsItsPortServesAndStopsOnSigterm)
{
    auto path = write_temp("fake-llama-ok", R"({"rules":[{"tokens":"hi"}]})");
    child c({server_exe, "--listen", "127.0.0.1:0", "--script", path.string(), "--n-ctx", "1024", "--slots",
             "2", "--model-path", "/m/x.gguf"});
    auto line = c.read_line(20s);
    ASSERT_FALSE(line.empty()) << "no port printed";
    auto port = static_cast<unsigned short>(std::stoi(line));
    auto props = hp::test::http_request("GET", port, "/props");
    ASSERT_EQ(props.status, 200);
    EXPECT_EQ(props.json().at("default_generation_settings").at("n_ctx"), 1024);
    EXPECT_EQ(props.json().at("total_slots"), 2);
    EXPECT_EQ(props.json().at("model_path"), "/m/x.gguf");
    auto r = hp::test::http_request("POST", port, "/completion", R"({"prompt":[1]})");
    EXPECT_EQ(r.json().at("content"), "hi");
    c.signal(SIGTERM);
    EXPECT_EQ(c.wait_exit(10s), 0);
    std::filesystem::remove(path);
}

} // namespace
} // namespace hp::tools::fake_llama::test
