// The scripted llama-server (tools/fake_llama) against the real one. The real model's output is
// random, so each test first asks the real server what it generates (non-streaming, return_tokens),
// scripts the fake with exactly those ids and the same end, then sends the SAME request to both and
// compares what the proxy reads: key sets and JSON types of every chunk, ids, tokens_predicted,
// stop_type, error bodies, tokenization, /props, cache_n. A failure here is a bug in the scripted
// server (or a change in llama-server): the real answer is the expected one.
#include "real_llama/support/llama_server_suite.hpp"
#include "tools/fake_llama/server.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json.hpp>

#include <memory>
#include <set>

namespace hp::test {
namespace {

namespace json = boost::json;
namespace fl = hp::tools::fake_llama;

// "Hello, world" in o200k.
json::array const hello_world = {13225, 11, 2375};
std::set<std::int64_t> const eog_ids = {199999, 200002, 200012};

translate::tokenizer const& tok()
{
    static auto t = translate::tokenizer::load(translate::tokenizer::default_path());
    if (!t) throw std::runtime_error(t.error().message);
    return *t;
}

json::array ban(std::vector<std::int64_t> const& ids)
{
    json::array bias;
    for (auto id : ids)
        bias.push_back(json::array{id, false});
    return bias;
}

std::set<std::string> keys(json::object const& o)
{
    std::set<std::string> k;
    for (auto const& [key, value] : o)
        k.insert(std::string(key));
    return k;
}

// JSON types as a reader sees them: an integer and a fraction are different things to as_int64().
std::string kind(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "bool";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "double";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "?";
}

// Differences in shape (key sets and types, recursively) between the real and the scripted value.
// generation_settings is a reduced set on the fake by design (SCRIPT.md "Known differences"): only
// its type is compared.
void shape_diff(json::value const& real, json::value const& fake, std::string const& path,
                std::vector<std::string>& out)
{
    if (kind(real) != kind(fake)) {
        out.push_back(path + ": real " + kind(real) + ", fake " + kind(fake));
        return;
    }
    if (path.ends_with("generation_settings")) return;
    if (real.is_object()) {
        auto const& r = real.get_object();
        auto const& f = fake.get_object();
        for (auto const& [k, v] : r) {
            auto const p = path + "/" + std::string(k);
            if (auto const* fv = f.if_contains(k))
                shape_diff(v, *fv, p, out);
            else
                out.push_back(p + ": missing on the fake");
        }
        for (auto const& [k, v] : f)
            if (!r.contains(k)) out.push_back(path + "/" + std::string(k) + ": only on the fake");
    } else if (real.is_array() && !real.get_array().empty() && !fake.get_array().empty()) {
        shape_diff(real.get_array()[0], fake.get_array()[0], path + "[0]", out);
    }
}

std::string same_shape(json::value const& real, json::value const& fake)
{
    std::vector<std::string> diffs;
    shape_diff(real, fake, "$", diffs);
    std::string s;
    for (auto const& d : diffs)
        s += d + "\n";
    return s;
}

std::vector<json::object> stream(endpoint const& ep, json::object request)
{
    request["stream"] = true;
    auto const reply = post_json(ep, "/completion", request);
    EXPECT_EQ(reply.status, 200u) << ep.name << ": " << reply.body;
    EXPECT_TRUE(reply.content_type.starts_with("text/event-stream")) << ep.name << ": " << reply.content_type;
    auto events = sse_json_events(reply.body);
    if (events.empty()) throw std::runtime_error(ep.name + ": empty stream");
    return events;
}

class conformance : public llama_server_suite
{
protected:
    static endpoint const& real() { return upstream(); }

    // The real server's per-slot context, which the fake must pretend to have.
    static std::size_t real_n_ctx()
    {
        auto const props = http_get(real(), "/props").json();
        return static_cast<std::size_t>(props.at("default_generation_settings").at("n_ctx").to_number<std::int64_t>());
    }

