#include "tools/fake_llama/server.hpp"

#include "tools/fake_llama/routes.hpp"
#include "tools/fake_llama/server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/sinks/null_sink.h>

namespace hp::tools::fake_llama {
namespace detail {
namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::size_t body_limit = 64 * 1024 * 1024;

std::shared_ptr<spdlog::logger> or_null_logger(std::shared_ptr<spdlog::logger> l)
{
    if (l) return l;
    return std::make_shared<spdlog::logger>("fake-llama", std::make_shared<spdlog::sinks::null_sink_mt>());
}

} // namespace

server_state::server_state(net::any_io_executor ex, script s, translate::tokenizer const& tok,
                           server_options o, std::shared_ptr<spdlog::logger> l)
    : strand(net::make_strand(ex)), acceptor(strand), rules(std::move(s)), voc(tok), opts(std::move(o)),
      log(or_null_logger(std::move(l))), slots(opts.slots)
{
}

void server_state::annotate(std::size_t record, std::string const& rule, std::int64_t slot)
{
    std::lock_guard lock(recorded_mutex);
    if (record < recorded.size()) {
        recorded[record].rule = rule;
        recorded[record].slot = slot;
    }
}

net::awaitable<bool> write_response(server_state& st, beast::tcp_stream& stream, request_t const& req,
                                    http::status status, std::string body, std::string_view content_type)
{
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "llama.cpp");
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    stream.expires_after(st.opts.io_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
    co_return !ec;
}

net::awaitable<bool> write_error(server_state& st, beast::tcp_stream& stream, request_t const& req,
                                 http_error const& e)
{
    // llama-server: status = error.code, body = {"error": error}.
    auto body = boost::json::serialize(boost::json::object{{"error", e.error}});
    co_return co_await write_response(st, stream, req, static_cast<http::status>(e.status), std::move(body));
}

namespace {

template <class Result>
net::awaitable<bool> write_result(server_state& st, beast::tcp_stream& stream, request_t const& req,
                                  Result const& r)
{
    if (!r) co_return co_await write_error(st, stream, req, r.error());
    co_return co_await write_response(st, stream, req, http::status::ok, boost::json::serialize(*r));
}

std::size_t record(server_state& st, request_t const& req)
{
    recorded_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.raw_body = req.body();
    boost::system::error_code ec;
    if (!req.body().empty()) {
        auto v = boost::json::parse(req.body(), ec);
        if (!ec) r.body = std::move(v);
    }
    r.at = std::chrono::steady_clock::now();
    std::lock_guard lock(st.recorded_mutex);
    st.recorded.push_back(std::move(r));
    return st.recorded.size() - 1;
}

// Routes one request. Returns whether the connection may serve another one.
net::awaitable<bool> route(std::shared_ptr<server_state> st, beast::tcp_stream& stream,
                           net::steady_timer& timer, request_t const& req)
{
    auto const index = record(*st, req);
    st->log->debug("fake-llama: {} {} ({} bytes)", std::string(req.method_string()),
                   std::string(req.target()), req.body().size());

    // While loading, llama-server answers every route, /health included, with this 503.
    if (std::chrono::steady_clock::now() - st->started < st->opts.loading)
        co_return co_await write_error(*st, stream, req, loading_error()) && req.keep_alive();

    std::string_view target(req.target().data(), req.target().size());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    bool const get = req.method() == http::verb::get;
    bool const post = req.method() == http::verb::post;

    if (get && target == "/health")
        co_return co_await write_response(*st, stream, req, http::status::ok, R"({"status":"ok"})") &&
            req.keep_alive();
    if (get && target == "/props")
        co_return co_await write_response(*st, stream, req, http::status::ok,
                                          boost::json::serialize(props_json(st->opts))) &&
            req.keep_alive();

    if (post && (target == "/tokenize" || target == "/detokenize" || target == "/completion" ||
                 target == "/completions")) {
        boost::system::error_code ec;
        auto body = boost::json::parse(req.body(), ec);
        if (ec) {
            // llama-server lets nlohmann's parse exception reach its handler wrapper: a 500.
            auto e = make_http_error("fake-llama-server: request body is not JSON: " + ec.message(),
                                     "server_error");
            co_return co_await write_error(*st, stream, req, e) && req.keep_alive();
        }
        if (target == "/tokenize")
            co_return co_await write_result(*st, stream, req,
                                            tokenize_json(body, st->voc, st->opts.add_bos)) &&
                req.keep_alive();
        if (target == "/detokenize")
            co_return co_await write_result(*st, stream, req, detokenize_json(body, st->voc)) &&
                req.keep_alive();
        co_return co_await serve_completion(st, stream, timer, req, body, index) && req.keep_alive();
    }
    co_return co_await write_error(*st, stream, req, make_http_error("File Not Found", "not_found_error")) &&
        req.keep_alive();
}

net::awaitable<void> session(std::shared_ptr<server_state> st, net::ip::tcp::socket socket)
{
    beast::tcp_stream stream(std::move(socket));
    net::steady_timer timer(stream.get_executor());
    auto const id = st->next_connection++;
    st->connections.emplace(id, connection_handles{&stream, &timer});

    beast::flat_buffer buffer;
    while (!st->stopping) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        stream.expires_after(st->opts.io_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        if (ec || st->stopping) break;
        // Exceptions mean bugs: caught here once, logged, answered with a 500, never fatal.
        bool keep = false;
        std::string bug;
        try {
            keep = co_await route(st, stream, timer, parser.get());
        } catch (std::exception const& e) {
            bug = e.what();
        }
        if (!bug.empty()) {
            st->log->error("fake-llama: bug while answering {}: {}", std::string(parser.get().target()), bug);
            co_await write_error(*st, stream, parser.get(),
                                 make_http_error("fake-llama-server: " + bug, "server_error"));
        }
        if (!keep) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream.close();
    st->connections.erase(id);
}

net::awaitable<void> accept_loop(std::shared_ptr<server_state> st)
{
    while (!st->stopping) {
        // The acceptor lives on the server's strand, and so does every accepted socket: sessions,
        // script counters and the slot pool need no locks.
        auto [ec, socket] = co_await st->acceptor.async_accept(tuple_awaitable);
        if (ec || st->stopping) break;
        net::co_spawn(st->strand, session(st, std::move(socket)), net::detached);
    }
}

} // namespace
} // namespace detail

fake_llama_server::fake_llama_server(boost::asio::any_io_executor ex, script s,
                                     translate::tokenizer const& tok, server_options opts,
                                     std::shared_ptr<spdlog::logger> log)
    : state_(std::make_shared<detail::server_state>(ex, std::move(s), tok, std::move(opts), std::move(log)))
{
    namespace net = boost::asio;
    auto& st = *state_;
    net::ip::tcp::endpoint ep(net::ip::make_address(st.opts.address), st.opts.port);
    st.acceptor.open(ep.protocol());
    st.acceptor.set_option(net::socket_base::reuse_address(true));
    st.acceptor.bind(ep);
    st.acceptor.listen();
    port_ = st.acceptor.local_endpoint().port();
    st.log->info("fake-llama-server listening on {}:{} ({} rules from {})", st.opts.address, port_,
                 st.rules.rules.size(), st.rules.source);
    net::co_spawn(st.strand, detail::accept_loop(state_), net::detached);
}

fake_llama_server::~fake_llama_server()
{
    stop();
}

std::vector<recorded_request> fake_llama_server::requests() const
{
    std::lock_guard lock(state_->recorded_mutex);
    return state_->recorded;
}

void fake_llama_server::stop()
{
    boost::asio::dispatch(state_->strand, [st = state_] {
        if (st->stopping) return;
        st->stopping = true;
        boost::system::error_code ignored;
        st->acceptor.close(ignored);
        for (auto& [id, h] : st->connections) {
            h.timer->cancel();
            h.stream->socket().close(ignored);
        }
    });
}

fake_llama_thread::fake_llama_thread(script s, translate::tokenizer const& tok, server_options opts,
                                     std::shared_ptr<spdlog::logger> log)
    : server_(std::make_unique<fake_llama_server>(io_.get_executor(), std::move(s), tok, std::move(opts),
                                                  std::move(log))),
      thread_([this] { io_.run(); })
{
}

fake_llama_thread::~fake_llama_thread()
{
    stop();
    if (thread_.joinable()) thread_.join();
}

void fake_llama_thread::stop()
{
    server_->stop();
}

} // namespace hp::tools::fake_llama
