// translate/stream_parser_header: the reference's header rules, its failures, and the lenient
// parser's recoveries.
#include "translate/stream_parser_header.hpp"

#include <gtest/gtest.h>

namespace hp::translate {
namespace {

message_header hdr(role r, std::optional<std::string> name, std::optional<std::string> recipient,
                   std::optional<std::string> channel, std::optional<std::string> type)
{
    return {r, std::move(name), std::move(recipient), std::move(channel), std::move(type)};
}

struct ok_case
{
    std::string text;
    std::optional<role> known;
    message_header expected;
};

// Headers the reference accepts, in every placement the model and the renderer use.
std::vector<ok_case> const well_formed = {
    {"assistant<|channel|>final", std::nullopt, hdr(role::assistant, {}, {}, "final", {})},
    {"<|channel|>analysis", role::assistant, hdr(role::assistant, {}, {}, "analysis", {})},
    {"assistant to=functions.get_weather<|channel|>commentary json", std::nullopt,
     hdr(role::assistant, {}, "functions.get_weather", "commentary", "json")},
    {"assistant<|channel|>commentary to=functions.get_weather <|constrain|>json", std::nullopt,
     hdr(role::assistant, {}, "functions.get_weather", "commentary", "<|constrain|>json")},
    {"assistant<|channel|>commentary to=functions.get_weather<|constrain|>json", std::nullopt,
     hdr(role::assistant, {}, "functions.get_weather", "commentary", "<|constrain|>json")},
    {"assistant to=functions.x<|channel|>commentary<|constrain|>json", std::nullopt,
     hdr(role::assistant, {}, "functions.x", "commentary", "<|constrain|>json")},
    {"browser.search to=assistant<|channel|>commentary", std::nullopt,
     hdr(role::tool, "browser.search", "assistant", "commentary", {})},
    {"functions.lookup_weather to=assistant", std::nullopt,
     hdr(role::tool, "functions.lookup_weather", "assistant", {}, {})},
    {"user", std::nullopt, hdr(role::user, {}, {}, {}, {})},
    {"assistant python", std::nullopt, hdr(role::assistant, {}, "python", {}, {})},
    {"<|channel|>analysis to=lookup_weather code", role::assistant,
     hdr(role::assistant, {}, "lookup_weather", "analysis", "code")},
    {"assistant\u3000<|channel|>final\u00A0", std::nullopt, hdr(role::assistant, {}, {}, "final", {})},
};

TEST(HeaderStrict, AcceptsEveryPlacement)
{
    for (auto const& c : well_formed) {
        auto r = parse_header_strict(c.text, c.known);
        ASSERT_TRUE(r) << c.text << ": " << r.error();
        EXPECT_EQ(*r, c.expected) << c.text;
    }
}

TEST(HeaderLenient, EqualsStrictOnWellFormedHeadersWithoutNotes)
{
    for (auto const& c : well_formed) {
        std::vector<std::string> notes;
        EXPECT_EQ(parse_header_lenient(c.text, c.known, notes), c.expected) << c.text;
        EXPECT_TRUE(notes.empty()) << c.text << ": " << notes.front();
    }
}

TEST(HeaderStrict, ReportsTheReferenceErrors)
{
    struct err_case
    {
        std::string text;
        std::optional<role> known;
        std::string error;
    };
    std::vector<err_case> const cases = {
        {"I must refuse", role::assistant, "unexpected tokens remaining in message header: Some(\"I\")"},
        {"", std::nullopt, "message header did not contain a role"},
        {"robot", std::nullopt, "Unknown role: robot"},
        {"assistant<|channel|> final", std::nullopt,
         "channel marker present but no channel value found in header"},
        {"assistant to=a to=b json", std::nullopt,
         "unexpected tokens remaining in message header: Some(\"to=a\")"},
        {"a \"quoted\"\nb c d", role::assistant,
         "unexpected tokens remaining in message header: Some(\"a \\\"quoted\\\" b\")"},
    };
    for (auto const& c : cases) {
        auto r = parse_header_strict(c.text, c.known);
        ASSERT_FALSE(r) << c.text;
        EXPECT_EQ(r.error(), c.error);
    }
}

TEST(HeaderLenient, DuplicatedRecipientKeepsTheLast)
{
    std::vector<std::string> notes;
    auto h = parse_header_lenient("assistant to=functions.shell<|channel|>commentary to=functions.shell json",
                                  std::nullopt, notes);
    EXPECT_EQ(h, hdr(role::assistant, {}, "functions.shell", "commentary", "json"));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("duplicated recipient"), std::string::npos);

