// Malformed model output in non-strict mode (the proxy's): every case recovers, says what it did
// with the index of the token that caused it, and keeps every byte it can read. The same inputs in
// strict mode either fail like the reference or, where the reference accepts them, agree with it.
#include "parser_test_support.hpp"

namespace hp::translate::test {
namespace {

struct outcome
{
    std::vector<stream_event> events;
    std::vector<message> messages;
    std::vector<parse_warning> warnings;
    std::vector<message_ended> ends;
};

outcome parse(std::vector<token_id> const& ids, std::optional<role> initial_role = std::nullopt,
              bool strict = false, std::size_t max_header_bytes = 1024)
{
    stream_parser p(vocab(), {initial_role, strict, max_header_bytes});
    outcome o;
    o.events = run(p, ids);
    o.messages = p.messages();
    o.warnings = events_of<parse_warning>(o.events);
    o.ends = events_of<message_ended>(o.events);
    EXPECT_EQ(check_event_invariants(o.events, o.messages), "") << describe_events(o.events);
    if (!strict) {
        EXPECT_FALSE(p.error().has_value());
    }
    return o;
}

bool has_warning(outcome const& o, warning_kind kind, std::optional<std::size_t> index = std::nullopt)
{
    return std::any_of(o.warnings.begin(), o.warnings.end(), [&](parse_warning const& w) {
        return w.kind == kind && (!index || w.token_index == *index);
    });
}

std::size_t index_of(std::vector<token_id> const& ids, token_id id, std::size_t nth = 0)
{
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == id && nth-- == 0) return i;
    ADD_FAILURE() << "id " << id << " not in the input";
    return 0;
}

message msg(role r, std::optional<std::string> channel, std::string content,
            std::optional<std::string> recipient = std::nullopt,
            std::optional<std::string> type = std::nullopt)
{
    message m;
    m.author = r;
    m.channel = std::move(channel);
    m.recipient = std::move(recipient);
    m.content_type = std::move(type);
    m.content = std::move(content);
    return m;
}

#define EXPECT_MESSAGES(o, ...)                                                                              \
    EXPECT_EQ(boost::json::value(to_golden((o).messages)),                                                   \
              boost::json::value(to_golden(std::vector<message>{__VA_ARGS__})))                              \
        << describe_events((o).events)

TEST(StreamParserMalformed, DuplicatedRecipient)
{
    auto ids = ids_of("<|start|>assistant to=functions.shell<|channel|>commentary to=functions.shell json"
                      "<|message|>{\"cmd\":[\"ls\"]}<|call|>");
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "commentary", "{\"cmd\":[\"ls\"]}", "functions.shell", "json"));
    EXPECT_TRUE(has_warning(o, warning_kind::malformed_header, index_of(ids, special::message)));
    ASSERT_EQ(o.ends.size(), 1u);
    EXPECT_EQ(o.ends[0].reason, end_reason::call);
    // The reference rejects it.
    auto strict = parse(ids, std::nullopt, true);
    EXPECT_TRUE(strict.messages.empty());
    EXPECT_EQ(events_of<parse_error>(strict.events).size(), 1u);
}

TEST(StreamParserMalformed, GarbageAfterChannel)
{
    auto ids = ids_of("<|channel|>?\?<|message|>Hello<|end|>");
    auto o = parse(ids, role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, "?\?", "Hello"));
    EXPECT_TRUE(has_warning(o, warning_kind::malformed_header, 2));
}

TEST(StreamParserMalformed, EmptyChannel)
{
    auto o = parse(ids_of("<|channel|><|message|>Hi<|end|>"), role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, std::nullopt, "Hi"));
    EXPECT_TRUE(has_warning(o, warning_kind::malformed_header, 1));
    auto strict = parse(ids_of("<|channel|><|message|>Hi<|end|>"), role::assistant, true);
    EXPECT_EQ(events_of<parse_error>(strict.events).at(0).what,
              "channel marker present but no channel value found in header");
}

TEST(StreamParserMalformed, MissingMessageTokenInALaterHeader)
{
    // The reference recovers only in the first header and drops this message; here it is kept.
    auto ids = ids_of("<|start|>assistant<|channel|>analysis<|message|>Think.<|end|>"
                      "<|start|>assistant<|channel|>final Hello there<|return|>");
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "analysis", "Think."),
                    msg(role::assistant, "final", "Hello there"));
    EXPECT_TRUE(has_warning(o, warning_kind::missing_message, ids.size() - 1));
    EXPECT_EQ(o.ends.at(1).reason, end_reason::return_);
}

TEST(StreamParserMalformed, StopTokenWhereStartWasExpected)
{
    auto ids = ids_of("<|channel|>final<|message|>Done.<|end|><|return|>");
    auto o = parse(ids, role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "Done."));
    EXPECT_TRUE(has_warning(o, warning_kind::stray_stop, ids.size() - 1));
    auto strict = parse(ids, role::assistant, true);
    EXPECT_EQ(events_of<parse_error>(strict.events).at(0).what,
              "Unexpected token 200002 while expecting start token 200006");
    EXPECT_EQ(strict.messages.size(), 1u);
}

