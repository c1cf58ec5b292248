#include "proxy/responses_service.hpp"

#include "capture/writer.hpp"
#include "proxy/cache_accounting.hpp"
#include "proxy/chunked_writer.hpp"
#include "proxy/client_watch.hpp"
#include "proxy/http_util.hpp"
#include "proxy/responses_internal.hpp"
#include "proxy/responses_stream.hpp"
#include "proxy/server.hpp"
#include "proxy/upstream_call.hpp"
#include "translate/completion_request.hpp"
#include "translate/exact_history.hpp"
#include "translate/golden_messages.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_sse.hpp"
#include "translate/tool_control.hpp"

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

#include <deque>

namespace hp::proxy {

namespace tr = hp::translate;
namespace json = boost::json;
using boost::system::error_code;
using namespace boost::asio::experimental::awaitable_operators;

namespace {


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

boost::system::result<responses_service::prepared, responses_service::prepare_error>
responses_service::prepare(tr::responses::request const& request, std::string const& session_key)
{
    prepared out;
    out.conversion.default_effort = options_.default_effort;
    out.conversion.conversation_date = sessions_.date_for(session_key, std::chrono::system_clock::now());
    out.conversion.custom_tools = options_.custom_tools;
    auto harmony = tr::responses::to_harmony(request, out.conversion);
    if (!harmony) {
        prepare_error e;
        e.failure.kind = tr::failure_kind::bad_request;
        e.failure.message = harmony.error().message;
        e.param = harmony.error().path;
        return e;
    }
    for (auto const& w : harmony->warnings) log_.debug("session {}: {}", session_key, w);
    out.harmony = std::move(*harmony);
    // The model's own messages as it sampled them: offered by the client (reasoning items'
    // encrypted_content) or kept for the conversation; each offer is checked against the message
    // (translate/exact_history.hpp).
    std::vector<tr::exact_segment> offered;
    std::deque<std::vector<tr::token_id>> held; // what the lookup hands out stays alive here
    tr::exact_lookup lookup;
    if (options_.exact_history) {
        for (auto const& item : request.input)
            if (auto const* reasoning = std::get_if<tr::responses::reasoning_item>(&item); reasoning && reasoning->encrypted_content)
                if (auto ids = tr::decode_exact_ids(*reasoning->encrypted_content))
                    if (auto segment = tr::segment_from_ids(tok_, *ids)) offered.push_back(std::move(*segment));
        lookup = [&](tr::message const& m) -> std::optional<std::span<tr::token_id const>> {
            for (auto const& s : offered)
                if (s.msg == m) return std::span<tr::token_id const>(s.ids);
            if (auto ids = sessions_.find_exact(session_key, m)) return std::span<tr::token_id const>(held.emplace_back(std::move(*ids)));
            return std::nullopt;
        };
    }
    auto prompt = tr::render_with_exact_history(tr::renderer(tok_), tok_, out.harmony.messages, lookup);
    if (!prompt) {
        prepare_error e;
        e.failure.message = prompt.error().message; // internal_error: a conversion the renderer refuses
        return e;
    }
    for (auto const& [index, ids] : prompt->used) out.exact_messages.emplace_back(index, std::vector<tr::token_id>(ids.begin(), ids.end()));
    if (prompt->rejected) log_.debug("session {}: {} offered exact ids did not match their message", session_key, prompt->rejected);
    out.prompt = std::move(prompt->prompt);
    return out;
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

    // A real request goes first: warm-ups in flight stop, and none starts while this one runs.
    ++active_;
    struct active_guard
    {
        std::atomic<int>& n;
        ~active_guard() { --n; }
    } const guard{active_};
    cancel_warmups();
    auto const expected = sessions_.expectation(session_key);

    auto ready = prepare(request, session_key);
    if (!ready) co_return co_await answer_error(ready.error().failure, ready.error().param);
    auto const& harmony = ready->harmony;
    auto const& prompt = ready->prompt;
    if (recorder.enabled()) {
        auto rec = recorder.make("harmony_prompt");
        json::array messages;
        for (auto const& m : harmony.messages) messages.push_back(tr::message_to_json(m));
        rec["messages"] = std::move(messages);
        rec["conversation_date"] = ready->conversion.conversation_date;
        rec["effort"] = std::string(tr::effort_name(harmony.effort));
        // The configuration the conversion used: offline replay re-converts with exactly these.
        rec["defaults"] = {{"effort", tr::effort_name(options_.default_effort)},
                           {"temperature", options_.temperature},
                           {"top_p", options_.top_p},
                           {"custom_tools", options_.custom_tools == tr::responses::custom_tool_style::json ? "json" : "raw"},
                           {"tool_control", options_.tool_control},
                           {"exact_history", options_.exact_history}};
        json::array ids;
        ids.reserve(prompt.tokens.size());
        for (auto id : prompt.tokens) ids.push_back(id);
        rec["tokens"] = std::move(ids);
        rec["text"] = prompt.text;
        // Messages rendered from the ids the model sampled (replay renders them from these).
        if (!ready->exact_messages.empty()) {
            json::array exact;
            for (auto const& [index, ids] : ready->exact_messages) {
                json::array a;
                for (auto id : ids) a.push_back(id);
                exact.push_back(json::object{{"message", index}, {"ids", std::move(a)}});
            }
            rec["exact"] = std::move(exact);
        }
        recorder.submit(std::move(rec));
    }

    auto const control = options_.tool_control ? tr::tool_control_for(harmony, options_.custom_tools) : tr::tool_control{};
    auto first = tr::responses::completion_settings_for(harmony, prompt.tokens, options_.temperature, options_.top_p);
    if (auto slot = sessions_.slot_for(session_key, options_.slots)) first.id_slot = *slot;
    tr::arm_tool_control(first, control);
    auto body = tr::completion_request_body(first);
    if (!body) co_return co_await answer_error({tr::failure_kind::bad_request, body.error().message});

    // One /completion request: recorded, sent, its head checked. nullopt when llama-server
    // answered 200 and the body is ready to read from `call`; else why not.
    std::optional<upstream_call> call;
    auto open_completion = [&](std::string request_body) -> net::awaitable<std::optional<tr::failure>> {
        auto up = detail::completion_post(pool.target(), std::move(request_body), recorder);
        call.emplace(pool, options.limits, hooks.upstream_slot);
        auto const start_error = co_await call->start(up);
        if (start_error) {
            call->close();
            auto kind = is_timeout(start_error) ? tr::failure_kind::upstream_timeout : tr::failure_kind::upstream_unreachable;
            co_return tr::failure{kind, "llama-server at " + pool.target().host_header() + ": " + start_error.message()};
        }
        if (recorder.enabled()) {
            auto rec = recorder.make(capture::kind::upstream_response_head);
            rec["status"] = call->head().result_int();
            rec["headers"] = capture::headers_to_json(capture_headers(call->head()));
            recorder.submit(std::move(rec));
        }
        if (call->head().result() == http::status::ok) co_return std::nullopt;
        std::string error_body;
        auto const status = call->head().result_int();
        auto const read_error = co_await call->read_all(error_body, detail::upstream_error_body_limit, options.limits.idle);
        if (read_error) call->close(); else call->finish();
        if (recorder.enabled()) {
            auto rec = recorder.make(capture::kind::upstream_chunk);
            capture::store_bytes(rec, "data", error_body);
            recorder.submit(std::move(rec));
        }
        co_return tr::classify_upstream_http_error(status, error_body);
    };

    auto const first_failure = co_await open_completion(std::move(*body));
    if (first_failure) co_return co_await answer_error(*first_failure);
    r.time_to_first_byte = std::chrono::steady_clock::now() - started;

    tr::response_builder_options bo;
    bo.response_id = random_response_id();
    bo.model = request.model.value_or("gpt-oss");
    bo.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    bo.tools = tr::resolver_for(harmony.tools);
    bo.ids = tr::random_id_generator();
    bo.custom_tools_json = options_.custom_tools == tr::responses::custom_tool_style::json;
    responses_stream* stream_ptr = nullptr; // set below; the hook runs only while it lives
    if (options_.exact_history && std::ranges::find(request.include, "reasoning.encrypted_content") != request.include.end())
        bo.reasoning_encrypted_content = tr::exact_reasoning_content(
            tok_, [&stream_ptr] { return std::span<tr::token_id const>(stream_ptr->generated()); });
    tr::pipeline_control pc;
    if (control.enabled()) pc.header_stop = std::string(tr::tool_header_stop);
    pc.n_predict = first.n_predict;
    responses_stream pipeline(tok_, std::move(bo), prompt.tokens.size(), recorder, std::move(pc));
    stream_ptr = &pipeline;

    std::vector<json::object> events;
    bool client_gone = false;
    bool client_done_early = false; // closed after the last event: complete, not reusable
    error_code client_error;
    bool const streaming = request.stream;
    chunked_writer writer{client, options.limits.client_write};

    if (streaming) {
        auto const hec = co_await write_sse_head(client, req.version(), keep_alive, options.limits.client_write);
        r.status = 200;
        if (hec) {
            call->close();
            r.end = outcome::client_gone;
            r.error = "writing the response head: " + hec.message();
            co_return r;
        }
        pipeline.begin(events);
        client_error = co_await writer.write(encode_events(events, recorder));
    }

    // The token loop of one /completion, raced against the client going away.
    auto pump = [&]() -> net::awaitable<void> {
        std::string data;
        std::chrono::milliseconds silence{0};
        while (!pipeline.finished() && !pipeline.pending_continuation() && !client_error) {
            data.clear();
            auto ec = co_await call->read_some(data, options_.keep_alive);
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
                else if (call->body_done()) pipeline.end_of_body(events);
            }
            if (streaming && !events.empty()) client_error = co_await writer.write(encode_events(events, recorder));
        }
    };
    auto watch = [&]() -> net::awaitable<void> {
        bool const gone = co_await watch_client(client, client_buffer);
        // A client that closes once it has the whole response (Codex does, on response.completed)
        // did not go away mid-response.
        if (gone && pipeline.finished()) {
            client_done_early = true;
            co_return;
        }
        if (gone) {
            client_gone = true;
            call->close(); // llama-server stops generating when its socket closes
        }
    };
    for (;;) {
        co_await (pump() || watch());
        if (client_gone || client_error || !pipeline.pending_continuation()) break;
        // The model reached the tool-call header (or "to=" elsewhere): continue on the same slot
        // from everything generated so far (tool_control.hpp).
        if (call->body_done()) call->finish(); else call->close();
        auto const plan = *pipeline.pending_continuation();
        auto& counter = plan.type == tr::continuation::kind::tool_call ? metrics_.tool_continuations : metrics_.resumes;
        counter.fetch_add(1, std::memory_order_relaxed);
        auto next = tr::continuation_settings(first, pipeline.generated(), control, plan);
        log_.debug("session {}: {} after {} tokens{}{}", recorder.session(), tr::to_string(plan.type), plan.generated,
                   plan.type == tr::continuation::kind::tool_call ? " (" + std::string(tr::to_string(plan.position)) +
                                                                        ", written '" + plan.written + "')"
                                                                  : std::string(),
                   next.unconstrained_because ? "; not constrained: " + *next.unconstrained_because : std::string());
        for (auto const& d : next.diagnostics) log_.debug("session {}: grammar: {}: {}", recorder.session(), d.where, d.message);
        auto next_body = tr::completion_request_body(next.settings);
        pipeline.resume();
        if (!next_body) {
            pipeline.fail({tr::failure_kind::internal_error, "continuing the generation: " + next_body.error().message}, events);
        } else {
            auto const failed = co_await open_completion(std::move(*next_body));
            if (failed) pipeline.fail(*failed, events);
        }
        if (streaming && !events.empty()) client_error = co_await writer.write(encode_events(events, recorder));
        if (pipeline.finished() || client_error) break;
    }

