// translate/responses_events.hpp: harmony messages -> Responses API streaming events (sans-io).
//
// response_builder is fed the stream_parser's events as the model's tokens arrive and appends the
// Responses events Codex reads (../shared/notes/codex.md "The response stream Codex needs"):
//
//   response.created, response.in_progress            (status in_progress, empty output)
//   per harmony message, one output item:
//     analysis                      -> reasoning         (reasoning_text.delta ... .done)
//     a recipient (any channel)     -> function_call     (function_call_arguments.delta ... .done)
//                                   or custom_tool_call  (custom_tool_call_input.delta ... .done)
//     commentary without recipient  -> message, phase "commentary" (a preamble; kept, never dropped)
//     final, or no/unknown channel  -> message, phase "final_answer" (content_part.added,
//                                      output_text.delta ...). Codex 0.169 knows `phase` and echoes
//                                      it back, which tells the request side what a message was.
//   exactly one terminal event: response.completed | response.incomplete | response.failed.
//
// Protocol invariants this class guarantees, whatever it is fed and in whatever order:
//   - sequence_number is 0, 1, 2, ... with no gap;
//   - an item's output_item.added precedes every other event naming it, and every event of an item
//     carries the same item_id and output_index; output_index counts items from 0;
//   - output_item.done is emitted once per finished item (Codex records and executes items on it
//     alone; an item still open when the stream fails gets none, so a call cut short is never
//     executed), and the terminal response's `output` is exactly the done items, in order;
//   - nothing is emitted after the terminal event: later calls are ignored;
//   - usage numbers are integers and total_tokens = input_tokens + output_tokens;
//   - a tool call's arguments/input are the model's bytes (custom tools: byte for byte; in json
//     style the `{"input": "..."}` wrapper the model wrote is removed).
// Names a model calls that were not declared still become function_call items (Codex answers
// "unsupported call" and the model can recover) and are reported in warnings().
#pragma once

#include "translate/responses_request.hpp"
#include "translate/stream_parser.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// How a harmony recipient maps onto a tool the client declared.
enum class call_kind {
    function, // function_call {name, arguments}; a namespace tool also carries `namespace`
    custom,   // custom_tool_call {name, input}
};

struct resolved_call
{
    call_kind kind = call_kind::function;
    std::string name;                   // the name the client declared ("exec_command", "apply_patch")
    std::optional<std::string> name_space; // a `namespace` tool's namespace ("mcp__fs"); else nullopt
};

// recipient ("functions.exec_command", "mcp__fs.read") -> the declared tool, or nullopt when the
// client declared no such tool. The request side's tool registry supplies it.
using tool_resolver = std::function<std::optional<resolved_call>(std::string_view recipient)>;

// The resolver of a request's tool registry. `registry` must outlive the resolver.
inline tool_resolver resolver_for(responses::tool_registry const& registry)
{
    return [&registry](std::string_view recipient) -> std::optional<resolved_call> {
        auto const* t = registry.find(recipient);
        if (!t) return std::nullopt;
        if (t->kind == responses::tool_kind::custom) return resolved_call{call_kind::custom, t->name, std::nullopt};
        return resolved_call{call_kind::function, t->name,
                             t->kind == responses::tool_kind::namespace_function ? t->ns : std::nullopt};
    };
}

// Makes item and call ids. Given a prefix ("msg", "rs", "fc", "ctc", "call") it returns a fresh id
// that starts with that prefix and "_". Injected so that replay can produce stable ids.
using id_generator = std::function<std::string(std::string_view prefix)>;

// Deterministic ids "<prefix>_<n>" with one counter per builder: for tests and replay.
id_generator counting_id_generator();
// Random ids "<prefix>_<32 hex digits>", each generator with its own engine (no global state).
id_generator random_id_generator();

// Token counts reported with the terminal event (llama-server: tokens_evaluated + cache_n,
// timings.cache_n, tokens_predicted).
struct response_usage
{
    std::uint64_t input_tokens = 0;
    std::uint64_t cached_tokens = 0;
    std::uint64_t output_tokens = 0;
    // nullopt: counted by the builder (the tokens of analysis messages, header and stop included).
    std::optional<std::uint64_t> reasoning_tokens;
};

// The error of a response.failed event: `code` is a string Codex understands ("server_error",
// "context_length_exceeded"; translate/responses_errors.hpp makes them).
struct response_error
{
    std::string code;
    std::string message;
};

