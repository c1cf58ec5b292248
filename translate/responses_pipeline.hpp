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
} // namespace pipeline_record

// Receives (kind, fields) for each record; the caller adds the envelope. Called synchronously.
using pipeline_observer = std::function<void(std::string_view kind, boost::json::object fields)>;

class responses_pipeline
{
public:
    responses_pipeline(tokenizer const& tok, response_builder_options builder_options, std::uint64_t prompt_tokens,
                       pipeline_observer observer = {});

    // response.created and response.in_progress.
    void begin(std::vector<boost::json::object>& out);
    // Body bytes from llama-server, in arrival order and grouping.
    void feed(std::string_view bytes, std::vector<boost::json::object>& out);
    // The upstream body ended (cleanly or not).
    void end_of_body(std::vector<boost::json::object>& out);
    // The caller's I/O broke off (connection error, idle timeout). No-op once finished.
    void fail(failure const& f, std::vector<boost::json::object>& out);

    bool finished() const { return builder_.finished(); }
    response_builder const& builder() const { return builder_; }
    // Set when the response failed: what to answer when nothing was sent yet (non-streaming).
    std::optional<failure> const& failure_reason() const { return failure_; }
    std::uint64_t output_tokens() const { return output_tokens_; }
    std::vector<std::string> const& parse_warnings() const { return warnings_; }

private:
    void terminate_with(failure const& f, std::vector<boost::json::object>& out);
    void on_completion_events(std::vector<boost::json::object>& out);
    void on_parser_events(std::vector<boost::json::object>& out);
    void observe(std::string_view kind, boost::json::object fields) const
    {
        if (observer_) observer_(kind, std::move(fields));
    }

    completion_stream completion_;
    stream_parser parser_;
    response_builder builder_;
    pipeline_observer observer_;
    std::uint64_t prompt_tokens_;
    std::uint64_t output_tokens_ = 0;
    std::optional<failure> failure_;
    std::vector<completion_event> completion_events_;
    std::vector<stream_event> parser_events_;
    std::vector<std::string> warnings_;
};

// failure_kind from its to_string() name; nullopt for an unknown name (a newer capture).
std::optional<failure_kind> failure_kind_from_string(std::string_view name) noexcept;

} // namespace hp::translate
