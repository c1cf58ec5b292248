// replay/check on real captures recorded by tests/e2e/codex (the real Codex CLI through the proxy),
// copied under data/ (data/README.md says where each comes from): silent on the clean ones, the one
// real cache finding, and bugs planted into real sessions.
#include "tests/unit/check/check_support.hpp"

#include "capture/reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace hp::replay {
namespace {

using namespace test;

std::filesystem::path data_file(std::string_view name)
{
    return std::filesystem::path(HP_SOURCE_DIR) / "tests/unit/check/data" / name;
}

std::vector<json::object> read_data(std::string_view name)
{
    auto read = capture::read_capture(data_file(name));
    EXPECT_TRUE(read.problems.empty()) << name;
    EXPECT_FALSE(read.records.empty()) << name;
    return std::move(read.records);
}

TEST(check, real_codex_captures_are_clean)
{
    for (auto name : {"reasoning_then_answer.jsonl", "apply_patch_with_backslashes.jsonl",
                      "user_text_with_harmony_markers.jsonl", "upstream_failure_mid_stream.jsonl"}) {
        auto r = check_capture(read_data(name), {}, &vocab());
        EXPECT_GT(r.exchanges, 0u) << name;
        EXPECT_TRUE(r.findings.empty()) << name << "\n" << dump(r);
    }
}

TEST(check, real_tool_chain_with_a_canonical_rerender_is_a_cache_finding)
{
    auto records = read_data("tool_chain_canonical_rerender.jsonl");
    auto r = check_capture(records, {}, &vocab());
    EXPECT_EQ(r.exchanges, 3u);
    ASSERT_EQ(r.findings.size(), 1u) << dump(r);
    auto const& f = r.findings[0];
    EXPECT_EQ(f.detector, "cache");
    EXPECT_EQ(f.exchange, 2u);
    EXPECT_NE(f.what.find("re-processed 76 tokens"), std::string::npos) << f.what;
    EXPECT_NE(f.what.find("the model's output re-rendered differently"), std::string::npos) << f.what;
    EXPECT_NE(f.evidence.find("<|channel|>commentary to=functions"), std::string::npos) << f.evidence;

    // The same real session with its chain-of-thought removed from the tool-chain prompt.
    for (auto& rec : records)
        if (rec.at("kind") == "harmony_prompt" && rec.at("exchange").to_number<int>() == 2) {
            auto& messages = rec.at("messages").as_array();
            auto const before = messages.size();
            auto is_analysis = [](json::value const& m) {
                return m.as_object().contains("channel") && m.at("channel") == "analysis";
            };
            messages.erase(std::remove_if(messages.begin(), messages.end(), is_analysis), messages.end());
            ASSERT_EQ(messages.size(), before - 1);
        }
    r = check_capture(records, {}, &vocab());
    ASSERT_EQ(r.findings.size(), 2u) << dump(r);
    EXPECT_EQ(r.findings[0].detector, "reasoning");
    EXPECT_EQ(r.findings[0].exchange, 2u);
    EXPECT_NE(r.findings[0].evidence.find("I will run echo to check."), std::string::npos) << dump(r);
}

TEST(check, real_user_text_turned_into_a_special_token_is_an_injection)
{
    auto records = read_data("user_text_with_harmony_markers.jsonl");
    // Exchange 1's user message is exactly "<|end|>", recorded as the ordinary ids 27 91 419 91 29.
    // Replace them with the special id, as llama-server's own tokenizer would have.
    ids const ordinary{27, 91, 419, 91, 29};
    bool planted = false;
    for (auto& rec : records)
        if (rec.at("kind") == "harmony_prompt" && rec.at("exchange").to_number<int>() == 1) {
            auto& tokens = rec.at("tokens").as_array();
            auto const ids_now = [&] {
                ids v;
                for (auto const& t : tokens) v.push_back(t.to_number<std::int64_t>());
                return v;
            }();
            auto it = std::search(ids_now.begin(), ids_now.end(), ordinary.begin(), ordinary.end());
            ASSERT_NE(it, ids_now.end());
            auto const at = it - ids_now.begin();
            tokens.erase(tokens.begin() + at, tokens.begin() + at + 5);
            tokens.insert(tokens.begin() + at, sp::end);
            planted = true;
        }
    ASSERT_TRUE(planted);
    auto r = check_capture(records, {}, &vocab());
    ASSERT_FALSE(r.findings.empty());
    for (auto const& f : r.findings) {
        EXPECT_EQ(f.detector, "injection") << dump(r);
        EXPECT_EQ(f.exchange, 1u) << dump(r);
    }
    EXPECT_NE(dump(r).find("spelling <|end|> in a 'user' message"), std::string::npos) << dump(r);
}

} // namespace
} // namespace hp::replay
