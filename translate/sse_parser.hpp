// translate/sse_parser.hpp: a sans-io Server-Sent Events framer (WHATWG HTML "event stream"
// interpretation), for reading llama-server's streaming /completion answer.
//
// Bytes go in, in any split; whole events come out. What it implements of the format:
//   - lines end in CR LF, LF or CR (a CR LF split across two feed() calls is still one line end);
//   - `data:` lines of one event are joined with "\n"; `event:` sets the event's name;
//   - one space after the colon is dropped ("data: x" and "data:x" both give "x");
//   - lines starting with ':' are comments: llama-server sends them as idle pings; they never
//     produce an event, and they do not end or disturb the event around them;
//   - a blank line dispatches the event; an event without any `data:` line is dropped (as browsers
//     do), so a lone `event:` line cannot make an empty event;
//   - `id:` and `retry:` are accepted and ignored (llama-server sends neither, and the proxy never
//     reconnects an upstream stream); unknown fields are ignored.
// Not implemented on purpose: stripping a leading UTF-8 BOM (llama-server never sends one).
//
// Limit: an event (its field lines so far, plus the line being read) larger than
// `max_event_bytes` is an error, so a peer that never sends a line end cannot grow memory without
// bound. After an error the parser stays failed.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

struct sse_event
{
    std::string event; // the `event:` name; empty when the event had none ("message")
    std::string data;  // the `data:` lines joined with "\n"

    friend bool operator==(sse_event const&, sse_event const&) = default;
};

struct sse_error
{
    std::string message; // for people: "SSE event exceeds the 1048576-byte limit"
};

class sse_parser
{
public:
    static constexpr std::size_t default_max_event_bytes = 8u * 1024u * 1024u;

    explicit sse_parser(std::size_t max_event_bytes = default_max_event_bytes) noexcept;

    // Consumes all of `bytes`, appending each completed event to `out`. Events completed before an
    // error are still appended. Once an error has been returned, every later call returns it again.
    boost::system::result<void, sse_error> feed(std::string_view bytes, std::vector<sse_event>& out);

    // True when bytes of an event that has not been dispatched yet are buffered: at the end of the
    // stream, this means the peer stopped in the middle of an event (the spec discards it).
    bool mid_event() const noexcept;

private:
    void process_line(std::string_view line, std::vector<sse_event>& out);
    std::size_t event_bytes() const noexcept { return data_.size() + event_.size() + line_.size(); }

    std::size_t max_event_bytes_;
    std::string line_;        // the current line, without its end
    std::string data_;        // data lines of the current event so far, each followed by "\n"
    std::string event_;       // the current event's name
    bool has_data_ = false;   // at least one data line (which may be empty) was seen
    bool skip_lf_ = false;    // the previous byte was a CR: an LF right after it ends nothing
    bool saw_fields_ = false; // a non-comment line of the current event was seen
    bool failed_ = false;
    std::string error_;
};

} // namespace hp::translate
