// A child process for tests: started with fork+exec, output captured to a log file, stopped by pid.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hp::test {

class child_process
{
public:
    /// Starts `argv[0]` (a path) with `argv`, stdin from /dev/null and stdout+stderr appended to
    /// `log_path`. The child gets SIGKILL if the test process dies first (PR_SET_PDEATHSIG), so a
    /// crashed test leaves no server behind. Throws std::runtime_error if fork fails.
    child_process(std::vector<std::string> argv, std::filesystem::path log_path);
    ~child_process();

    child_process(child_process const&) = delete;
    child_process& operator=(child_process const&) = delete;

    int pid() const { return pid_; }
    std::filesystem::path const& log_path() const { return log_path_; }

    /// The exit status (as from waitpid) if the child has exited; never blocks.
    std::optional<int> poll();

    /// Waits up to `timeout` for the child to exit on its own; its status, or nothing.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);

    /// SIGTERM, up to `grace` for a clean exit, then SIGKILL; always reaps the child.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    /// The last `max_bytes` of the log, for failure messages.
    std::string log_tail(std::size_t max_bytes = 4000) const;

private:
    int pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path log_path_;
};

/// Describes an exit status for messages: "exit code 1", "signal 9".
std::string describe_status(int status);

} // namespace hp::test
