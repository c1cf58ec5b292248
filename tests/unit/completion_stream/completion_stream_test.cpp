// The /completion stream decoder on streams made by llama_stream_model (the server's own logic):
// ids dropped on split UTF-8 characters are rebuilt exactly, at every split offset of the body;
// the final chunk; in-stream errors; truncation; malformed JSON; what cannot be rebuilt is
// reported, never lost silently.
#include "llama_stream_model.hpp"
#include "test_vocab.hpp"

#include "translate/completion_stream.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace hp::translate {
namespace {

using test::append;
using test::piece;
using test::vocab;

std::vector<token_id> enc(std::string_view text)
{
    return vocab().encode(text);
}

std::vector<completion_event> decode(std::vector<std::string_view> const& parts,
                                     completion_stream_options opts = {})
{
    completion_stream s(vocab(), opts);
    std::vector<completion_event> out;
    for (auto p : parts)
        s.feed(p, out);
    s.finish(out);
    return out;
}

std::vector<completion_event> decode(std::string_view body, completion_stream_options opts = {})
{
    return decode(std::vector<std::string_view>{body}, opts);
}

std::vector<token_id> ids_of(std::vector<completion_event> const& events)
{
    std::vector<token_id> ids;
    for (auto const& e : events) {
        if (auto const* c = std::get_if<token_chunk>(&e)) append(ids, c->ids);
    }
    return ids;
}

std::string content_of(std::vector<completion_event> const& events)
{
    std::string text;
    for (auto const& e : events) {
        if (auto const* c = std::get_if<token_chunk>(&e)) text += c->content;
    }
    return text;
}

std::size_t rebuilt_of(std::vector<completion_event> const& events)
{
    std::size_t n = 0;
    for (auto const& e : events) {
        if (auto const* c = std::get_if<token_chunk>(&e)) n += c->rebuilt;
    }
    return n;
}

stream_problem const* problem_of(std::vector<completion_event> const& events)
{
    for (auto const& e : events) {
        if (auto const* p = std::get_if<stream_problem>(&e)) return p;
    }
    return nullptr;
}

std::string chunk(std::vector<token_id> const& ids, std::string_view content, std::size_t predicted)
{
    boost::json::array a;
    for (auto id : ids)
        a.push_back(id);
    boost::json::object o{
        {"content", content}, {"tokens", a}, {"stop", false}, {"tokens_predicted", predicted}};
    return "data: " + boost::json::serialize(o) + "\n\n";
}

// A harmony reasoning turn as the model could sample it: an emoji split into two tokens
// (F0 9F 98 | 80, as observed on the real server: tokens:[222], tokens_predicted +2), CJK split
// into byte tokens, an emoji as four single bytes (three ids dropped at once), <|end|> between
// messages, then <|return|>.
std::vector<token_id> reasoning_turn()
{
    std::vector<token_id> ids{special::channel};
    append(ids, enc("analysis"));
    ids.push_back(special::message);
    append(ids, enc("The user greets with "));
    ids.push_back(piece("\xF0\x9F\x98"));
    ids.push_back(piece("\x80"));
    append(ids, enc(" and writes"));
    ids.push_back(piece(" \xE4\xB8")); // " 世" (E4 B8 96): space and two bytes, then the last
    ids.push_back(piece("\x96"));
    append(ids, enc("界你好"));
    ids.push_back(piece("\xE4")); // "你" as three single bytes: two ids dropped
    ids.push_back(piece("\xBD"));
    ids.push_back(piece("\xA0"));
    append(ids, enc(". Reply in kind "));
    for (char b : std::string("\xF0\x9F\x98\x80"))
        ids.push_back(piece(std::string(1, b)));
    ids.push_back(special::end);
    ids.push_back(special::start);
    append(ids, enc("assistant"));
    ids.push_back(special::channel);
    append(ids, enc("final"));
    ids.push_back(special::message);
    append(ids, enc("Hello 😀 你好!"));
    ids.push_back(special::return_);
    return ids;
}

std::string const reasoning_text =
    "<|channel|>analysis<|message|>The user greets with 😀 and writes 世界你好你. Reply in "
    "kind 😀<|end|><|start|>assistant<|channel|>final<|message|>Hello 😀 你好!";

TEST(completion_stream, rebuilds_ids_dropped_on_split_characters)
{
    auto const ids = reasoning_turn();
    auto const stream = test::make_llama_stream(vocab(), ids);
    // The model of the server really dropped ids: 1 + 1 + 2 + 3.
    ASSERT_EQ(stream.tokens_predicted, ids.size());
    ASSERT_EQ(ids.size() - stream.partial_chunks, 7u);
    ASSERT_EQ(stream.stop_type, "eos");

    auto const events = decode(stream.body);
    ASSERT_EQ(problem_of(events), nullptr) << problem_of(events)->message;
    EXPECT_EQ(ids_of(events), ids);
    EXPECT_EQ(rebuilt_of(events), 7u);
    EXPECT_EQ(content_of(events), reasoning_text);

    // Every chunk's count agrees with the ids up to it; <|end|> is not an end of generation, and
    // <|return|> arrives alone with empty content and is.
    std::size_t seen = 0;
    for (auto const& e : events) {
        if (auto const* c = std::get_if<token_chunk>(&e)) {
            seen += c->ids.size();
            EXPECT_EQ(c->tokens_predicted, seen);
            EXPECT_EQ(c->end_of_generation, c->ids.back() == special::return_);
            if (c->ids.back() == special::return_) {
                EXPECT_EQ(c->content, "");
                EXPECT_EQ(c->ids.size(), 1u);
            }
        }
    }
    auto const* f = std::get_if<final_chunk>(&events.back());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->stop, stop_type::eos);
    EXPECT_EQ(f->tokens_predicted, ids.size());
}

