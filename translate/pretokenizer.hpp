// translate/pretokenizer.hpp: the o200k pre-tokenizer, a hand-written scanner exactly equal to
// tiktoken's regex (fancy-regex, leftmost-first with backtracking) for this one pattern:
//
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//  |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//  |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// Why not PCRE2: Debian's PCRE2 10.42 has Unicode 14 tables, tiktoken@1.0.22's WebAssembly build
// has Unicode 16 ones (letters of Kawi, Garay, CJK extension I... would split differently).
// The oracle test (tests/oracle/tokenizer) probes exactly those blocks, and Unicode 17 ones that
// tiktoken does not know yet. Character classes come from pretokenizer_tables.cpp,
// generated from Unicode 16.0 by pretokenizer_tables.mjs. `\s` is Unicode White_Space, as in
// Rust's regex.
//
// Invalid UTF-8 (tiktoken never sees it: JS strings are always valid): each byte that does not
// start a well-formed sequence (overlong forms, surrogates and values above U+10FFFF included)
// is one character of class `other`, the class U+FFFD has. Pieces keep the original bytes, so
// decode(encode(x)) == x for any byte string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hp::translate {

// The classes the pattern distinguishes. Lm/Lo and M belong to both the "upper" and "lower"
// letter sets of the first two alternatives; M is not \p{L}.
enum class char_class : std::uint8_t {
    other = 0,   // everything else, including invalid bytes
    space = 1,   // White_Space except CR and LF
    newline = 2, // CR, LF
    number = 3,  // \p{N}
    upper = 4,   // Lu, Lt
    lower = 5,   // Ll
    letter = 6,  // Lm, Lo
    mark = 7,    // \p{M}
    end = 8,     // past the end of the text (scanner sentinel, never in the tables)
};

namespace detail {
extern const std::uint8_t char_class_stage1[0x110000 / 256];
extern const char char_class_stage2[][257];
} // namespace detail

inline char_class classify(char32_t cp) noexcept
{
    if (cp > 0x10FFFF) return char_class::other;
    return static_cast<char_class>(detail::char_class_stage2[detail::char_class_stage1[cp >> 8]][cp & 0xff] -
                                   '0');
}

// Splits text into the pieces the pattern matches, left to right. Every byte belongs to exactly
// one piece and pieces are never empty.
class pretokenizer
{
public:
    explicit pretokenizer(std::string_view text) noexcept : text_(text) {}

    // The next piece, or an empty view at the end of the text.
    std::string_view next() noexcept
    {
        if (pos_ >= text_.size()) return {};
        std::size_t end = piece_end(pos_);
        std::string_view piece = text_.substr(pos_, end - pos_);
        pos_ = end;
        return piece;
    }

private:
    struct ch
    {
        char_class cls;
        std::uint8_t len; // 0 at the end of the text
    };

    ch at(std::size_t i) const noexcept;
    [[gnu::noinline]] ch at_multibyte(std::size_t i) const noexcept;
    std::size_t piece_end(std::size_t pos) const noexcept;
    std::size_t upper_then_lower(std::size_t start) const noexcept; // U*L+, npos if no match
    std::size_t upper_required(std::size_t start) const noexcept;   // U+L*, npos if no match
    std::size_t contraction_end(std::size_t pos) const noexcept;

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace hp::translate
