// translate/special_tokens.hpp: the o200k_harmony special-token ids (openai/harmony
// src/tiktoken_ext/public_encodings.rs; ../shared/harmony-golden/tokens/special_tokens.json).
// Ids 0..199997 are o200k_base ranks; 199998..201087 are specials, of which only the ones below
// carry meaning and every other one is <|reserved_N|>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hp::translate {

using token_id = std::uint32_t;

namespace special {
inline constexpr token_id startoftext = 199998;
inline constexpr token_id endoftext = 199999;
inline constexpr token_id return_ = 200002;   // <|return|>: end of a final answer (EOG)
inline constexpr token_id constrain = 200003; // <|constrain|>
inline constexpr token_id channel = 200005;   // <|channel|>
inline constexpr token_id start = 200006;     // <|start|>
inline constexpr token_id end = 200007;       // <|end|>: end of a message, NOT end of generation
inline constexpr token_id message = 200008;   // <|message|>
inline constexpr token_id call = 200012;      // <|call|>: end of a tool call (EOG)
inline constexpr token_id first = 199998;
inline constexpr token_id last = 201088;       // harmony names specials up to 201088 inclusive
inline constexpr token_id vocab_size = 201088; // gpt-oss GGUFs hold ids 0..201087
} // namespace special

inline constexpr bool is_special(token_id id) noexcept
{
    return id >= special::first && id <= special::last;
}

// "<|end|>" for 200007, "<|reserved_200013|>" for unnamed ids (harmony's naming), nullopt when
// `id` is not a special token.
std::optional<std::string> special_token_name(token_id id);

// The inverse: 200007 for "<|end|>", 200013 for "<|reserved_200013|>".
std::optional<token_id> special_token_id(std::string_view name);

} // namespace hp::translate
