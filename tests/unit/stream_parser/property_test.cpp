// Property: a rendered conversation, fed in any chunking, parses back to exactly its messages, in
// strict and in lenient mode, with the same events whatever the chunking.
#include "parser_test_support.hpp"

#include "translate/utf8.hpp"

#include <random>

namespace hp::translate::test {
namespace {

std::vector<std::string> const texts = {
    "Hello, world!",
    "Gr\xC3\xBC\xC3\x9F"
    "e \xE2\x80\x94 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBE "
    "\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8",
    "{\"location\": \"Tokyo\", \"unit\": \"c\"}",
    "literal markers stay text: <|end|> <|start|>assistant<|message|> <|call|>",
    "  leading and trailing spaces  \n\n",
    "*** Begin Patch\n*** Update File: a.php\n-use A\\B;\n+use A\\C;\n*** End Patch",
    "\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A "
    "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87 "
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",
    "x",
    "",
};

struct rendered
{
    std::vector<message> messages;
    std::vector<token_id> ids;
};

// Renders like harmony: <|start|>{role|name}[ to=R]<|channel|>{channel}[ to=R][
// <|constrain|>type]<|message|>... with the recipient before or after the channel (the renderer's and the
// model's placements).
rendered random_conversation(std::mt19937& rng)
{
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    auto piece = [&](std::string const& s, std::vector<token_id>& ids) { vocab().encode(s, ids); };
    rendered out;
    std::size_t const count = 1 + pick(5);
    for (std::size_t i = 0; i < count; ++i) {
        message m;
        std::size_t const kind = pick(6);
        std::string author;
        if (kind == 0) {
            m.author = role::tool;
            m.author_name = pick(2) ? "functions.lookup_weather" : "browser.search";
            m.recipient = "assistant";
            author = *m.author_name;
        } else if (kind == 1) {
            m.author = role::user;
            author = "user";
        } else {
            m.author = role::assistant;
            author = "assistant";
            std::size_t const channel = pick(3);
            m.channel = channel == 0 ? "analysis" : channel == 1 ? "commentary" : "final";
            if (channel == 1 && pick(2)) {
                m.recipient = pick(2) ? "functions.get_weather" : "python";
                std::size_t const type = pick(3);
                if (type == 1) m.content_type = "json";
                if (type == 2) m.content_type = "<|constrain|>json";
            }
        }
        if (m.author == role::tool && pick(2)) m.channel = "commentary";
        std::string content = texts[pick(texts.size())];
        if (pick(3) == 0) content += texts[pick(texts.size())];
        m.content = content;

        out.ids.push_back(special::start);
        piece(author, out.ids);
        bool const recipient_first = pick(2) == 0 || !m.channel;
        if (m.recipient && recipient_first) piece(" to=" + *m.recipient, out.ids);
        if (m.channel) {
            out.ids.push_back(special::channel);
            piece(*m.channel, out.ids);
        }
        if (m.recipient && !recipient_first) piece(" to=" + *m.recipient, out.ids);
        if (m.content_type == "json") piece(" json", out.ids);
        if (m.content_type == "<|constrain|>json") {
            if (pick(2)) piece(" ", out.ids); // glued or separated: both parse the same
            out.ids.push_back(special::constrain);
            piece("json", out.ids);
        }
        out.ids.push_back(special::message);
        piece(content, out.ids);
        bool const last = i + 1 == count;
        if (m.author == role::assistant && m.recipient)
            out.ids.push_back(special::call);
        else if (last && m.channel == "final")
            out.ids.push_back(special::return_);
        else if (!last || pick(4) != 0)
            out.ids.push_back(special::end); // else: the stream just stops (end of stream)
        out.messages.push_back(std::move(m));
    }
    return out;
}

std::vector<stream_event> feed_in_chunks(stream_parser& p, std::vector<token_id> const& ids,
                                         std::mt19937& rng, std::size_t max_chunk)
{
    std::vector<stream_event> events;
    std::span<token_id const> rest(ids);
    while (!rest.empty()) {
        std::size_t const n =
            std::min(rest.size(), std::uniform_int_distribution<std::size_t>(1, max_chunk)(rng));
        p.feed(rest.first(n), events);
        rest = rest.subspan(n);
    }
    p.finish(events);
    return events;
}

TEST(StreamParserProperty, RenderedConversationsRoundTripInAnyChunking)
{
    std::mt19937 rng(20260524);
    for (int round = 0; round < 300; ++round) {
        rendered const r = random_conversation(rng);
        boost::json::value const expected = to_golden(r.messages);
        for (bool strict : {true, false}) {
            stream_parser one(vocab(), {std::nullopt, strict, 1024});
            std::vector<stream_event> const events = run(one, r.ids);
            ASSERT_FALSE(one.error()) << one.error()->what;
            ASSERT_EQ(boost::json::value(to_golden(one.messages())), expected) << describe_events(events);
            ASSERT_EQ(check_event_invariants(events, one.messages()), "");
            EXPECT_TRUE(events_of<parse_warning>(events).empty()) << describe_events(events);
            std::string const reference = describe_events(events);
            for (std::size_t max_chunk : {2u, 3u, 7u, 64u}) {
                stream_parser chunked(vocab(), {std::nullopt, strict, 1024});
                ASSERT_EQ(describe_events(feed_in_chunks(chunked, r.ids, rng, max_chunk)), reference)
                    << "max chunk " << max_chunk;
            }
        }
    }
}

TEST(StreamParserProperty, DeltasArriveAsSoonAsACharacterIsComplete)
{
    // Each content token's delta is exactly the complete characters it finishes: never a partial
    // character, never a character withheld once complete (valid input).
    std::string const text = texts[1] + texts[6];
    std::vector<token_id> ids = {special::start};
    vocab().encode("assistant", ids);
    ids.push_back(special::message);
    std::size_t const first_content = ids.size();
    vocab().encode(text, ids);
    stream_parser p(vocab(), {std::nullopt, false, 1024});
    std::vector<stream_event> events;
    std::string bytes;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        p.feed(ids[i], events);
        if (i < first_content) continue;
        bytes += *vocab().token_bytes(ids[i]);
        utf8_check const c = check_utf8(bytes);
        EXPECT_FALSE(c.error_len);
        EXPECT_EQ(p.current_content(), bytes.substr(0, c.valid_up_to)) << "after token " << i;
    }
}

} // namespace
} // namespace hp::translate::test
