// The hand-written o200k pre-tokenizer: pieces for each alternative of the pattern and its
// backtracking corners, and the Unicode 16 character classes it uses.
#include "translate/pretokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hp::translate {
namespace {

std::vector<std::string> pieces(std::string_view text)
{
    std::vector<std::string> out;
    pretokenizer p(text);
    for (auto piece = p.next(); !piece.empty(); piece = p.next())
        out.emplace_back(piece);
    return out;
}

using v = std::vector<std::string>;

TEST(pretokenizer, words_take_one_leading_non_letter)
{
    EXPECT_EQ(pieces("Hello, world!"), (v{"Hello", ",", " world", "!"}));
    EXPECT_EQ(pieces("!hello !!x"), (v{"!hello", " !!", "x"}));
    EXPECT_EQ(pieces("\thello"), (v{"\thello"}));
    EXPECT_EQ(pieces("\nhello"), (v{"\n", "hello"})); // CR and LF are never the leading character
    EXPECT_EQ(pieces(""), v{});
}

TEST(pretokenizer, case_runs_split_like_the_regex)
{
    EXPECT_EQ(pieces("HTTPServer camelCase iPhone"), (v{"HTTPServer", " camel", "Case", " i", "Phone"}));
    EXPECT_EQ(pieces("THE QUICK"), (v{"THE", " QUICK"}));
    EXPECT_EQ(pieces("\xC7\x85"
                     "emal"),
              (v{"\xC7\x85"
                 "emal"})); // Lt then Ll
    // A mark is in both letter sets but is not \p{L}: it can lead a word or end one.
    EXPECT_EQ(pieces("e\xCC\x81t\xCC\x81"), (v{"e\xCC\x81t\xCC\x81"}));
    EXPECT_EQ(pieces("\xCC\x81"
                     "A"),
              (v{"\xCC\x81", "A"}));
    EXPECT_EQ(pieces("!\xCC\x81"), (v{"!\xCC\x81"}));
}

TEST(pretokenizer, contractions_are_case_insensitive)
{
    // o200k keeps the contraction on its word (cl100k split it off).
    EXPECT_EQ(pieces("don't DON'T we'RE they'Ll"), (v{"don't", " DON'T", " we'RE", " they'Ll"}));
    EXPECT_EQ(pieces("it's IT'S it'x"), (v{"it's", " IT'S", " it", "'x"}));
    EXPECT_EQ(pieces("IT'\xC5\xBF"), (v{"IT'\xC5\xBF"})); // U+017F long s folds to s
    EXPECT_EQ(pieces("A'x"), (v{"A", "'x"}));
    EXPECT_EQ(pieces("a'"), (v{"a", "'"}));
}

TEST(pretokenizer, numbers_come_in_threes)
{
    EXPECT_EQ(pieces("1234567"), (v{"123", "456", "7"}));
    EXPECT_EQ(pieces("x12"), (v{"x", "12"}));
    EXPECT_EQ(pieces(" 42"), (v{" ", "42"}));
    EXPECT_EQ(pieces("\xD9\xA3\xD9\xA4\xE2\x85\xAB"), (v{"\xD9\xA3\xD9\xA4\xE2\x85\xAB"})); // ٣٤Ⅻ are \p{N}
}

TEST(pretokenizer, punctuation_keeps_trailing_newlines_and_slashes)
{
    EXPECT_EQ(pieces(" {\n  x"), (v{" {\n", " ", " x"}));
    EXPECT_EQ(pieces("//\r\n/ok"), (v{"//\r\n/", "ok"}));
    EXPECT_EQ(pieces("<|end|>"), (v{"<|", "end", "|>"}));
    EXPECT_EQ(pieces("\t{"), (v{"\t", "{"})); // only an ASCII space may lead punctuation
}

TEST(pretokenizer, whitespace_runs)
{
    EXPECT_EQ(pieces("a  b"), (v{"a", " ", " b"}));
    EXPECT_EQ(pieces("a   "), (v{"a", "   "}));                 // \s+(?!\S) at the end
    EXPECT_EQ(pieces("x  \n  y"), (v{"x", "  \n", " ", " y"})); // \s*[\r\n]+ stops at the last newline
    EXPECT_EQ(pieces("a\r\n\r\nb"), (v{"a", "\r\n\r\n", "b"}));
    EXPECT_EQ(pieces("a \xC2\xA0"
                     "b"),
              (v{"a", " ",
                 "\xC2\xA0"
                 "b"})); // NBSP is \s and leads the word
    // U+0085 is White_Space; only an ASCII space may lead punctuation, so "!" stands alone.
    EXPECT_EQ(pieces("a\xC2\x85\xC2\x85!"), (v{"a", "\xC2\x85", "\xC2\x85", "!"}));
    EXPECT_EQ(pieces("a  !"), (v{"a", " ", " !"}));
}

TEST(pretokenizer, invalid_utf8_bytes_are_single_other_characters)
{
    EXPECT_EQ(pieces("a\xFFhello"), (v{"a", "\xFFhello"}));
    EXPECT_EQ(pieces("\xF0\x9F"
                     "a"),
              (v{"\xF0\x9F", "a"})); // like "!!a": a punctuation run, then the word
    EXPECT_EQ(pieces("\xF0\x9F\xF0\x9F"), (v{"\xF0\x9F\xF0\x9F"}));
    EXPECT_EQ(pieces("\xED\xA0\x80"), (v{"\xED\xA0\x80"})); // surrogate: three lone bytes
    EXPECT_EQ(pieces("1\xC0\xAF"
                     "2"),
              (v{"1", "\xC0\xAF", "2"}));
}

TEST(pretokenizer, unicode_16_classes)
{
    EXPECT_EQ(classify(U'a'), char_class::lower);
    EXPECT_EQ(classify(U'Z'), char_class::upper);
    EXPECT_EQ(classify(U'\u01C5'), char_class::upper);  // Lt
    EXPECT_EQ(classify(U'\u02B0'), char_class::letter); // Lm
    EXPECT_EQ(classify(U'\u4E2D'), char_class::letter); // Lo
    EXPECT_EQ(classify(U'\u0301'), char_class::mark);
    EXPECT_EQ(classify(U'\u0903'), char_class::mark);   // Mc
    EXPECT_EQ(classify(U'\u216B'), char_class::number); // Nl
    EXPECT_EQ(classify(U'\u00B2'), char_class::number); // No
    EXPECT_EQ(classify(U'\n'), char_class::newline);
    EXPECT_EQ(classify(U'\u0085'), char_class::space);
    EXPECT_EQ(classify(U'\u3000'), char_class::space);
    EXPECT_EQ(classify(U'\u200B'), char_class::other);      // zero width space is not White_Space
    EXPECT_EQ(classify(U'\u180E'), char_class::other);      // no longer White_Space since Unicode 6.3
    EXPECT_EQ(classify(U'\U00011F04'), char_class::letter); // Kawi, Unicode 15.0
    EXPECT_EQ(classify(U'\U0002EBF0'), char_class::letter); // CJK extension I, Unicode 15.1
    EXPECT_EQ(classify(U'\U00010D50'), char_class::upper);  // Garay capital, Unicode 16.0
    EXPECT_EQ(classify(U'\U00010D70'), char_class::lower);  // Garay small, Unicode 16.0
    EXPECT_EQ(classify(U'\U00010940'), char_class::other);  // Sidetic, Unicode 17.0: not yet a letter
    EXPECT_EQ(classify(U'\U0010FFFF'), char_class::other);
}

} // namespace
} // namespace hp::translate
