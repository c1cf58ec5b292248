#include "proxy/responses_service.hpp"

#include "capture/writer.hpp"
#include "proxy/chunked_writer.hpp"
#include "proxy/client_watch.hpp"
#include "proxy/http_util.hpp"
#include "proxy/responses_stream.hpp"
#include "proxy/upstream_call.hpp"
#include "translate/completion_request.hpp"
#include "translate/golden_messages.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_sse.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace hp::proxy {

namespace tr = hp::translate;
namespace json = boost::json;
using boost::system::error_code;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t upstream_error_body_limit = 1 << 20;

std::string random_response_id()
{
    auto ids = tr::random_id_generator();
    return ids("resp");
}

// Records the Responses events sent to the client (one record per event) and encodes them as SSE.
std::string encode_events(std::vector<json::object>& events, exchange_recorder& recorder)
{
    std::string out;
    for (auto& ev : events) {
        tr::encode_sse(ev, out);
        if (recorder.enabled()) {
            auto r = recorder.make("client_event");
            r["event"] = std::move(ev);
            recorder.submit(std::move(r));
        }
    }
    events.clear();
    return out;
}

} // namespace

responses_service::responses_service(tr::tokenizer const& tok, responses_options options, spdlog::logger& log)
    : tok_(tok), options_(options), log_(log), sessions_(options.max_sessions)
{
}

bool responses_service::handles(std::string_view method, std::string_view target)
{
    auto path = target.substr(0, target.find('?'));
    return method == "POST" && (path == "/v1/responses" || path == "/responses");
}

void responses_service::note_skipped_tools(std::vector<std::string> const& types)
{
    std::lock_guard lock(logged_mutex_);
    for (auto const& t : types)
        if (logged_skipped_.insert(t).second)
            log_.info("tool type '{}' is hosted by OpenAI and cannot run on a local model: left out", t);
}

