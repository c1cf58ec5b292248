// Taking control at the tool-call header (translate/tool_control.hpp) and the pipeline's phases
// (translate/responses_pipeline.hpp): where the "to=" stop fired, what the next /completion is,
// and that the events of a response split over two requests are those of one uninterrupted
// generation.
#include "llama_stream_model.hpp"
#include "test_vocab.hpp"
#include "tools/fake_llama/vocab.hpp"
#include "translate/responses_pipeline.hpp"
#include "translate/tool_control.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hp::translate::test {
namespace {

namespace json = boost::json;

std::vector<token_id> ids_of(std::string_view text)
{
    return tools::fake_llama::vocab(vocab()).tokenize(text, true);
}

tool_control exec_command_control()
{
    tool_control c;
    tool_grammar_source t;
    t.name = "exec_command";
    t.recipient = "functions.exec_command";
    t.schema = json::parse(R"({"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]})");
    c.tools.push_back(t);
    return c;
}

TEST(PlanContinuation, HeaderWithTheChannelFirstContinuesAfterTheChannel)
{
    auto c = plan_continuation(std::string_view("<|channel|>commentary to=functions"), 0, 12);
    EXPECT_EQ(c.type, continuation::kind::tool_call);
    EXPECT_EQ(c.position, header_position::after_channel);
    EXPECT_EQ(c.written, "functions");
    EXPECT_EQ(c.generated, 12u);
}

TEST(PlanContinuation, RecipientBeforeTheChannelContinuesBeforeIt)
{
    auto c = plan_continuation(std::string_view(" to="), 0, 2);
    EXPECT_EQ(c.type, continuation::kind::tool_call);
    EXPECT_EQ(c.position, header_position::before_channel);
    EXPECT_EQ(c.written, "");
}

TEST(PlanContinuation, OutsideAHeaderResumesAndDropsTheStopAfterTheLimit)
{
    auto c = plan_continuation(std::nullopt, 0, 5);
    EXPECT_EQ(c.type, continuation::kind::resume);
    EXPECT_TRUE(c.keep_stop);
    EXPECT_FALSE(plan_continuation(std::nullopt, max_resumes - 1, 5).keep_stop);
}

TEST(ContinuationSettings, ToolCallAppendsTheGeneratedIdsAndConstrainsTheRest)
{
    completion_settings first;
    first.prompt = {200006, 1, 2};
    first.n_predict = 100;
    first.id_slot = 3;
    first.temperature = 0.7;
    auto const control = exec_command_control();
    arm_tool_control(first, control);
    ASSERT_EQ(first.stop, std::vector<std::string>{"to="});

    std::vector<token_id> const generated{10, 11, 12};
    continuation plan;
    plan.type = continuation::kind::tool_call;
    plan.position = header_position::after_channel;
    plan.written = "func";
    auto next = continuation_settings(first, generated, control, plan);
    EXPECT_FALSE(next.unconstrained_because);
    EXPECT_EQ(next.settings.prompt, (std::vector<token_id>{200006, 1, 2, 10, 11, 12}));
    EXPECT_EQ(next.settings.n_predict, 97);
    EXPECT_EQ(next.settings.id_slot, 3);
    EXPECT_EQ(next.settings.temperature, 0.7);
    EXPECT_TRUE(next.settings.stop.empty());
    ASSERT_TRUE(next.settings.grammar);
    EXPECT_NE(next.settings.grammar->find("\"tions.exec_command\""), std::string::npos) << *next.settings.grammar;
    EXPECT_EQ(next.settings.banned_tokens, (std::vector<token_id>{special::return_, special::endoftext}));
}

TEST(ContinuationSettings, AnUndeclaredRecipientAlreadyWrittenIsResumedUnconstrained)
{
    completion_settings first;
    first.prompt = {200006};
    continuation plan;
    plan.type = continuation::kind::tool_call;
    plan.written = "browser";
    auto next = continuation_settings(first, std::vector<token_id>{5}, exec_command_control(), plan);
    ASSERT_TRUE(next.unconstrained_because);
    EXPECT_NE(next.unconstrained_because->find("browser"), std::string::npos);
    EXPECT_FALSE(next.settings.grammar);
    EXPECT_TRUE(next.settings.banned_tokens.empty());
}

TEST(ContinuationSettings, ResumeKeepsTheStopOnlyWhenPlanned)
{
    completion_settings first;
    first.prompt = {200006};
    arm_tool_control(first, exec_command_control());
    continuation plan;
    plan.type = continuation::kind::resume;
    EXPECT_EQ(continuation_settings(first, {}, exec_command_control(), plan).settings.stop,
              std::vector<std::string>{"to="});
    plan.keep_stop = false;
    EXPECT_TRUE(continuation_settings(first, {}, exec_command_control(), plan).settings.stop.empty());
}

// Runs `ids` through the pipeline as llama-server would stream them, one /completion per phase:
// each phase streams the remaining ids with the stop the phase's request carries.
struct phased_run
{
    std::vector<json::object> events;
    std::vector<continuation> plans;
    std::size_t completions = 0;
    json::object response;
};

