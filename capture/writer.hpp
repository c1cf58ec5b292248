// capture/writer.hpp: the capture sink. submit() never blocks the proxy's I/O: records go into a
// bounded queue that one writer thread (owned here, joined in the destructor) appends to one file
// per session. Nothing is lost silently: a record that does not fit the queue, or that the disk
// refuses, is counted, reported through the error callback, and marked in that session's stream
// with a capture_gap record as soon as the writer can write again.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace hp::capture {

struct writer_options
{
    std::filesystem::path directory;
    std::size_t queue_limit = 65536;          // records waiting to be written
    std::size_t queue_byte_limit = 256 << 20; // bytes of serialized records waiting
    // Called from the writer thread (or from submit() for a full queue) with a one-line message.
    std::function<void(std::string_view)> on_error;
    // Called on the writer thread before each record is written; tests use it to hold the writer.
    std::function<void()> before_write;
};

struct writer_stats
{
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;     // refused by a full queue
    std::uint64_t write_errors = 0; // records the disk refused
};

class writer
{
public:
    // Creates the directory (0700) if needed; throws std::system_error when that is impossible,
    // which is a startup error, not a runtime one.
    explicit writer(writer_options options);
    writer(writer const&) = delete;
    writer& operator=(writer const&) = delete;
    ~writer(); // writes everything queued, then joins

    // Queues one record for `session` (already a sanitized file stem: see sanitize_session).
    // Thread-safe, never blocks on I/O.
    void submit(std::string const& session, boost::json::object record);

    // Blocks until everything submitted before the call is on disk (or failed). For shutdown and tests.
    void flush();

    writer_stats stats() const;
    std::filesystem::path const& directory() const { return options_.directory; }
    std::filesystem::path file_for(std::string const& session) const;

private:
    struct item
    {
        std::string session;
        boost::json::object record; // serialized on the writer thread, off the proxy's I/O path
        std::size_t bytes;          // estimate for the queue's byte limit
        std::uint64_t ticket;
    };
    struct session_file
    {
        int fd = -1;
        std::uint64_t dropped_unreported = 0; // gap to mark before the next record
    };

    void run();
    void write_item(item const& it);
    bool append(session_file& f, std::string const& session, std::string_view line);
    void report(std::string_view message);

    writer_options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<item> queue_;
    std::size_t queued_bytes_ = 0;
    std::map<std::string, std::uint64_t> dropped_by_session_; // guarded by mutex_
    std::uint64_t next_ticket_ = 0;
    std::uint64_t done_ticket_ = 0;
    bool stopping_ = false;
    writer_stats stats_;
    std::map<std::string, session_file> files_; // writer thread only
    std::thread thread_;
};

// A file stem no client can use to leave the capture directory: only [A-Za-z0-9_-] survive, other
// bytes become '_', the length is capped at 96, and a name that had to change gets a hash of the
// original so two different names cannot collide. Empty input gives "_".
std::string sanitize_session(std::string_view name);

} // namespace hp::capture
