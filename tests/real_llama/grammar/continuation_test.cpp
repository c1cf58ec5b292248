// Taking control at the tool-call header against the real llama-server: the first /completion
// stops on "to=" inside the header (a grammar steers the tiny random model into writing " to="), the proxy's own pipeline decides the continuation, and the continuation on the same slot
// re-processes at most a couple of prompt tokens: one extra request per tool call, no re-prefill.
#include "real_llama/support/llama_server_suite.hpp"

#include "translate/completion_request.hpp"
#include "translate/responses_pipeline.hpp"
#include "translate/tokenizer.hpp"
#include "translate/tool_control.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace tr = hp::translate;

class real_llama_continuation : public llama_server_suite
{
};

std::int64_t prompt_n_of(std::string const& sse_body)
{
    std::int64_t n = -1;
    for (auto const& ev : sse_json_events(sse_body))
        if (auto const* t = ev.if_contains("timings"); t && ev.at("stop").as_bool()) n = t->at("prompt_n").to_number<std::int64_t>();
    return n;
}

TEST_F(real_llama_continuation, a_tool_call_costs_one_more_request_and_about_one_prompt_token)
{
    auto tok = tr::tokenizer::load(tr::tokenizer::default_path());
    ASSERT_TRUE(tok) << tok.error().message;
    std::ifstream in(HP_CODEX_TOOLS);
    std::ostringstream s;
    s << in.rdbuf();
    auto sources = tr::tools_from_responses(json::parse(s.str()));
    ASSERT_TRUE(sources);
    tr::tool_control control;
    control.tools = *sources;

    // The proxy's prompts end with <|start|>assistant; the model writes the header. Both shapes:
    // the channel first, or the recipient first.
    std::vector<tr::token_id> const prompt{200006, 173781};
    for (auto const position : {tr::header_position::after_channel, tr::header_position::before_channel}) {
        tr::completion_settings first;
        first.prompt = prompt;
        first.n_predict = 80;
        first.temperature = 1.0;
        first.seed = 7;
        first.id_slot = 0;
        tr::arm_tool_control(first, control);
        auto body = tr::completion_request_body(first);
        ASSERT_TRUE(body);
        auto request = json::parse(*body).as_object();
        // Steer the random model into starting a tool-call header up to "to=".
        request["grammar"] = position == tr::header_position::after_channel ? R"(root ::= <[200005]> "commentary to=")"
                                                                             : R"(root ::= " to=")";
        auto const phase1 = post_json(upstream(), "/completion", request, std::chrono::seconds(60));
        ASSERT_EQ(phase1.status, 200u) << phase1.body;

        tr::response_builder_options bo;
        bo.response_id = "resp_1";
        tr::responses_pipeline pipeline(*tok, std::move(bo), prompt.size(), {},
                                        tr::pipeline_control{std::string(tr::tool_header_stop), first.n_predict});
        std::vector<json::object> events;
        pipeline.feed(phase1.body, events);
        pipeline.end_of_body(events);
        ASSERT_TRUE(pipeline.pending_continuation()) << phase1.body;
        auto const plan = *pipeline.pending_continuation();
        EXPECT_EQ(plan.type, tr::continuation::kind::tool_call);
        EXPECT_EQ(plan.position, position);

        auto next = tr::continuation_settings(first, pipeline.generated(), control, plan);
        ASSERT_FALSE(next.unconstrained_because) << *next.unconstrained_because;
        auto next_body = tr::completion_request_body(next.settings);
        ASSERT_TRUE(next_body);
        auto const phase2 = post_json(upstream(), "/completion", json::parse(*next_body), std::chrono::seconds(120));
        ASSERT_EQ(phase2.status, 200u) << phase2.body;
        auto const prompt_n = prompt_n_of(phase2.body);
        std::printf("header %s: phase 1 generated %zu tokens; the continuation processed %lld prompt token(s) of %zu\n",
                    std::string(tr::to_string(plan.position)).c_str(), pipeline.generated().size(),
                    static_cast<long long>(prompt_n), next.settings.prompt.size());
        EXPECT_GE(prompt_n, 1);
        EXPECT_LE(prompt_n, 2);
        pipeline.resume();
        pipeline.feed(phase2.body, events);
        pipeline.end_of_body(events);
        EXPECT_FALSE(pipeline.pending_continuation()) << "one extra request per tool call";
        EXPECT_EQ(pipeline.completions(), 2u);
    }
}

} // namespace
} // namespace hp::test
