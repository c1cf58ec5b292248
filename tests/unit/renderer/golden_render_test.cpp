// Every case of ../shared/harmony-golden/render/ must render to its expected text AND ids, exactly.
#include "render_test_support.hpp"

#include "translate/golden_messages.hpp"
#include "translate/renderer.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>

namespace hp::translate {
namespace {

std::vector<std::filesystem::path> case_files()
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (auto const& e : std::filesystem::directory_iterator(test::golden_dir() / "render", ec))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::ranges::sort(files);
    return files;
}

// tokens/render_expected_tokens.jsonl: the same ids listed once more, by case name.
std::map<std::string, std::vector<token_id>> expected_tokens_listing()
{
    std::map<std::string, std::vector<token_id>> out;
    std::istringstream lines(test::read_file(test::golden_dir() / "tokens" / "render_expected_tokens.jsonl"));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        auto const v = boost::json::parse(line).as_object();
        std::vector<token_id> ids;
        for (auto const& t : v.at("tokens").as_array())
            ids.push_back(static_cast<token_id>(t.to_number<std::int64_t>()));
        out[std::string(v.at("name").as_string())] = std::move(ids);
    }
    return out;
}

render_case load_case(std::filesystem::path const& file)
{
    auto c = render_case_from_json(test::read_json(file));
    if (!c) throw std::runtime_error(file.string() + ": " + c.error().what());
    return std::move(*c);
}

TEST(RendererGolden, HasAllTwentyFourCases)
{
    // Guards the parameterized suite below against an empty or moved folder.
    EXPECT_EQ(case_files().size(), 24u) << test::golden_dir();
    EXPECT_EQ(expected_tokens_listing().size(), 24u);
}

class RenderGoldenCase : public ::testing::TestWithParam<std::filesystem::path>
{
};

TEST_P(RenderGoldenCase, TextMatches)
{
    auto const c = load_case(GetParam());
    ASSERT_TRUE(c.expected_text.has_value());
    auto const out = run_render_case(renderer::text_only(), c);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->text, *c.expected_text);
    EXPECT_TRUE(out->tokens.empty());
}

TEST_P(RenderGoldenCase, TokensMatch)
{
    std::string error;
    auto const* tok = test::vocabulary(&error);
    ASSERT_NE(tok, nullptr) << error;
    auto const c = load_case(GetParam());
    ASSERT_TRUE(c.expected_tokens.has_value());
    auto const out = run_render_case(renderer(*tok), c);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->tokens, *c.expected_tokens);
    EXPECT_EQ(out->text, c.expected_text.value_or(""));
    // The ids decode to the text, byte for byte.
    bool ok = false;
    EXPECT_EQ(tok->decode(out->tokens, &ok), out->text);
    EXPECT_TRUE(ok);
    // And the separate listing of the same ids agrees.
    auto const listing = expected_tokens_listing();
    auto const it = listing.find(c.name);
    ASSERT_NE(it, listing.end()) << c.name;
    EXPECT_EQ(out->tokens, it->second);
}

INSTANTIATE_TEST_SUITE_P(Cases, RenderGoldenCase, ::testing::ValuesIn(case_files()),
                         [](auto const& info) { return info.param.stem().string(); });

} // namespace
} // namespace hp::translate
