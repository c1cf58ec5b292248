// translate/utf8.cpp: see utf8.hpp.
#include "translate/utf8.hpp"

namespace hp::translate {

namespace {

// Width of the sequence a lead byte starts; 0 when the byte cannot start one.
constexpr std::size_t sequence_width(unsigned char b) noexcept
{
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

// The allowed range of the byte after `lead` (Unicode Table 3-7); later bytes are 80..BF.
constexpr bool second_byte_ok(unsigned char lead, unsigned char b) noexcept
{
    switch (lead) {
    case 0xE0:
        return b >= 0xA0 && b <= 0xBF;
    case 0xED:
        return b >= 0x80 && b <= 0x9F; // no surrogates
    case 0xF0:
        return b >= 0x90 && b <= 0xBF;
    case 0xF4:
        return b >= 0x80 && b <= 0x8F; // nothing above U+10FFFF
    default:
        return b >= 0x80 && b <= 0xBF;
    }
}

constexpr bool continuation(unsigned char b) noexcept
{
    return b >= 0x80 && b <= 0xBF;
}

} // namespace

utf8_check check_utf8(std::string_view bytes) noexcept
{
    std::size_t const n = bytes.size();
    std::size_t i = 0;
    while (i < n) {
        auto const lead = static_cast<unsigned char>(bytes[i]);
        std::size_t const width = sequence_width(lead);
        if (width == 0) return {i, 1};
        if (width == 1) {
            ++i;
            continue;
        }
        // Walk the continuation bytes: a bad one ends the maximal subpart before it.
        for (std::size_t k = 1; k < width; ++k) {
            if (i + k >= n) return {i, std::nullopt}; // truncated: more bytes may complete it
            auto const b = static_cast<unsigned char>(bytes[i + k]);
            bool const ok = k == 1 ? second_byte_ok(lead, b) : continuation(b);
            if (!ok) return {i, k};
        }
        i += width;
    }
    return {n, std::nullopt};
}

void append_utf8_lossy(std::string& out, std::string_view bytes)
{
    while (!bytes.empty()) {
        utf8_check const c = check_utf8(bytes);
        out.append(bytes.substr(0, c.valid_up_to));
        if (c.valid(bytes.size())) return;
        out.append(utf8_replacement);
        // A truncated tail is one maximal subpart: everything left.
        std::size_t const skip = c.error_len ? *c.error_len : bytes.size() - c.valid_up_to;
        bytes.remove_prefix(c.valid_up_to + skip);
    }
}

bool is_unicode_whitespace(char32_t c) noexcept
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

std::pair<char32_t, std::size_t> decode_utf8_at(std::string_view text, std::size_t pos) noexcept
{
    auto const b0 = static_cast<unsigned char>(text[pos]);
    std::size_t width = sequence_width(b0);
    if (width == 0 || pos + width > text.size()) return {0xFFFD, 1}; // not reached for valid input
    if (width == 1) return {b0, 1};
    char32_t c = b0 & (0xFF >> (width + 1));
    for (std::size_t k = 1; k < width; ++k)
        c = (c << 6) | (static_cast<unsigned char>(text[pos + k]) & 0x3F);
    return {c, width};
}

} // namespace hp::translate
