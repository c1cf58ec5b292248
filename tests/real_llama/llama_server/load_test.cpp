// llama-server loads the generated model: health, props, and the special-token table as llama.cpp's
// vocabulary loader sees it (text, CONTROL vs USER_DEFINED), which drives EOG and tokenization.
#include "real_llama/support/llama_server_suite.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace hp::test {
namespace {

namespace json = boost::json;

std::string read_file(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::int64_t> tokenize(endpoint const& ep, std::string const& text, bool parse_special)
{
    auto const reply = post_json(ep, "/tokenize", {{"content", text}, {"parse_special", parse_special}});
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return to_ids(reply.json().at("tokens"));
}

class real_llama_load : public llama_server_suite
{
};

TEST_F(real_llama_load, health_is_ok_once_ready)
{
    auto const reply = http_get(upstream(), "/health");
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.json(), json::parse(R"({"status":"ok"})"));
}

// While the model loads, /health answers 503 with this body (whether the fixture's polling caught the
// loading phase depends on timing; whatever it saw before 200 must be exactly this).
TEST_F(real_llama_load, health_is_503_while_loading)
{
    for (auto const& reply : server().startup_health_answers()) {
        EXPECT_EQ(reply.status, 503u);
        EXPECT_EQ(
            reply.json(),
            json::parse(R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})"));
    }
    RecordProperty("startup_503_seen", static_cast<int>(server().startup_health_answers().size()));
}

TEST_F(real_llama_load, props_describe_the_model_and_slots)
{
    auto const reply = http_get(upstream(), "/props");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto const props = reply.json().as_object();
    EXPECT_EQ(props.at("model_path").as_string(), server().model_path().string());
    EXPECT_EQ(props.at("total_slots").as_int64(), 2);
    // --ctx-size is shared by the slots: 2048 / 2.
    EXPECT_EQ(props.at("default_generation_settings").at("n_ctx").as_int64(), 1024);
    EXPECT_EQ(props.at("bos_token").as_string(), "<|startoftext|>");
    EXPECT_EQ(props.at("eos_token").as_string(), "<|return|>");
    EXPECT_FALSE(props.at("build_info").as_string().empty());

    // The model's template, with the one edit llama.cpp's common/chat.cpp makes to gpt-oss's template
    // on load ("temporary hack", llama.cpp PR 15230): the check that raises on <|channel|> inside an
    // assistant message's content becomes `if false`. If llama.cpp changes that, this test says so.
    auto expected = read_file(HP_SOURCE_DIR "/tools/make_test_model/gpt_oss_chat_template.jinja");
    std::string const check = "{%- if \"<|channel|>analysis<|message|>\" in message.content or "
                              "\"<|channel|>final<|message|>\" in message.content %}";
    auto const at = expected.find(check);
    ASSERT_NE(at, std::string::npos);
    expected.replace(at, check.size(), "{%- if false %}");
    ASSERT_EQ(expected.find(check), std::string::npos);
    auto const served = std::string(props.at("chat_template").as_string());
    EXPECT_TRUE(served == expected) << "served chat_template (" << served.size() << " bytes) differs from "
                                    << "the model's, patched (" << expected.size() << " bytes)";
}

TEST_F(real_llama_load, vocabulary_has_all_201088_ids)
{
    auto const reply = http_get(upstream(), "/v1/models");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    auto const models = reply.json();
    auto const& meta = models.at("data").at(0).at("meta");
    EXPECT_EQ(meta.at("n_vocab").as_int64(), 201088);
    EXPECT_EQ(meta.at("n_embd").as_int64(), 64);
    EXPECT_EQ(meta.at("n_ctx_train").as_int64(), 8192);
    EXPECT_EQ(tokenize(upstream(), "<|reserved_201087|>", true), (std::vector<std::int64_t>{201087}));
    // harmony's encoding names 201088 too, but the model has no such row: it is ordinary text.
    EXPECT_GT(tokenize(upstream(), "<|reserved_201088|>", true).size(), 1u);
}

// Every special token of o200k_harmony (shared/harmony-golden/tokens/special_tokens.json) is one
// token when special parsing is on; the reserved ones follow the naming rule.
TEST_F(real_llama_load, special_token_texts_match_harmony)
{
    auto const specials = json::parse(read_file(HP_SHARED_DIR "/harmony-golden/tokens/special_tokens.json"));
    auto const& named = specials.at("named").as_object();
    ASSERT_EQ(named.size(), 9u);
    for (auto const& [id, text] : named)
        EXPECT_EQ(tokenize(upstream(), std::string(text.as_string()), true),
                  (std::vector<std::int64_t>{std::stoll(std::string(id))}))
            << text;
    for (std::int64_t id : {200000, 200001, 200004, 200009, 200010, 200011, 200013, 200018, 201087})
        EXPECT_EQ(tokenize(upstream(), "<|reserved_" + std::to_string(id) + "|>", true),
                  (std::vector<std::int64_t>{id}));
}

// The loader's own account: with both <|return|> and <|call|> in the EOG set, <|end|> leaves it (the
// resulting set is checked by behaviour in stream_test.cpp).
TEST_F(real_llama_load, loader_removes_end_from_the_eog_list)
{
    auto const log = read_file(server().log_path().string());
    EXPECT_NE(log.find("removing '<|end|>' token from EOG list"), std::string::npos) << server().log_tail();
}

// llama.cpp's loader demotes <|channel|>, <|message|>, <|start|>, <|constrain|> and <|end|> to
// USER_DEFINED, and user-defined tokens are matched in text even with parse_special:false. The
// CONTROL ones (<|return|>, <|call|>, <|endoftext|>, reserved) stay ordinary text then.
TEST_F(real_llama_load, user_defined_markers_are_parsed_without_parse_special)
{
    std::vector<std::pair<std::string, std::int64_t>> const user_defined = {{"<|channel|>", 200005},
                                                                            {"<|message|>", 200008},
                                                                            {"<|start|>", 200006},
                                                                            {"<|constrain|>", 200003},
                                                                            {"<|end|>", 200007}};
    for (auto const& [text, id] : user_defined)
        EXPECT_EQ(tokenize(upstream(), text, false), (std::vector<std::int64_t>{id})) << text;
    for (std::string text :
         {"<|return|>", "<|call|>", "<|endoftext|>", "<|startoftext|>", "<|reserved_200013|>"}) {
        auto const ids = tokenize(upstream(), text, false);
        EXPECT_GT(ids.size(), 1u) << text;
        for (auto id : ids)
            EXPECT_LT(id, 199998) << text;
    }
    // The fact the proxy's design rests on (notes/llama-server.md, verified).
    EXPECT_EQ(tokenize(upstream(), "Hello <|end|> world <|call|>", false),
              (std::vector<std::int64_t>{13225, 220, 200007, 2375, 464, 91, 9925, 91, 29}));
}

} // namespace
} // namespace hp::test
