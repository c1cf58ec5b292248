// Properties over many generated completions: whatever the model writes (well-formed or not, cut
// anywhere) and whichever terminal call follows, the stream keeps every invariant of
// check_stream(), and nothing is ever emitted after the terminal event.
#include "events_test_support.hpp"

#include <random>

namespace hp::translate::test {
namespace {

// A random mix of well-formed messages and harmony debris.
std::vector<token_id> random_completion(std::mt19937& rng)
{
    static constexpr std::string_view texts[] = {"hello", " world", "{\"cmd\":\"ls\"}", "a\\b\n", "é", "😀", " to="};
    static constexpr std::string_view headers[] = {
        "", " to=functions.exec_command", " to=functions.apply_patch", " to=functions.nope", " to=mcp__fs.read_file",
    };
    static constexpr std::string_view channels[] = {"analysis", "commentary", "final", "bogus"};
    static constexpr token_id stops[] = {special::end, special::call, special::return_};
    completion c;
    int const messages = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < messages; ++m) {
        if (m > 0) c.next_message();
        c.text(headers[rng() % std::size(headers)]);
        c.special(special::channel).text(channels[rng() % std::size(channels)]).special(special::message);
        int const pieces = static_cast<int>(rng() % 5);
        for (int p = 0; p < pieces; ++p) {
            if (rng() % 11 == 0)
                c.special(rng() % 2 ? special::channel : special::start); // debris inside content
            else
                c.text(texts[rng() % std::size(texts)]);
        }
        c.special(stops[rng() % std::size(stops)]);
    }
    return c.ids();
}

TEST(ResponseBuilderProperty, InvariantsHoldAndNothingFollowsTheTerminalEvent)
{
    std::mt19937 rng(20261124);
    for (int round = 0; round < 300; ++round) {
        std::vector<token_id> ids = random_completion(rng);
        std::size_t const cut = rng() % (ids.size() + 1); // the stream may stop anywhere
        std::vector<token_id> const head(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut));
        bool const finish = rng() % 2;

        response_builder b(test_options(rng() % 2));
        std::vector<json::object> ev;
        drive(b, head, ev, finish);
        EXPECT_FALSE(b.finished());
        response_usage const u{cut + 10, rng() % 10, cut, std::nullopt};
        switch (rng() % 3) {
        case 0:
            b.complete(u, ev);
            break;
        case 1:
            b.incomplete_max_output_tokens(u, ev);
            break;
        default:
            b.fail({"server_error", "upstream went away"}, ev);
            break;
        }
        ASSERT_TRUE(b.finished());
        std::size_t const n = ev.size();
        SCOPED_TRACE("round " + std::to_string(round));
        auto const items = check_stream(ev);
        EXPECT_EQ(b.items(), items);
        EXPECT_EQ(b.response(), ev.back().at("response").as_object());

        // Everything after the terminal event is ignored.
        drive(b, ids, ev, true);
        b.complete(u, ev);
        b.incomplete_max_output_tokens(u, ev);
        b.fail({"server_error", "again"}, ev);
        EXPECT_EQ(ev.size(), n);
        EXPECT_EQ(b.next_sequence_number(), n);
        if (HasFailure()) break;
    }
}

} // namespace
} // namespace hp::translate::test
