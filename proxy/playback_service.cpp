#include "proxy/playback_service.hpp"

#include "proxy/chunked_writer.hpp"
#include "translate/responses_sse.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

namespace hp::proxy {

namespace json = boost::json;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

net::awaitable<relay_result> playback_service::handle(boost::beast::tcp_stream& client,
                                                      http::request<http::string_body> const& req,
                                                      server_options const& options, exchange_recorder& recorder)
{
    relay_result r;
    bool const keep_alive = req.keep_alive();
    auto const matched = script_.match(recorder.session(), req.body());
    if (auto const* mismatch = std::get_if<replay::playback_mismatch>(&matched)) {
        http::response<http::string_body> res{http::status::not_found, req.version()};
        res.set(http::field::content_type, "application/json");
        res.body() = json::serialize(json::object{
            {"error", json::object{{"type", "not_found_error"}, {"code", "no_recorded_request"}, {"message", mismatch->message}}}});
        res.keep_alive(keep_alive);
        res.prepare_payload();
        r.status = 404;
        r.end = outcome::rejected;
        r.error = mismatch->message;
        r.bytes_down = res.body().size();
        r.client_keep_alive = co_await write_own_response(client, res, recorder, options.limits.client_write) && keep_alive;
        co_return r;
    }
    auto const& answer = *std::get<replay::recorded_answer const*>(matched);
    if (!answer.stream) {
        http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
        res.set(http::field::content_type, "application/json");
        res.body() = answer.body;
        res.keep_alive(keep_alive);
        res.prepare_payload();
        r.status = answer.status;
        r.bytes_down = res.body().size();
        r.client_keep_alive = co_await write_own_response(client, res, recorder, options.limits.client_write) && keep_alive;
        co_return r;
    }

    auto const hec = co_await write_sse_head(client, req.version(), keep_alive, options.limits.client_write);
    r.status = 200;
    if (hec) {
        r.end = outcome::client_gone;
        r.error = "writing the response head: " + hec.message();
        co_return r;
    }
    chunked_writer writer{client, options.limits.client_write};
    net::steady_timer timer(client.get_executor());
    auto const started = std::chrono::steady_clock::now();
    for (auto const& [offset_ns, event] : answer.events) {
        if (speed_ > 0) {
            timer.expires_at(started + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns / speed_)));
            co_await timer.async_wait(tuple_awaitable);
        }
        std::string sse;
        translate::encode_sse(event, sse);
        if (recorder.enabled()) {
            auto rec = recorder.make("client_event");
            rec["event"] = event;
            recorder.submit(std::move(rec));
        }
        if (auto ec = co_await writer.write(sse)) {
            r.end = outcome::client_gone;
            r.error = "client: " + ec.message();
            r.bytes_down = writer.bytes;
            co_return r;
        }
    }
    auto const ec = co_await writer.finish();
    r.bytes_down = writer.bytes;
    r.client_keep_alive = !ec && keep_alive;
    co_return r;
}

} // namespace hp::proxy
