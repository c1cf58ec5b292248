// GBNF model: code point sets, escaping (code point semantics), the builder/printer and the
// validator's llama.cpp rejection rules.
#include "gbnf_matcher.hpp"
#include "grammar_test_support.hpp"

#include "translate/gbnf.hpp"

namespace hp::translate {
namespace {

TEST(CharSet, MergesComplementsAndRemoves)
{
    char_set s;
    s.add('a', 'c').add('d', 'f').add('x', 'x');
    ASSERT_EQ(s.ranges().size(), 2u);
    EXPECT_EQ(s.ranges()[0], (char_set::range{'a', 'f'}));
    EXPECT_TRUE(s.contains('e'));
    EXPECT_FALSE(s.contains('g'));
    auto c = s.complement();
    EXPECT_FALSE(c.contains('a'));
    EXPECT_TRUE(c.contains(0x10FFFF));
    EXPECT_EQ(c.complement(), s);
    auto any = char_set::any();
    any.remove(char_set::of('\n'));
    EXPECT_FALSE(any.contains('\n'));
    EXPECT_TRUE(any.contains('\r'));
}

TEST(GbnfEscape, LiteralsAreCodePoints)
{
    EXPECT_EQ(gbnf_literal("a\"b\\c\n"), R"("a\"b\\c\n")");
    // Non-ASCII never goes out raw or as \x (which would name U+00xx): é is U+00E9, 😀 U+1F600.
    EXPECT_EQ(gbnf_literal("é"), R"("\u00E9")");
    EXPECT_EQ(gbnf_literal("😀"), R"("\U0001F600")");
    EXPECT_EQ(gbnf_literal(std::string("\x01", 1)), R"("\x01")");
    auto doc = parse_gbnf("root ::= " + gbnf_literal("é😀\"\\") + "\n");
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->rules[0].second[0][0].text, U"é😀\"\\");
}

TEST(GbnfEscape, ClassesRoundTrip)
{
    char_set s;
    s.add('-', '-').add(']', ']').add('^', '^').add('\\', '\\').add(0xE9, 0xE9).add(0x1F600, 0x1F64F);
    auto doc = parse_gbnf("root ::= " + gbnf_class(s) + "\n");
    ASSERT_TRUE(doc) << doc.error().message << gbnf_class(s);
    EXPECT_EQ(doc->rules[0].second[0][0].set, s);
    // Mostly-everything sets print negated.
    auto dot = char_set::any().remove(char_set::of('\n'));
    EXPECT_EQ(gbnf_class(dot), R"([^\n])");
    EXPECT_EQ(gbnf_class(char_set::any()), ".");
}

TEST(GbnfEscape, JsonStringContextHasOneSpellingPerCharacter)
{
    auto doc = parse_gbnf(
        "root ::= " + gbnf_chars(char_set::any().remove(char_set::of('\n')), text_context::json_string) +
        "*\n");
    ASSERT_TRUE(doc) << doc.error().message;
    test::gbnf_matcher m(*doc);
    EXPECT_TRUE(m.matches(R"(a\"b\\c\tx)"));
    EXPECT_FALSE(m.matches(R"(a"b)"));    // a raw quote would end the JSON string
    EXPECT_FALSE(m.matches(R"(\n)"));     // \n is not in the set
    EXPECT_FALSE(m.matches(R"(\/)"));     // not the canonical spelling of '/'
    EXPECT_FALSE(m.matches(R"(\u0041)")); // nor of 'A'
    EXPECT_TRUE(m.matches(R"(\u0001)"));
    EXPECT_EQ(gbnf_text("a\\b\n\"", text_context::json_string), R"("a\\\\b\\n\\\"")");
}

TEST(GbnfBuilder, NamesInternAndPrintRootFirst)
{
    gbnf_builder b;
    auto x = b.intern("My_Rule", "\"x\"");
    EXPECT_EQ(x, "my-rule");
    EXPECT_EQ(b.intern("other", "\"x\""), x); // same body, same rule
    EXPECT_EQ(b.fresh_name("my rule"), "my-rule-2");
    b.define("my-rule-2", "\"y\"");
    b.define("root", x + " my-rule-2");
    auto const text = b.print();
    EXPECT_TRUE(text.starts_with("root ::= "));
    auto doc = test::must_parse(text);
    test::gbnf_matcher m(doc);
    EXPECT_TRUE(m.matches("xy"));
    EXPECT_FALSE(m.matches("x"));
}

TEST(GbnfParse, ReadsLlamaCppSyntax)
{
    auto doc = parse_gbnf(R"(# comment
root ::= "a" ( b |
  c )* d{2,3} <[200008]> !<[200012]> <|message|> [^a-z\]] .
b ::= "b"? c+   # trailing comment
c ::= [\x41-\u0042]
d ::= | "d"
)");
    ASSERT_TRUE(doc) << doc.error().message;
    ASSERT_EQ(doc->rules.size(), 4u);
    auto const& seq = doc->rules[0].second[0];
    ASSERT_EQ(seq.size(), 8u);
    EXPECT_EQ(seq[1].max, gbnf_unbounded);
    EXPECT_EQ(seq[2].min, 2u);
    EXPECT_EQ(seq[2].max, 3u);
    EXPECT_EQ(seq[3].token_id, 200008);
    EXPECT_EQ(seq[4].type, gbnf_element::kind::not_token);
    EXPECT_EQ(seq[5].name, "<|message|>");
    EXPECT_FALSE(seq[6].set.contains('q'));
    EXPECT_FALSE(seq[6].set.contains(']'));
    EXPECT_TRUE(doc->find("c")->at(0)[0].set.contains('B'));
}

TEST(GbnfParse, RejectsWhatLlamaCppRejects)
{
    auto err = [](std::string_view g) {
        auto r = parse_gbnf(g);
        return r ? std::string("accepted") : r.error().message;
    };
    EXPECT_NE(err("a ::= \"x\"\n").find("no 'root'"), std::string::npos);
    EXPECT_NE(err("root ::= x\n").find("undefined rule 'x'"), std::string::npos);
    EXPECT_NE(err("root ::= root \"a\" | \"b\"\n").find("left recursion"), std::string::npos);
    EXPECT_NE(err("root ::= a\na ::= b \"x\"\nb ::= \"\"? root\n").find("left recursion"), std::string::npos);
    EXPECT_NE(err("root ::= \"a\"{2001}\n").find("2000"), std::string::npos);
    EXPECT_NE(err("root ::= \"a\n").find("unterminated"), std::string::npos);
    EXPECT_NE(err("root ::= \"a\" )\n").find("unexpected"), std::string::npos);
    EXPECT_NE(err("root ::= \"a\"\nroot ::= \"b\"\n").find("twice"), std::string::npos);
    EXPECT_NE(err("root ::= \"\\q\"\n").find("escape"), std::string::npos);
    // Right recursion and recursion behind a consumed character are fine.
    EXPECT_EQ(err("root ::= \"a\" root | \"b\"\n"), "accepted");
    EXPECT_EQ(err("root ::= \"(\" root? \")\"\n"), "accepted");
}

} // namespace
} // namespace hp::translate
