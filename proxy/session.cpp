// The per-connection coroutine: reads requests, answers what the proxy answers itself, relays the
// rest, records each exchange and logs one summary line per exchange.
#include "proxy/server.hpp"

#include "capture/writer.hpp"
#include "proxy/http_util.hpp"
#include "proxy/playback_service.hpp"
#include "proxy/relay.hpp"
#include "proxy/responses_service.hpp"
#include "proxy/session_entry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

namespace hp::proxy {

namespace {

using boost::system::error_code;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t header_limit = 64 * 1024;

// Prompt tokens llama-server processed for the exchange: what its requests reported, or, when no
// request reached its final chunk, the part of the prompt the cache did not cover.
std::uint64_t processed_tokens(relay_result const& r)
{
    if (r.completions) return r.processed_tokens;
    return r.prompt_tokens - std::min(r.prompt_tokens, r.cached_tokens);
}

// The capture session: the client's session-id header, else prompt_cache_key from a JSON body
// (Codex sends its thread id there), else one per connection. Always sanitized for the file system.
std::string session_key(http::request<http::string_body> const& req, std::uint64_t connection)
{
    if (auto it = req.find("session-id"); it != req.end() && !it->value().empty())
        return capture::sanitize_session(it->value());
    auto const& body = req.body();
    if (body.find("\"prompt_cache_key\"") != std::string::npos) {
        error_code ec;
        auto v = boost::json::parse(body, ec);
        if (!ec && v.is_object())
            if (auto const* key = v.get_object().if_contains("prompt_cache_key"); key && key->is_string() &&
                                                                                 !key->get_string().empty())
                return capture::sanitize_session(key->get_string());
    }
    return "conn-" + std::to_string(connection);
}

std::string iso8601_now()
{
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::floor<std::chrono::seconds>(now);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
    std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
    return out;
}

std::int64_t micros(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

} // namespace

net::awaitable<void> server::run_session(net::ip::tcp::socket socket, std::shared_ptr<session_entry> entry)
{
    beast::tcp_stream client(std::move(socket));
    beast::flat_buffer buffer;
    entry->client = &client;
    struct detach_guard
    {
        session_entry& e;
        ~detach_guard() { e.client = nullptr, e.upstream = nullptr; }
    } guard{*entry};

    for (;;) {
        if (stopping_) break;
        entry->busy = false;
        http::request_parser<http::string_body> parser;
        parser.header_limit(header_limit);
        parser.body_limit(options_.body_limit);
        client.expires_after(options_.limits.client_header);
        auto [hec, hn] = co_await http::async_read_header(client, buffer, parser, tuple_awaitable);
        if (hec) {
            // A client closing between requests, or idling past the keep-alive timeout, is normal.
            if (hec != http::error::end_of_stream && hec != beast::error::timeout &&
                hec != net::error::operation_aborted && hec != net::error::connection_reset)
                log_.debug("connection {}: reading a request head: {}", entry->id, hec.message());
            if (hec == http::error::end_of_stream || hec == net::error::eof || hec == beast::error::timeout ||
                hec == net::error::operation_aborted || hec == net::error::connection_reset ||
                hec == net::error::bad_descriptor)
                break;
        }
        entry->busy = true;
        auto const started = std::chrono::steady_clock::now();
        auto const wall = iso8601_now();
        auto const exchange_id = ++next_exchange_;

        std::optional<proxy_error> rejection;
        std::string rejection_message;
        if (!hec) {
            if (auto len = parser.content_length(); len && *len > options_.body_limit) {
                rejection = proxy_error::payload_too_large;
            } else {
                client.expires_after(options_.limits.client_body);
                auto [bec, bn] = co_await http::async_read(client, buffer, parser, tuple_awaitable);
                hec = bec;
            }
        }
        if (hec == http::error::body_limit) rejection = proxy_error::payload_too_large;
        else if (hec == http::error::header_limit) rejection = proxy_error::bad_request;
        else if (hec && !rejection) {
            if (hec.category() != make_error_code(http::error::end_of_stream).category()) {
                log_.debug("connection {}: reading a request: {}", entry->id, hec.message());
                break; // the connection broke mid-request: nobody to answer
            }
            rejection = proxy_error::bad_request;
            rejection_message = "malformed HTTP request: " + hec.message();
        }
        if (rejection == proxy_error::payload_too_large)
            rejection_message = "request body exceeds the limit of " + std::to_string(options_.body_limit) + " bytes";

        auto& req = parser.get();
        exchange_recorder recorder(capture_, rejection ? "conn-" + std::to_string(entry->id) : session_key(req, entry->id),
                                   exchange_id);
        if (recorder.enabled()) {
            auto rec = recorder.make(capture::kind::client_request);
            rec["wall"] = wall;
            rec["connection"] = entry->id;
            rec["method"] = req.method_string();
            rec["target"] = req.target();
            rec["version"] = req.version();
            rec["headers"] = capture::headers_to_json(capture_headers(req));
            if (!rejection) capture::store_bytes(rec, "body", req.body());
            recorder.submit(std::move(rec));
        }

        relay_result result;
        try {
            if (rejection) {
                // The rest of a rejected request is unread: the connection cannot be reused.
                auto res = make_error_response(*rejection, rejection_message, req.version() ? req.version() : 11,
                                               false);
                result.end = outcome::rejected;
                result.status = res.result_int();
                result.error = rejection_message;
                result.bytes_down = res.body().size();
                co_await write_own_response(client, res, recorder, options_.limits.client_write);
            } else {
                relay_hooks hooks{&entry->upstream, &stopping_, this};
                if (responses_ && req.method() == http::verb::get && req.target() == "/metrics") {
                    // The proxy's own counters (Prometheus text). llama-server's own /metrics is
                    // read from llama-server directly.
                    http::response<http::string_body> res{http::status::ok, req.version()};
                    res.set(http::field::content_type, "text/plain; version=0.0.4");
                    res.body() = responses_->metrics().render();
                    res.keep_alive(req.keep_alive() && !stopping_);
                    res.prepare_payload();
                    result.status = 200;
                    result.bytes_down = res.body().size();
                    result.client_keep_alive =
                        co_await write_own_response(client, res, recorder, options_.limits.client_write) && res.keep_alive();
                } else if (playback_ && responses_service::handles(req.method_string(), req.target())) {
                    result = co_await playback_->handle(client, req, options_, recorder);
                } else if (responses_ && responses_service::handles(req.method_string(), req.target()))
                    result = co_await responses_->handle(client, buffer, req, pool_, options_, recorder, hooks);
                else
                    result = co_await relay_request(client, buffer, req, pool_, options_, recorder, hooks);
            }
        } catch (std::exception const& e) {
            // A bug, not a network outcome: answer 500 if nothing was sent yet, log, end the connection.
            log_.error("connection {}: {} {}: unexpected exception: {}", entry->id, req.method_string(),
                       req.target(), e.what());
            result.end = outcome::upstream_failed;
            result.error = e.what();
            result.client_keep_alive = false;
        }
        ++exchanges_;

        auto const duration = std::chrono::steady_clock::now() - started;
        if (recorder.enabled()) {
            auto rec = recorder.make(capture::kind::exchange_end);
            rec["status"] = result.status;
            rec["outcome"] = to_string(result.end);
            if (!result.error.empty()) rec["error"] = result.error;
            rec["bytes_up"] = req.body().size();
            rec["bytes_down"] = result.bytes_down;
            rec["ttfb_us"] = micros(result.time_to_first_byte);
            rec["duration_us"] = micros(duration);
            if (result.prompt_tokens) {
                rec["prompt_tokens"] = result.prompt_tokens;
                rec["cached_tokens"] = result.cached_tokens;
                rec["processed_tokens"] = processed_tokens(result);
                rec["output_tokens"] = result.output_tokens;
                rec["completions"] = result.completions;
                rec["reprocessed_tokens"] = result.reprocessed_tokens;
                if (!result.reprocess_cause.empty()) rec["reprocess_cause"] = result.reprocess_cause;
                if (result.divergence_at) rec["divergence_at"] = *result.divergence_at;
                if (result.warmup_started) rec["warmup"] = true;
            }
            recorder.submit(std::move(rec));
        }
        std::string tokens;
        if (result.prompt_tokens)
            tokens = fmt::format(" prompt={} cached={} processed={} output={} completions={}{}{}", result.prompt_tokens,
                                 result.cached_tokens, processed_tokens(result), result.output_tokens,
                                 result.completions,
                                 result.reprocessed_tokens
                                     ? fmt::format(" reprocessed={} ({}{})", result.reprocessed_tokens,
                                                   result.reprocess_cause,
                                                   result.divergence_at ? fmt::format(" at {}", *result.divergence_at) : "")
                                     : std::string(),
                                 result.warmup_started ? " warm-up" : "");
        log_.info("{} {} -> {} {} up={}B down={}B ttfb={:.1f}ms total={:.1f}ms{} session={}", req.method_string(),
                  req.target(), result.status, to_string(result.end), req.body().size(), result.bytes_down,
                  micros(result.time_to_first_byte) / 1000.0, micros(duration) / 1000.0, tokens, recorder.session());
        if (!result.client_keep_alive || rejection) break;
    }
    error_code ec;
    client.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    client.close();
}

} // namespace hp::proxy
