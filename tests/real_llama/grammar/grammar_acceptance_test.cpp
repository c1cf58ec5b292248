// The real llama-server accepts every grammar the converters produce for Codex's tools (arguments
// alone, raw and json custom-tool styles, and the tool-call continuation in both header shapes),
// and a few tokens sampled under each are a valid prefix of the tool's language.
#include "real_llama/support/llama_server_suite.hpp"

#include "translate/apply_patch_parser.hpp"
#include "translate/json_schema_validator.hpp"
#include "translate/tool_call_grammar.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace tr = hp::translate;

class real_llama_grammar : public llama_server_suite
{
protected:
    static std::vector<tr::tool_grammar_source> tools()
    {
        std::ifstream in(HP_CODEX_TOOLS);
        std::ostringstream s;
        s << in.rdbuf();
        auto r = tr::tools_from_responses(json::parse(s.str()));
        EXPECT_TRUE(r);
        return r ? *r : std::vector<tr::tool_grammar_source>{};
    }

    // Sampled text under `grammar`; fails the test on an HTTP or grammar error.
    static std::string sample(std::string const& grammar, int seed)
    {
        json::object request{
            {"prompt", json::array{200006, 173781, 200005, 12606, 815, 316, 28}},
            {"n_predict", 12},
            {"temperature", 1.0},
            {"seed", seed},
            {"grammar", grammar},
            // Ban <|return|> and <|endoftext|>: a complete grammar then ends in <|call|>.
            {"logit_bias", json::array{json::array{200002, false}, json::array{199999, false}}}};
        auto const reply = post_json(upstream(), "/completion", request);
        EXPECT_EQ(reply.status, 200u) << reply.body << "\n" << grammar;
        if (reply.status != 200) return {};
        return std::string(reply.json().at("content").as_string());
    }
};

TEST_F(real_llama_grammar, arguments_grammars_are_accepted_and_followed)
{
    for (auto const& t : tools())
        for (bool json_style : {false, true}) {
            if (json_style && t.type == tr::tool_grammar_source::kind::json_schema) continue;
            auto g = tr::arguments_grammar(t, json_style);
            ASSERT_TRUE(g) << t.name << ": " << g.error().message;
            for (int seed : {1, 2}) {
                auto const text = sample(g->gbnf, seed);
                if (t.type == tr::tool_grammar_source::kind::json_schema) {
                    auto r = tr::validate_json(text, t.schema, tr::validation_mode::prefix);
                    EXPECT_TRUE(r) << t.name << ": " << text << ": " << (r ? "" : r.error().message);
                } else if (!json_style) {
                    auto r = tr::parse_apply_patch(text, tr::patch_mode::prefix);
                    EXPECT_TRUE(r) << t.name << ": " << text << ": " << (r ? "" : r.error().message);
                } else {
                    EXPECT_TRUE(std::string_view(R"({"input":)").starts_with(text.substr(0, 9)) ||
                                text.starts_with("{"))
                        << text;
                }
            }
        }
}

TEST_F(real_llama_grammar, continuation_grammars_are_accepted)
{
    auto const all = tools();
    for (auto position : {tr::header_position::after_channel, tr::header_position::before_channel})
        for (bool json_style : {false, true}) {
            auto g = tr::tool_call_grammar(all, json_style, position);
            ASSERT_TRUE(g) << g.error().message;
            auto const text = sample(g->gbnf, 3);
            // The recipient comes first: the text starts like "functions.<declared tool>".
            std::string_view const head = "functions.";
            auto const n = std::min(text.size(), head.size());
            EXPECT_EQ(text.substr(0, n), head.substr(0, n)) << text;
        }
}

} // namespace
} // namespace hp::test
