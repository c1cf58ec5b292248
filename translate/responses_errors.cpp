// translate/responses_errors.cpp: see responses_errors.hpp.
#include "translate/responses_errors.hpp"

#include <boost/json/parse.hpp>

namespace hp::translate {

namespace json = boost::json;

std::string_view to_string(failure_kind k) noexcept
{
    switch (k) {
    case failure_kind::context_length_exceeded:
        return "context_length_exceeded";
    case failure_kind::upstream_loading:
        return "upstream_loading";
    case failure_kind::invalid_prompt:
        return "invalid_prompt";
    case failure_kind::bad_request:
        return "bad_request";
    case failure_kind::upstream_rejected:
        return "upstream_rejected";
    case failure_kind::upstream_error:
        return "upstream_error";
    case failure_kind::upstream_unreachable:
        return "upstream_unreachable";
    case failure_kind::upstream_timeout:
        return "upstream_timeout";
    case failure_kind::internal_error:
        return "internal_error";
    }
    return "internal_error";
}

// The table. Codes are OpenAI's where one fits, so Codex's own handling applies: it knows
// context_length_exceeded and invalid_prompt (no retry) and retries server_error / 5xx.
failure_mapping mapping_of(failure_kind k) noexcept
{
    switch (k) {
    case failure_kind::context_length_exceeded:
        return {400, "invalid_request_error", "context_length_exceeded", std::nullopt};
    case failure_kind::upstream_loading:
        // Codex's idle loop would otherwise hammer a server that is still reading its weights.
        return {503, "server_error", "model_loading", 5};
    case failure_kind::invalid_prompt:
        return {400, "invalid_request_error", "invalid_prompt", std::nullopt};
    case failure_kind::bad_request:
        return {400, "invalid_request_error", "invalid_request", std::nullopt};
    case failure_kind::upstream_rejected:
        return {500, "server_error", "server_error", std::nullopt};
    case failure_kind::upstream_error:
        return {502, "server_error", "server_error", std::nullopt};
    case failure_kind::upstream_unreachable:
        return {502, "server_error", "server_error", std::nullopt};
    case failure_kind::upstream_timeout:
        return {504, "server_error", "server_error", std::nullopt};
    case failure_kind::internal_error:
        return {500, "server_error", "server_error", std::nullopt};
    }
    return {500, "server_error", "server_error", std::nullopt};
}

namespace {

std::string string_member(json::object const& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

// llama-server's error object ({"code":int,"message","type"}) plus the HTTP status it came with
// (0 inside a stream, where the object's own code stands in).
failure classify_error_object(json::object const& err, unsigned http_status)
{
    std::string const type = string_member(err, "type");
    std::string message = string_member(err, "message");
    unsigned status = http_status;
    if (status == 0) {
        if (auto const* c = err.if_contains("code"); c && c->is_int64() && c->get_int64() > 0 &&
                                                     c->get_int64() < 1000)
            status = static_cast<unsigned>(c->get_int64());
    }
    auto make = [&](failure_kind k) { return failure{k, message.empty() ? std::string(type) : message}; };

    if (type == "exceed_context_size_error") return make(failure_kind::context_length_exceeded);
    if (type == "unavailable_error" || status == 503) return make(failure_kind::upstream_loading);
    if (type == "invalid_request_error" || (status >= 400 && status < 500)) {
        // The proxy builds the prompt and the grammar, so a 400 is the proxy's or the model's
        // mismatch, not the client's mistake; only bad token ids get a code Codex will not retry.
        if (message.find("invalid tokens") != std::string::npos) return make(failure_kind::invalid_prompt);
        return make(failure_kind::upstream_rejected);
    }
    return make(failure_kind::upstream_error);
}

} // namespace

failure classify_upstream_http_error(unsigned http_status, std::string_view body)
{
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object()) {
        if (auto const* err = v.get_object().if_contains("error"); err && err->is_object())
            return classify_error_object(err->get_object(), http_status);
    }
    std::string message = "upstream answered HTTP " + std::to_string(http_status);
    if (http_status == 503) return {failure_kind::upstream_loading, std::move(message)};
    if (http_status >= 400 && http_status < 500) return {failure_kind::upstream_rejected, std::move(message)};
    return {failure_kind::upstream_error, std::move(message)};
}

failure classify_upstream_stream_error(json::value const& data)
{
    if (data.is_object()) {
        auto const& o = data.get_object();
        if (auto const* err = o.if_contains("error"); err && err->is_object())
            return classify_error_object(err->get_object(), 0);
        return classify_error_object(o, 0);
    }
    if (data.is_string()) return {failure_kind::upstream_error, std::string(data.get_string())};
    return {failure_kind::upstream_error, "upstream reported an error"};
}

http_error to_http_error(failure const& f)
{
    failure_mapping const m = mapping_of(f.kind);
    json::object err{{"message", f.message}, {"type", m.type}, {"param", nullptr}, {"code", m.code}};
    return http_error{m.http_status, m.retry_after_s, json::object{{"error", std::move(err)}}};
}

response_error to_response_error(failure const& f)
{
    return response_error{std::string(mapping_of(f.kind).code), f.message};
}

} // namespace hp::translate
