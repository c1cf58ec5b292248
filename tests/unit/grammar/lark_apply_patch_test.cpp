// Lark -> GBNF and the apply_patch parser, on Codex's real apply_patch grammar: real patches,
// malformed ones, every prefix, the JSON-string lift, and a differential check of the GBNF
// (run by gbnf_matcher) against the parser on random line soups.
#include "gbnf_matcher.hpp"
#include "grammar_test_support.hpp"

#include "translate/apply_patch_parser.hpp"
#include "translate/lark_to_gbnf.hpp"

#include <boost/json/serialize.hpp>

namespace hp::translate {
namespace {

std::vector<std::string> const real_patches = {
    "*** Begin Patch\n*** Add File: hello.txt\n+Hello world\n+\n*** End Patch\n",
    "*** Begin Patch\n*** Delete File: obsolete.txt\n*** End Patch",
    "*** Begin Patch\n*** Update File: src/app.php\n@@ class User\n-use A\\\\B;\n+use A\\B;\n context "
    "line\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n@@\n-x = 1\n+x = 2\n*** End of File\n"
    "*** Add File: C:\\temp\\x.txt\n+path C:\\temp\\x \"quoted\"\t\xc3\xa9\n*** Delete File: old\n*** End "
    "Patch\n",
    "*** Begin Patch\n*** Update File: only-rename.txt\n*** Move to: renamed.txt\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: x\n*** Update File: y\n@@ def f():\n     pass\n-\n+\r\n*** End "
    "Patch\n",
};

std::vector<std::string> const malformed_patches = {
    "",
    "*** Begin Patch\n*** End Patch\n",                     // hunk+
    "*** Begin Patch\n*** Add File: a\n*** End Patch\n",    // add_line+
    "*** Begin Patch\n*** Add File: \n+x\n*** End Patch\n", // filename is .+
    "*** Begin Patch\n*** Update File: a\n@@x\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: a\n@@ \n*** End Patch\n", // "@@ " needs .+
    "*** Begin Patch\n*** Update File: a\nno prefix\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: a\n*** End of File\n*** End Patch\n", // eof needs a change
    "*** Begin Patch\n*** Update File: a\n+x\n*** End of File\n+y\n*** End Patch\n",
    "*** Begin Patch\n*** Delete File: a\n*** End Patch\n\n", // only one optional LF
    "*** Begin Patch\n*** Delete File: a\n*** End Patch\nmore",
    "*** Begin Patch\n*** Delete File: a\n", // no end
    "*** Begin Patch \n*** Delete File: a\n*** End Patch\n",
    "*** Begin Patch\n*** Add File: a\n+x\n*** Move to: b\n*** End Patch\n",
};

TEST(ApplyPatchParser, AcceptsRealPatches)
{
    for (auto const& p : real_patches) {
        auto r = parse_apply_patch(p);
        EXPECT_TRUE(r) << p << (r ? "" : r.error().message);
    }
    auto r = parse_apply_patch(real_patches[3]);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[0].path, "a.py");
    EXPECT_EQ((*r)[0].move_to, "b.py");
    EXPECT_EQ((*r)[0].lines.back(), "*** End of File");
    EXPECT_EQ((*r)[1].path, "C:\\temp\\x.txt");
    EXPECT_EQ((*r)[1].lines[0], "path C:\\temp\\x \"quoted\"\t\xc3\xa9");
    EXPECT_EQ((*r)[2].type, patch_hunk::kind::remove);
}

TEST(ApplyPatchParser, RejectsMalformedPatches)
{
    for (auto const& p : malformed_patches)
        EXPECT_FALSE(parse_apply_patch(p)) << p;
}

TEST(ApplyPatchParser, PrefixMode)
{
    for (auto const& p : real_patches)
        for (std::size_t n = 0; n <= p.size(); ++n)
            EXPECT_TRUE(parse_apply_patch(p.substr(0, n), patch_mode::prefix)) << n << " of " << p;
    for (auto const* bad : {"x", "*** Begin Patch\n*** Update File: a\nq",
                            "*** Begin Patch\n*** Delete File: a\n*** End Patch\n*", "*** Begin Patch\n@"})
        EXPECT_FALSE(parse_apply_patch(bad, patch_mode::prefix)) << bad;
    EXPECT_TRUE(parse_apply_patch("*** Begin Patch\n*** Up", patch_mode::prefix));
}

struct apply_patch_grammar
{
    gbnf_document doc;
    explicit apply_patch_grammar(text_context ctx)
    {
        auto g = lark_to_gbnf(test::apply_patch_lark(), ctx);
        EXPECT_TRUE(g) << (g ? "" : g.error().message);
        if (g) doc = test::must_parse(*g);
    }
};

// In the JSON style the same language comes out as the body of a JSON string.
std::string json_body(std::string const& raw)
{
    auto s = boost::json::serialize(boost::json::value(raw));
    return s.substr(1, s.size() - 2);
}

TEST(LarkToGbnf, ApplyPatchGrammarMatchesRealPatches)
{
    apply_patch_grammar raw(text_context::raw), lifted(text_context::json_string);
    test::gbnf_matcher m(raw.doc), j(lifted.doc);
    for (auto const& p : real_patches) {
        EXPECT_TRUE(m.matches(p)) << p;
        EXPECT_TRUE(j.matches(json_body(p))) << json_body(p);
        EXPECT_FALSE(j.matches(p)) << "raw LF inside a JSON string: " << p;
    }
    for (auto const& p : malformed_patches) {
        EXPECT_FALSE(m.matches(p)) << p;
        EXPECT_FALSE(j.matches(json_body(p))) << p;
    }
    // A doubled backslash is a different patch, never a second spelling of the same one.
    std::string const patch = "*** Begin Patch\n*** Add File: a\n+A\\B\n*** End Patch\n";
    EXPECT_TRUE(j.matches(R"(*** Begin Patch\n*** Add File: a\n+A\\B\n*** End Patch\n)"));
    EXPECT_FALSE(j.matches(R"(*** Begin Patch\n*** Add File: a\n+A\B\n*** End Patch\n)"));
    EXPECT_EQ(json_body(patch), R"(*** Begin Patch\n*** Add File: a\n+A\\B\n*** End Patch\n)");
}

// A random patch in the language, as lines (without their LF).
std::vector<std::string> random_patch(test::rng& rng)
{
    std::vector<std::string> out = {"*** Begin Patch"};
    auto const hunks = 1 + rng.below(3);
    for (std::size_t h = 0; h < hunks; ++h) {
        switch (rng.below(3)) {
        case 0:
            out.push_back("*** Add File: dir/f" + std::to_string(h) + ".txt");
            for (std::size_t i = 0, n = 1 + rng.below(3); i < n; ++i)
                out.push_back(rng.below(2) ? "+" : "+line \"" + std::to_string(i) + "\" \\x");
            break;
        case 1:
            out.push_back("*** Delete File: old" + std::to_string(h));
            break;
        default: {
            out.push_back("*** Update File: u" + std::to_string(h));
            if (rng.below(3) == 0) out.push_back("*** Move to: v" + std::to_string(h));
            static std::vector<std::string> const changes = {"@@",    "@@ def f():", "+added", "-removed",
                                                             " kept", "+",           "-",      " "};
            auto const n = rng.below(4);
            for (std::size_t i = 0; i < n; ++i)
                out.push_back(changes[rng.below(changes.size())]);
            if (n > 0 && rng.below(3) == 0) out.push_back("*** End of File");
        }
        }
    }
    out.push_back("*** End Patch");
    return out;
}

TEST(LarkToGbnf, DifferentialAgainstTheParser)
{
    apply_patch_grammar raw(text_context::raw), lifted(text_context::json_string);
    test::gbnf_matcher m(raw.doc), j(lifted.doc);
    std::vector<std::string> const junk = {"*** Begin Patch",
                                           "*** End Patch",
                                           "*** Add File: ",
                                           "*** Delete File: d",
                                           "*** Update File: u",
                                           "*** Move to: v",
                                           "*** End of File",
                                           "@@",
                                           "@@ ",
                                           "@@x",
                                           "+add",
                                           "",
                                           "plain",
                                           "\"q\\",
                                           "*** End Patch "};
    test::rng rng(7);
    std::size_t accepted = 0;
    for (int round = 0; round < 1500; ++round) {
        auto lines = random_patch(rng);
        // Half of the patches get one mutation: a line dropped, duplicated or replaced by junk.
        if (rng.below(2)) {
            auto const at = rng.below(lines.size());
            switch (rng.below(3)) {
            case 0:
                lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at));
                break;
            case 1:
                lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), lines[at]);
                break;
            default:
                lines[at] = junk[rng.below(junk.size())];
                break;
            }
        }
        std::string text;
        for (auto const& l : lines)
            text += l + "\n";
        if (rng.below(4) == 0 && !text.empty()) text.pop_back(); // the final LF is optional
        bool const expected = bool(parse_apply_patch(text));
        accepted += expected;
        ASSERT_EQ(m.matches(text), expected) << text;
        ASSERT_EQ(j.matches(json_body(text)), expected) << text;
        // Every cut of an accepted patch is a valid prefix.
        if (expected) {
            for (std::size_t cut = 0; cut <= text.size(); ++cut)
                ASSERT_TRUE(parse_apply_patch(text.substr(0, cut), patch_mode::prefix)) << cut << text;
        }
    }
    EXPECT_GT(accepted, 750u);  // all unmutated ones, and the mutations that stay valid
    EXPECT_LT(accepted, 1350u); // most mutations break the patch
}

