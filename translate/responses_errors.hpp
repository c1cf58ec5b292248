// translate/responses_errors.hpp: the one table that turns failures into Codex's language.
//
// Codex (../shared/notes/codex.md) understands string error codes only: an integer `code` makes it
// fail to parse the body and retry blindly. `context_length_exceeded` (as a 400 body or as the code
// of response.failed) is shown as "ran out of room" and not retried; 5xx and `server_error` are
// retried; 503/429 want Retry-After. llama-server (../shared/notes/llama-server.md "Error bodies")
// answers {"error":{"code":<int>,"message":...,"type":"exceed_context_size_error"|...}} before a
// stream starts and sends the same object as an SSE `data:` line once it has started.
//
// Every failure the proxy reports goes through failure_kind: classify it, then ask for the HTTP
// answer (before the first byte of the stream) or the response.failed error (after).
#pragma once

#include "translate/responses_events.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hp::translate {

enum class failure_kind {
    context_length_exceeded, // the prompt does not fit the upstream's context
    upstream_loading,        // llama-server answers 503 while it loads the model
    invalid_prompt,          // llama-server rejected the prompt ids (a vocabulary that is not gpt-oss)
    bad_request,             // the client's request is invalid (the proxy's own validation)
    upstream_rejected,       // llama-server rejected what the proxy sent (grammar, parameters): a proxy bug
    upstream_error,          // llama-server failed (5xx, or an error event in the stream)
    upstream_unreachable,    // connection refused or reset, malformed upstream answer
    upstream_timeout,        // the upstream went silent past the idle deadline
    internal_error,          // a bug in the proxy
};

std::string_view to_string(failure_kind k) noexcept;

struct failure
{
    failure_kind kind = failure_kind::internal_error;
    std::string message; // for people; the upstream's own message when there is one
};

// The row of the table for one kind.
struct failure_mapping
{
    unsigned http_status;                   // the status answered before the stream starts
    std::string_view type;                  // OpenAI's error type ("invalid_request_error", "server_error")
    std::string_view code;                  // the string code Codex reads
    std::optional<unsigned> retry_after_s;  // Retry-After header, when the client should come back
};

failure_mapping mapping_of(failure_kind k) noexcept;

// A llama-server error answer (HTTP status and body, before streaming) to a failure. Bodies that
// are not llama-server's error JSON are classified by status alone.
failure classify_upstream_http_error(unsigned http_status, std::string_view body);

// An error object received inside llama-server's stream (`data: {"error":{...}}`), given as the
// value of the whole data line or of its "error" member.
failure classify_upstream_stream_error(boost::json::value const& data);

// The HTTP answer for a failure before the stream started.
struct http_error
{
    unsigned status;
    std::optional<unsigned> retry_after_s;
    boost::json::object body; // {"error":{"message","type","param":null,"code"}}
};

http_error to_http_error(failure const& f);

// The error of response.failed once the stream has started.
response_error to_response_error(failure const& f);

} // namespace hp::translate
