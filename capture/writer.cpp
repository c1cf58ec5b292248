#include "capture/writer.hpp"

#include "capture/record.hpp"

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace hp::capture {

writer::writer(writer_options options) : options_(std::move(options))
{
    std::filesystem::create_directories(options_.directory);
    std::filesystem::permissions(options_.directory, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    thread_ = std::thread([this] { run(); });
}

writer::~writer()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    for (auto& [name, f] : files_)
        if (f.fd >= 0) ::close(f.fd);
}

std::filesystem::path writer::file_for(std::string const& session) const
{
    return options_.directory / (session + ".jsonl");
}

void writer::submit(std::string const& session, boost::json::object record)
{
    // The strings dominate a record's size; the estimate only has to bound memory, not be exact.
    std::size_t bytes = 64;
    for (auto const& field : record)
        bytes += field.key().size() + (field.value().is_string() ? field.value().get_string().size() : 16);
    bool full = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= options_.queue_limit ||
            queued_bytes_ + bytes > options_.queue_byte_limit) {
            ++stats_.dropped;
            ++dropped_by_session_[session];
            full = true;
        } else {
            queued_bytes_ += bytes;
            queue_.push_back(item{session, std::move(record), bytes, ++next_ticket_});
        }
    }
    if (full)
        report("capture queue full: record dropped for session " + session);
    else
        wake_.notify_one();
}

void writer::flush()
{
    std::unique_lock lock(mutex_);
    auto const target = next_ticket_;
    drained_.wait(lock, [&] { return done_ticket_ >= target; });
}

writer_stats writer::stats() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

void writer::report(std::string_view message)
{
    if (options_.on_error) options_.on_error(message);
}

void writer::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        item it = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= it.bytes;
        std::uint64_t dropped = 0;
        if (auto d = dropped_by_session_.find(it.session); d != dropped_by_session_.end()) {
            dropped = d->second;
            dropped_by_session_.erase(d);
        }
        lock.unlock();
        if (options_.before_write) options_.before_write();
        files_[it.session].dropped_unreported += dropped;
        write_item(it);
        lock.lock();
        done_ticket_ = it.ticket;
        drained_.notify_all();
    }
}

void writer::write_item(item const& it)
{
    auto& f = files_[it.session];
    if (f.dropped_unreported > 0) {
        auto gap = make_record(kind::capture_gap, it.session, 0, 0, monotonic_ns());
        gap["dropped"] = f.dropped_unreported;
        if (!append(f, it.session, boost::json::serialize(gap) + "\n")) return;
        f.dropped_unreported = 0;
    }
    std::string line = boost::json::serialize(it.record);
    line.push_back('\n');
    if (append(f, it.session, line)) {
        std::lock_guard lock(mutex_);
        ++stats_.written;
    }
}

bool writer::append(session_file& f, std::string const& session, std::string_view line)
{
    auto fail = [&](char const* what) {
        int err = errno;
        {
            std::lock_guard lock(mutex_);
            ++stats_.write_errors;
        }
        // The record is lost; the next successful write says so with a gap record.
        ++f.dropped_unreported;
        report(std::string("capture ") + what + " failed for " + file_for(session).string() + ": " +
               std::strerror(err));
        return false;
    };
    if (f.fd < 0) {
        f.fd = ::open(file_for(session).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (f.fd < 0) return fail("open");
    }
    // O_APPEND plus one write per line: a crash can tear only the last line, which readers skip.
    while (!line.empty()) {
        ssize_t n = ::write(f.fd, line.data(), line.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail("write");
        line.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string sanitize_session(std::string_view name)
{
    constexpr std::size_t max_length = 96;
    std::string out;
    bool changed = name.empty() || name.size() > max_length;
    for (char c : name.substr(0, max_length)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-';
        out.push_back(ok ? c : '_');
        changed |= !ok;
    }
    if (out.empty()) out = "_";
    if (changed) {
        std::uint64_t h = 1469598103934665603ull; // FNV-1a of the original name
        for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
        char buf[20];
        std::snprintf(buf, sizeof buf, "-%016llx", static_cast<unsigned long long>(h));
        out += buf;
    }
    return out;
}

} // namespace hp::capture
