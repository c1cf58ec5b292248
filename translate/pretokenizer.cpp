#include "translate/pretokenizer.hpp"

#include <array>

namespace hp::translate {
namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

constexpr std::array<char_class, 128> ascii_classes = [] {
    std::array<char_class, 128> t{};
    for (int c = 0; c < 128; ++c) {
        char_class k = char_class::other;
        if (c >= '0' && c <= '9')
            k = char_class::number;
        else if (c >= 'A' && c <= 'Z')
            k = char_class::upper;
        else if (c >= 'a' && c <= 'z')
            k = char_class::lower;
        else if (c == '\r' || c == '\n')
            k = char_class::newline;
        else if (c == ' ' || (c >= '\t' && c <= '\f'))
            k = char_class::space; // \t \n \v \f
        t[static_cast<std::size_t>(c)] = k;
    }
    return t;
}();

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
constexpr bool is_upperish(char_class c) noexcept
{
    return c == char_class::upper || c == char_class::letter || c == char_class::mark;
}

// [\p{Ll}\p{Lm}\p{Lo}\p{M}]
constexpr bool is_lowerish(char_class c) noexcept
{
    return c == char_class::lower || c == char_class::letter || c == char_class::mark;
}

// [^\s\p{L}\p{N}]: marks are neither letters nor numbers.
constexpr bool is_punct(char_class c) noexcept
{
    return c == char_class::other || c == char_class::mark;
}

constexpr bool is_cont(unsigned char b) noexcept
{
    return (b & 0xC0) == 0x80;
}

} // namespace

// ASCII inline, the rest out of line: source code and English are almost all ASCII.
[[gnu::always_inline]] inline pretokenizer::ch pretokenizer::at(std::size_t i) const noexcept
{
    if (i >= text_.size()) return {char_class::end, 0};
    auto const b0 = static_cast<unsigned char>(text_[i]);
    if (b0 < 0x80) return {ascii_classes[b0], 1};
    return at_multibyte(i);
}

pretokenizer::ch pretokenizer::at_multibyte(std::size_t i) const noexcept
{
    auto const* s = reinterpret_cast<unsigned char const*>(text_.data()) + i;
    std::size_t const left = text_.size() - i;
    unsigned char const b0 = s[0];
    // Strict UTF-8 (RFC 3629 table): anything else is a lone byte of class `other`.
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (left >= 2 && is_cont(s[1])) return {classify(char32_t(b0 & 0x1F) << 6 | (s[1] & 0x3F)), 2};
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        unsigned char const lo = b0 == 0xE0 ? 0xA0 : 0x80;
        unsigned char const hi = b0 == 0xED ? 0x9F : 0xBF;
        if (left >= 3 && s[1] >= lo && s[1] <= hi && is_cont(s[2]))
            return {classify(char32_t(b0 & 0x0F) << 12 | char32_t(s[1] & 0x3F) << 6 | (s[2] & 0x3F)), 3};
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        unsigned char const lo = b0 == 0xF0 ? 0x90 : 0x80;
        unsigned char const hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (left >= 4 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) && is_cont(s[3]))
            return {classify(char32_t(b0 & 0x07) << 18 | char32_t(s[1] & 0x3F) << 12 |
                             char32_t(s[2] & 0x3F) << 6 | (s[3] & 0x3F)),
                    4};
    }
    return {char_class::other, 1};
}

// U*L+ with backtracking: U* takes the longest run of upper-ish characters; if the character
// after it is lower-ish, L+ runs on from there. Otherwise U* gives back characters until the
// last one that is also lower-ish (Lm, Lo, M), which L+ then matches alone (the characters after
// it in the run are Lu/Lt, which L+ cannot take).
std::size_t pretokenizer::upper_then_lower(std::size_t i) const noexcept
{
    std::size_t last_lowerish_end = npos;
    for (;;) {
        ch const c = at(i);
        if (!is_upperish(c.cls)) {
            if (!is_lowerish(c.cls)) return last_lowerish_end;
            for (ch l = c; is_lowerish(l.cls); l = at(i))
                i += l.len;
            return i;
        }
        i += c.len;
        if (is_lowerish(c.cls)) last_lowerish_end = i;
    }
}

