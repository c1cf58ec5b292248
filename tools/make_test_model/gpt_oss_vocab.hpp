// The gpt-oss (o200k_harmony) vocabulary in the form llama.cpp's GGUF loader expects for a `gpt2`
// (byte-level BPE) tokenizer: token strings, token types and merges, derived from the o200k ranks.
#pragma once

#include "tools/make_test_model/o200k_ranks.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hp::tools {

/// llama.cpp's LLAMA_TOKEN_TYPE_* values stored in `tokenizer.ggml.token_type`.
enum class token_type : std::int32_t { normal = 1, control = 3 };

/// gpt-oss's vocabulary: 199,998 o200k ranks followed by 1,090 special tokens, 199998..201087.
/// (harmony's tiktoken encoding names one more reserved id, 201088, but the model's embedding
/// table, and so every gpt-oss GGUF, has exactly 201,088 rows.)
inline constexpr std::uint32_t gpt_oss_n_vocab = 201'088;
inline constexpr std::uint32_t gpt_oss_first_special = 199'998;
inline constexpr std::uint32_t gpt_oss_bos = 199'998; // <|startoftext|>
inline constexpr std::uint32_t gpt_oss_pad = 199'999; // <|endoftext|>
inline constexpr std::uint32_t gpt_oss_eos = 200'002; // <|return|>

/// The text of special token `id` (>= gpt_oss_first_special): its harmony name, or
/// `<|reserved_<id>|>`. llama.cpp recognises gpt-oss's end-of-generation and "always render" tokens by
/// these exact texts (llama-vocab.cpp), so they must match the real model's.
std::string gpt_oss_special_text(std::uint32_t id);

/// GPT-2's byte-level alphabet: each byte maps to one printable code point (printable Latin-1 bytes
/// to themselves, the other 68 bytes to U+0100 upwards in byte order). Returns the UTF-8 spelling.
std::string byte_level_encode(std::string_view bytes);

/// One merge: the ranks (ids) of the left and right pieces.
using merge_pair = std::pair<std::uint32_t, std::uint32_t>;

/// The BPE merges equivalent to tiktoken's rank order, derived exactly as Hugging Face's
/// TikTokenConverter does (the origin of gpt-oss's tokenizer.json, which llama.cpp's converter copies):
/// for every token of rank r with at least two bytes, every split into a left and a right part that
/// are both tokens is a merge; merges are ordered by r, and within r by (rank of left, rank of right).
std::vector<merge_pair> derive_merges(o200k_ranks const& ranks);

/// Everything `tokenizer.ggml.*` needs.
struct gguf_vocab
{
    std::vector<std::string> tokens; ///< byte-level text per id, specials by name
    std::vector<std::int32_t> types; ///< token_type per id
    std::vector<std::string> merges; ///< "left right" in byte-level text, in merge order
};

/// Builds the full gpt-oss vocabulary; `ranks` must hold exactly gpt_oss_first_special tokens.
boost::system::result<gguf_vocab, load_error> make_gpt_oss_vocab(o200k_ranks const& ranks);

} // namespace hp::tools
