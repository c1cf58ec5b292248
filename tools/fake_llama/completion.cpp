#include "translate/gbnf.hpp"
#include "tools/fake_llama/completion.hpp"

#include "tools/fake_llama/script.hpp"

#include <boost/json/array.hpp>

namespace hp::tools::fake_llama {
namespace json = boost::json;

json::object error_object(std::string_view message, std::string_view type)
{
    int code = status_for_error_type(type);
    return json::object{{"code", code == 0 ? 500 : code}, {"message", message}, {"type", type}};
}

http_error make_http_error(std::string_view message, std::string_view type)
{
    auto e = error_object(message, type);
    return {static_cast<int>(e.at("code").as_int64()), std::move(e)};
}

http_error context_overflow_error(std::size_t n_prompt, std::size_t n_ctx)
{
    auto e = make_http_error("request (" + std::to_string(n_prompt) +
                                 " tokens) exceeds the available context size (" + std::to_string(n_ctx) +
                                 " tokens), try increasing it",
                             "exceed_context_size_error");
    e.error["n_prompt_tokens"] = n_prompt;
    e.error["n_ctx"] = n_ctx;
    return e;
}

namespace {

http_error bad_request(std::string message)
{
    return make_http_error(message, "invalid_request_error");
}

bool is_int(json::value const& v)
{
    return v.is_int64() || v.is_uint64();
}

} // namespace

boost::system::result<completion_request, http_error> parse_completion_request(json::value const& body,
                                                                               vocab const& v, bool add_bos)
{
    if (!body.is_object()) return bad_request("request body must be a JSON object");
    auto const& o = body.get_object();
    completion_request r;
    r.body = o;

    auto const* prompt = o.if_contains("prompt");
    if (!prompt) return bad_request("\"prompt\" must be provided");
    bool invalid_id = false;
    auto add_piece = [&](json::value const& p, bool first) {
        if (p.is_string()) {
            if (first && add_bos) r.prompt.push_back(translate::special::startoftext);
            v.tokenize(p.get_string(), true, r.prompt);
        } else if (p.is_int64()) {
            auto id = p.get_int64();
            if (!is_valid_token(id)) invalid_id = true;
            r.prompt.push_back(static_cast<token_id>(is_valid_token(id) ? id : 0));
        } else {
            invalid_id = true; // uint64 beyond int64 range or a float
        }
    };
    if (prompt->is_string()) {
        add_piece(*prompt, true);
    } else if (prompt->is_array()) {
        auto const& a = prompt->get_array();
        bool all_strings = !a.empty();
        for (auto const& e : a)
            all_strings = all_strings && e.is_string();
        if (all_strings && a.size() > 1)
            return bad_request("fake-llama-server: several prompts in one request are not supported");
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_string() && !is_int(a[i]) && !a[i].is_double())
                return bad_request("\"prompt\" elements must be token ids or strings");
            add_piece(a[i], i == 0);
        }
    } else {
        return bad_request("\"prompt\" must be a string or an array of token ids and strings");
    }
    if (invalid_id) return bad_request("Prompt contains invalid tokens");

    if (auto p = o.if_contains("stream")) {
        if (!p->is_bool()) return bad_request("\"stream\" must be a boolean");
        r.stream = p->get_bool();
    }
    for (auto key : {"n_predict", "max_tokens"}) {
        if (auto p = o.if_contains(key)) {
            if (!p->is_int64()) return bad_request(std::string("\"") + key + "\" must be an integer");
            r.n_predict = p->get_int64();
            break;
        }
    }
    if (auto p = o.if_contains("stop")) {
        if (!p->is_array()) return bad_request("\"stop\" must be an array of strings");
        for (auto const& s : p->get_array()) {
            if (!s.is_string()) return bad_request("\"stop\" must be an array of strings");
            if (!s.get_string().empty()) r.stop.emplace_back(s.get_string());
        }
    }
    if (auto p = o.if_contains("id_slot")) {
        if (!p->is_int64()) return bad_request("\"id_slot\" must be an integer");
        r.id_slot = p->get_int64();
    }
    if (auto p = o.if_contains("return_tokens"); p && p->is_bool()) r.return_tokens = p->get_bool();
    if (auto p = o.if_contains("timings_per_token"); p && p->is_bool()) r.timings_per_token = p->get_bool();
    if (auto p = o.if_contains("response_fields")) {
        if (!p->is_array()) return bad_request("\"response_fields\" must be an array of strings");
        for (auto const& s : p->get_array()) {
            if (!s.is_string()) return bad_request("\"response_fields\" must be an array of strings");
            r.response_fields.emplace_back(s.get_string());
        }
    }
    if (auto p = o.if_contains("grammar")) {
        if (!p->is_string()) return bad_request("\"grammar\" must be a string");
        r.grammar = std::string(p->get_string());
    }
    if (auto p = o.if_contains("logit_bias"); p && p->is_array()) {
        // [[id, false], [id, -100.0], ...]: false (or a bias that low) means never sample it.
        for (auto const& e : p->get_array()) {
            auto const* pair = e.if_array();
            if (!pair || pair->size() != 2 || !(*pair)[0].is_int64()) continue;
            auto const& bias = (*pair)[1];
            bool const ban = (bias.is_bool() && !bias.get_bool()) || (bias.is_number() && bias.to_number<double>() <= -100);
            if (ban) r.banned.push_back(static_cast<token_id>((*pair)[0].to_number<std::int64_t>()));
        }
    }
    return r;
}