TEST(StreamParserMalformed, UnknownRole)
{
    auto ids = ids_of("<|start|>robot<|channel|>final<|message|>Beep.<|end|>");
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "Beep."));
    EXPECT_TRUE(has_warning(o, warning_kind::malformed_header, index_of(ids, special::message)));
    EXPECT_EQ(events_of<parse_error>(parse(ids, std::nullopt, true).events).at(0).what,
              "Unknown role: robot");
}

TEST(StreamParserMalformed, ReservedSpecialInsideContentIsKeptAsText)
{
    std::vector<token_id> ids = ids_of("<|start|>assistant<|channel|>final<|message|>a");
    std::size_t const at = ids.size();
    ids.push_back(200013);
    auto tail = ids_of("b<|end|>");
    ids.insert(ids.end(), tail.begin(), tail.end());
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "a<|reserved_200013|>b"));
    EXPECT_TRUE(has_warning(o, warning_kind::special_in_content, at));
    EXPECT_EQ(parse(ids, std::nullopt, true).messages.size(), 1u); // the reference does the same
}

TEST(StreamParserMalformed, InvalidIdsInsideContentBecomeReplacementCharacters)
{
    std::vector<token_id> ids = ids_of("<|start|>assistant<|channel|>final<|message|>ab");
    std::size_t const at = ids.size();
    ids.push_back(201089); // the first id above harmony's table
    auto tail = ids_of("cd");
    ids.insert(ids.end(), tail.begin(), tail.end());
    ids.push_back(0xFFFFFFFFu);
    ids.push_back(special::end);
    for (bool strict : {false, true}) {
        auto o = parse(ids, std::nullopt, strict);
        // Unlike the reference, the text after a bad id is not swallowed.
        EXPECT_MESSAGES(o, msg(role::assistant, "final",
                               "ab\xEF\xBF\xBD"
                               "cd\xEF\xBF\xBD"));
        EXPECT_TRUE(has_warning(o, warning_kind::invalid_token, at));
        EXPECT_TRUE(has_warning(o, warning_kind::invalid_token, ids.size() - 2));
    }
}

TEST(StreamParserMalformed, BadIdsInsideAHeaderAreSkipped)
{
    std::vector<token_id> ids = ids_of("<|start|>assistant<|channel|>final");
    std::size_t const at = ids.size();
    ids.push_back(200013);
    ids.push_back(300000);
    auto tail = ids_of("<|message|>Fine.<|end|>");
    ids.insert(ids.end(), tail.begin(), tail.end());
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "Fine."));
    EXPECT_TRUE(has_warning(o, warning_kind::ignored_token, at));
    EXPECT_TRUE(has_warning(o, warning_kind::ignored_token, at + 1));
    EXPECT_EQ(events_of<parse_error>(parse(ids, std::nullopt, true).events).at(0).what,
              "could not decode header");
}

TEST(StreamParserMalformed, StartInsideContentEndsTheMessage)
{
    auto ids = ids_of("<|start|>assistant<|channel|>analysis<|message|>Thinking"
                      "<|start|>assistant<|channel|>final<|message|>Answer<|return|>");
    auto o = parse(ids);
    EXPECT_MESSAGES(o, msg(role::assistant, "analysis", "Thinking"), msg(role::assistant, "final", "Answer"));
    ASSERT_EQ(o.ends.size(), 2u);
    EXPECT_EQ(o.ends[0].reason, end_reason::interrupted);
    EXPECT_TRUE(has_warning(o, warning_kind::missing_stop, index_of(ids, special::start, 1)));
    // The reference reads the second header as text of the first message.
    auto strict = parse(ids, std::nullopt, true);
    EXPECT_EQ(text_of(strict.messages.at(0)), "Thinking<|start|>assistant<|channel|>final<|message|>Answer");
}

TEST(StreamParserMalformed, TextWithoutStartAfterAMessage)
{
    auto ids = ids_of("<|channel|>final<|message|>One.<|end|>Two more words<|end|>");
    auto o = parse(ids, role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "One."),
                    msg(role::assistant, std::nullopt, "Two more words"));
    EXPECT_TRUE(has_warning(o, warning_kind::missing_start, index_of(ids, special::end) + 1));
    EXPECT_TRUE(has_warning(o, warning_kind::missing_message, ids.size() - 1));
}

TEST(StreamParserMalformed, HeaderWithoutStartOrRole)
{
    auto ids = ids_of("<|channel|>analysis<|message|>Hmm.<|end|><|channel|>final<|message|>Yes.<|return|>");
    auto o = parse(ids, role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, "analysis", "Hmm."), msg(role::assistant, "final", "Yes."));
    EXPECT_TRUE(has_warning(o, warning_kind::missing_start, index_of(ids, special::channel, 1)));
}