TEST(completion_stream, the_emoji_chunk_as_observed)
{
    // "😀" arrives as one chunk tokens:[222] (byte 0x80), tokens_predicted 2.
    ASSERT_EQ(piece("\x80"), 222u);
    auto const events = decode(chunk({222}, "😀", 2));
    ASSERT_GE(events.size(), 1u);
    auto const* c = std::get_if<token_chunk>(&events[0]);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->ids, (std::vector<token_id>{piece("\xF0\x9F\x98"), 222}));
    EXPECT_EQ(c->rebuilt, 1u);
    EXPECT_EQ(c->content, "😀");
}

TEST(completion_stream, same_events_at_every_split_offset)
{
    test::llama_stream_options opts;
    opts.with_pings = true;
    opts.line_end = "\r\n";
    auto const stream = test::make_llama_stream(vocab(), reasoning_turn(), opts);
    auto const whole = decode(stream.body);
    ASSERT_EQ(problem_of(whole), nullptr);
    ASSERT_EQ(ids_of(whole), reasoning_turn());
    std::string_view const body = stream.body;
    for (std::size_t i = 0; i <= body.size(); ++i) {
        ASSERT_EQ(decode({body.substr(0, i), body.substr(i)}), whole) << "split at " << i;
    }
}

TEST(completion_stream, final_chunk_with_timings)
{
    std::vector<token_id> ids = enc("Hi there");
    auto const stream = test::make_llama_stream(vocab(), ids); // no EOG: stops at the limit
    auto const events = decode(stream.body);
    ASSERT_EQ(events.size(), ids.size() + 1);
    auto const* f = std::get_if<final_chunk>(&events.back());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->stop, stop_type::limit);
    EXPECT_EQ(f->stopping_word, "");
    EXPECT_EQ(f->timings, (completion_timings{4, 8, 12.5, static_cast<std::int64_t>(ids.size()), 33.25}));
    EXPECT_EQ(f->tokens_cached, static_cast<std::int64_t>(12 + ids.size() - 1));
    EXPECT_FALSE(f->truncated);
    EXPECT_EQ(f->tokens_evaluated, 12);
    EXPECT_EQ(f->tokens_predicted, ids.size());
}

