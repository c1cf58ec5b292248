// translate/stream_parser.hpp: harmony token ids -> messages, one token at a time (sans-io).
//
// The model's output arrives from llama-server as token ids. The parser is a three-state machine
// (openai/harmony StreamableParser): expect <|start|> -> header (until <|message|>) -> content
// (until <|end|>, <|call|> or <|return|>). It reports, as they happen:
//   message_started  when a header is complete (role, author name, channel, recipient, content type);
//   content_delta    text at UTF-8 character boundaries only (a character split across tokens is
//                    held back; invalid bytes become U+FFFD exactly where the reference puts them);
//   message_ended    with the token that ended the message and the completed message;
//   parse_warning    what was malformed and how it was recovered, with the token index;
//   parse_error      strict mode only: where the reference implementation would have failed.
// Invariants, whatever the input: feed() and finish() never throw for any id (bad_alloc aside);
// every message_ended follows one message_started; the content_delta texts between them are valid
// UTF-8 and concatenate to exactly the ended message's content; no byte of a decodable token is
// dropped without a warning.
//
// Strict mode reproduces the reference, including its failures (then the parser stops: the error
// is reported once and later tokens are ignored). Non-strict mode (the proxy's) never fails: a
// duplicated `to=`, garbage after <|channel|>, a missing <|message|>, a stop token where a start was
// expected, an unknown role, a special or invalid id in the wrong place are all recovered (what can
// be read becomes header fields or content; the parser resynchronises on the next <|start|>) and
// reported as warnings. On well-formed input both modes give the reference's messages.
#pragma once

#include "translate/conversation.hpp"
#include "translate/special_tokens.hpp"
#include "translate/stream_parser_header.hpp"
#include "translate/tokenizer.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace hp::translate {

// What ended a message.
enum class end_reason {
    end,           // <|end|>
    call,          // <|call|>: a tool call; generation stops
    return_,       // <|return|>: the final answer; generation stops
    end_of_stream, // finish() or <|endoftext|> (non-strict) with the message still open
    interrupted,   // non-strict: a <|start|> arrived inside the message; it was ended there
};

std::string_view to_string(end_reason r) noexcept;

enum class warning_kind {
    missing_start,      // text where <|start|> was expected: read as a header without one
    stray_stop,         // a stop token where <|start|> was expected: ignored
    missing_message,    // a header ended without <|message|>: recovered as a message (content = header text)
    missing_stop,       // <|start|> inside content: the open message was ended (end_reason::interrupted)
    malformed_header,   // header fields recovered (duplicated to=, bad channel, unknown role, leftover words)
    special_in_content, // a non-stop special token inside content, kept as its name ("<|channel|>")
    ignored_token,      // a reserved special or invalid id in a header or between messages: skipped
    invalid_token,      // an id no vocabulary knows, inside content: becomes U+FFFD
    truncated_header,   // the stream ended inside a header
};

std::string_view to_string(warning_kind k) noexcept;

struct message_started
{
    message_header header;
    std::size_t token_index; // the <|message|> (or the token that forced recovery)
};

struct content_delta
{
    std::string text; // valid UTF-8, never empty
    std::size_t token_index;
};

struct message_ended
{
    end_reason reason;
    message msg;             // content is a std::string
    std::size_t token_index; // the stop token; tokens_fed() for end of stream
};

struct parse_warning
{
    warning_kind kind;
    std::string what;
    std::size_t token_index; // tokens_fed() when raised by finish()
};

struct parse_error
{
    std::string what; // the reference's error message
    std::size_t token_index;
    bool at_end_of_stream = false; // raised by finish() (the reference's process_eos)
};

using stream_event = std::variant<message_started, content_delta, message_ended, parse_warning, parse_error>;

struct stream_parser_options
{
    // The role of a first header already opened by the prompt (`...<|start|>assistant`); nullopt
    // starts by expecting <|start|>.
    std::optional<role> initial_role = role::assistant;
    // true: the reference's behaviour and failures. false: recover and warn (the proxy's mode).
    bool strict = false;
    // Non-strict only: a header longer than this is taken as a message whose <|message|> never came,
    // and its text is streamed as content from there (real headers are well under 200 bytes).
    std::size_t max_header_bytes = 1024;
};

class stream_parser
{
public:
    enum class state { expect_start, header, content, failed };

    // `tok` must outlive the parser (it supplies each token's bytes).
    explicit stream_parser(tokenizer const& tok, stream_parser_options options = {});