    notes.clear();
    h = parse_header_lenient("assistant<|channel|>commentary to=functions.a to=functions.b", std::nullopt,
                             notes);
    EXPECT_EQ(h.recipient, "functions.b");
    EXPECT_EQ(notes.size(), 1u);
}

TEST(HeaderLenient, GarbageAndEmptyChannels)
{
    std::vector<std::string> notes;
    auto h = parse_header_lenient("<|channel|>?\?", role::assistant, notes);
    EXPECT_EQ(h, hdr(role::assistant, {}, {}, "?\?", {}));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("unknown channel '?\?'"), std::string::npos);

    notes.clear();
    h = parse_header_lenient("<|channel|>", role::assistant, notes);
    EXPECT_EQ(h, hdr(role::assistant, {}, {}, {}, {}));
    EXPECT_EQ(notes.size(), 1u);

    notes.clear(); // the model repeats the marker and corrects itself
    h = parse_header_lenient("<|channel|>?\?<|channel|>final", role::assistant, notes);
    EXPECT_EQ(h, hdr(role::assistant, {}, {}, "final", {}));
    EXPECT_EQ(notes.size(), 1u);
}

TEST(HeaderLenient, RoleAndLeftoverRecovery)
{
    std::vector<std::string> notes;
    EXPECT_EQ(parse_header_lenient("robot", std::nullopt, notes), hdr(role::assistant, {}, {}, {}, {}));
    EXPECT_EQ(notes.size(), 1u);
    notes.clear();
    EXPECT_EQ(parse_header_lenient("", std::nullopt, notes), hdr(role::assistant, {}, {}, {}, {}));
    EXPECT_EQ(notes.size(), 1u);
    notes.clear();
    EXPECT_EQ(parse_header_lenient("<|channel|>final some stray words json", role::assistant, notes),
              hdr(role::assistant, {}, "words", "final", "json"));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("some stray"), std::string::npos);
    notes.clear();
    EXPECT_EQ(parse_header_lenient("assistant to=<|channel|>commentary", std::nullopt, notes),
              hdr(role::assistant, {}, {}, "commentary", {}));
    EXPECT_EQ(notes.size(), 1u);
}

TEST(HeaderRecover, KeepsTheTextAsContent)
{
    std::vector<std::string> notes;
    auto r = recover_header("<|channel|>commentary Hello", role::assistant, true, notes);
    EXPECT_EQ(r.header, hdr(role::assistant, {}, {}, "commentary", {}));
    EXPECT_EQ(r.content, "Hello");
    EXPECT_TRUE(notes.empty());

    r = recover_header("assistant<|channel|>final Two\n  lines kept \n", std::nullopt, true, notes);
    EXPECT_EQ(r.header, hdr(role::assistant, {}, {}, "final", {}));
    EXPECT_EQ(r.content, "Two\n  lines kept");

    r = recover_header("The answer is ", std::nullopt, false, notes);
    EXPECT_EQ(r.header.author, role::assistant);
    EXPECT_EQ(r.content, "The answer is "); // still streaming: trailing space kept
    EXPECT_EQ(notes.size(), 1u);            // no role
}

} // namespace
} // namespace hp::translate