phased_run run_phased(std::vector<token_id> const& ids, std::int64_t n_predict = -1)
{
    phased_run out;
    response_builder_options bo;
    bo.response_id = "resp_1";
    bo.model = "gpt-oss";
    bo.tools = [](std::string_view recipient) -> std::optional<resolved_call> {
        if (recipient != "functions.exec_command") return std::nullopt;
        resolved_call c;
        c.name = "exec_command";
        return c;
    };
    pipeline_control pc{std::string(tool_header_stop), n_predict};
    responses_pipeline p(vocab(), std::move(bo), 3, {}, pc);
    p.begin(out.events);
    std::size_t offset = 0;
    std::vector<std::string> stop{std::string(tool_header_stop)};
    for (int phase = 0; phase < 10 && !p.finished(); ++phase) {
        std::vector<token_id> rest(ids.begin() + static_cast<std::ptrdiff_t>(offset), ids.end());
        llama_stream_options so;
        so.stop = stop;
        auto stream = make_llama_stream(vocab(), rest, so);
        p.feed(stream.body, out.events);
        p.end_of_body(out.events);
        if (!p.pending_continuation()) break;
        auto const plan = *p.pending_continuation();
        out.plans.push_back(plan);
        completion_settings first;
        first.prompt = {1};
        auto next = continuation_settings(first, p.generated(), exec_command_control(), plan);
        stop = next.settings.stop;
        offset = p.generated().size();
        p.resume();
    }
    out.completions = p.completions();
    out.response = p.builder().response();
    return out;
}

TEST(PhasedPipeline, AToolCallTakesOneExtraRequestAndReadsAsOneGeneration)
{
    auto ids = ids_of("<|channel|>analysis<|message|>List files.<|end|><|start|>assistant<|channel|>commentary "
                      "to=functions.exec_command <|constrain|>json<|message|>{\"cmd\":\"ls\"}");
    ids.push_back(special::call);
    auto run = run_phased(ids);
    ASSERT_EQ(run.plans.size(), 1u);
    EXPECT_EQ(run.plans[0].type, continuation::kind::tool_call);
    EXPECT_EQ(run.plans[0].position, header_position::after_channel);
    EXPECT_EQ(run.completions, 2u);
    EXPECT_EQ(run.response.at("status"), "completed") << json::serialize(run.response);
    auto const& output = run.response.at("output").as_array();
    ASSERT_EQ(output.size(), 2u) << json::serialize(run.response);
    EXPECT_EQ(output[1].at("type"), "function_call");
    EXPECT_EQ(output[1].at("arguments"), "{\"cmd\":\"ls\"}");
    EXPECT_EQ(run.response.at("usage").at("output_tokens").to_number<std::size_t>(), ids.size());
}

TEST(PhasedPipeline, RecipientBeforeTheChannel)
{
    auto ids = ids_of(" to=functions.exec_command<|channel|>commentary <|constrain|>json<|message|>{\"cmd\":\"pwd\"}");
    ids.push_back(special::call);
    auto run = run_phased(ids);
    ASSERT_EQ(run.plans.size(), 1u);
    EXPECT_EQ(run.plans[0].position, header_position::before_channel);
    auto const& output = run.response.at("output").as_array();
    ASSERT_EQ(output.size(), 1u) << json::serialize(run.response);
    EXPECT_EQ(output[0].at("arguments"), "{\"cmd\":\"pwd\"}");
}

TEST(PhasedPipeline, ToEqualsInsideAnAnswerResumesWithoutAGrammar)
{
    auto ids = ids_of("<|channel|>final<|message|>Set x to=5 and y to=6.");
    ids.push_back(special::return_);
    auto run = run_phased(ids);
    ASSERT_EQ(run.plans.size(), 2u);
    EXPECT_EQ(run.plans[0].type, continuation::kind::resume);
    EXPECT_EQ(run.completions, 3u);
    auto const& output = run.response.at("output").as_array();
    ASSERT_EQ(output.size(), 1u);
    EXPECT_EQ(output[0].at("content").at(0).at("text"), "Set x to=5 and y to=6.");
}

TEST(PhasedPipeline, APlainAnswerIsOneRequest)
{
    auto ids = ids_of("<|channel|>final<|message|>Hello.");
    ids.push_back(special::return_);
    auto run = run_phased(ids);
    EXPECT_TRUE(run.plans.empty());
    EXPECT_EQ(run.completions, 1u);
    EXPECT_EQ(run.response.at("status"), "completed");
}

TEST(PhasedPipeline, NoBudgetLeftAtTheHeaderEndsIncomplete)
{
    auto ids = ids_of("<|channel|>commentary to=functions.exec_command");
    auto run = run_phased(ids, static_cast<std::int64_t>(ids_of("<|channel|>commentary to=").size()));
    EXPECT_TRUE(run.plans.empty());
    EXPECT_EQ(run.response.at("status"), "incomplete") << json::serialize(run.response);
}

} // namespace
} // namespace hp::translate::test
