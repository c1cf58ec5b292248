// translate/utf8.hpp: UTF-8 validation with the exact error positions of Rust's
// `std::str::from_utf8` (`Utf8Error::valid_up_to` / `error_len`) and lossy conversion with
// `String::from_utf8_lossy`'s rule (one U+FFFD per maximal invalid subpart).
//
// The streaming parser needs both: openai/harmony decides where a content delta ends and where a
// replacement character goes with exactly these two functions, and the golden parse cases pin the
// resulting deltas byte for byte.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hp::translate {

inline constexpr std::string_view utf8_replacement = "\xEF\xBF\xBD"; // U+FFFD

struct utf8_check
{
    // Length of the longest valid prefix.
    std::size_t valid_up_to = 0;
    // nullopt: the input is valid, or it ends inside a sequence that later bytes may complete.
    // n: the n bytes at valid_up_to can never start a valid character (1 <= n <= 3).
    std::optional<std::size_t> error_len;

    bool valid(std::size_t size) const noexcept { return valid_up_to == size; }
};

// Validates `bytes` (RFC 3629: no surrogates, no overlongs, nothing above U+10FFFF).
utf8_check check_utf8(std::string_view bytes) noexcept;

// Appends `bytes` to `out`, replacing each maximal invalid subpart (and a truncated sequence at the
// end) with one U+FFFD.
void append_utf8_lossy(std::string& out, std::string_view bytes);

// Unicode White_Space (Rust `char::is_whitespace`) for one code point.
bool is_unicode_whitespace(char32_t c) noexcept;

// Decodes the code point at `pos` of valid UTF-8 `text` and its byte length.
std::pair<char32_t, std::size_t> decode_utf8_at(std::string_view text, std::size_t pos) noexcept;

} // namespace hp::translate
