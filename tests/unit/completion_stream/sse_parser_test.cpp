// The SSE framer: events from a stream with every line-end style, comments, multi-line data and
// named events, fed whole, byte by byte and split at every offset (one and two cuts); the size
// limit; what counts as an unfinished event.
#include "translate/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hp::translate {
namespace {

// A stream mixing LF, CRLF and lone CR line ends, llama-server pings, a comment inside an event,
// a named event, a multi-line data field, "data:x" without the space, an empty data line, a
// field line without a colon, an id line and an event with no data (dropped).
std::string const mixed_stream = ": ping\n"
                                 "data: {\"content\":\"a\"}\n\n"
                                 "data: {\"content\":\"b\"}\r\n\r\n"
                                 ": ping\r"
                                 "data: {\"content\":\"c\"}\r\r"
                                 "event: error\n"
                                 ": keep-alive in the middle\n"
                                 "data: first line\n"
                                 "data:second line\n"
                                 "data:\n"
                                 "id: 7\n"
                                 "\n"
                                 "event: lonely\n\n"
                                 "data\n\n"
                                 "data:  two spaces\r\n\n";

std::vector<sse_event> const mixed_events = {
    {"", "{\"content\":\"a\"}"},
    {"", "{\"content\":\"b\"}"},
    {"", "{\"content\":\"c\"}"},
    {"error", "first line\nsecond line\n"},
    {"", ""},
    {"", " two spaces"},
};

std::vector<sse_event> feed_all(std::vector<std::string_view> const& parts)
{
    sse_parser p;
    std::vector<sse_event> out;
    for (auto part : parts) {
        auto r = p.feed(part, out);
        EXPECT_TRUE(r.has_value());
    }
    EXPECT_FALSE(p.mid_event());
    return out;
}

TEST(sse_parser, whole_stream)
{
    EXPECT_EQ(feed_all({mixed_stream}), mixed_events);
}

TEST(sse_parser, byte_by_byte)
{
    std::vector<std::string_view> parts;
    for (std::size_t i = 0; i < mixed_stream.size(); ++i)
        parts.push_back(std::string_view(mixed_stream).substr(i, 1));
    EXPECT_EQ(feed_all(parts), mixed_events);
}

TEST(sse_parser, every_split_offset)
{
    std::string_view const s = mixed_stream;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        SCOPED_TRACE("split at " + std::to_string(i));
        EXPECT_EQ(feed_all({s.substr(0, i), s.substr(i)}), mixed_events);
    }
}

TEST(sse_parser, every_pair_of_split_offsets)
{
    std::string_view const s = mixed_stream;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        for (std::size_t j = i; j <= s.size(); ++j) {
            auto got = feed_all({s.substr(0, i), s.substr(i, j - i), s.substr(j)});
            ASSERT_EQ(got, mixed_events) << "splits at " << i << " and " << j;
        }
    }
}

TEST(sse_parser, crlf_split_between_cr_and_lf_is_one_line_end)
{
    // Were the LF counted as a second line end, "data: x\r" + "\n" would dispatch nothing extra
    // but "data: x\r" "\n" "data: y\r\n\r\n" would become two events.
    sse_parser p;
    std::vector<sse_event> out;
    ASSERT_TRUE(p.feed("data: x\r", out));
    ASSERT_TRUE(p.feed("\ndata: y\r", out));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(p.mid_event());
    ASSERT_TRUE(p.feed("\n\r", out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data, "x\ny");
    ASSERT_TRUE(p.feed("\n", out)); // the LF of a CR LF blank line: nothing more
    EXPECT_EQ(out.size(), 1u);
    EXPECT_FALSE(p.mid_event());
}

TEST(sse_parser, comments_alone_are_not_an_unfinished_event)
{
    sse_parser p;
    std::vector<sse_event> out;
    ASSERT_TRUE(p.feed(": ping\n: ping\n", out));
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(p.mid_event());
    ASSERT_TRUE(p.feed(": pi", out));
    EXPECT_TRUE(p.mid_event()); // an unfinished line
}

TEST(sse_parser, event_without_blank_line_is_unfinished)
{
    sse_parser p;
    std::vector<sse_event> out;
    ASSERT_TRUE(p.feed("data: {\"a\":1}\n", out));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(p.mid_event());
}

TEST(sse_parser, oversize_event_is_an_error_and_stays_one)
{
    sse_parser p(64);
    std::vector<sse_event> out;
    std::string const small = "data: " + std::string(40, 'x') + "\n\n";
    std::string const big = "data: " + std::string(30, 'y') + "\ndata: " + std::string(30, 'z') + "\n";
    auto r = p.feed(small + big, out);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("64-byte limit"), std::string::npos) << r.error().message;
    ASSERT_EQ(out.size(), 1u); // the event before the limit was hit
    EXPECT_EQ(out[0].data, std::string(40, 'x'));
    EXPECT_FALSE(p.feed("\n", out).has_value());
    EXPECT_EQ(out.size(), 1u);
}

TEST(sse_parser, a_line_that_never_ends_hits_the_limit)
{
    sse_parser p(1000);
    std::vector<sse_event> out;
    std::string const chunk(100, 'a');
    int fed = 0;
    while (p.feed(chunk, out).has_value()) {
        ASSERT_LT(++fed, 20);
    }
    EXPECT_EQ(fed, 10); // 1000 bytes are allowed, the 1100th is not
    EXPECT_TRUE(out.empty());
}

TEST(sse_parser, limit_counts_the_whole_event_not_the_stream)
{
    sse_parser p(32);
    std::vector<sse_event> out;
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(p.feed("data: " + std::string(20, 'q') + "\n\n", out));
    EXPECT_EQ(out.size(), 100u);
}

} // namespace
} // namespace hp::translate
