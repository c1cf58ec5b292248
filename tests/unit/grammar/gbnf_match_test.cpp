// translate/gbnf_match.hpp: the token-level recognizer the scripted llama-server samples under.
// Text is tokenized with the real o200k vocabulary; <|name|> spellings become special tokens.
#include "grammar_test_support.hpp"

#include "support/vocab.hpp"
#include "translate/gbnf_match.hpp"
#include "translate/special_tokens.hpp"
#include "translate/tool_call_grammar.hpp"

#include <gtest/gtest.h>

namespace hp::translate {
namespace {

// Ordinary text through encode(); "<|name|>" through the special token table.
std::vector<token_id> tokens(std::string_view text)
{
    std::vector<token_id> out;
    while (!text.empty()) {
        auto const open = text.find("<|");
        auto const close = open == std::string_view::npos ? open : text.find("|>", open);
        if (close == std::string_view::npos) {
            test::vocab().encode(text, out);
            break;
        }
        test::vocab().encode(text.substr(0, open), out);
        auto id = special_token_id(text.substr(open, close + 2 - open));
        EXPECT_TRUE(id) << text.substr(open, close + 2 - open);
        if (id) out.push_back(*id);
        text.remove_prefix(close + 2);
    }
    return out;
}

gbnf_recognizer compile(std::string_view g)
{
    auto r = gbnf_recognizer::compile(g);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(*r) : *gbnf_recognizer::compile("root ::= \"\"");
}

bool complete(gbnf_recognizer const& g, std::string_view text)
{
    return g.complete(test::vocab(), tokens(text));
}
bool viable(gbnf_recognizer const& g, std::string_view text)
{
    return g.viable(test::vocab(), tokens(text));
}

// The number of leading tokens of `text` that stay viable (== size: all).
std::size_t viable_tokens(gbnf_recognizer const& g, std::string_view text)
{
    auto ids = tokens(text);
    for (std::size_t n = 1; n <= ids.size(); ++n)
        if (!g.viable(test::vocab(), std::span(ids).first(n))) return n - 1;
    return ids.size();
}

TEST(GbnfRecognizer, LiteralsAndClasses)
{
    auto g = compile(R"(root ::= "hello " [a-z]+ [^a-z])");
    EXPECT_TRUE(complete(g, "hello world!"));
    EXPECT_FALSE(complete(g, "hello world"));
    EXPECT_TRUE(viable(g, "hello wor"));
    EXPECT_TRUE(viable(g, "hel"));
    EXPECT_FALSE(viable(g, "help"));
    EXPECT_FALSE(viable(g, "hello World"));
    auto u = compile(R"(root ::= "\u00e9" [\u4e00-\u9fff])");
    EXPECT_TRUE(complete(u, "\xc3\xa9\xe4\xb8\xad"));
    EXPECT_FALSE(complete(u, "e\xe4\xb8\xad"));
}

TEST(GbnfRecognizer, Repetitions)
{
    auto g = compile(R"(root ::= "a"{2,3} "b"? "c"* "d"+)");
    EXPECT_TRUE(complete(g, "aad"));
    EXPECT_TRUE(complete(g, "aaabccccdd"));
    EXPECT_FALSE(complete(g, "ad"));
    EXPECT_FALSE(complete(g, "aaaad"));
    EXPECT_FALSE(complete(g, "aab"));
    EXPECT_TRUE(viable(g, "aab"));
    EXPECT_FALSE(viable(g, "aabb"));
}

TEST(GbnfRecognizer, RecursionNestedJson)
{
    auto g = compile(R"(root ::= value
value ::= object | array | number
object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" [a-z]* "\""
number ::= [0-9]+
ws ::= [ ]*)");
    EXPECT_TRUE(complete(g, R"({"a": [1, {"b": [[2], {}]}], "c": 3})"));
    EXPECT_FALSE(complete(g, R"({"a": [1, {"b": [[2], {}]}], "c": 3)"));
    EXPECT_TRUE(viable(g, R"({"a": [1, {"b": [[2)"));
    EXPECT_FALSE(viable(g, R"({"a": [1, {"b": [[2}])"));
}

TEST(GbnfRecognizer, TokenReferences)
{
    auto g = compile(R"(root ::= "to=x" <[200003]> "json" <|message|> !<[200012]>+)");
    EXPECT_TRUE(complete(g, "to=x<|constrain|>json<|message|>{}"));
    // The spelled text is not the special token, and the special token is not its spelling.
    EXPECT_FALSE(viable(g, "to=x<|constrain|>json") && complete(g, "to=x<|constrain|>json<|message|>"));
    auto ids = tokens("to=x");
    test::vocab().encode("<|constrain|>", ids); // plain text spelling
    EXPECT_FALSE(g.viable(test::vocab(), ids));
    EXPECT_FALSE(complete(g, "to=x<|constrain|>json<|message|><|call|>"));
    // !<[id]> takes any other token, special or not, one at a time.
    EXPECT_TRUE(complete(g, "to=x<|constrain|>json<|message|><|channel|>abc"));
    EXPECT_FALSE(gbnf_recognizer::compile(R"(root ::= <|nonsense|>)"));
}

TEST(GbnfRecognizer, CharacterSplitOverTokens)
{
    auto g = compile(R"(root ::= "\U0001F600")");
    std::vector<token_id> ids;
    for (char c : std::string("\xF0\x9F\x98\x80")) {
        auto id = test::vocab().token_for_bytes(std::string(1, c));
        ASSERT_TRUE(id);
        ids.push_back(*id);
    }
    for (std::size_t n = 1; n < ids.size(); ++n) {
        EXPECT_TRUE(g.viable(test::vocab(), std::span(ids).first(n))) << n;
        EXPECT_FALSE(g.complete(test::vocab(), std::span(ids).first(n))) << n;
    }
    EXPECT_TRUE(g.complete(test::vocab(), ids));
}

TEST(GbnfRecognizer, PrefixAndEnd)
{
    auto g = compile(R"(root ::= "ab" | "abcd")");
    EXPECT_TRUE(complete(g, "ab"));   // may end here...
    EXPECT_TRUE(viable(g, "abc"));    // ...or go on
    EXPECT_FALSE(complete(g, "abc")); // but not end here
    EXPECT_TRUE(complete(g, "abcd"));
    EXPECT_FALSE(viable(g, "abcde")); // nothing follows a finished sentence
    EXPECT_TRUE(g.viable(test::vocab(), {}));
    EXPECT_FALSE(g.complete(test::vocab(), {}));
}

TEST(GbnfRecognizer, ToolCallGrammarAcceptsAValidCallTokenByToken)
{
    auto tools = tools_from_responses(boost::json::parse(R"([
        {"type":"function","name":"exec_command","parameters":{"type":"object",
          "properties":{"cmd":{"type":"string"},"timeout":{"type":"integer"}},"required":["cmd"],
          "additionalProperties":false}},
        {"type":"function","name":"read_file","parameters":{"type":"object",
          "properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}}])"));
    ASSERT_TRUE(tools) << tools.error().message;
    auto gt = tool_call_grammar(*tools, false, header_position::after_channel);
    ASSERT_TRUE(gt) << gt.error().message;
    auto g = compile(gt->gbnf);
    std::string const call = R"(functions.exec_command <|constrain|>json<|message|>{"cmd":"ls -la","timeout":5})";
    auto ids = tokens(call);
    for (std::size_t n = 1; n <= ids.size(); ++n)
        ASSERT_TRUE(g.viable(test::vocab(), std::span(ids).first(n))) << "token " << n - 1;
    EXPECT_TRUE(g.complete(test::vocab(), ids));
    // A property the schema does not have is rejected where its name departs from "cmd"/"timeout".
    std::string const bad = R"(functions.exec_command <|constrain|>json<|message|>{"command":"ls"})";
    auto const bad_ids = tokens(bad);
    auto const ok = viable_tokens(g, bad);
    ASSERT_LT(ok, bad_ids.size());
    auto const accepted = test::vocab().decode(std::span(bad_ids).first(ok));
    EXPECT_TRUE(accepted.starts_with("functions.exec_command <|constrain|>json<|message|>{")) << accepted;
    EXPECT_TRUE(accepted.ends_with("{\"") || accepted.ends_with("{")) << accepted;
    EXPECT_FALSE(viable(g, R"(functions.rm <|constrain|>json)"));

    auto args = arguments_grammar((*tools)[1], false);
    ASSERT_TRUE(args) << args.error().message;
    auto a = compile(args->gbnf);
    EXPECT_TRUE(complete(a, R"({"path":"/tmp/x"})"));
    EXPECT_FALSE(complete(a, R"({"path":"/tmp/x")"));
    EXPECT_TRUE(viable(a, R"({"path":"/tmp/x")"));
    EXPECT_FALSE(viable(a, R"({"path":1)"));
}

} // namespace
} // namespace hp::translate