    // Starts a fake with `rules` (script JSON), the real server's per-slot context and slot count
    // (so context-overflow errors and slot choice line up).
    void start_fake(json::array rules)
    {
        fl::vocab voc(tok());
        auto s = fl::parse_script(json::serialize(json::object{{"rules", std::move(rules)}}), "conformance", voc);
        if (!s) throw std::runtime_error(s.error().message);
        auto const props = http_get(real(), "/props").json();
        fl::server_options opts;
        opts.n_ctx = static_cast<std::size_t>(props.at("default_generation_settings").at("n_ctx").to_number<std::int64_t>());
        opts.slots = static_cast<std::size_t>(props.at("total_slots").to_number<std::int64_t>());
        fake_ = std::make_unique<fl::fake_llama_thread>(std::move(*s), tok(), opts);
        fake_ep_ = endpoint{"fake-llama-server", "127.0.0.1", fake_->port()};
    }

    // Asks the real server what `request` generates and scripts the fake to generate the same:
    // the ids, ended by the same EOG id (eos) or by running out (limit). Returns every id.
    std::vector<std::int64_t> script_fake_like_real(json::object request)
    {
        request["return_tokens"] = true;
        request["stream"] = false;
        auto const reply = post_json(real(), "/completion", request);
        if (reply.status != 200) throw std::runtime_error("real llama-server: " + reply.body);
        auto const r = reply.json().as_object();
        auto ids = to_ids(r.at("tokens"));
        json::array tokens(ids.begin(), ids.end());
        json::object end;
        if (r.at("stop_type").as_string() == "eos") {
            if (ids.empty() || !eog_ids.contains(ids.back())) throw std::runtime_error("eos without EOG id: " + reply.body);
            end = {{"type", "eos"}, {"token", ids.back()}};
            tokens.pop_back();
        } else {
            end = {{"type", "limit"}};
        }
        start_fake(json::array{json::object{{"tokens", std::move(tokens)}, {"end", std::move(end)}}});
        // The same request on the fake too: the non-streaming answer must agree, and the fake's slot
        // cache then holds what the real one does (the streams compare timings.cache_n/prompt_n).
        auto const f = post_json(fake(), "/completion", request);
        EXPECT_EQ(f.status, 200u) << f.body;
        auto const fr = f.json().as_object();
        EXPECT_EQ(same_shape(r, fr), "") << "real " << reply.body << "\nfake " << f.body;
        for (char const* k : {"content", "tokens", "stop_type", "stopping_word", "tokens_predicted", "tokens_evaluated"})
            EXPECT_EQ(fr.at(k), r.at(k)) << k;
        return ids;
    }

    endpoint const& fake() const { return fake_ep_; }

    // Streams `request` from both and compares chunk by chunk: shapes always, and the values the
    // proxy reads. Returns the real stream.
    std::vector<json::object> compare_streams(json::object const& request)
    {
        auto const r = stream(real(), request);
        auto const f = stream(fake(), request);
        EXPECT_EQ(r.size(), f.size()) << "chunk count";
        for (std::size_t i = 0; i < std::min(r.size(), f.size()); ++i) {
            auto const& rc = r[i];
            auto const& fc = f[i];
            SCOPED_TRACE("chunk " + std::to_string(i) + "\nreal " + json::serialize(rc) + "\nfake " + json::serialize(fc));
            EXPECT_EQ(same_shape(rc, fc), "");
            for (char const* k : {"content", "tokens", "stop", "tokens_predicted", "tokens_evaluated", "index",
                                  "stop_type", "stopping_word", "truncated", "prompt"}) {
                if (rc.contains(k) && fc.contains(k)) {
                    EXPECT_EQ(rc.at(k), fc.at(k)) << k;
                }
            }
            if (rc.contains("timings") && fc.contains("timings") && rc.at("timings").is_object() &&
                fc.at("timings").is_object()) {
                EXPECT_EQ(keys(rc.at("timings").as_object()), keys(fc.at("timings").as_object()));
                for (char const* k : {"cache_n", "prompt_n", "predicted_n"}) {
                    if (rc.at("timings").as_object().contains(k) && fc.at("timings").as_object().contains(k)) {
                        EXPECT_EQ(rc.at("timings").at(k), fc.at("timings").at(k)) << "timings/" << k;
                    }
                }
            }
        }
        return r;
    }