TEST(StreamParserMalformed, StartInsideAHeaderRestarts)
{
    auto ids =
        ids_of("<|start|>assistant<|channel|>analysis<|start|>assistant<|channel|>final<|message|>Ok<|end|>"
               "\n<|start|>assistant<|channel|>final<|message|>Again<|end|>");
    auto o = parse(ids);
    // The abandoned header keeps what it had (a channel, no text); the blank "\n" makes no message.
    EXPECT_MESSAGES(o, msg(role::assistant, "analysis", ""), msg(role::assistant, "final", "Ok"),
                    msg(role::assistant, "final", "Again"));
    EXPECT_EQ(o.ends.at(0).reason, end_reason::interrupted);
    EXPECT_TRUE(has_warning(o, warning_kind::missing_start, index_of(ids, special::end) + 1));
}

TEST(StreamParserMalformed, OverlongHeaderIsStreamedAsContent)
{
    // A model that forgot the header and writes prose: after the limit its text streams as content.
    std::string prose;
    for (int i = 0; i < 40; ++i)
        prose += "Gr\xC3\xBC\xC3\x9F"
                 "e, \xC3\xA7"
                 "a va? \xF0\x9F\x98\x80 Line " +
                 std::to_string(i) + ".\n";
    auto ids = vocab().encode(prose);
    stream_parser p(vocab(), {role::assistant, false, 64});
    std::vector<stream_event> events;
    std::size_t started_at = ids.size();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        p.feed(ids[i], events);
        if (started_at == ids.size() && p.current_state() == stream_parser::state::content) started_at = i;
    }
    EXPECT_LT(started_at, 40u) << "content must start streaming soon after 64 bytes";
    p.finish(events);
    EXPECT_EQ(check_event_invariants(events, p.messages()), "");
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_EQ(text_of(p.messages()[0]), prose) << "every byte kept";
    EXPECT_EQ(events_of<message_ended>(events).at(0).reason, end_reason::end_of_stream);
}

TEST(StreamParserMalformed, EndOfStreamInsideAHeader)
{
    auto o = parse(ids_of("<|start|>assistant<|channel|>final The answer is 4"));
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "The answer is 4"));
    EXPECT_TRUE(has_warning(o, warning_kind::truncated_header));
    EXPECT_EQ(o.ends.at(0).reason, end_reason::end_of_stream);

    auto empty = parse({}, role::assistant); // the model produced nothing at all
    EXPECT_TRUE(empty.messages.empty());
    EXPECT_TRUE(has_warning(empty, warning_kind::truncated_header, 0));
}

TEST(StreamParserMalformed, EndOfTextEndsTheMessage)
{
    auto ids = ids_of("<|channel|>final<|message|>Bye<|endoftext|>");
    auto o = parse(ids, role::assistant);
    EXPECT_MESSAGES(o, msg(role::assistant, "final", "Bye"));
    EXPECT_EQ(o.ends.at(0).reason, end_reason::end_of_stream);
    EXPECT_EQ(o.ends.at(0).token_index, ids.size() - 1);
    auto strict = parse(ids, role::assistant, true); // the reference: just text
    EXPECT_EQ(text_of(strict.messages.at(0)), "Bye<|endoftext|>");
}

TEST(StreamParserMalformed, StrictStopsAtItsErrorAndIgnoresTheRest)
{
    auto ids = ids_of("Hello<|start|>assistant<|channel|>final<|message|>x<|end|>");
    stream_parser p(vocab(), {std::nullopt, true, 1024});
    auto events = run(p, ids);
    ASSERT_TRUE(p.error());
    EXPECT_EQ(p.error()->token_index, 0u);
    EXPECT_EQ(p.current_state(), stream_parser::state::failed);
    EXPECT_TRUE(p.messages().empty());
    EXPECT_EQ(events.size(), 1u);
    EXPECT_EQ(p.tokens_fed(), ids.size());
}

TEST(StreamParserMalformed, EveryContentByteSurvivesGarbageAround)
{
    // Content between markers must come out byte for byte, whatever surrounds it.
    std::string const body = "x = \"<|end|>\" \\ \xE2\x82\xAC \xF0\x9F\x92\x96";
    auto ids = ids_of("<|end|><|return|>");
    ids.push_back(200100);
    auto more = ids_of("<|start|>assistant to=a to=b<|channel|>?\?<|message|>");
    ids.insert(ids.end(), more.begin(), more.end());
    vocab().encode(body, ids); // ordinary text: "<|end|>" here is not the special token
    ids.push_back(special::call);
    auto o = parse(ids);
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(text_of(o.messages[0]), body);
    EXPECT_EQ(o.messages[0].recipient, "b");
    EXPECT_GE(o.warnings.size(), 5u); // two stray stops, an ignored id, duplicated to=, unknown channel
}

} // namespace
} // namespace hp::translate::test
