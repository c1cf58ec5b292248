// translate/completion_request.hpp: the JSON body of llama-server's POST /completion, built from
// typed settings.
//
// Invariants (../shared/notes/llama-server.md):
//   - `prompt` is always an array of integer ids, never text: llama-server parses harmony markers
//     out of any text it tokenizes, and its tokenizer is not tiktoken.
//   - `stream`, `return_tokens` (the ids of each chunk) and `cache_prompt` are always true.
//   - every sampler that matters is explicit: the server defaults top_k 40 and min_p 0.05 are not
//     what gpt-oss is tuned for, so top_k is 0 and min_p is 0.
// Keys are written in one fixed order, so the same settings always give the same bytes (captures
// and replay compare request bodies byte for byte).
#pragma once

#include "translate/special_tokens.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::translate {

struct completion_settings
{
    std::vector<token_id> prompt;
    std::int32_t n_predict = -1; // -1: until end of generation or the context is full
    double temperature = 1.0;
    double top_p = 1.0;
    std::optional<std::uint32_t> seed;
    std::optional<std::int32_t> id_slot; // keep a conversation on one slot (its KV cache)
    std::optional<std::string> grammar;  // GBNF
    std::vector<token_id> banned_tokens; // sent as logit_bias [[id, false], ...]
    std::vector<std::string> stop;       // stop strings, matched on rendered text
    std::optional<std::uint32_t> n_probs;
    // Trim the final chunk to the fields completion_stream reads (final_chunk_fields()); without
    // it the final chunk echoes the whole prompt text.
    bool trim_final_chunk = false;
};

// The fields the final chunk keeps when trim_final_chunk is set: exactly what completion_stream
// needs to recognise and read it.
std::vector<std::string> const& final_chunk_fields();

struct completion_request_error
{
    std::string message; // "temperature must be a finite number >= 0"
};

// The body for POST /completion. Errors: a prompt id outside the vocabulary (llama-server would
// answer 400 "Prompt contains invalid tokens"), an empty prompt, a non-finite or negative sampler
// value, n_predict below -1.
boost::system::result<std::string, completion_request_error>
completion_request_body(completion_settings const& settings);

} // namespace hp::translate