    void TearDown() override { fake_.reset(); }

private:
    std::unique_ptr<fl::fake_llama_thread> fake_;
    endpoint fake_ep_;
};

TEST_F(conformance, stream_ended_by_n_predict)
{
    json::object const request = {{"prompt", hello_world},
                                  {"n_predict", 4},
                                  {"temperature", 0},
                                  {"seed", 7},
                                  {"logit_bias", ban({199999, 200002, 200012})}};
    auto const ids = script_fake_like_real(request);
    ASSERT_EQ(ids.size(), 4u);
    auto const r = compare_streams(request);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r.back().at("stop_type").as_string(), "limit");
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(r[i].at("tokens_predicted").as_int64(), static_cast<std::int64_t>(i + 1));
}

// The EOG token in its own chunk, for each of gpt-oss's three: a complete grammar allows only EOG
// tokens, and banning two of them picks the third. Both full and trimmed (response_fields) finals.
TEST_F(conformance, stream_ended_by_each_eog_token)
{
    for (auto const eog : eog_ids) {
        SCOPED_TRACE("eog " + std::to_string(eog));
        std::vector<std::int64_t> others;
        for (auto id : eog_ids)
            if (id != eog) others.push_back(id);
        json::object request = {{"prompt", hello_world},
                                {"n_predict", 8},
                                {"seed", 1},
                                {"grammar", "root ::= \"hi\""},
                                {"logit_bias", ban(others)}};
        auto const ids = script_fake_like_real(request);
        ASSERT_EQ(ids.back(), eog);
        auto const r = compare_streams(request);
        ASSERT_GE(r.size(), 3u);
        EXPECT_EQ(r[r.size() - 2].at("content").as_string(), "");
        EXPECT_EQ(r.back().at("stop_type").as_string(), "eos");

        request["response_fields"] = json::array{"stop_type", "tokens", "stopping_word", "timings/cache_n"};
        auto const rt = stream(real(), request);
        auto const ft = stream(fake(), request);
        ASSERT_EQ(rt.size(), ft.size());
        EXPECT_EQ(keys(rt.back()), keys(ft.back())) << json::serialize(rt.back()) << "\n" << json::serialize(ft.back());
        EXPECT_EQ(rt.back().at("stop_type"), ft.back().at("stop_type"));
        EXPECT_EQ(rt.back().at("stopping_word"), ft.back().at("stopping_word"));
    }
}

// A token ending inside a UTF-8 character gets no chunk; the next carries the character with only
// its own id. "😀" with its one-token form banned is spelled with two or more byte tokens.
TEST_F(conformance, split_utf8_character_loses_ids_alike)
{
    auto const emoji = to_ids(post_json(real(), "/tokenize", {{"content", "😀"}}).json().at("tokens"));
    ASSERT_EQ(emoji.size(), 1u);
    json::object const request = {{"prompt", hello_world},
                                  {"n_predict", 8},
                                  {"seed", 1},
                                  {"grammar", "root ::= \"😀\""},
                                  {"logit_bias", ban({emoji[0], 199999, 200002})}};
    auto const ids = script_fake_like_real(request);
    ASSERT_GE(ids.size(), 3u) << "the banned one-token form was used";
    auto const r = compare_streams(request);
    ASSERT_EQ(r.size(), 3u) << "one chunk for the character, one for <|call|>, the final";
    EXPECT_EQ(r[0].at("content").as_string(), "😀");
    EXPECT_EQ(r[0].at("tokens_predicted").as_int64(), static_cast<std::int64_t>(ids.size() - 1));
}

// Error bodies before any slot starts, streaming or not: same status, same JSON fields and values.
class conformance_errors : public conformance
{
protected:
    void SetUp() override { start_fake(json::array{json::object{{"tokens", json::array{13225}}}}); }

