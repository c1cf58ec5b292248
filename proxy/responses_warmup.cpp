// proxy/responses_warmup.cpp: the warm-up after a final answer (responses_service.hpp,
// warm_cache): the next turn's prefix, sent to the conversation's slot with n_predict 0 as a
// background task of the server, cancelled by any real request.
#include "proxy/responses_service.hpp"

#include "capture/writer.hpp"
#include "proxy/responses_internal.hpp"
#include "proxy/server.hpp"
#include "proxy/session_entry.hpp"
#include "proxy/upstream_call.hpp"
#include "translate/completion_request.hpp"
#include "translate/completion_stream.hpp"

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

namespace hp::proxy {

namespace tr = hp::translate;
namespace json = boost::json;

std::optional<std::vector<tr::token_id>> responses_service::next_turn_prefix(std::string_view request_body,
                                                                             json::object const& response,
                                                                             std::string const& session_key)
{
    // The next request is this one with the response's output items appended to `input` (Codex
    // sends the whole history back), then the user's next message.
    json::value body;
    try {
        body = json::parse(request_body);
    } catch (std::exception const&) {
        return std::nullopt;
    }
    auto* input = body.as_object().if_contains("input");
    auto const* output = response.if_contains("output");
    if (!input || !output || !output->is_array()) return std::nullopt;
    if (input->is_string()) // a string input is one user message
        *input = json::array{json::object{{"type", "message"}, {"role", "user"},
                                          {"content", json::array{json::object{{"type", "input_text"},
                                                                               {"text", input->as_string()}}}}}};
    if (!input->is_array()) return std::nullopt;
    for (auto const& item : output->as_array()) input->as_array().push_back(item);
    auto next = tr::responses::parse_request(body);
    if (!next) {
        log_.debug("session {}: no warm-up: the next request would not parse: {}", session_key, next.error().message);
        return std::nullopt;
    }
    auto ready = prepare(*next, session_key);
    if (!ready) {
        log_.debug("session {}: no warm-up: {}", session_key, ready.error().failure.message);
        return std::nullopt;
    }
    auto ids = std::move(ready->prompt.tokens);
    if (ids.size() < 3) return std::nullopt;
    ids.resize(ids.size() - 2); // the next prompt goes on with the user's message, not <|start|>assistant
    return ids;
}

void responses_service::cancel_warmups()
{
    std::lock_guard lock(warm_mutex_);
    for (auto& w : warmups_) {
        w.cancelled->store(true);
        w.cancel();
    }
    warmups_.clear();
}

void responses_service::start_warmup(server& owner, warmup_job job, timeouts limits)
{
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    auto entry = owner.spawn_background([this, &owner, job = std::move(job), limits,
                                         cancelled](beast::tcp_stream** upstream_slot) mutable {
        return run_warmup(owner, std::move(job), limits, upstream_slot, cancelled);
    });
    if (!entry) return; // shutting down
    std::lock_guard lock(warm_mutex_);
    std::erase_if(warmups_, [](warmup_handle const& w) { return w.cancelled->load(); });
    warmups_.push_back({[entry] { server::cancel_background(entry); }, cancelled});
    // A real request that started before the registration stops it too (the one that calls
    // this is still counted).
    if (active_.load() > 1) {
        cancelled->store(true);
        server::cancel_background(entry);
    }
}

net::awaitable<void> responses_service::run_warmup(server& owner, warmup_job job, timeouts limits,
                                                   beast::tcp_stream** upstream_slot,
                                                   std::shared_ptr<std::atomic<bool>> cancelled)
{
    auto const started = std::chrono::steady_clock::now();
    exchange_recorder recorder(owner.capture(), job.session, owner.next_exchange_id());
    metrics_.warmups_started.fetch_add(1, std::memory_order_relaxed);

    tr::completion_settings settings;
    settings.prompt = job.prompt;
    settings.n_predict = 0; // prompt processing only (llama-server still samples one token)
    settings.temperature = options_.temperature;
    settings.top_p = options_.top_p;
    if (job.slot) settings.id_slot = *job.slot;
    settings.trim_final_chunk = true;
    auto body = tr::completion_request_body(settings);
    std::string outcome = "failed";
    std::string error;
    std::int64_t prompt_n = 0, cache_n = 0;
    if (recorder.enabled()) {
        auto rec = recorder.make("warmup");
        rec["after_exchange"] = job.after_exchange;
        rec["prompt_tokens"] = job.prompt.size();
        if (job.slot) rec["id_slot"] = *job.slot;
        recorder.submit(std::move(rec));
    }
    if (body && !cancelled->load()) {
        auto up = detail::completion_post(owner.pool().target(), std::move(*body), recorder);
        upstream_call call(owner.pool(), limits, upstream_slot);
        auto ec = co_await call.start(up);
        std::string data;
        if (!ec && call.head().result() != http::status::ok) ec = net::error::connection_refused;
        if (!ec) ec = co_await call.read_all(data, detail::upstream_error_body_limit, limits.idle);
        if (ec) {
            call.close();
            error = ec.message();
            // Only a cancellation (a real request, shutdown) closes a warm-up's connection.
            if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) cancelled->store(true);
        } else {
            call.finish();
            tr::completion_stream stream(tok_);
            std::vector<tr::completion_event> events;
            stream.feed(data, events);
            stream.finish(events);
            for (auto const& ev : events)
                if (auto const* fin = std::get_if<tr::final_chunk>(&ev)) {
                    outcome = "completed";
                    prompt_n = fin->timings.prompt_n;
                    cache_n = fin->timings.cache_n;
                }
            if (outcome != "completed") error = "no final chunk in llama-server's answer";
        }
    }
    if (cancelled->load()) outcome = "cancelled";
    else if (!body) error = body.error().message;

    auto const state = outcome == "completed" ? warm_state::completed
                       : outcome == "cancelled" ? warm_state::cancelled
                                                : warm_state::failed;
    sessions_.set_warm_state(job.key, state);
    auto& counter = state == warm_state::completed   ? metrics_.warmups_completed
                    : state == warm_state::cancelled ? metrics_.warmups_cancelled
                                                     : metrics_.warmups_failed;
    counter.fetch_add(1, std::memory_order_relaxed);
    metrics_.warmup_processed_tokens.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, prompt_n)),
                                               std::memory_order_relaxed);
    auto const us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (recorder.enabled()) {
        auto rec = recorder.make("warmup_end");
        rec["outcome"] = outcome;
        if (!error.empty()) rec["error"] = error;
        rec["cache_n"] = cache_n;
        rec["prompt_n"] = prompt_n;
        rec["duration_us"] = us.count();
        recorder.submit(std::move(rec));
    }
    log_.info("warm-up session={} slot={} prompt={} processed={} -> {} in {:.1f}ms{}", job.session,
              job.slot ? std::to_string(*job.slot) : std::string("any"), job.prompt.size(), prompt_n, outcome,
              us.count() / 1000.0, error.empty() ? "" : " (" + error + ")");
}

} // namespace hp::proxy
