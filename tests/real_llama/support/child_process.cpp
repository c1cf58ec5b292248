#include "real_llama/support/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hp::test {

child_process::child_process(std::vector<std::string> argv, std::filesystem::path log_path)
    : log_path_(std::move(log_path))
{
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    int const log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        throw std::runtime_error("cannot open " + log_path_.string() + ": " + std::strerror(errno));
    int const null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t const parent = ::getpid();

    pid_ = ::fork();
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127); // the parent died before prctl took effect
        ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int const fork_errno = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(fork_errno));
}

child_process::~child_process()
{
    stop();
}

std::optional<int> child_process::poll()
{
    if (!status_ && pid_ > 0) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    }
    return status_;
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout)
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return status_;
}

void child_process::stop(std::chrono::milliseconds grace)
{
    if (pid_ <= 0 || poll()) return;
    ::kill(pid_, SIGTERM);
    if (wait_for(grace)) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
}

std::string child_process::log_tail(std::size_t max_bytes) const
{
    std::ifstream in(log_path_, std::ios::binary | std::ios::ate);
    if (!in) return "(no log at " + log_path_.string() + ")";
    auto const size = static_cast<std::size_t>(in.tellg());
    auto const start = size > max_bytes ? size - max_bytes : 0;
    in.seekg(static_cast<std::streamoff>(start));
    std::string tail(size - start, '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return tail;
}

std::string describe_status(int status)
{
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

} // namespace hp::test
