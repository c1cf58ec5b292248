// tools/fake_llama/vocab.hpp: how llama-server (gpt-oss vocabulary) turns text into ids and ids into
// text, as seen from outside. Sans-io; wraps the project's o200k_harmony tokenizer.
//
// Facts reproduced (../shared/notes/llama-server.md, llama.cpp src/llama-vocab.cpp):
// - Text is split at special-token names before BPE. With parse_special the names of every special
//   token match (control tokens too); without it, the five USER_DEFINED harmony markers
//   <|channel|> <|message|> <|start|> <|constrain|> <|end|> still match. That is the quirk that makes
//   the proxy send integer prompts.
// - A sampled token is rendered with special=false: USER_DEFINED markers render as their names,
//   CONTROL tokens (<|return|>, <|call|>, <|endoftext|>, <|startoftext|>, reserved ids) render as "".
//   /detokenize and /tokenize's pieces render with special=true: every special as its name.
// - The vocabulary holds ids 0..201087; anything else makes "Prompt contains invalid tokens".
// Known difference: llama.cpp's pre-tokenizer splits Devanagari and Thai differently from tiktoken;
// this fake uses tiktoken's split everywhere.
#pragma once

#include "translate/special_tokens.hpp"
#include "translate/tokenizer.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::tools::fake_llama {

using token_id = translate::token_id;

// The EOG set of gpt-oss: <|return|>, <|call|>, <|endoftext|>. <|end|> is NOT one of them.
bool is_eog(token_id id) noexcept;

// True for <|channel|> <|message|> <|start|> <|constrain|> <|end|>.
bool is_user_defined(token_id id) noexcept;

// ids 0..201087 exist in the gpt-oss GGUF.
bool is_valid_token(std::int64_t id) noexcept;

class vocab
{
public:
    explicit vocab(translate::tokenizer const& tok) : tok_(&tok) {}
    translate::tokenizer const& tokenizer() const { return *tok_; }

    // llama_tokenize(text, add_special=false, parse_special) on the gpt-oss vocabulary.
    void tokenize(std::string_view text, bool parse_special, std::vector<token_id>& out) const;
    std::vector<token_id> tokenize(std::string_view text, bool parse_special) const;

    // common_token_to_piece(id, special): the bytes of one token. Unknown ids give "".
    std::string piece(token_id id, bool special) const;

    // Concatenated pieces with special=true (/detokenize, the final chunk's "prompt").
    std::string detokenize(std::span<const token_id> ids) const;

private:
    translate::tokenizer const* tok_;
};

// How many leading bytes of `s` form complete UTF-8 characters (llama.cpp validate_utf8: only an
// incomplete sequence at the very end is cut off).
std::size_t valid_utf8_prefix(std::string_view s) noexcept;

// True when every byte of `s` belongs to a well-formed UTF-8 sequence.
bool is_valid_utf8(std::string_view s) noexcept;

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, as
// llama-server's safe_json_to_str (nlohmann error_handler_t::replace) does before sending JSON.
std::string to_valid_utf8(std::string_view s);

} // namespace hp::tools::fake_llama
