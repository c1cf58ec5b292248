// translate/utf8: Rust's from_utf8 error positions and from_utf8_lossy's replacement rule.
#include "translate/utf8.hpp"

#include <gtest/gtest.h>

namespace hp::translate {
namespace {

struct check_case
{
    std::string bytes;
    std::size_t valid_up_to;
    std::optional<std::size_t> error_len;
};

TEST(Utf8Check, ErrorPositionsMatchRust)
{
    std::vector<check_case> const cases = {
        {"", 0, std::nullopt},
        {"plain ascii", 11, std::nullopt},
        {"M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x92\x96", 16, std::nullopt},
        {"a\xF0\x9F", 1, std::nullopt}, // truncated 4-byte sequence: wait
        {"a\xE2\x82", 1, std::nullopt}, // truncated 3-byte sequence: wait
        {"\xF0\x9F\x20", 0, 2},         // token 9552 twice: F0 9F then a space
        {"\xF0\x9F\x98\x41", 0, 3},
        {"\x80", 0, 1},             // lone continuation byte
        {"\xC0\xAF", 0, 1},         // overlong lead
        {"\xE0\x80\x80", 0, 1},     // overlong 3-byte
        {"\xED\xA0\x80", 0, 1},     // surrogate
        {"\xF4\x90\x80\x80", 0, 1}, // above U+10FFFF
        {"\xF5", 0, 1},
        {"ok\xFF", 2, 1},
    };
    for (auto const& c : cases) {
        utf8_check const r = check_utf8(c.bytes);
        EXPECT_EQ(r.valid_up_to, c.valid_up_to) << testing::PrintToString(c.bytes);
        EXPECT_EQ(r.error_len, c.error_len) << testing::PrintToString(c.bytes);
    }
}

TEST(Utf8Lossy, OneReplacementPerMaximalSubpart)
{
    auto lossy = [](std::string_view in) {
        std::string out;
        append_utf8_lossy(out, in);
        return out;
    };
    EXPECT_EQ(lossy("\xF0\x9F\x20\xF0\x9F"), "\xEF\xBF\xBD \xEF\xBF\xBD");
    EXPECT_EQ(lossy("a\x80\x80"
                    "b"),
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(lossy("\xE2\x82"), "\xEF\xBF\xBD");
    EXPECT_EQ(lossy("\xF0\x9F\x98\x41"), "\xEF\xBF\xBD"
                                         "A");
    EXPECT_EQ(lossy("valid \xE2\x82\xAC"), "valid \xE2\x82\xAC");
    EXPECT_EQ(lossy(""), "");
}

TEST(Utf8Whitespace, UnicodeWhiteSpaceProperty)
{
    for (char32_t c : {U' ', U'\t', U'\n', U'\v', U'\f', U'\r', U'\u0085', U'\u00A0', U'\u2003', U'\u3000'})
        EXPECT_TRUE(is_unicode_whitespace(c)) << static_cast<unsigned>(c);
    for (char32_t c : {U'a', U'<', U'\u200B', U'\uFEFF', U'\0'})
        EXPECT_FALSE(is_unicode_whitespace(c)) << static_cast<unsigned>(c);
}

} // namespace
} // namespace hp::translate
