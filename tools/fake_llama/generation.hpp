// tools/fake_llama/generation.hpp: llama-server's per-token bookkeeping, replayed over a scripted
// list of sampled ids. Sans-io: no clock, no sockets. Mirrors server-context.cpp process_token():
//
// - each sampled token's piece is appended to the generated text;
// - while the text ends inside a UTF-8 character, NO chunk is sent for the token (its id is lost
//   to a streaming client; the next chunk carries the accumulated text and only its own id, and
//   tokens_predicted jumps);
// - stop strings are searched on rendered text; a full match cuts the text at the match and ends
//   with stop_type "word" (the stopping token's id is still in the chunk and in `tokens`); a
//   partial match at the end holds the text back (chunk content "");
// - prompt + generated reaching n_ctx ends with "limit" and truncated=true; n_predict ends with
//   "limit"; an EOG id ends with "eos" and has its own chunk whose content is "".
#pragma once

#include "tools/fake_llama/vocab.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hp::tools::fake_llama {

enum class stop_type { none, eos, limit, word };

std::string_view to_string(stop_type t) noexcept; // "none" "eos" "limit" "word"

struct generation_limits
{
    std::size_t n_prompt = 0;
    std::size_t n_ctx = 0;         // per-slot context
    std::int64_t n_predict = -1;   // -1: unlimited
    std::vector<std::string> stop; // stop strings (request's, then the script's)
    bool lose_split_utf8 = true;   // the real server's behaviour; off = a chunk with "" per split token
};

// One sampled token as the stream reports it.
struct token_step
{
    token_id id = 0;
    bool sent = false;          // a chunk goes out for this token
    std::string content;        // the chunk's "content"
    std::int64_t n_decoded = 0; // the chunk's "tokens_predicted"
    bool stopped_here = false;  // the stop was decided before this chunk went out (word stop)
};

struct generation
{
    std::vector<token_step> steps; // one per sampled token, in order
    stop_type stop = stop_type::none;
    std::string stopping_word;
    std::string text;              // generated text after a stop word is cut off
    std::vector<token_id> sampled; // every sampled id, the lost ones included
    bool truncated = false;
    bool has_new_line = false;
};

// `script_tokens` are the ids the "model" samples, in order. When they run out before any stop
// condition, generation ends with "limit".
generation simulate(vocab const& v, std::span<const token_id> script_tokens, generation_limits const& limits);

// Position of a stop word in `text` that ends with a proper prefix of it (llama.cpp
// string_find_partial_stop), npos when none.
std::size_t find_partial_stop(std::string_view text, std::string_view word) noexcept;

} // namespace hp::tools::fake_llama