TEST(LarkToGbnf, GeneralConstructs)
{
    auto const lark = R"(// a comment
?start: greeting (_SEP item)* [TAIL] -> top
greeting: "hi"i | "hello"
    | /h[ae]y+/
item: NUMBER | "@" CNAME | ESCAPED_STRING | "x"~2 | "y"~1..2 | ("a".."c")+
_SEP: WS_INLINE? "," WS_INLINE?
TAIL.2: /!+/
%import common.NUMBER
%import common (CNAME, ESCAPED_STRING)
%import common.WS_INLINE
)";
    auto g = lark_to_gbnf(lark);
    ASSERT_TRUE(g) << g.error().message;
    auto doc = test::must_parse(*g);
    test::gbnf_matcher m(doc);
    for (auto const* ok :
         {"hi", "HI", "hello", "heyyy", "hi, 12.5e3", "hi ,@foo_1, \"s\\\"q\", xx", "hi,y,yy,abcab!!"})
        EXPECT_TRUE(m.matches(ok)) << ok;
    for (auto const* bad :
         {"hello!,", "hi,", "hi,xxx", "hi,yyy", "hi,d", "hi,\"open", "hEllo", "ha", "hi,@1x"})
        EXPECT_FALSE(m.matches(bad)) << bad;
}

TEST(LarkToGbnf, ErrorsNameTheConstruct)
{
    auto err = [](std::string_view lark) {
        auto g = lark_to_gbnf(lark);
        return g ? std::string("accepted") : g.error().message;
    };
    EXPECT_NE(err("start: /(a)\\1/").find("backreference"), std::string::npos);
    EXPECT_NE(err("start: /a(?=b)/").find("lookaround"), std::string::npos);
    EXPECT_NE(err("start: /\\bx/").find("word boundary"), std::string::npos);
    EXPECT_NE(err("start: /a/i").find("regex flag"), std::string::npos);
    EXPECT_NE(err("start: \"a\"\n%ignore WS").find("%ignore"), std::string::npos);
    EXPECT_NE(err("start: undefined_rule").find("undefined name 'undefined_rule'"), std::string::npos);
    EXPECT_NE(err("start: start \"a\" | \"b\"").find("left recursion"), std::string::npos);
    EXPECT_NE(err("start: X\n%import common.NOPE").find("common.NOPE"), std::string::npos);
    EXPECT_NE(err("rule: \"a\"").find("no 'start'"), std::string::npos);
}

} // namespace
} // namespace hp::translate
