// translate/sse_parser.cpp: see sse_parser.hpp.
#include "translate/sse_parser.hpp"

namespace hp::translate {

sse_parser::sse_parser(std::size_t max_event_bytes) noexcept : max_event_bytes_(max_event_bytes) {}

bool sse_parser::mid_event() const noexcept
{
    return !line_.empty() || saw_fields_;
}

boost::system::result<void, sse_error> sse_parser::feed(std::string_view bytes, std::vector<sse_event>& out)
{
    if (failed_) return sse_error{error_};
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        if (skip_lf_) {
            skip_lf_ = false;
            if (bytes[pos] == '\n') {
                ++pos;
                continue;
            }
        }
        std::size_t const end = bytes.find_first_of("\r\n", pos);
        std::size_t const stop = end == std::string_view::npos ? bytes.size() : end;
        line_.append(bytes.substr(pos, stop - pos));
        if (event_bytes() > max_event_bytes_) {
            failed_ = true;
            error_ = "SSE event exceeds the " + std::to_string(max_event_bytes_) + "-byte limit";
            return sse_error{error_};
        }
        if (end == std::string_view::npos) break;
        skip_lf_ = bytes[end] == '\r';
        pos = end + 1;
        std::string line = std::move(line_);
        line_.clear();
        process_line(line, out);
    }
    return {};
}

void sse_parser::process_line(std::string_view line, std::vector<sse_event>& out)
{
    if (line.empty()) {
        // Dispatch. The data buffer's last "\n" is removed, as the spec says.
        if (has_data_) {
            data_.pop_back();
            out.push_back(sse_event{std::move(event_), std::move(data_)});
        }
        event_.clear();
        data_.clear();
        has_data_ = false;
        saw_fields_ = false;
        return;
    }
    if (line.front() == ':') return; // a comment: llama-server's keep-alive ping

    saw_fields_ = true;
    std::size_t const colon = line.find(':');
    std::string_view const field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        data_.append(value);
        data_.push_back('\n');
        has_data_ = true;
    } else if (field == "event") {
        event_.assign(value);
    }
    // "id", "retry" and unknown fields: ignored (see the header).
}

} // namespace hp::translate
