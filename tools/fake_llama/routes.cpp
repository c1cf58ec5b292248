#include "tools/fake_llama/routes.hpp"

#include <boost/json/array.hpp>

#include <filesystem>

namespace hp::tools::fake_llama {
namespace json = boost::json;

http_error loading_error()
{
    return make_http_error("Loading model", "unavailable_error");
}

std::string model_alias(server_options const& o)
{
    return std::filesystem::path(o.model_path).filename().string();
}

json::object props_json(server_options const& o)
{
    json::object params{
        {"seed", 4294967295u}, {"temperature", 0.8}, {"top_k", 40},  {"top_p", 0.95}, {"min_p", 0.05},
        {"n_predict", -1},     {"stream", false},    {"n_probs", 0}, {"grammar", ""},
    };
    return json::object{
        {"default_generation_settings", json::object{{"params", std::move(params)}, {"n_ctx", o.n_ctx}}},
        {"total_slots", o.slots},
        {"model_alias", model_alias(o)},
        {"model_path", o.model_path},
        {"modalities", json::object{{"vision", false}, {"video", false}, {"audio", false}}},
        {"endpoint_slots", true},
        {"endpoint_props", false},
        {"endpoint_metrics", false},
        {"chat_template", ""},
        {"bos_token", "<|startoftext|>"},
        {"eos_token", "<|return|>"},
        {"build_info", o.build_info},
        {"is_sleeping", false},
    };
}

namespace {

http_error bad_request(std::string_view message)
{
    return make_http_error(message, "invalid_request_error");
}

bool bool_field(json::object const& o, char const* key, bool def)
{
    auto const* p = o.if_contains(key);
    return p && p->is_bool() ? p->get_bool() : def;
}

} // namespace

boost::system::result<json::object, http_error> tokenize_json(json::value const& body, vocab const& v,
                                                              bool add_bos)
{
    if (!body.is_object()) return bad_request("request body must be a JSON object");
    auto const& o = body.get_object();
    json::array out;
    auto const* content = o.if_contains("content");
    if (!content) return json::object{{"tokens", std::move(out)}};

    // llama-server's defaults: add_special false, parse_special true, with_pieces false.
    bool const add_special = bool_field(o, "add_special", false);
    bool const parse_special = bool_field(o, "parse_special", true);
    bool const with_pieces = bool_field(o, "with_pieces", false);

    std::vector<token_id> ids;
    auto add = [&](json::value const& p, bool first) -> bool {
        if (p.is_string()) {
            if (first && add_special && add_bos) ids.push_back(translate::special::startoftext);
            v.tokenize(p.get_string(), parse_special, ids);
            return true;
        }
        if (p.is_int64() && is_valid_token(p.get_int64())) {
            ids.push_back(static_cast<token_id>(p.get_int64()));
            return true;
        }
        return false;
    };
    bool ok = true;
    if (content->is_array()) {
        auto const& a = content->get_array();
        for (std::size_t i = 0; i < a.size() && ok; ++i)
            ok = add(a[i], i == 0);
    } else {
        ok = add(*content, true);
    }
    if (!ok) return bad_request("\"content\" must be a string or an array of token ids and strings");

    for (auto id : ids) {
        if (!with_pieces) {
            out.emplace_back(id);
            continue;
        }
        auto piece = v.piece(id, true);
        json::value pj;
        if (is_valid_utf8(piece)) {
            pj = json::string(piece);
        } else {
            json::array bytes;
            for (unsigned char c : piece)
                bytes.emplace_back(static_cast<int>(c));
            pj = std::move(bytes);
        }
        out.emplace_back(json::object{{"id", id}, {"piece", std::move(pj)}});
    }
    return json::object{{"tokens", std::move(out)}};
}

boost::system::result<json::object, http_error> detokenize_json(json::value const& body, vocab const& v)
{
    if (!body.is_object()) return bad_request("request body must be a JSON object");
    std::string content;
    if (auto const* t = body.get_object().if_contains("tokens")) {
        if (!t->is_array()) return bad_request("\"tokens\" must be an array of token ids");
        std::vector<token_id> ids;
        for (auto const& e : t->get_array()) {
            if (!e.is_int64() || !is_valid_token(e.get_int64()))
                return bad_request("\"tokens\" must be an array of token ids");
            ids.push_back(static_cast<token_id>(e.get_int64()));
        }
        content = v.detokenize(ids);
    }
    return json::object{{"content", std::move(content)}};
}

} // namespace hp::tools::fake_llama
