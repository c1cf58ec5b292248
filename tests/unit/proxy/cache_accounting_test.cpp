// Cache accounting (proxy/cache_accounting.hpp), the session store's expectations and the
// /metrics text.
#include "proxy/cache_accounting.hpp"
#include "proxy/metrics.hpp"
#include "proxy/session_store.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace hp::proxy {
namespace {

using ids = std::vector<translate::token_id>;

ids range(translate::token_id from, translate::token_id to)
{
    ids out(to - from);
    std::iota(out.begin(), out.end(), from);
    return out;
}

cache_expectation expecting(ids prefix, bool warmed = false, warm_state warm = warm_state::none)
{
    return cache_expectation{std::move(prefix), warmed, warm, false};
}

TEST(CacheAccounting, TheFirstRequestIsAllNewInput)
{
    auto r = account_cache(std::nullopt, range(0, 100), 0);
    EXPECT_EQ(r.new_input, 100u);
    EXPECT_EQ(r.reprocessed, 0u);
    EXPECT_EQ(r.cause, reprocess_cause::none);
}

TEST(CacheAccounting, AnExtendingPromptFullyReusedReprocessesNothing)
{
    auto prompt = range(0, 120);
    auto r = account_cache(expecting(range(0, 100)), prompt, 100);
    EXPECT_EQ(r.new_input, 20u);
    EXPECT_EQ(r.reprocessed, 0u);
    EXPECT_EQ(r.cause, reprocess_cause::none);
}

TEST(CacheAccounting, AChangedHistoryNamesThePosition)
{
    auto prompt = range(0, 120);
    prompt[40] = 9999;
    auto r = account_cache(expecting(range(0, 100)), prompt, 40);
    EXPECT_EQ(r.cause, reprocess_cause::history_changed);
    ASSERT_TRUE(r.divergence_at);
    EXPECT_EQ(*r.divergence_at, 40u);
    EXPECT_EQ(r.reprocessed, 60u); // positions 40..99 were cached and are processed again
    EXPECT_EQ(r.new_input, 20u);
}

TEST(CacheAccounting, LessReuseThanPossibleIsBlamedOnTheSlotOrTheWarmUp)
{
    auto prompt = range(0, 120);
    auto taken = expecting(range(0, 100));
    taken.slot_taken = true;
    auto r = account_cache(taken, prompt, 10);
    EXPECT_EQ(r.cause, reprocess_cause::slot_taken);
    EXPECT_EQ(r.reprocessed, 90u);

    r = account_cache(expecting(range(0, 100), true, warm_state::cancelled), prompt, 30);
    EXPECT_EQ(r.cause, reprocess_cause::warmup_missed);
    EXPECT_EQ(r.reprocessed, 70u);

    r = account_cache(expecting(range(0, 100), true, warm_state::completed), prompt, 30);
    EXPECT_EQ(r.cause, reprocess_cause::cache_dropped);
}

TEST(CacheAccounting, TheOneTokenLlamaCppAlwaysProcessesIsNotReprocessing)
{
    auto r = account_cache(expecting(range(0, 100)), range(0, 100), 99);
    EXPECT_EQ(r.reprocessed, 0u);
    EXPECT_EQ(r.new_input, 1u);
}

TEST(SessionStoreExpectations, TakingASlotMarksItsPreviousOwner)
{
    session_store store;
    ASSERT_EQ(store.slot_for("a", 1), 0);
    store.expect("a", range(0, 10), false);
    EXPECT_FALSE(store.expectation("a")->slot_taken);
    ASSERT_EQ(store.slot_for("b", 1), 0);
    EXPECT_TRUE(store.expectation("a")->slot_taken);
    store.expect("a", range(0, 12), true);
    EXPECT_FALSE(store.expectation("a")->slot_taken) << "a new expectation starts clean";
    EXPECT_EQ(store.expectation("a")->warm, warm_state::pending);
    store.set_warm_state("a", warm_state::completed);
    EXPECT_EQ(store.expectation("a")->warm, warm_state::completed);
}

TEST(SessionStoreExpectations, TheTokenBudgetDropsTheLeastRecentlyUsedFirst)
{
    session_store store(16, 25);
    store.expect("old", range(0, 10), false);
    store.expect("mid", range(0, 10), false);
    store.expect("new", range(0, 10), false);
    EXPECT_FALSE(store.expectation("old"));
    EXPECT_TRUE(store.expectation("mid"));
    EXPECT_TRUE(store.expectation("new"));
    EXPECT_EQ(store.date_for("old", std::chrono::system_clock::now()).size(), 10u) << "the date survives";
}

TEST(Metrics, RenderIsPrometheusText)
{
    proxy_metrics m;
    m.responses = 3;
    m.reprocessed_tokens[static_cast<int>(reprocess_cause::history_changed)] = 42;
    m.warmups_cancelled = 1;
    auto text = m.render();
    EXPECT_NE(text.find("# TYPE harmony_proxy_responses_total counter\nharmony_proxy_responses_total 3\n"), std::string::npos);
    EXPECT_NE(text.find("harmony_proxy_reprocessed_tokens_total{cause=\"history_changed\"} 42\n"), std::string::npos);
    EXPECT_NE(text.find("harmony_proxy_warmups_total{state=\"cancelled\"} 1\n"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');
}

} // namespace
} // namespace hp::proxy
