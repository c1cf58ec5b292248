// translate/completion_request.cpp: see completion_request.hpp.
#include "translate/completion_request.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace hp::translate {

namespace {

// Shortest round-trip decimal ("0.7", "1"), not Boost.JSON's "7E-1": the body is read by people
// in captures, and both forms parse to the same double.
void append_number(std::string& out, double v)
{
    char buf[32];
    auto const r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

template <class Int>
void append_int(std::string& out, Int v)
{
    char buf[24];
    auto const r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_string(std::string& out, std::string_view s)
{
    out += boost::json::serialize(boost::json::string(s));
}

void append_key(std::string& out, std::string_view key)
{
    out += out.size() > 1 ? ",\"" : "\"";
    out += key;
    out += "\":";
}

bool valid_sampler(double v)
{
    return std::isfinite(v) && v >= 0.0;
}

} // namespace

std::vector<std::string> const& final_chunk_fields()
{
    static std::vector<std::string> const fields{
        "content",          "tokens",           "stop",          "stop_type", "stopping_word",
        "tokens_predicted", "tokens_evaluated", "tokens_cached", "truncated", "timings",
    };
    return fields;
}

boost::system::result<std::string, completion_request_error>
completion_request_body(completion_settings const& s)
{
    if (s.prompt.empty()) return completion_request_error{"the prompt holds no token ids"};
    for (token_id id : s.prompt) {
        if (id >= special::vocab_size)
            return completion_request_error{"prompt token id " + std::to_string(id) +
                                            " is outside the vocabulary"};
    }
    for (token_id id : s.banned_tokens) {
        if (id >= special::vocab_size)
            return completion_request_error{"banned token id " + std::to_string(id) +
                                            " is outside the vocabulary"};
    }
    if (!valid_sampler(s.temperature))
        return completion_request_error{"temperature must be a finite number >= 0"};
    if (!valid_sampler(s.top_p) || s.top_p > 1.0)
        return completion_request_error{"top_p must be a number in [0, 1]"};
    if (s.n_predict < -1) return completion_request_error{"n_predict must be -1 or more"};

    std::string out = "{";
    append_key(out, "prompt");
    out += '[';
    for (std::size_t i = 0; i < s.prompt.size(); ++i) {
        if (i) out += ',';
        append_int(out, s.prompt[i]);
    }
    out += ']';
    append_key(out, "stream");
    out += "true";
    append_key(out, "return_tokens");
    out += "true";
    append_key(out, "cache_prompt");
    out += "true";
    append_key(out, "n_predict");
    append_int(out, s.n_predict);
    append_key(out, "temperature");
    append_number(out, s.temperature);
    append_key(out, "top_p");
    append_number(out, s.top_p);
    append_key(out, "top_k");
    out += '0';
    append_key(out, "min_p");
    out += '0';
    if (s.seed) {
        append_key(out, "seed");
        append_int(out, *s.seed);
    }
    if (s.id_slot) {
        append_key(out, "id_slot");
        append_int(out, *s.id_slot);
    }
    if (s.grammar) {
        append_key(out, "grammar");
        append_string(out, *s.grammar);
    }
    if (!s.banned_tokens.empty()) {
        // [id, false] means "never sample this id" in llama-server's logit_bias.
        append_key(out, "logit_bias");
        out += '[';
        for (std::size_t i = 0; i < s.banned_tokens.size(); ++i) {
            out += i ? ",[" : "[";
            append_int(out, s.banned_tokens[i]);
            out += ",false]";
        }
        out += ']';
    }
    if (!s.stop.empty()) {
        append_key(out, "stop");
        out += '[';
        for (std::size_t i = 0; i < s.stop.size(); ++i) {
            if (i) out += ',';
            append_string(out, s.stop[i]);
        }
        out += ']';
    }
    if (s.n_probs) {
        append_key(out, "n_probs");
        append_int(out, *s.n_probs);
    }
    if (s.trim_final_chunk) {
        append_key(out, "response_fields");
        out += '[';
        auto const& fields = final_chunk_fields();
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i) out += ',';
            append_string(out, fields[i]);
        }
        out += ']';
    }
    out += '}';
    return {boost::system::in_place_value, std::move(out)};
}

} // namespace hp::translate