// U+L*: no backtracking needed, L* may be empty.
std::size_t pretokenizer::upper_required(std::size_t i) const noexcept
{
    ch c = at(i);
    if (!is_upperish(c.cls)) return npos;
    for (; is_upperish(c.cls); c = at(i))
        i += c.len;
    for (; is_lowerish(c.cls); c = at(i))
        i += c.len;
    return i;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)? at `i`. Under Unicode simple case folding the only non-ASCII
// character equal to one of these letters is U+017F LATIN SMALL LETTER LONG S (folds to 's').
std::size_t pretokenizer::contraction_end(std::size_t i) const noexcept
{
    std::size_t const n = text_.size();
    if (i + 1 >= n || text_[i] != '\'') return i;
    auto lower = [&](std::size_t k) -> char {
        if (k >= n) return 0;
        char const c = text_[k];
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    switch (lower(i + 1)) {
    case 's':
    case 't':
    case 'm':
    case 'd':
        return i + 2;
    case 'r':
    case 'v':
        return lower(i + 2) == 'e' ? i + 3 : i;
    case 'l':
        return lower(i + 2) == 'l' ? i + 3 : i;
    case '\xC5':
        return (i + 2 < n && text_[i + 2] == '\xBF') ? i + 3 : i;
    default:
        return i;
    }
}

// The alternatives in the pattern's order; the first that matches at `pos` wins (leftmost-first).
std::size_t pretokenizer::piece_end(std::size_t pos) const noexcept
{
    ch const c0 = at(pos);
    // [^\r\n\p{L}\p{N}]? : the optional leading character, tried present first (greedy).
    bool const prefix =
        c0.cls == char_class::other || c0.cls == char_class::space || c0.cls == char_class::mark;

    // Alternatives 1 and 2: [prefix] U*L+ ['s] | [prefix] U+L* ['s]
    if (prefix)
        if (std::size_t e = upper_then_lower(pos + c0.len); e != npos) return contraction_end(e);
    if (std::size_t e = upper_then_lower(pos); e != npos) return contraction_end(e);
    if (prefix)
        if (std::size_t e = upper_required(pos + c0.len); e != npos) return contraction_end(e);
    if (std::size_t e = upper_required(pos); e != npos) return contraction_end(e);

    // Alternative 3: \p{N}{1,3}
    if (c0.cls == char_class::number) {
        std::size_t i = pos + c0.len;
        for (int k = 1; k < 3; ++k) {
            ch const c = at(i);
            if (c.cls != char_class::number) break;
            i += c.len;
        }
        return i;
    }

    // Alternative 4: ' '?[^\s\p{L}\p{N}]+[\r\n/]*
    {
        std::size_t i = pos;
        if (text_[pos] == ' ' && is_punct(at(pos + 1).cls)) i = pos + 1;
        ch c = at(i);
        if (is_punct(c.cls)) {
            for (; is_punct(c.cls); c = at(i))
                i += c.len;
            while (i < text_.size() && (text_[i] == '\r' || text_[i] == '\n' || text_[i] == '/'))
                ++i;
            return i;
        }
    }

    // Alternatives 5, 6, 7: \s*[\r\n]+ | \s+(?!\S) | \s+
    if (c0.cls == char_class::space || c0.cls == char_class::newline) {
        std::size_t i = pos;
        std::size_t last_newline_end = npos;
        std::size_t last_start = pos;
        for (ch c = c0; c.cls == char_class::space || c.cls == char_class::newline; c = at(i)) {
            last_start = i;
            i += c.len;
            if (c.cls == char_class::newline) last_newline_end = i;
        }
        if (last_newline_end != npos) return last_newline_end; // \s* gives back up to the last CR/LF
        if (i >= text_.size()) return i;                       // (?!\S) holds at the end
        if (last_start > pos) return last_start;               // leave one space for the next word
        return i;                                              // \s+ : a single space before \S
    }

    // Unreachable: every class is covered above. Still make progress.
    return pos + (c0.len ? c0.len : 1);
}

} // namespace hp::translate