    // Consumes one id (any value; ids no vocabulary knows are handled, not rejected) and appends
    // the resulting events to `out`.
    void feed(token_id id, std::vector<stream_event>& out);
    void feed(std::span<token_id const> ids, std::vector<stream_event>& out);

    // End of stream: closes an open message (end_reason::end_of_stream, pending bytes flushed as
    // U+FFFD) or reports a header cut short. The parser can be fed again afterwards; it then
    // expects <|start|>.
    void finish(std::vector<stream_event>& out);

    // Streaming state, as openai/harmony's StreamableParser exposes it.
    state current_state() const noexcept { return state_; }
    // The open message's role in content state; in header state the role fixed in advance, if any.
    std::optional<role> current_role() const noexcept;
    // The open message's header (content state only), else nullptr.
    message_header const* current_header() const noexcept;
    // Its fields one by one (nullopt outside content state), like the reference's accessors.
    std::optional<std::string_view> current_channel() const noexcept
    {
        return field(&message_header::channel);
    }
    std::optional<std::string_view> current_recipient() const noexcept
    {
        return field(&message_header::recipient);
    }
    std::optional<std::string_view> current_content_type() const noexcept
    {
        return field(&message_header::content_type);
    }
    // The header text read so far (header state only, else ""): role, channel, recipient words as
    // written, the markers <|channel|> and <|constrain|> by name. The proxy reads it when a stop
    // string fires inside a header (where the recipient goes, what of it is already written).
    std::string_view current_header_text() const noexcept
    {
        return state_ == state::header ? std::string_view(header_bytes_) : std::string_view();
    }
    // The open message's content emitted so far ("" outside content state).
    std::string const& current_content() const noexcept { return content_; }
    // The text emitted by the last feed() for the open message; nullopt when it emitted none
    // (a header token, a byte held back) and after a message ended.
    std::optional<std::string> const& last_content_delta() const noexcept { return last_delta_; }
    // Every message completed so far, in order.
    std::vector<message> const& messages() const noexcept { return messages_; }
    // Strict mode: the failure that stopped the parser.
    std::optional<parse_error> const& error() const noexcept { return error_; }
    std::size_t tokens_fed() const noexcept { return tokens_fed_; }

private:
    std::optional<std::string_view> field(std::optional<std::string> message_header::*member) const noexcept
    {
        if (state_ != state::content || !(header_.*member)) return std::nullopt;
        return std::string_view(*(header_.*member));
    }

    void on_expect_start(token_id id, std::vector<stream_event>& out);
    void on_header(token_id id, std::vector<stream_event>& out);
    void on_content(token_id id, std::vector<stream_event>& out);

    void begin_header(std::optional<role> known_role);
    void complete_header(std::vector<stream_event>& out);
    // Non-strict: a header that will never see <|message|> becomes a message. `reason` ends it at
    // once; nullopt keeps it open and streams the rest (the size limit).
    void recover_header_as_message(std::optional<end_reason> reason, std::vector<stream_event>& out);
    void open_message(message_header header, std::vector<stream_event>& out);
    void append_content_bytes(std::string_view bytes, std::vector<stream_event>& out);
    void emit_delta(std::string text, std::vector<stream_event>& out);
    void end_message(end_reason reason, std::vector<stream_event>& out);
    void warn(warning_kind kind, std::string what, std::vector<stream_event>& out);
    void fail(std::string what, bool at_end_of_stream, std::vector<stream_event>& out);
    std::string describe(token_id id) const;

    tokenizer const* tok_;
    stream_parser_options options_;
    state state_;
    std::size_t tokens_fed_ = 0;
    std::size_t index_ = 0; // index of the token being processed (tokens_fed_ in finish())

    // Header state.
    std::optional<role> header_role_; // known before the header text (initial role)
    std::string header_bytes_;
    bool header_undecodable_ = false; // strict: an id without bytes went into the header

    // Content state.
    message_header header_;
    std::string content_; // emitted so far
    std::string pending_; // bytes not yet emitted (an incomplete or delayed sequence)
    std::optional<std::string> last_delta_;

    std::vector<message> messages_;
    std::optional<parse_error> error_;
};

// Convenience for whole completions (the reference's parse_messages_from_completion_tokens):
// feeds every id, then finish(). Events, including warnings, go to `events` when given.
std::vector<message> parse_completion(tokenizer const& tok, std::span<token_id const> ids,
                                      stream_parser_options options = {},
                                      std::vector<stream_event>* events = nullptr);

} // namespace hp::translate