bool grammar_parses(std::string_view grammar)
{
    if (grammar.find_first_not_of(" \t\r\n") == std::string_view::npos) return true; // no grammar
    // The project's GBNF reader follows llama.cpp's parser (undefined rules, a missing root,
    // unbalanced groups, bad escapes): what it rejects, llama-server rejects with
    // "failed to parse grammar" (checked against the real server by the conformance suite).
    return translate::parse_gbnf(grammar).has_value();
}

json::object timings_json(timings const& t)
{
    auto per_token = [](double ms, double n) { return n > 0 ? ms / n : 0.0; };
    auto per_second = [](double ms, double n) { return ms > 0 ? 1e3 / ms * n : 0.0; };
    return json::object{
        {"cache_n", t.cache_n},
        {"prompt_n", t.prompt_n},
        {"prompt_ms", t.prompt_ms},
        {"prompt_per_token_ms", per_token(t.prompt_ms, double(t.prompt_n))},
        {"prompt_per_second", per_second(t.prompt_ms, double(t.prompt_n))},
        {"predicted_n", t.predicted_n},
        {"predicted_ms", t.predicted_ms},
        {"predicted_per_token_ms", per_token(t.predicted_ms, double(t.predicted_n))},
        {"predicted_per_second", per_second(t.predicted_ms, double(t.predicted_n))},
    };
}

json::object partial_chunk(token_step const& step, std::size_t id_slot, std::size_t n_prompt,
                           std::optional<timings> const& t)
{
    json::object c{
        {"index", 0},
        {"content", to_valid_utf8(step.content)},
        {"tokens", json::array{step.id}},
        {"stop", false},
        {"id_slot", id_slot},
        {"tokens_predicted", step.n_decoded},
        {"tokens_evaluated", n_prompt},
    };
    if (t) c["timings"] = timings_json(*t);
    return c;
}

namespace {

// task_params::to_json, reduced to the sampling fields a harmony-proxy request sets, with
// llama-server's defaults where the request is silent.
json::object generation_settings(completion_request const& req)
{
    auto pick = [&](char const* key, json::value def) -> json::value {
        if (auto p = req.body.if_contains(key)) return *p;
        return def;
    };
    json::array stop;
    for (auto const& s : req.stop)
        stop.emplace_back(s);
    return json::object{
        {"seed", pick("seed", 4294967295u)},
        {"temperature", pick("temperature", 0.8)},
        {"top_k", pick("top_k", 40)},
        {"top_p", pick("top_p", 0.95)},
        {"min_p", pick("min_p", 0.05)},
        {"stop", std::move(stop)},
        {"max_tokens", req.n_predict},
        {"n_predict", req.n_predict},
        {"n_keep", pick("n_keep", 0)},
        {"ignore_eos", pick("ignore_eos", false)},
        {"stream", req.stream},
        {"logit_bias", pick("logit_bias", json::array{})},
        {"n_probs", pick("n_probs", 0)},
        {"min_keep", pick("min_keep", 0)},
        {"grammar", req.grammar},
        {"grammar_lazy", pick("grammar_lazy", false)},
        {"timings_per_token", req.timings_per_token},
        {"post_sampling_probs", pick("post_sampling_probs", false)},
    };
}

} // namespace

json::object final_result(generation const& g, completion_request const& req, final_info const& info)
{
    json::array tokens;
    if (!req.stream && req.return_tokens)
        for (auto id : g.sampled)
            tokens.emplace_back(id);
    json::object res{
        {"index", 0},
        {"content", req.stream ? std::string() : to_valid_utf8(g.text)},
        {"tokens", std::move(tokens)},
        {"id_slot", info.id_slot},
        {"stop", true},
        {"model", info.model},
        {"tokens_predicted", static_cast<std::int64_t>(g.sampled.size())},
        {"tokens_evaluated", info.n_prompt},
        {"generation_settings", generation_settings(req)},
        {"prompt", info.prompt_text},
        {"has_new_line", g.has_new_line},
        {"truncated", g.truncated},
        {"stop_type", to_string(g.stop)},
        {"stopping_word", g.stopping_word},
        {"tokens_cached", info.tokens_cached},
        {"timings", timings_json(info.t)},
    };
    if (req.response_fields.empty()) return res;

    // json_get_nested_values: each path "a/b" that resolves becomes a top-level key "a/b".
    json::object trimmed;
    for (auto const& path : req.response_fields) {
        json::value const* cur = nullptr;
        json::object const* obj = &res;
        bool ok = true;
        std::size_t from = 0;
        while (ok) {
            auto slash = path.find('/', from);
            auto key = std::string_view(path).substr(from, slash == std::string::npos ? std::string::npos
                                                                                      : slash - from);
            cur = obj ? obj->if_contains(key) : nullptr;
            if (!cur) ok = false;
            if (slash == std::string::npos) break;
            from = slash + 1;
            obj = cur && cur->is_object() ? &cur->get_object() : nullptr;
        }
        if (ok && cur) trimmed[path] = *cur;
    }
    return trimmed;
}

} // namespace hp::tools::fake_llama