TEST(completion_stream, trimmed_final_chunk)
{
    // response_fields leaves only the named fields (completion_request's final_chunk_fields()).
    std::string const body =
        chunk({13225}, "Hello", 1) +
        "data: {\"content\":\"\",\"tokens\":[],\"stop\":true,\"stop_type\":\"limit\","
        "\"stopping_word\":\"\",\"tokens_predicted\":1,\"tokens_evaluated\":3,"
        "\"tokens_cached\":3,\"truncated\":true,\"timings\":{\"cache_n\":0,\"prompt_n\":3,"
        "\"prompt_ms\":1,\"predicted_n\":1,\"predicted_ms\":0.5}}\n\n";
    auto const events = decode(body);
    ASSERT_EQ(events.size(), 2u);
    auto const* f = std::get_if<final_chunk>(&events[1]);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->truncated);
    EXPECT_EQ(f->timings.prompt_ms, 1.0);
}

TEST(completion_stream, stop_string_keeps_the_stopping_token)
{
    std::vector<token_id> ids{special::channel};
    append(ids, enc("analysis"));
    ids.push_back(special::message);
    append(ids, enc("never sent"));
    test::llama_stream_options opts;
    opts.stop = {"<|message|>"};
    auto const stream = test::make_llama_stream(vocab(), ids, opts);
    ASSERT_EQ(stream.stop_type, "word");
    auto const events = decode(stream.body);
    ASSERT_EQ(problem_of(events), nullptr);
    std::vector<token_id> expected{special::channel};
    append(expected, enc("analysis"));
    expected.push_back(special::message);
    EXPECT_EQ(ids_of(events), expected);
    EXPECT_EQ(content_of(events), "<|channel|>analysis"); // the stop string is cut from the text
    auto const* f = std::get_if<final_chunk>(&events.back());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->stop, stop_type::word);
    EXPECT_EQ(f->stopping_word, "<|message|>");
}

TEST(completion_stream, text_held_for_a_partial_stop_string_then_a_gap)
{
    // " x" may start the stop string "xyz": the server sends its id with content "" and owes the
    // text; the next chunk carries " x", the dropped emoji bytes and its own byte.
    std::vector<token_id> ids = enc("Say");
    ids.push_back(piece(" x"));
    ids.push_back(piece("\xF0\x9F\x98"));
    ids.push_back(piece("\x80"));
    append(ids, enc(" ok"));
    test::llama_stream_options opts;
    opts.stop = {"xyz"};
    auto const stream = test::make_llama_stream(vocab(), ids, opts);
    ASSERT_EQ(stream.partial_chunks, ids.size() - 1);
    ASSERT_NE(stream.body.find("\"content\":\"\",\"tokens\":[" + std::to_string(piece(" x"))),
              std::string::npos);
    auto const events = decode(stream.body);
    ASSERT_EQ(problem_of(events), nullptr) << problem_of(events)->message;
    EXPECT_EQ(ids_of(events), ids);
    EXPECT_EQ(content_of(events), "Say x😀 ok");
}

TEST(completion_stream, gap_inside_held_text_is_reported)
{
    // The completed "😀" may start the stop string "😀!", so its text is held back: no bytes to
    // rebuild the dropped id from. Reported, not lost.
    std::vector<token_id> ids{piece("\xF0\x9F\x98"), piece("\x80")};
    append(ids, enc(" fine"));
    test::llama_stream_options opts;
    opts.stop = {"😀!"};
    auto const events = decode(test::make_llama_stream(vocab(), ids, opts).body);
    auto const* p = problem_of(events);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->kind, stream_problem_kind::rebuild_failed);
    EXPECT_NE(p->message.find("held their text back"), std::string::npos) << p->message;
}

TEST(completion_stream, id_lost_before_the_end_is_a_count_mismatch)
{
    // A lead byte, then <|return|>: the text stays incomplete, so neither gets a chunk, and the
    // final chunk counts three tokens where one was streamed.
    std::vector<token_id> ids = enc("Hi");
    ids.push_back(piece("\xF0"));
    ids.push_back(special::return_);
    auto const events = decode(test::make_llama_stream(vocab(), ids).body);
    auto const* p = problem_of(events);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->kind, stream_problem_kind::token_count_mismatch);
    EXPECT_NE(p->message.find("generated 3 tokens but 1 ids"), std::string::npos) << p->message;
    EXPECT_EQ(std::get_if<final_chunk>(&events.back()), nullptr);
}