    void expect_same_error(json::object request, unsigned expected_status)
    {
        for (bool s : {false, true}) {
            request["stream"] = s;
            auto const r = post_json(real(), "/completion", request);
            auto const f = post_json(fake(), "/completion", request);
            EXPECT_EQ(r.status, expected_status) << r.body;
            ASSERT_EQ(f.status, r.status) << "stream " << s << ": real " << r.body << "\nfake " << f.body;
            EXPECT_EQ(f.json(), r.json()) << "stream " << s << ": real " << r.body << "\nfake " << f.body;
            EXPECT_EQ(f.content_type, r.content_type);
            EXPECT_EQ(f.body, r.body) << "byte for byte";
        }
    }
};

TEST_F(conformance_errors, context_overflow)
{
    json::array prompt;
    for (std::size_t i = 0; i < real_n_ctx() + 100; ++i)
        prompt.push_back(13225);
    expect_same_error({{"prompt", prompt}, {"n_predict", 2}}, 400);
}

TEST_F(conformance_errors, invalid_token_id)
{
    expect_same_error({{"prompt", json::array{13225, 201088}}, {"n_predict", 2}}, 400);
}

TEST_F(conformance_errors, bad_grammar)
{
    expect_same_error({{"prompt", json::array{13225}}, {"n_predict", 2}, {"grammar", "root ::= ("}}, 400);
}

TEST_F(conformance_errors, tokenize_without_special_parsing)
{
    for (bool parse_special : {false, true}) {
        json::object const request = {{"content", "Hello <|end|> world <|call|>"}, {"parse_special", parse_special}};
        auto const r = post_json(real(), "/tokenize", request);
        auto const f = post_json(fake(), "/tokenize", request);
        ASSERT_EQ(r.status, 200u) << r.body;
        EXPECT_EQ(f.status, 200u) << f.body;
        EXPECT_EQ(f.json(), r.json()) << "parse_special " << parse_special;
    }
}

// /health and the /props fields the proxy's upstream probe reads (proxy/upstream_probe.cpp).
TEST_F(conformance_errors, health_and_props)
{
    auto const rh = http_get(real(), "/health");
    auto const fh = http_get(fake(), "/health");
    EXPECT_EQ(rh.status, 200u);
    EXPECT_EQ(fh.status, rh.status);
    EXPECT_EQ(fh.json(), rh.json());

    auto const rp = http_get(real(), "/props").json().as_object();
    auto const fp = http_get(fake(), "/props").json().as_object();
    for (char const* k : {"default_generation_settings", "total_slots", "model_path", "bos_token", "eos_token",
                          "build_info"}) {
        ASSERT_TRUE(rp.contains(k)) << k;
        ASSERT_TRUE(fp.contains(k)) << k;
        EXPECT_EQ(kind(fp.at(k)), kind(rp.at(k))) << k;
    }
    EXPECT_EQ(fp.at("total_slots"), rp.at("total_slots"));
    EXPECT_EQ(fp.at("default_generation_settings").at("n_ctx"), rp.at("default_generation_settings").at("n_ctx"));
    EXPECT_EQ(fp.at("bos_token"), rp.at("bos_token"));
    EXPECT_EQ(fp.at("eos_token"), rp.at("eos_token"));
}

// timings.cache_n on a repeated prompt pinned to one slot: the same on both.
TEST_F(conformance_errors, cache_n_on_a_repeated_prompt)
{
    json::object const request = {{"prompt", json::array{55554, 1001, 2001, 3001, 4001, 5001, 6001}},
                                  {"n_predict", 1},
                                  {"id_slot", 0},
                                  {"cache_prompt", true},
                                  {"response_fields", json::array{"timings/cache_n", "timings/prompt_n"}}};
    for (int round = 0; round < 2; ++round) {
        auto const r = post_json(real(), "/completion", request);
        auto const f = post_json(fake(), "/completion", request);
        ASSERT_EQ(r.status, 200u) << r.body;
        EXPECT_EQ(f.json(), r.json()) << "round " << round;
    }
}

} // namespace
} // namespace hp::test
