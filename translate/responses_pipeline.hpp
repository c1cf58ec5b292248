// translate/responses_pipeline.hpp: the token pipeline of one Responses exchange, from
// llama-server's /completion body bytes to Responses events (sans-io):
//
//   body bytes -> completion_stream (SSE, chunks, ids rebuilt on split UTF-8 characters)
//              -> stream_parser (harmony messages) -> response_builder (Responses events)
//
// The proxy (proxy/responses_stream) and offline replay (replay/) run this very class, so a
// recorded exchange fed back through it must give the recorded events byte for byte (ids and
// timestamps aside, which the caller injects). Everything the pipeline decides is reported to an
// optional observer as capture-record fields; so are the inputs that do not come from the body
// (end of body, an I/O failure), which is what lets replay reproduce them in order.
#pragma once

#include "translate/completion_stream.hpp"
#include "translate/responses_errors.hpp"
#include "translate/responses_events.hpp"
#include "translate/stream_parser.hpp"
#include "translate/tool_control.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// Record kinds reported to the observer; the proxy writes them into the exchange's capture.
namespace pipeline_record {
inline constexpr std::string_view completion_tokens = "completion_tokens"; // ids, rebuilt, tokens_predicted
inline constexpr std::string_view harmony_message = "harmony_message";     // message, end, token_index
inline constexpr std::string_view completion_final = "completion_final";   // stop_type, cache_n, ...
// An input that is not body bytes: {"input":"end_of_body"} or {"input":"fail","failure":KIND,"message":...}.
inline constexpr std::string_view upstream_end = "upstream_end";
// The phase ended on the header stop and another /completion follows: type, position, written,
// keep_stop, generated (tool_control.hpp).
inline constexpr std::string_view completion_continue = "completion_continue";
} // namespace pipeline_record

// How the response's generation is split into /completion requests (tool_control.hpp).
struct pipeline_control
{
    // The stop string the first request carries ("to="); empty: one request, no control.
    std::string header_stop;
    // The response's output budget (the first request's n_predict); -1: none.
    std::int64_t n_predict = -1;
};

// Receives (kind, fields) for each record; the caller adds the envelope. Called synchronously.
using pipeline_observer = std::function<void(std::string_view kind, boost::json::object fields)>;

class responses_pipeline
{
public:
    responses_pipeline(tokenizer const& tok, response_builder_options builder_options, std::uint64_t prompt_tokens,
                       pipeline_observer observer = {}, pipeline_control control = {});

    // response.created and response.in_progress.
    void begin(std::vector<boost::json::object>& out);
    // Body bytes from llama-server, in arrival order and grouping.
    void feed(std::string_view bytes, std::vector<boost::json::object>& out);
    // The upstream body ended (cleanly or not). No-op while a continuation is pending: that
    // phase ended with its final chunk.
    void end_of_body(std::vector<boost::json::object>& out);
    // The caller's I/O broke off (connection error, idle timeout). No-op once finished or while a
    // continuation is pending.
    void fail(failure const& f, std::vector<boost::json::object>& out);

    // Set when the current /completion ended on the header stop and the response goes on with
    // another one: build it with continuation_settings(first, generated(), control, *plan), send
    // it, then call resume() and feed its body.
    std::optional<continuation> const& pending_continuation() const { return pending_; }
    void resume();
    // Every id generated in this response so far, across requests.
    std::vector<token_id> const& generated() const { return generated_; }

    bool finished() const { return builder_.finished(); }
    response_builder const& builder() const { return builder_; }
    // Set when the response failed: what to answer when nothing was sent yet (non-streaming).
    std::optional<failure> const& failure_reason() const { return failure_; }
    std::uint64_t output_tokens() const { return output_tokens_; }
    // Prompt tokens llama-server processed (timings.prompt_n), summed over the requests, and how
    // many requests ended (final chunks seen).
    std::uint64_t processed_tokens() const { return processed_tokens_; }
    std::size_t completions() const { return completions_; }
    // How the last parsed message ended (<|return|>: a final answer ended the turn).
    std::optional<end_reason> last_message_end() const { return last_end_; }
    std::vector<std::string> const& parse_warnings() const { return warnings_; }

private:
    void terminate_with(failure const& f, std::vector<boost::json::object>& out);
    void on_completion_events(std::vector<boost::json::object>& out);
    void on_parser_events(std::vector<boost::json::object>& out);
    void on_final(final_chunk const& fin, std::vector<boost::json::object>& out);
    void observe(std::string_view kind, boost::json::object fields) const
    {
        if (observer_) observer_(kind, std::move(fields));
    }

    tokenizer const& tok_;
    pipeline_control control_;
    completion_stream completion_;
    stream_parser parser_;
    response_builder builder_;
    pipeline_observer observer_;
    std::uint64_t prompt_tokens_;
    std::uint64_t output_tokens_ = 0;
    std::vector<token_id> generated_;
    std::optional<continuation> pending_;
    std::size_t resumes_ = 0;
    std::uint64_t processed_tokens_ = 0;
    std::size_t completions_ = 0;
    std::optional<end_reason> last_end_;
    std::optional<std::int64_t> first_cache_n_; // the response's prompt is the first request's
    std::optional<failure> failure_;
    std::vector<completion_event> completion_events_;
    std::vector<stream_event> parser_events_;
    std::vector<std::string> warnings_;
};

// failure_kind from its to_string() name; nullopt for an unknown name (a newer capture).
std::optional<failure_kind> failure_kind_from_string(std::string_view name) noexcept;

} // namespace hp::translate
