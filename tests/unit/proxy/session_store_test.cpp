// proxy/session_store: per-conversation facts that must not change while the conversation lasts.
#include "proxy/session_store.hpp"

#include "proxy/options.hpp"

#include <gtest/gtest.h>

namespace hp::proxy {
namespace {

using namespace std::chrono_literals;

TEST(session_store, the_date_is_fixed_when_the_conversation_is_first_seen)
{
    session_store s;
    auto const day1 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + 23h + 59min;
    EXPECT_EQ(s.date_for("thread-a", day1), "2026-11-24");
    EXPECT_EQ(s.date_for("thread-a", day1 + 2min), "2026-11-24") << "across midnight the prompt stays the same";
    EXPECT_EQ(s.date_for("thread-b", day1 + 2min), "2026-11-25");
    EXPECT_EQ(s.date_for("", day1 + 2min), "2026-11-25") << "no key: today";
}

TEST(session_store, forgets_the_least_recently_used_conversation_first)
{
    session_store s(2);
    auto const t0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 0h;
    s.date_for("a", t0);
    s.date_for("b", t0);
    s.date_for("a", t0 + 48h); // a is now the most recent
    s.date_for("c", t0 + 48h); // evicts b
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.date_for("a", t0 + 96h), "2026-01-01");
    EXPECT_EQ(s.date_for("b", t0 + 96h), "2026-01-05") << "b was forgotten and starts afresh";
}

TEST(session_store, conversations_keep_their_slot_and_never_share_while_slots_last)
{
    session_store s;
    EXPECT_FALSE(s.slot_for("a", 0));
    EXPECT_FALSE(s.slot_for("", 4));
    auto a = s.slot_for("a", 2);
    auto b = s.slot_for("b", 2);
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(s.slot_for("a", 2), a);
        EXPECT_EQ(s.slot_for("b", 2), b);
    }
    // A third conversation takes the least recently used slot (b's: a was used last).
    s.slot_for("a", 2);
    EXPECT_EQ(s.slot_for("c", 2), b);
    EXPECT_EQ(s.slot_for("a", 2), a);
    // b comes back: its slot is c's now, and c's use is older than a's, so b takes it back.
    EXPECT_EQ(s.slot_for("b", 2), b);
    EXPECT_NE(s.slot_for("a", 2), s.slot_for("b", 2)) << "the two active conversations never share";
}

TEST(options, parse_upstream_and_listen_addresses_with_clear_errors)
{
    auto u = parse_upstream_url("http://127.0.0.1:8080/llama/");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->base_path, "/llama");
    EXPECT_EQ(parse_upstream_url("http://localhost")->port, 80);
    EXPECT_NE(parse_upstream_url("https://x:1").error().find("http://"), std::string::npos);
    EXPECT_NE(parse_upstream_url("127.0.0.1:8080").error().find("127.0.0.1:8080"), std::string::npos);
    EXPECT_FALSE(parse_upstream_url("http://h:99999"));
    EXPECT_FALSE(parse_upstream_url("http://h:1/?q=1"));
    auto l = parse_listen("127.0.0.1:0");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->port, 0);
    EXPECT_EQ(parse_listen("[::1]:8000")->host, "::1");
    EXPECT_FALSE(parse_listen("8000"));
    EXPECT_FALSE(parse_listen("h:x"));
}

} // namespace
} // namespace hp::proxy
