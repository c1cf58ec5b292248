// The /completion body: ids not text, fixed samplers, fixed key order, optional fields, errors.
#include "translate/completion_request.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <limits>

namespace hp::translate {
namespace {

TEST(completion_request, minimal_body_is_exact)
{
    completion_settings s;
    s.prompt = {200006, 1428, 200008, 27, 91, 419, 91, 29, 200007}; // "<|end|>" in user text stays text ids
    s.n_predict = 256;
    s.temperature = 0.7;
    s.top_p = 0.95;
    auto body = completion_request_body(s);
    ASSERT_TRUE(body.has_value()) << body.error().message;
    EXPECT_EQ(*body,
              R"({"prompt":[200006,1428,200008,27,91,419,91,29,200007],"stream":true,"return_tokens":true,)"
              R"("cache_prompt":true,"n_predict":256,"temperature":0.7,"top_p":0.95,"top_k":0,"min_p":0})");
}

TEST(completion_request, every_option_in_fixed_order)
{
    completion_settings s;
    s.prompt = {1, 2};
    s.n_predict = -1;
    s.temperature = 1.0;
    s.top_p = 1.0;
    s.seed = 42;
    s.id_slot = 3;
    s.grammar = "root ::= \"a\\\"b\"\n";
    s.banned_tokens = {200002, 199999};
    s.stop = {"<|message|>", "\"q\""};
    s.n_probs = 0;
    s.trim_final_chunk = true;
    auto body = completion_request_body(s);
    ASSERT_TRUE(body.has_value()) << body.error().message;
    EXPECT_EQ(*body,
              R"({"prompt":[1,2],"stream":true,"return_tokens":true,"cache_prompt":true,"n_predict":-1,)"
              R"("temperature":1,"top_p":1,"top_k":0,"min_p":0,"seed":42,"id_slot":3,)"
              R"("grammar":"root ::= \"a\\\"b\"\n","logit_bias":[[200002,false],[199999,false]],)"
              R"("stop":["<|message|>","\"q\""],"n_probs":0,"response_fields":["content","tokens","stop",)"
              R"("stop_type","stopping_word","tokens_predicted","tokens_evaluated","tokens_cached",)"
              R"("truncated","timings"]})");
    // And it is JSON whose grammar string round-trips.
    auto const v = boost::json::parse(*body);
    EXPECT_EQ(v.at("grammar").as_string(), "root ::= \"a\\\"b\"\n");
}

TEST(completion_request, same_settings_same_bytes)
{
    completion_settings s;
    s.prompt = {5, 6, 7};
    s.temperature = 0.1 + 0.2; // shortest round trip: 0.30000000000000004
    auto a = completion_request_body(s);
    auto b = completion_request_body(s);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
    EXPECT_NE(a->find("\"temperature\":0.30000000000000004,"), std::string::npos) << *a;
    EXPECT_EQ(boost::json::parse(*a).at("temperature").as_double(), 0.1 + 0.2);
}

TEST(completion_request, rejects_what_llama_server_would_reject)
{
    completion_settings s;
    EXPECT_FALSE(completion_request_body(s).has_value()); // empty prompt
    s.prompt = {201088};
    auto r = completion_request_body(s);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("201088"), std::string::npos);
    s.prompt = {201087};
    EXPECT_TRUE(completion_request_body(s).has_value());
    s.temperature = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(completion_request_body(s).has_value());
    s.temperature = 0;
    s.top_p = 1.5;
    EXPECT_FALSE(completion_request_body(s).has_value());
    s.top_p = 0.5;
    s.n_predict = -2;
    EXPECT_FALSE(completion_request_body(s).has_value());
    s.n_predict = 0;
    s.banned_tokens = {300000};
    EXPECT_FALSE(completion_request_body(s).has_value());
}

} // namespace
} // namespace hp::translate
