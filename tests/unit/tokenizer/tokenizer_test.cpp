// The tokenizer against ground truth: harmony-golden/tokenizer/ (ids from the real tiktoken) and
// openai/harmony's tokenizer-level tests, plus the properties the proxy relies on.
#include "vocab_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace hp::translate {
namespace {

using test::golden;
using test::vocab;

std::vector<token_id> ids_of(boost::json::value const& v)
{
    std::vector<token_id> ids;
    for (auto const& x : v.as_array())
        ids.push_back(static_cast<token_id>(x.to_number<std::uint64_t>()));
    return ids;
}

TEST(tokenizer, golden_corpus_matches_tiktoken_exactly)
{
    std::istringstream in(test::read_file(golden("tokenizer/corpus.jsonl")));
    std::string line;
    int lines = 0;
    int mismatches = 0;
    while (std::getline(in, line)) {
        auto const doc = boost::json::parse(line).as_object();
        std::string const text(doc.at("text").as_string());
        auto const expected = ids_of(doc.at("tokens"));
        auto const got = vocab().encode(text);
        ++lines;
        if (got != expected) {
            ++mismatches;
            ADD_FAILURE() << "line " << lines << " (" << doc.at("category") << ") "
                          << boost::json::serialize(doc.at("text"));
        }
        EXPECT_EQ(vocab().decode(got), text) << "line " << lines;
    }
    EXPECT_EQ(lines, 468);
    EXPECT_EQ(mismatches, 0);
}

// Every case of harmony_tokenizer_tests.json is checked; none is skipped silently.
TEST(tokenizer, harmony_tokenizer_cases)
{
    auto const doc = boost::json::parse(test::read_file(golden("tokenizer/harmony_tokenizer_tests.json")));
    int checked = 0;
    auto const& cases = doc.at("cases").as_array();
    for (auto const& cv : cases) {
        auto const& c = cv.as_object();
        std::string const name(c.at("name").as_string());
        std::string const op(c.at("op").as_string());
        SCOPED_TRACE(name);
        if (op == "encode") {
            std::string const text(c.at("text").as_string());
            auto const& allowed = c.at("allowed_special");
            if (allowed.is_string() && allowed.as_string() == "none") {
                // encode() is encode_ordinary. Where Python would raise for disallowed special text,
                // the proxy encodes it as text: that is the whole point of owning the tokenizer.
                std::vector<token_id> const expected = c.contains("expected_tokens")
                                                           ? ids_of(c.at("expected_tokens"))
                                                           : std::vector<token_id>{27, 91, 5236, 91, 29};
                EXPECT_EQ(vocab().encode(text), expected);
                if (c.contains("decoded_back")) {
                    EXPECT_EQ(vocab().decode(vocab().encode(text)),
                              std::string(c.at("decoded_back").as_string()));
                }
            } else {
                // Specials are allowed: only the renderer emits them, by name.
                auto const expected = ids_of(c.at("expected_tokens"));
                ASSERT_EQ(expected.size(), 1u);
                EXPECT_EQ(special_token_id(text), expected[0]);
                EXPECT_NE(vocab().encode(text), expected);
            }
        } else if (op == "is_special_token") {
            auto const id = static_cast<token_id>(c.at("token").to_number<std::uint64_t>());
            EXPECT_EQ(is_special(id), c.at("expected").as_bool());
        } else if (op == "decode_utf8") {
            auto const ids = ids_of(c.at("tokens"));
            bool ok = false;
            std::string const bytes = vocab().decode(ids, &ok);
            if (c.contains("expected_text")) {
                EXPECT_TRUE(ok);
                EXPECT_EQ(bytes, std::string(c.at("expected_text").as_string()));
            } else if (c.contains("token_bytes_hex")) {
                // decode is byte-exact; the caller decides what to do with a split character.
                EXPECT_TRUE(ok);
                EXPECT_EQ(bytes, std::string("Chicken \xF0\x9F"));
            } else {
                EXPECT_FALSE(ok); // Invalid token for decoding: 99999999
                EXPECT_EQ(bytes, "");
            }
        } else {
            ADD_FAILURE() << "unknown op " << op;
            continue;
        }
        ++checked;
    }
    EXPECT_EQ(checked, 11);
    EXPECT_EQ(cases.size(), 11u);
}

TEST(tokenizer, marker_text_never_becomes_special)
{
    EXPECT_EQ(vocab().encode("<|end|>"), (std::vector<token_id>{27, 91, 419, 91, 29}));
    EXPECT_EQ(vocab().encode("hello world"), (std::vector<token_id>{24912, 2375}));
    for (token_id id = special::first; id <= special::last; ++id) {
        std::string const name = *special_token_name(id);
        auto const ids = vocab().encode("x" + name + " " + name);
        for (token_id t : ids)
            ASSERT_LT(t, special::first) << name;
        ASSERT_EQ(vocab().decode(ids), "x" + name + " " + name);
    }
}

TEST(tokenizer, token_bytes_and_lookup_are_inverse_for_every_ordinary_token)
{
    ASSERT_EQ(vocab().ordinary_count(), 199998u);
    for (token_id id = 0; id < vocab().ordinary_count(); ++id) {
        auto const bytes = vocab().token_bytes(id);
        ASSERT_TRUE(bytes.has_value()) << id;
        ASSERT_EQ(vocab().token_for_bytes(*bytes), id) << id;
    }
    EXPECT_EQ(vocab().token_bytes(9552), std::string_view("\x20\xF0\x9F", 3));
    EXPECT_EQ(vocab().token_bytes(24912), "hello");
    EXPECT_EQ(vocab().token_for_bytes(" world"), 2375u);
    EXPECT_EQ(vocab().token_for_bytes(""), std::nullopt);
    EXPECT_EQ(vocab().token_for_bytes("<|end|>"), std::nullopt); // specials are not ordinary bytes
    EXPECT_EQ(vocab().token_for_bytes(std::string(300, 'q')), std::nullopt);
}

TEST(tokenizer, specials_decode_to_their_names_and_unknown_ids_to_nothing)
{
    EXPECT_EQ(vocab().token_bytes(special::end), "<|end|>");
    EXPECT_EQ(vocab().token_bytes(special::call), "<|call|>");
    EXPECT_EQ(vocab().token_bytes(200018), "<|reserved_200018|>");
    EXPECT_EQ(vocab().token_bytes(special::last), "<|reserved_201088|>");
    EXPECT_EQ(vocab().token_bytes(special::last + 1), std::nullopt);

    std::vector<token_id> ids{special::start};
    vocab().encode("assistant", ids);
    ids.push_back(special::channel);
    vocab().encode("analysis", ids);
    ids.push_back(special::message);
    vocab().encode("hello", ids);
    ids.push_back(special::end);
    bool ok = false;
    EXPECT_EQ(vocab().decode(ids, &ok), "<|start|>assistant<|channel|>analysis<|message|>hello<|end|>");
    EXPECT_TRUE(ok);
    std::vector<token_id> const bad{24912, 201089, 2375, 0xFFFFFFFF};
    EXPECT_EQ(vocab().decode(bad, &ok), "hello world");
    EXPECT_FALSE(ok);
}

TEST(tokenizer, special_token_names_round_trip)
{
    for (token_id id = special::first; id <= special::last; ++id) {
        auto const name = special_token_name(id);
        ASSERT_TRUE(name.has_value()) << id;
        ASSERT_EQ(special_token_id(*name), id) << *name;
    }
    EXPECT_EQ(special_token_name(special::first - 1), std::nullopt);
    EXPECT_EQ(special_token_name(special::last + 1), std::nullopt);
    EXPECT_EQ(special_token_id("<|reserved_200007|>"), std::nullopt); // 200007 is <|end|>
    EXPECT_EQ(special_token_id("<|reserved_0200013|>"), std::nullopt);
    EXPECT_EQ(special_token_id("<|reserved_201089|>"), std::nullopt);
    EXPECT_EQ(special_token_id("<|reserved_|>"), std::nullopt);
    EXPECT_EQ(special_token_id("<|refusal|>"), std::nullopt);
    EXPECT_EQ(special_token_id("<|endofprompt|>"), std::nullopt); // harmony has no such name
}

// decode(encode(x)) == x for any bytes: invalid UTF-8 is kept byte for byte.
TEST(tokenizer, round_trip_of_arbitrary_bytes)
{
    std::vector<std::string> fixed{"",
                                   "\xFF",
                                   "\xC0\xAF",
                                   "\xED\xA0\x80",
                                   "\xF4\x90\x80\x80",
                                   "\xF0\x9F",
                                   "a\x80 b",
                                   "\xE2\x82",
                                   "caf\xC3",
                                   std::string("\0\0 \0x", 6),
                                   "\xF0\x9F\x98\x80\xF0\x9F"};
    std::mt19937 rng(4242);
    for (int i = 0; i < 3000; ++i) {
        std::string s(rng() % 64, '\0');
        bool const ascii_heavy = i % 2 == 0;
        for (auto& c : s)
            c = static_cast<char>(ascii_heavy && rng() % 4 ? 0x20 + rng() % 0x5F : rng() % 256);
        fixed.push_back(std::move(s));
    }
    for (auto const& s : fixed) {
        auto const ids = vocab().encode(s);
        for (token_id t : ids)
            ASSERT_LT(t, special::first);
        ASSERT_EQ(vocab().decode(ids), s);
        std::vector<token_id> appended{7};
        vocab().encode(s, appended);
        ASSERT_EQ(appended.size(), ids.size() + 1);
        ASSERT_TRUE(std::equal(ids.begin(), ids.end(), appended.begin() + 1));
    }
    // An invalid byte is one character of class other, like U+FFFD: it takes a following word as
    // its leading character, the way "!" does in "!hello".
    EXPECT_EQ(vocab().encode("\xFF"), vocab().encode("\xFF"));
    EXPECT_EQ(vocab().encode("\xFF").size(), 1u);
    auto const w = vocab().encode("a\xFFhello");
    EXPECT_EQ(w.front(), *vocab().token_for_bytes("a"));
    EXPECT_EQ(vocab().decode(w), "a\xFFhello");
}

} // namespace
} // namespace hp::translate
