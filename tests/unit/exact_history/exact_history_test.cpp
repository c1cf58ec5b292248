#include "support/vocab.hpp"
#include "tools/fake_llama/vocab.hpp"
#include "translate/exact_history.hpp"
#include "translate/renderer.hpp"

#include <gtest/gtest.h>

namespace hp::translate {
namespace {

using hp::test::vocab;

std::vector<token_id> ids_of(std::string_view text)
{
    return tools::fake_llama::vocab(vocab()).tokenize(text, true);
}

message assistant(std::string channel, std::string content, std::optional<std::string> recipient = {},
                  std::optional<std::string> content_type = {})
{
    message m;
    m.author = role::assistant;
    m.channel = std::move(channel);
    m.content = std::move(content);
    m.recipient = std::move(recipient);
    m.content_type = std::move(content_type);
    return m;
}

message user(std::string text)
{
    message m;
    m.author = role::user;
    m.content = std::move(text);
    return m;
}

TEST(ExactHistory, AGenerationSplitsIntoItsCleanMessages)
{
    auto generated = ids_of("<|channel|>analysis<|message|>think<|end|><|start|>assistant to=functions.exec_command"
                            "<|channel|>commentary <|constrain|>json<|message|>{\"cmd\":\"ls\"}<|call|>");
    auto segments = segments_from_generation(vocab(), generated);
    ASSERT_EQ(segments.size(), 2u);
    EXPECT_EQ(segments[0].msg, assistant("analysis", "think"));
    EXPECT_EQ(segments[1].msg, assistant("commentary", "{\"cmd\":\"ls\"}", "functions.exec_command", "<|constrain|>json"));
    // <|start|>assistant from the prompt, then exactly what was sampled.
    std::vector<token_id> joined;
    for (auto const& s : segments) joined.insert(joined.end(), s.ids.begin(), s.ids.end());
    auto expected = ids_of("<|start|>assistant");
    expected.insert(expected.end(), generated.begin(), generated.end());
    EXPECT_EQ(joined, expected);
}

TEST(ExactHistory, AFinalReturnBecomesEndAndAMalformedMessageIsLeftOut)
{
    auto generated = ids_of("<|channel|>final<|message|>Done.<|return|>");
    auto segments = segments_from_generation(vocab(), generated);
    ASSERT_EQ(segments.size(), 1u);
    EXPECT_EQ(segments[0].ids.back(), special::end);
    EXPECT_TRUE(segments_from_generation(vocab(), ids_of("<|channel|>final<|message|>cut short")).empty());
}

TEST(ExactHistory, EncryptedContentRoundTripsAndRejectsGarbage)
{
    std::vector<token_id> ids{0, 1, 127, 128, 200006, 201087, 16384};
    auto text = encode_exact_ids(ids);
    EXPECT_TRUE(text.starts_with("hpx1."));
    EXPECT_EQ(decode_exact_ids(text), ids);
    EXPECT_FALSE(decode_exact_ids("hpx1.!!"));
    EXPECT_FALSE(decode_exact_ids("gAAAAABopaque"));
    EXPECT_FALSE(decode_exact_ids(encode_exact_ids(std::vector<token_id>{201088})));
    auto cut = text.substr(0, text.size() - 1);
    auto const cut_decoded = decode_exact_ids(cut);
    EXPECT_TRUE(!cut_decoded || *cut_decoded != ids);
}

TEST(ExactHistory, RenderingUsesTrustedIdsAndRejectsTamperedOnes)
{
    auto generated = ids_of("<|channel|>analysis<|message|>hel");
    auto tail = ids_of("lo<|end|>"); // "hello" as "hel" + "lo": not the tokenizer's split
    generated.insert(generated.end(), tail.begin(), tail.end());
    auto segments = segments_from_generation(vocab(), generated);
    ASSERT_EQ(segments.size(), 1u);
    ASSERT_EQ(segments[0].msg, assistant("analysis", "hello"));

    std::vector<message> conversation{user("hi"), assistant("analysis", "hello"), user("again")};
    renderer r(vocab());
    auto canonical = r.render_conversation_for_completion(conversation, role::assistant, render_config{analysis_policy::keep_all});
    ASSERT_TRUE(canonical);
    auto none = render_with_exact_history(r, vocab(), conversation, {});
    ASSERT_TRUE(none);
    EXPECT_EQ(none->prompt.tokens, canonical->tokens);
    EXPECT_EQ(none->prompt.text, canonical->text);

    auto exact = render_with_exact_history(r, vocab(), conversation, [&](message const&) {
        return std::optional<std::span<token_id const>>(segments[0].ids);
    });
    ASSERT_TRUE(exact);
    EXPECT_EQ(exact->exact, 1u);
    EXPECT_EQ(exact->prompt.text, canonical->text) << "same text";
    EXPECT_NE(exact->prompt.tokens, canonical->tokens) << "the sampled split";

    // Ids for a different content are not used for this message.
    auto other = segments_from_generation(vocab(), ids_of("<|channel|>analysis<|message|>goodbye<|end|>"));
    auto tampered = render_with_exact_history(r, vocab(), conversation, [&](message const&) {
        return std::optional<std::span<token_id const>>(other[0].ids);
    });
    ASSERT_TRUE(tampered);
    EXPECT_EQ(tampered->exact, 0u);
    EXPECT_EQ(tampered->rejected, 1u);
    EXPECT_EQ(tampered->prompt.tokens, canonical->tokens);
}

TEST(ExactHistory, TheStoreFindsTheNewestAndStaysBounded)
{
    exact_history h(20);
    auto a = segments_from_generation(vocab(), ids_of("<|channel|>final<|message|>one<|end|>"));
    auto b = segments_from_generation(vocab(), ids_of("<|channel|>final<|message|>two two two two<|end|>"));
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    h.add(a[0]);
    EXPECT_TRUE(h.find(a[0].msg));
    h.add(b[0]);
    h.add(b[0]);
    EXPECT_LE(h.tokens(), 20u);
    EXPECT_FALSE(h.find(a[0].msg)) << "the oldest went first";
    EXPECT_TRUE(h.find(b[0].msg));
}

} // namespace
} // namespace hp::translate