struct response_builder_options
{
    std::string response_id; // "resp_..."
    std::string model;
    std::int64_t created_at = 0; // unix seconds
    tool_resolver tools;         // empty: no tool is declared
    id_generator ids;            // empty: counting_id_generator()
    // Custom tools rendered in json style (--custom-tools json): the model writes
    // {"input": "..."} and the raw input is recovered from it.
    bool custom_tools_json = false;
    // When set, gives the reasoning item's encrypted_content for a finished analysis message (the
    // proxy stores the exact token ids there). Returning nullopt leaves the field out.
    std::function<std::optional<std::string>(message const& analysis)> reasoning_encrypted_content;
};

class response_builder
{
public:
    explicit response_builder(response_builder_options options);

    // response.created and response.in_progress. Called implicitly by the first event fed; call
    // it early to answer before a long prefill. Idempotent.
    void begin(std::vector<boost::json::object>& out);

    // One stream_parser event. parse_warning and parse_error are not the client's business and
    // produce nothing (the caller logs them).
    void on_event(stream_event const& ev, std::vector<boost::json::object>& out);
    void on_events(std::vector<stream_event> const& evs, std::vector<boost::json::object>& out);

    // Terminal events; each emits nothing once a terminal event was emitted. Feed the events of
    // stream_parser::finish() first (it flushes held-back bytes). A message that ended
    // without a stop token (the parser's end_of_stream) is held open until one of them: complete()
    // closes it with status "completed" (the generation ended normally, llama-server stop_type
    // "eos"), incomplete_max_output_tokens() with status "incomplete".
    void complete(response_usage const& usage, std::vector<boost::json::object>& out);
    // The output token limit was reached (llama-server stop_type "limit").
    void incomplete_max_output_tokens(response_usage const& usage, std::vector<boost::json::object>& out);
    // The upstream failed after the stream began. Open items are dropped, not closed: a tool call
    // cut short must not be executed.
    void fail(response_error const& error, std::vector<boost::json::object>& out);

    bool finished() const noexcept { return terminal_; }
    // The response object: the non-streaming answer once finished() (the same object the terminal
    // event carries), the in-progress snapshot before.
    boost::json::object response() const;
    // The done items so far, in output order (for capture).
    boost::json::array const& items() const noexcept { return items_; }
    // Undeclared recipients, unparseable json-style custom input, and the like.
    std::vector<std::string> const& warnings() const noexcept { return warnings_; }
    std::uint64_t next_sequence_number() const noexcept { return sequence_; }

private:
    enum class item_kind { message, reasoning, function_call, custom_tool_call };

    struct open_item
    {
        item_kind kind = item_kind::message;
        message_header header;
        std::string id;
        std::string call_id;
        resolved_call call;
        std::size_t output_index = 0;
        std::string text;          // content so far (arguments / input / text)
        bool buffer_input = false; // json-style custom input: unwrapped at the end, one delta
        bool held = false;         // ended without a stop token; closed by what comes next
        std::string_view phase; // message items: "commentary" (a preamble) or "final_answer"
    };

    void start_item(message_header const& header, std::vector<boost::json::object>& out);
    void append_delta(std::string const& text, std::vector<boost::json::object>& out);
    void emit_delta(open_item const& it, std::string const& text, std::vector<boost::json::object>& out);
    void end_item(std::string_view status, std::vector<boost::json::object>& out);
    void count_tokens(message_ended const& ended);

    boost::json::object item_object(open_item const& it, std::string_view status, bool done) const;
    boost::json::object make_event(std::string_view type);
    void emit(boost::json::object ev, std::vector<boost::json::object>& out);
    void terminate(std::string_view type, std::string_view status, boost::json::value usage_or_null,
                   boost::json::value error_or_null, boost::json::value incomplete_or_null,
                   std::vector<boost::json::object>& out);
    boost::json::value usage_json(response_usage const& usage) const;
    std::string unwrap_json_input(std::string const& raw);

    response_builder_options options_;
    std::uint64_t sequence_ = 0;
    bool begun_ = false;
    bool terminal_ = false;
    std::string status_ = "in_progress";
    boost::json::value usage_;      // null until terminal
    boost::json::value error_;      // null unless failed
    boost::json::value incomplete_; // null unless incomplete
    std::optional<open_item> open_;
    boost::json::array items_;
    std::vector<std::string> warnings_;
    // Reasoning token count: tokens from the end of the previous message through an analysis
    // message's stop token.
    std::uint64_t reasoning_tokens_ = 0;
    std::optional<std::size_t> last_end_index_;
};

} // namespace hp::translate
