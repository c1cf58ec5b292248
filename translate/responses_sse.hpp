// translate/responses_sse.hpp: Responses events -> Server-Sent Events bytes.
//
// Codex dispatches on the JSON `type` of each `data:` line; the `event:` line repeats it for other
// clients. boost::json serializes control characters as escapes, so the JSON never holds a raw
// newline and one `data:` line carries the whole event (a newline inside would split the field).
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace hp::translate {

// `event: <type>\ndata: <json>\n\n`. An event without a string `type` is a bug in the caller;
// it is still framed, without the event: line.
std::string encode_sse(boost::json::object const& event);
void encode_sse(boost::json::object const& event, std::string& out); // appends

// `: <text>\n\n`, a comment every SSE reader ignores: the keep-alive during a long prefill (it
// consumes no sequence number). Line breaks in `text` are replaced by spaces.
std::string encode_sse_comment(std::string_view text);

} // namespace hp::translate
