// The tiny random-weight model samples under every grammar the converters produce for Codex's
// tools, at temperature 1.5, with a logit bias towards the newline and the tokens that close
// strings and objects (a random model almost never writes them on its own, so a line or a string
// would otherwise run until n_predict). Every generation that ends with <|call|> must parse and
// validate (JSON against the schema, patches with the apply_patch parser); every one cut off by
// n_predict must be a valid prefix. HP_FUZZ_SEEDS sets the seeds per grammar (CI: 2;
// tools/fuzz/grammar_fuzz.sh runs more).
#include "real_llama/support/llama_server_suite.hpp"

#include "translate/apply_patch_parser.hpp"
#include "translate/json_schema_validator.hpp"
#include "translate/tokenizer.hpp"
#include "translate/tool_call_grammar.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace tr = hp::translate;

class real_llama_grammar_fuzz : public llama_server_suite
{
};

int seeds()
{
    if (char const* s = std::getenv("HP_FUZZ_SEEDS")) return std::max(1, std::atoi(s));
    return 2;
}

// Positive biases for the newline (198) and the pieces that close strings, arrays and objects.
json::array closing_bias(tr::tokenizer const& tok)
{
    json::array bias{json::array{198, 4.0}, json::array{200002, false}, json::array{199999, false}};
    for (std::string_view piece : {"\"", "}", "\"}", "\"]", "]", "\"}\n", "\",", "\n"})
        if (auto id = tok.token_for_bytes(piece); id && *id != 198) bias.push_back(json::array{*id, 3.0});
    return bias;
}

struct outcome
{
    int completed = 0;
    int truncated = 0;
    int invalid = 0;
    std::size_t tokens = 0;
    double seconds = 0;
};

TEST_F(real_llama_grammar_fuzz, generations_under_every_tool_grammar_validate)
{
    auto tok = tr::tokenizer::load(tr::tokenizer::default_path());
    ASSERT_TRUE(tok) << tok.error().message;
    std::ifstream in(HP_CODEX_TOOLS);
    std::ostringstream s;
    s << in.rdbuf();
    auto tools = tr::tools_from_responses(json::parse(s.str()));
    ASSERT_TRUE(tools);
    auto const bias = closing_bias(*tok);

    std::printf("%-24s %9s %9s %7s %8s\n", "grammar", "completed", "truncated", "invalid", "tok/s");
    outcome total;
    for (auto const& t : *tools)
        for (bool json_style : {false, true}) {
            if (json_style && t.type == tr::tool_grammar_source::kind::json_schema) continue;
            auto g = tr::arguments_grammar(t, json_style);
            ASSERT_TRUE(g) << t.name << ": " << g.error().message;
            outcome o;
            for (int seed = 1; seed <= seeds(); ++seed) {
                json::object request{{"prompt", json::array{200006, 173781, 200005, 12606, 815, 316, 28}},
                                     {"n_predict", 200},     {"temperature", 1.5}, {"top_k", 0},
                                     {"min_p", 0},           {"seed", seed},       {"grammar", g->gbnf},
                                     {"logit_bias", bias},   {"return_tokens", true}};
                auto const started = std::chrono::steady_clock::now();
                auto const reply = post_json(upstream(), "/completion", request, std::chrono::seconds(120));
                o.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                ASSERT_EQ(reply.status, 200u) << reply.body;
                auto const body = reply.json();
                auto const& ids = body.at("tokens").as_array();
                o.tokens += ids.size();
                bool const called = !ids.empty() && ids.back().to_number<std::int64_t>() == 200012;
                std::string const text(body.at("content").as_string());
                auto const mode = called ? tr::validation_mode::complete : tr::validation_mode::prefix;
                std::string problem;
                if (t.type == tr::tool_grammar_source::kind::json_schema) {
                    auto const schema = t.schema.is_null() ? json::parse(R"({"type":"object","properties":{}})") : t.schema;
                    if (auto r = tr::validate_json(text, schema, mode); !r) problem = r.error().message;
                } else if (json_style) {
                    // {"input": "..."}: the JSON shape, then the input as a patch.
                    auto const r = tr::validate_json(text, json::parse(R"({"type":"object","properties":{"input":{"type":"string"}},"required":["input"],"additionalProperties":false})"), mode);
                    if (!r) problem = r.error().message;
                    if (problem.empty() && called) {
                        auto const input = json::parse(text).at("input").as_string();
                        if (auto p = tr::parse_apply_patch(input, tr::patch_mode::complete); !p) problem = p.error().message;
                    }
                } else if (auto p = tr::parse_apply_patch(text, called ? tr::patch_mode::complete : tr::patch_mode::prefix); !p) {
                    problem = p.error().message;
                }
                if (!problem.empty()) {
                    ++o.invalid;
                    ADD_FAILURE() << t.name << (json_style ? " (json)" : "") << " seed " << seed
                                  << (called ? " completed" : " truncated") << ": " << problem << "\n" << text;
                } else if (called) {
                    ++o.completed;
                } else {
                    ++o.truncated;
                }
            }
            std::printf("%-24s %9d %9d %7d %8.1f\n", (t.name + (json_style ? " (json)" : "")).c_str(), o.completed,
                        o.truncated, o.invalid, o.seconds > 0 ? o.tokens / o.seconds : 0.0);
            total.completed += o.completed;
            total.truncated += o.truncated;
            total.invalid += o.invalid;
            total.tokens += o.tokens;
            total.seconds += o.seconds;
        }
    std::printf("%-24s %9d %9d %7d %8.1f  (%.0f s)\n", "all", total.completed, total.truncated, total.invalid,
                total.seconds > 0 ? total.tokens / total.seconds : 0.0, total.seconds);
    EXPECT_EQ(total.invalid, 0);
    // A useful share completes (measured here: see tests/real_llama/README.md).
    EXPECT_GE(total.completed * 5, total.completed + total.truncated) << "fewer than 20 % completed";
}

} // namespace
} // namespace hp::test
