// translate/completion_stream.hpp: a sans-io decoder of llama-server's streaming /completion
// answer (`"stream": true, "return_tokens": true`): body bytes in, in any split, typed events out.
//
// What llama-server sends (../shared/notes/llama-server.md, tools/server/server-context.cpp
// process_token / send_partial_response):
//   - one `data: {json}` event per sampled token: {"content","tokens":[id],"stop":false,
//     "tokens_predicted",...}; `tokens_predicted` counts every token sampled so far;
//   - then a final event {"stop":true,"stop_type","stopping_word","timings",...} whose `tokens`
//     and `content` are empty in stream mode;
//   - or, once streaming has begun, an error event {"error":{"code","message","type"}} and the end.
//
// Lost ids. The server appends each token's text to `generated_text`; while that text ends inside
// a UTF-8 character it sends NO chunk for the token. The next token that completes the character
// sends `content` = generated_text.substr(n_sent_text), i.e. the bytes of the tokens held back plus
// its own, but `tokens` = its own id only, and `tokens_predicted` jumps by 2 or more. With
// n_probs = 0 nothing else carries the held-back ids. This decoder rebuilds them: the missing bytes
// are the chunk's content minus the listed id's bytes (a suffix) and minus any text still owed from
// earlier chunks (a prefix, non-empty only after a stop-string partial match held text back), split
// into exactly the missing number of vocabulary tokens. The id count always equals
// `tokens_predicted`, or a stream_problem says why not: ids are never silently lost or invented.
//
// Token text as the server renders it: ordinary ids are their bytes; of the special tokens, the
// five that the gpt-oss vocabulary marks USER_DEFINED (<|channel|>, <|constrain|>, <|message|>,
// <|start|>, <|end|>) render as their names, every other one (<|return|>, <|call|>, ...) as ""
// unless the server runs with --special (option `server_renders_specials`).
#pragma once

#include "translate/special_tokens.hpp"
#include "translate/sse_parser.hpp"
#include "translate/tokenizer.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hp::translate {

// The gpt-oss end-of-generation set: <|return|>, <|call|>, <|endoftext|>. <|end|> (200007) is NOT
// in it: llama-server removes it from the EOG list, and the model goes on to its next message.
constexpr bool is_end_of_generation(token_id id) noexcept
{
    return id == special::return_ || id == special::call || id == special::endoftext;
}

// Ids for one streamed chunk, in generation order.
struct token_chunk
{
    std::vector<token_id> ids;          // the rebuilt ids first, then the ids the chunk listed
    std::string content;                // the chunk's text, as sent
    std::uint64_t tokens_predicted = 0; // the server's count after this chunk; == total ids so far
    std::size_t rebuilt = 0;            // how many leading entries of `ids` were rebuilt
    bool end_of_generation = false;     // the last id is an EOG token

    friend bool operator==(token_chunk const&, token_chunk const&) = default;
};

enum class stop_type { eos, limit, word };

struct completion_timings
{
    std::int64_t cache_n = 0;  // prompt tokens reused from the slot's KV cache
    std::int64_t prompt_n = 0; // prompt tokens processed
    double prompt_ms = 0;
    std::int64_t predicted_n = 0;
    double predicted_ms = 0;

    friend bool operator==(completion_timings const&, completion_timings const&) = default;
};

struct final_chunk
{
    stop_type stop = stop_type::eos;
    std::string stopping_word; // the stop string for stop_type::word, else ""
    completion_timings timings;
    std::int64_t tokens_cached = 0;
    bool truncated = false;
    std::int64_t tokens_evaluated = 0; // prompt size
    std::uint64_t tokens_predicted = 0;

    friend bool operator==(final_chunk const&, final_chunk const&) = default;
};

// An error llama-server reported inside the stream; the stream ends after it.
struct upstream_error
{
    std::int64_t code = 0;
    std::string message;
    std::string type; // "server_error", ...

    friend bool operator==(upstream_error const&, upstream_error const&) = default;
};

enum class stream_problem_kind {
    sse_framing,          // the SSE framer failed (an oversize event)
    malformed_json,       // a data event that is not JSON
    unexpected_shape,     // JSON that is not a chunk: a field missing or of the wrong type
    chunk_after_end,      // anything after the final chunk or an in-stream error
    token_after_eog,      // a token chunk after an end-of-generation token
    token_count_mismatch, // ids seen disagree with tokens_predicted and cannot be rebuilt
    unknown_token,        // an id outside the vocabulary
    rebuild_failed,       // a gap whose ids cannot be rebuilt from the chunk's bytes
    truncated,            // the body ended before the final chunk
};

struct stream_problem
{
    stream_problem_kind kind;
    std::string message; // for people and logs, names the chunk and the numbers involved

    friend bool operator==(stream_problem const&, stream_problem const&) = default;
};

using completion_event = std::variant<token_chunk, final_chunk, upstream_error, stream_problem>;

struct completion_stream_options
{
    std::size_t max_event_bytes = sse_parser::default_max_event_bytes;
    bool server_renders_specials = false; // llama-server started with --special
};

// Splits `bytes` into exactly `count` ordinary vocabulary tokens whose bytes concatenate to
// `bytes`: token_for_bytes for one; else the tokenizer's own encoding when it has `count` ids;
// else a search over vocabulary pieces (the longest first piece that still allows a split).
// nullopt when no split exists or `bytes` is longer than max_rebuild_bytes.
inline constexpr std::size_t max_rebuild_bytes = 512;
std::optional<std::vector<token_id>> split_into_tokens(tokenizer const& tok, std::string_view bytes,
                                                       std::size_t count);

class completion_stream
{
public:
    // `tok` must outlive the decoder.
    explicit completion_stream(tokenizer const& tok, completion_stream_options opts = {});

    // Consumes body bytes, appending events to `out`. After a final chunk, an upstream_error or a
    // stream_problem the decoder is finished: later events are reported once as chunk_after_end
    // (after a final chunk or error) or ignored (after a problem).
    void feed(std::string_view bytes, std::vector<completion_event>& out);

    // The body ended. Appends a `truncated` problem when neither a final chunk nor an error came.
    void finish(std::vector<completion_event>& out);

    bool finished() const noexcept { return state_ != state::streaming; }
    std::span<token_id const> ids() const noexcept { return ids_; }

private:
    enum class state { streaming, ended, failed };

    void on_event(sse_event const& ev, std::vector<completion_event>& out);
    void on_tokens(std::vector<token_id> listed, std::string content, std::uint64_t predicted,
                   std::vector<completion_event>& out);
    std::optional<std::string> rendered(token_id id) const;
    void fail(stream_problem_kind kind, std::string message, std::vector<completion_event>& out);

    tokenizer const* tok_;
    completion_stream_options opts_;
    sse_parser sse_;
    std::vector<sse_event> events_; // reused buffer
    std::vector<token_id> ids_;     // every id so far, rebuilt ones included
    // Text of ids already counted that the server has not sent yet: it holds text back while the
    // end of generated_text may be the start of a stop string.
    std::string owed_;
    std::size_t chunks_ = 0; // data events seen, for messages
    bool saw_eog_ = false;
    state state_ = state::streaming;
};

} // namespace hp::translate
