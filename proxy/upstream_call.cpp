#include "proxy/upstream_call.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace hp::proxy {

namespace {
using boost::system::error_code;
using namespace boost::asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t decode_chunk = 64 * 1024;

// A reused keep-alive connection the upstream closed while it sat idle fails like this before any
// response byte; the request was not processed, so it is safe to send again on a fresh connection.
bool is_stale_connection_error(error_code ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe;
}
} // namespace

bool is_timeout(error_code ec) { return ec == beast::error::timeout || ec == net::error::timed_out; }

upstream_call::upstream_call(upstream_pool& pool, timeouts const& limits, beast::tcp_stream** slot)
    : pool_(pool), limits_(limits), slot_(slot)
{
}

upstream_call::~upstream_call() { close(); }

net::awaitable<error_code> upstream_call::start(http::request<http::string_body> const& req, bool head_request)
{
    for (int attempt = 0;; ++attempt) {
        error_code ec;
        auto lease = co_await pool_.acquire(ec);
        if (ec) co_return ec;
        stream_.emplace(std::move(lease.stream));
        leased_ = true;
        if (slot_) *slot_ = &*stream_;
        stream_->expires_after(limits_.first_byte);
        auto [wec, wn] = co_await http::async_write(*stream_, req, tuple_awaitable);
        ec = wec;
        if (!ec) {
            parser_.emplace();
            parser_->body_limit(boost::none); // responses stream for as long as the model writes
            if (head_request) parser_->skip(true);
            buffer_.clear();
            auto [rec, rn] = co_await http::async_read_header(*stream_, buffer_, *parser_, tuple_awaitable);
            ec = rec;
        }
        if (!ec) {
            stream_->expires_never(); // from here on, read_some's own timers apply
            co_return ec;
        }
        close();
        if (!(lease.reused && attempt == 0 && is_stale_connection_error(ec))) co_return ec;
    }
}

std::size_t upstream_call::decode_buffered(std::string& out, error_code& ec)
{
    std::size_t total = 0;
    while (!parser_->is_done() && buffer_.size() > 0) {
        auto const old = out.size();
        out.resize(old + decode_chunk);
        parser_->get().body().data = out.data() + old;
        parser_->get().body().size = decode_chunk;
        error_code pec;
        auto used = parser_->put(buffer_.data(), pec);
        buffer_.consume(used);
        auto const got = decode_chunk - parser_->get().body().size;
        out.resize(old + got);
        total += got;
        if (pec == http::error::need_buffer) continue;
        if (pec == http::error::need_more) break;
        if (pec) {
            ec = pec;
            break;
        }
        if (used == 0) break;
    }
    return total;
}

net::awaitable<error_code> upstream_call::read_some(std::string& out, std::chrono::milliseconds wait)
{
    co_await net::this_coro::throw_if_cancelled(false);
    error_code ec;
    if (decode_buffered(out, ec) > 0 || ec || parser_->is_done()) co_return ec;
    // Bytes already waiting in the socket are taken without arming a timer and a parallel group:
    // while llama-server streams fast, that is most reads.
    if (auto ready = stream_->socket().available(ec); !ec && ready > 0) {
        auto n = stream_->socket().read_some(buffer_.prepare(std::min<std::size_t>(ready, decode_chunk)), ec);
        if (ec) co_return ec;
        buffer_.commit(n);
        if (decode_buffered(out, ec) > 0 || ec || parser_->is_done()) co_return ec;
    }
    ec = {};
    net::steady_timer timer(co_await net::this_coro::executor);
    auto const deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        timer.expires_at(deadline);
        auto space = buffer_.prepare(decode_chunk);
        auto result = co_await (stream_->socket().async_read_some(space, tuple_awaitable) ||
                                timer.async_wait(tuple_awaitable));
        if (result.index() == 1) co_return net::error::timed_out;
        auto [rec, n] = std::get<0>(result);
        if (rec == net::error::eof) {
            // A close-delimited body ends here; anything else ended too early.
            error_code eec;
            parser_->put_eof(eec);
            co_return eec;
        }
        if (rec) co_return rec;
        buffer_.commit(n);
        if (decode_buffered(out, ec) > 0 || ec || parser_->is_done()) co_return ec;
        if ((co_await net::this_coro::cancellation_state).cancelled() != net::cancellation_type::none)
            co_return net::error::operation_aborted;
    }
}

net::awaitable<error_code> upstream_call::read_all(std::string& out, std::size_t limit,
                                                   std::chrono::milliseconds idle)
{
    while (!parser_->is_done()) {
        auto ec = co_await read_some(out, idle);
        if (ec) co_return ec;
        if (out.size() > limit) co_return http::error::body_limit;
    }
    co_return error_code{};
}

void upstream_call::finish()
{
    if (!leased_) return;
    if (parser_ && parser_->is_done() && parser_->keep_alive() && buffer_.size() == 0) {
        leased_ = false;
        if (slot_) *slot_ = nullptr;
        pool_.give_back(std::move(*stream_));
        stream_.reset();
    } else {
        close();
    }
}

void upstream_call::close()
{
    if (slot_) *slot_ = nullptr;
    if (!leased_) return;
    leased_ = false;
    error_code ec;
    stream_->socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    pool_.discard(*stream_);
}

} // namespace hp::proxy