    if (pipeline.builder().finished() && call->body_done()) call->finish(); else call->close();
    r.prompt_tokens = prompt.tokens.size();
    r.output_tokens = pipeline.output_tokens();
    r.processed_tokens = pipeline.processed_tokens();
    r.completions = pipeline.completions();
    auto const final_response = pipeline.builder().response();
    if (auto const* usage = final_response.if_contains("usage"); usage && usage->is_object())
        if (auto const* details = usage->as_object().if_contains("input_tokens_details"); details && details->is_object())
            if (auto const* cached = details->as_object().if_contains("cached_tokens"); cached && cached->is_number())
                r.cached_tokens = cached->to_number<std::uint64_t>();
    for (auto const& w : pipeline.parse_warnings()) log_.debug("session {}: harmony parse: {}", recorder.session(), w);

    // Cache accounting, and what the slot holds for the next request (issue 8).
    if (r.completions > 0) {
        if (options_.exact_history) sessions_.add_exact(session_key, tr::segments_from_generation(tok_, pipeline.generated()));
        auto const report = account_cache(expected, prompt.tokens, r.cached_tokens);
        r.reprocessed_tokens = report.reprocessed;
        if (report.cause != reprocess_cause::none) r.reprocess_cause = std::string(to_string(report.cause));
        r.divergence_at = report.divergence_at;
        metrics_.responses.fetch_add(1, std::memory_order_relaxed);
        metrics_.completions.fetch_add(r.completions, std::memory_order_relaxed);
        metrics_.prompt_tokens.fetch_add(r.prompt_tokens, std::memory_order_relaxed);
        metrics_.cached_tokens.fetch_add(r.cached_tokens, std::memory_order_relaxed);
        metrics_.processed_tokens.fetch_add(r.processed_tokens, std::memory_order_relaxed);
        metrics_.output_tokens.fetch_add(r.output_tokens, std::memory_order_relaxed);
        metrics_.reprocessed_tokens[static_cast<int>(report.cause)].fetch_add(report.reprocessed,
                                                                             std::memory_order_relaxed);

        bool const final_answer = pipeline.builder().finished() && !pipeline.failure() &&
                                  pipeline.last_message_end() == tr::end_reason::return_;
        std::optional<std::vector<tr::token_id>> next_prefix;
        if (final_answer && options_.warm_cache && hooks.owner && !client_gone)
            next_prefix = next_turn_prefix(req.body(), final_response, session_key);
        if (next_prefix) {
            sessions_.expect(session_key, *next_prefix, /*warmed=*/true);
            warmup_job job{recorder.session(), session_key, std::move(*next_prefix), first.id_slot, recorder.exchange()};
            start_warmup(*hooks.owner, std::move(job), options.limits);
            r.warmup_started = true;
        } else {
            // The slot holds the prompt and what was generated but the last token (sampled, never
            // decoded).
            std::vector<tr::token_id> held = prompt.tokens;
            auto const& gen = pipeline.generated();
            if (!gen.empty()) held.insert(held.end(), gen.begin(), gen.end() - 1);
            sessions_.expect(session_key, std::move(held), /*warmed=*/false);
        }
    }

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

namespace detail {

http::request<http::string_body> completion_post(upstream_target const& target, std::string body,
                                                 exchange_recorder& recorder)
{
    http::request<http::string_body> up{http::verb::post, target.base_path + "/completion", 11};
    up.set(http::field::host, target.host_header());
    up.set(http::field::content_type, "application/json");
    up.set(http::field::accept, "text/event-stream");
    up.body() = std::move(body);
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
    return up;
}

} // namespace detail

} // namespace hp::proxy