TEST(completion_stream, gap_whose_bytes_do_not_match_is_reported)
{
    // Invalid UTF-8 replaced by U+FFFD in the JSON: the content no longer ends with the id's byte.
    auto events = decode(chunk({222}, "\xEF\xBF\xBD", 2));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::rebuild_failed);
    // More ids missing than bytes to make them from.
    events = decode(chunk({222}, "\xC3\x80", 4));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::rebuild_failed);
    EXPECT_NE(problem_of(events)->message.find("[C3]"), std::string::npos) << problem_of(events)->message;
    // Fewer tokens predicted than ids listed.
    events = decode(chunk({13225}, "Hello", 1) + chunk({2375}, " world", 1));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::token_count_mismatch);
}

TEST(completion_stream, server_rendering_specials)
{
    std::vector<token_id> ids = enc("Done");
    ids.push_back(special::call);
    test::llama_stream_options opts;
    opts.render_specials = true;
    auto const events =
        decode(test::make_llama_stream(vocab(), ids, opts).body, {.server_renders_specials = true});
    ASSERT_EQ(problem_of(events), nullptr);
    EXPECT_EQ(ids_of(events), ids);
    EXPECT_EQ(content_of(events), "Done<|call|>");
}

TEST(completion_stream, in_stream_error)
{
    std::string const body =
        chunk({13225}, "Hello", 1) + ": ping\n\n" +
        "data: {\"error\":{\"code\":500,\"message\":\"slot crashed\",\"type\":\"server_error\"}}\n\n";
    completion_stream s(vocab());
    std::vector<completion_event> events;
    s.feed(body, events);
    EXPECT_TRUE(s.finished());
    s.finish(events); // an error is a proper end: no truncation reported
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(std::get<upstream_error>(events[1]), (upstream_error{500, "slot crashed", "server_error"}));
}

TEST(completion_stream, truncated_stream)
{
    auto const stream = test::make_llama_stream(vocab(), enc("Hi there, friend"));
    std::size_t const final_at = stream.body.rfind("data: ");
    auto events = decode(std::string_view(stream.body).substr(0, final_at));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::truncated);
    EXPECT_EQ(problem_of(events)->message.find("middle"), std::string::npos);
    EXPECT_EQ(ids_of(events), enc("Hi there, friend")); // what came before is still delivered

    events = decode(std::string_view(stream.body).substr(0, final_at + 20));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::truncated);
    EXPECT_NE(problem_of(events)->message.find("in the middle of an event"), std::string::npos);
}

TEST(completion_stream, malformed_json_and_shapes)
{
    auto events = decode("data: {\"content\":\"x\",\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::malformed_json);

    events = decode("data: [1,2]\n\n");
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::unexpected_shape);
    events = decode("data: {\"content\":\"x\",\"tokens\":[\"7\"],\"stop\":false,\"tokens_predicted\":1}\n\n");
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::unexpected_shape);
    events = decode(
        "data: "
        "{\"content\":\"\",\"tokens\":[],\"stop\":true,\"stop_type\":\"none\",\"tokens_predicted\":0}\n\n");
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::unexpected_shape);
    events = decode(chunk({250000}, "", 1));
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::unknown_token);
    events = decode("data: " + std::string(100, 'x') + "\n\n", {.max_event_bytes = 64});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<stream_problem>(events[0]).kind, stream_problem_kind::sse_framing);
}

TEST(completion_stream, nothing_after_the_end)
{
    auto const stream = test::make_llama_stream(vocab(), enc("Hi"));
    auto events = decode(stream.body + chunk({13225}, "Hello", 2));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::chunk_after_end);
    EXPECT_TRUE(std::holds_alternative<final_chunk>(events[events.size() - 2]));

    events = decode(chunk({special::return_}, "", 1) + chunk({13225}, "Hello", 2));
    ASSERT_NE(problem_of(events), nullptr);
    EXPECT_EQ(problem_of(events)->kind, stream_problem_kind::token_after_eog);
}

TEST(completion_stream, end_token_lets_generation_continue)
{
    std::string const body = chunk({special::end}, "<|end|>", 1) + chunk({special::start}, "<|start|>", 2);
    completion_stream s(vocab());
    std::vector<completion_event> events;
    s.feed(body, events);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_FALSE(std::get<token_chunk>(events[0]).end_of_generation);
    EXPECT_FALSE(s.finished());
}

} // namespace
} // namespace hp::translate