net::awaitable<relay_result> responses_service::handle(beast::tcp_stream& client, beast::flat_buffer& client_buffer,
                                                       http::request<http::string_body> const& req,
                                                       upstream_pool& pool, server_options const& options,
                                                       exchange_recorder& recorder, relay_hooks hooks)
{
    relay_result r;
    auto const started = std::chrono::steady_clock::now();
    bool const keep_alive = req.keep_alive() && !hooks.is_stopping();

    // Answers before any byte of a stream went out: an HTTP error in Codex's language.
    auto answer_error = [&](tr::failure f, std::string param = {}) -> net::awaitable<relay_result> {
        auto e = tr::to_http_error(f);
        if (!param.empty()) e.body["error"].as_object()["param"] = param;
        http::response<http::string_body> res{static_cast<http::status>(e.status), req.version()};
        res.set(http::field::content_type, "application/json");
        if (e.retry_after_s) res.set(http::field::retry_after, std::to_string(*e.retry_after_s));
        res.body() = json::serialize(e.body);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        r.status = res.result_int();
        r.end = e.status >= 500 ? outcome::upstream_failed : outcome::rejected;
        r.error = f.message;
        r.bytes_down = res.body().size();
        r.client_keep_alive =
            co_await write_own_response(client, res, recorder, options.limits.client_write) && keep_alive;
        co_return r;
    };

    auto parsed = tr::responses::parse_request(req.body());
    if (!parsed) co_return co_await answer_error({tr::failure_kind::bad_request, parsed.error().message}, parsed.error().path);
    auto& request = *parsed;
    if (request.previous_response_id)
        co_return co_await answer_error({tr::failure_kind::bad_request,
                                         "previous_response_id is not supported: this proxy stores nothing; "
                                         "send the whole conversation in `input` (store: false)"},
                                        "previous_response_id");
    note_skipped_tools(request.skipped_tools);

    std::string session_key = request.prompt_cache_key.value_or("");
    if (session_key.empty())
        if (auto it = req.find("session-id"); it != req.end()) session_key = std::string(it->value());
    tr::responses::conversion_options conversion;
    conversion.default_effort = options_.default_effort;
    conversion.conversation_date = sessions_.date_for(session_key, std::chrono::system_clock::now());
    conversion.custom_tools = options_.custom_tools;
    auto harmony = tr::responses::to_harmony(request, conversion);
    if (!harmony) co_return co_await answer_error({tr::failure_kind::bad_request, harmony.error().message}, harmony.error().path);
    for (auto const& w : harmony->warnings) log_.debug("session {}: {}", recorder.session(), w);

    tr::renderer renderer(tok_);
    auto prompt = renderer.render_conversation_for_completion(harmony->messages, tr::role::assistant, harmony->render);
    if (!prompt) co_return co_await answer_error({tr::failure_kind::internal_error, prompt.error().message});
    if (recorder.enabled()) {
        auto rec = recorder.make("harmony_prompt");
        json::array messages;
        for (auto const& m : harmony->messages) messages.push_back(tr::message_to_json(m));
        rec["messages"] = std::move(messages);
        rec["conversation_date"] = conversion.conversation_date;
        rec["effort"] = std::string(tr::effort_name(harmony->effort));
        // The configuration the conversion used: offline replay re-converts with exactly these.
        rec["defaults"] = {{"effort", tr::effort_name(options_.default_effort)},
                           {"temperature", options_.temperature},
                           {"top_p", options_.top_p},
                           {"custom_tools", options_.custom_tools == tr::responses::custom_tool_style::json ? "json" : "raw"}};
        json::array ids;
        ids.reserve(prompt->tokens.size());
        for (auto id : prompt->tokens) ids.push_back(id);
        rec["tokens"] = std::move(ids);
        rec["text"] = prompt->text;
        recorder.submit(std::move(rec));
    }

    auto settings = tr::responses::completion_settings_for(*harmony, prompt->tokens, options_.temperature, options_.top_p);
    if (auto slot = sessions_.slot_for(session_key, options_.slots)) settings.id_slot = *slot;
    auto body = tr::completion_request_body(settings);
    if (!body) co_return co_await answer_error({tr::failure_kind::bad_request, body.error().message});

    http::request<http::string_body> up{http::verb::post, pool.target().base_path + "/completion", 11};
    up.set(http::field::host, pool.target().host_header());
    up.set(http::field::content_type, "application/json");
    up.set(http::field::accept, "text/event-stream");
    up.body() = std::move(*body);
    up.keep_alive(true);
    up.prepare_payload();
    if (recorder.enabled()) {
        auto rec = recorder.make(capture::kind::upstream_request);
        rec["method"] = "POST";
        rec["target"] = up.target();
        rec["headers"] = capture::headers_to_json(capture_headers(up));
        capture::store_bytes(rec, "body", up.body());
        recorder.submit(std::move(rec));
    }

    upstream_call call(pool, options.limits, hooks.upstream_slot);
    auto const start_error = co_await call.start(up);
    if (start_error) {
        call.close();
        auto kind = is_timeout(start_error) ? tr::failure_kind::upstream_timeout : tr::failure_kind::upstream_unreachable;
        co_return co_await answer_error({kind, "llama-server at " + pool.target().host_header() + ": " + start_error.message()});
    }
    r.time_to_first_byte = std::chrono::steady_clock::now() - started;
    if (recorder.enabled()) {
        auto rec = recorder.make(capture::kind::upstream_response_head);
        rec["status"] = call.head().result_int();
        rec["headers"] = capture::headers_to_json(capture_headers(call.head()));
        recorder.submit(std::move(rec));
    }
    if (call.head().result() != http::status::ok) {
        std::string error_body;
        auto const status = call.head().result_int();
        auto read_error = co_await call.read_all(error_body, upstream_error_body_limit, options.limits.idle);
        if (read_error) call.close(); else call.finish();
        if (recorder.enabled()) {
            auto rec = recorder.make(capture::kind::upstream_chunk);
            capture::store_bytes(rec, "data", error_body);
            recorder.submit(std::move(rec));
        }
        co_return co_await answer_error(tr::classify_upstream_http_error(status, error_body));
    }

    tr::response_builder_options bo;
    bo.response_id = random_response_id();
    bo.model = request.model.value_or("gpt-oss");
    bo.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    bo.tools = tr::resolver_for(harmony->tools);
    bo.ids = tr::random_id_generator();
    bo.custom_tools_json = options_.custom_tools == tr::responses::custom_tool_style::json;
    responses_stream pipeline(tok_, std::move(bo), prompt->tokens.size(), recorder);

    std::vector<json::object> events;
    bool client_gone = false;
    error_code client_error;
    bool const streaming = request.stream;
    chunked_writer writer{client, options.limits.client_write};

    if (streaming) {
        http::response<http::empty_body> head{http::status::ok, req.version()};
        head.set(http::field::content_type, "text/event-stream");
        head.set(http::field::cache_control, "no-cache");
        head.chunked(true);
        head.keep_alive(keep_alive);
        http::response_serializer<http::empty_body> serializer{head};
        client.expires_after(options.limits.client_write);
        auto [hec, hn] = co_await http::async_write_header(client, serializer, tuple_awaitable);
        r.status = 200;
        if (hec) {
            call.close();
            r.end = outcome::client_gone;
            r.error = "writing the response head: " + hec.message();
            co_return r;
        }
        pipeline.begin(events);
        client_error = co_await writer.write(encode_events(events, recorder));
    }

    // The token loop, raced against the client going away.
    auto pump = [&]() -> net::awaitable<void> {
        std::string data;
        std::chrono::milliseconds silence{0};
        while (!pipeline.finished() && !client_error) {
            data.clear();
            auto ec = co_await call.read_some(data, options_.keep_alive);
            if (ec == net::error::timed_out) {
                silence += options_.keep_alive;
                if (silence >= options.limits.idle)
                    pipeline.fail({tr::failure_kind::upstream_timeout, "llama-server sent nothing for " +
                                                                           std::to_string(silence.count() / 1000) + " s"},
                                  events);
                else if (streaming)
                    client_error = co_await writer.write(tr::encode_sse_comment("keep-alive"));
            } else {
                silence = std::chrono::milliseconds{0};
                if (!data.empty()) pipeline.feed(data, events);
                if (ec) pipeline.fail({tr::failure_kind::upstream_unreachable, "llama-server connection: " + ec.message()}, events);
                else if (call.body_done()) pipeline.end_of_body(events);
            }
            if (streaming && !events.empty()) client_error = co_await writer.write(encode_events(events, recorder));
        }
    };
    auto watch = [&]() -> net::awaitable<void> {
        bool const gone = co_await watch_client(client, client_buffer);
        if (gone) {
            client_gone = true;
            call.close(); // llama-server stops generating when its socket closes
        }
    };
    co_await (pump() || watch());

    if (pipeline.builder().finished() && call.body_done()) call.finish(); else call.close();
    r.prompt_tokens = prompt->tokens.size();
    r.output_tokens = pipeline.output_tokens();
    auto const final_response = pipeline.builder().response();
    if (auto const* usage = final_response.if_contains("usage"); usage && usage->is_object())
        if (auto const* details = usage->as_object().if_contains("input_tokens_details"); details && details->is_object())
            if (auto const* cached = details->as_object().if_contains("cached_tokens"); cached && cached->is_number())
                r.cached_tokens = cached->to_number<std::uint64_t>();
    for (auto const& w : pipeline.parse_warnings()) log_.debug("session {}: harmony parse: {}", recorder.session(), w);

    if (client_gone || client_error) {
        r.end = outcome::client_gone;
        r.error = client_gone ? "client closed the connection mid-response" : "client: " + client_error.message();
        r.client_keep_alive = false;
        r.bytes_down = writer.bytes;
        co_return r;
    }
    if (!streaming) {
        if (pipeline.failure()) co_return co_await answer_error(*pipeline.failure());
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::content_type, "application/json");
        res.body() = json::serialize(pipeline.builder().response());
        res.keep_alive(keep_alive);
        res.prepare_payload();
        r.status = 200;
        r.bytes_down = res.body().size();
        r.client_keep_alive = co_await write_own_response(client, res, recorder, options.limits.client_write) && keep_alive;
        r.end = outcome::complete;
        co_return r;
    }
    client_error = co_await writer.finish();
    r.bytes_down = writer.bytes;
    r.client_keep_alive = !client_error && keep_alive;
    r.end = pipeline.failure() ? outcome::upstream_failed : outcome::complete;
    if (pipeline.failure()) r.error = pipeline.failure()->message;
    co_return r;
}

} // namespace hp::proxy
