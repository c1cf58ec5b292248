// The /completion exchange: checks in llama-server's order, then the scripted token stream with
// its delays, pings and faults.
//
// Order of llama-server's checks (server-context.cpp), all answered as HTTP errors because no
// stream has started yet: request fields, invalid token ids, sampler (grammar) initialisation,
// context size. Only then does a streaming response send its 200 headers.
#include "tools/fake_llama/constrained.hpp"
#include "tools/fake_llama/routes.hpp"
#include "tools/fake_llama/server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

namespace hp::tools::fake_llama::detail {
namespace {

namespace json = boost::json;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

// The exchange in progress: the connection, and whether the SSE headers are out.
struct exchange
{
    server_state& st;
    beast::tcp_stream& stream;
    net::steady_timer& timer;
    request_t const& req;
    bool sse = false;

    net::awaitable<bool> write_chunk(std::string const& data)
    {
        stream.expires_after(st.opts.io_timeout);
        auto [ec, n] =
            co_await net::async_write(stream, http::make_chunk(net::buffer(data)), tuple_awaitable);
        co_return !ec && !st.stopping;
    }

    net::awaitable<bool> write_event(json::object const& o)
    {
        co_return co_await write_chunk("data: " + json::serialize(o) + "\n\n");
    }

    net::awaitable<bool> start_sse()
    {
        http::response<http::empty_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "llama.cpp");
        res.set(http::field::content_type, "text/event-stream");
        res.keep_alive(req.keep_alive());
        res.chunked(true);
        http::response_serializer<http::empty_body> sr{res};
        stream.expires_after(st.opts.io_timeout);
        auto [ec, n] = co_await http::async_write_header(stream, sr, tuple_awaitable);
        sse = !ec;
        co_return sse && !st.stopping;
    }

    net::awaitable<bool> end_sse()
    {
        stream.expires_after(st.opts.io_timeout);
        auto [ec, n] = co_await net::async_write(stream, http::make_chunk_last(), tuple_awaitable);
        co_return !ec;
    }

    // Waits `d`. Once the SSE headers are out and `ping` is set, every `ping` of silence sends an
    // SSE comment ":\n\n" as llama-server's --sse-ping-interval does. false: stopped or the
    // connection failed.
    net::awaitable<bool> idle(milliseconds d, milliseconds ping)
    {
        while (d > milliseconds::zero()) {
            auto slice = sse && ping > milliseconds::zero() ? std::min(d, ping) : d;
            timer.expires_after(slice);
            auto [ec] = co_await timer.async_wait(tuple_awaitable);
            if (ec || st.stopping) co_return false;
            d -= slice;
            if (sse && ping > milliseconds::zero() && slice == ping && !co_await write_chunk(":\n\n"))
                co_return false;
        }
        co_return !st.stopping;
    }
};

http_error fault_error(fault_spec const& f)
{
    auto e = make_http_error(f.message, f.error_type);
    if (f.code) {
        e.status = *f.code;
        e.error["code"] = *f.code;
    }
    return e;
}

// Faults fire once `after` token chunks went out (or before the final result when the stream has
// fewer). Returns 0: go on; 1: the exchange ended and the connection may stay; 2: close it.
net::awaitable<int> run_fault(exchange& x, fault_spec const& f, bool stream, milliseconds ping)
{
    switch (f.kind) {
    case fault_kind::stream_error: {
        if (!stream) co_return co_await write_error(x.st, x.stream, x.req, fault_error(f)) ? 1 : 2;
        // Once streaming, llama-server reports errors in-stream as {"error":{...}} and ends it.
        // (Built outside the co_await: GCC 12 rejects brace-initialised temporaries in there.)
        json::object event;
        event["error"] = error_object(f.message, f.error_type);
        if (!co_await x.write_event(event)) co_return 2;
        co_return co_await x.end_sse() ? 1 : 2;
    }
    case fault_kind::drop:
        co_return 2;
    case fault_kind::stall:
        co_return co_await x.idle(f.stall.value_or(std::chrono::hours(24)), ping) ? 0 : 2;
    case fault_kind::none:
    case fault_kind::http_error:
        break;
    }
    co_return 0;
}

double ms_since(clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
}

} // namespace

net::awaitable<bool> serve_completion(std::shared_ptr<server_state> stp, beast::tcp_stream& stream,
                                      net::steady_timer& timer, request_t const& req, json::value const& body,
                                      std::size_t record)
{
    auto& st = *stp;
    auto parsed = parse_completion_request(body, st.voc, st.opts.add_bos);
    if (!parsed) co_return co_await write_error(st, stream, req, parsed.error());
    auto const& creq = *parsed;

    // A request whose prompt is an earlier request's prompt plus everything it sampled is that
    // generation continued (a deterministic model given the same context samples the same next
    // tokens): the same rule goes on where it stopped. It is not a new request of the script.
    // A prompt-only request (n_predict 0: a warm-up) needs no rule either. Neither counts in
    // match.request.
    rule const* r = nullptr;
    std::size_t offset = 0;
    bool const prompt_only = creq.n_predict == 0;
    for (auto it = st.generations.rbegin(); !prompt_only && it != st.generations.rend(); ++it)
        if (it->sequence == creq.prompt) {
            r = it->from;
            offset = it->consumed;
            break;
        }
    rule const warmup_rule = [&] {
        rule w;
        w.name = "warm-up (prompt only)";
        w.tokens = {translate::special::start}; // llama-server samples one token even for n_predict 0
        w.prompt_delay = st.rules.warmup_delay;
        w.end.kind = end_kind::limit;
        return w;
    }();
    if (prompt_only) r = &warmup_rule;
    if (!r) {
        auto const number = ++st.completions;
        r = select_rule(st.rules, st.rule_uses, {number, &creq.prompt, creq.id_slot});
        if (!r) {
            st.log->warn("fake-llama: no script rule matches completion request #{}", number);
            co_return co_await write_error(
                st, stream, req,
                make_http_error("fake-llama-server: no script rule matches completion request #" +
                                    std::to_string(number) + " (" + std::to_string(creq.prompt.size()) +
                                    " prompt tokens, id_slot " + std::to_string(creq.id_slot) + ")",
                                "server_error"));
        }
    }
    st.annotate(record, offset ? r->name + " (continued)" : r->name, -1);
    if (st.opts.check_grammar && !grammar_parses(creq.grammar))
        co_return co_await write_error(
            st, stream, req,
            make_http_error("Failed to initialize samplers: failed to parse grammar",
                            "invalid_request_error"));
    if (r->fault.kind == fault_kind::http_error)
        co_return co_await write_error(st, stream, req, fault_error(r->fault));
    auto const n_prompt = creq.prompt.size();
    if (n_prompt >= st.opts.n_ctx)
        co_return co_await write_error(st, stream, req, context_overflow_error(n_prompt, st.opts.n_ctx));

    auto const slot = st.slots.acquire(creq.id_slot, creq.prompt);
    st.annotate(record, offset ? r->name + " (continued)" : r->name, static_cast<std::int64_t>(slot));
    timings t;
    t.cache_n = st.slots.cached_prefix(slot, creq.prompt);
    t.prompt_n = n_prompt - t.cache_n;

    // What the scripted model samples: its script from where it stands, or, under a grammar or
    // banned tokens, its first allowed preference at each step (constrained.hpp).
    std::vector<token_id> script_tokens;
    std::vector<std::size_t> script_next; // script position after each sampled token
    fault_spec fault_plan = r->fault;
    if (n_prompt > 0) {
        std::vector<token_id> script = r->tokens;
        if (r->end.kind == end_kind::eos) script.push_back(r->end.eog);
        std::optional<translate::gbnf_recognizer> grammar;
        if (creq.grammar.find_first_not_of(" \t\r\n") != std::string::npos)
            if (auto g = translate::gbnf_recognizer::compile(creq.grammar)) grammar = std::move(*g);
        if (grammar || !creq.banned.empty()) {
            auto c = constrain(*r, script, offset, grammar ? &*grammar : nullptr, creq.banned, st.voc);
            script_tokens = std::move(c.tokens);
            script_next = std::move(c.script_next);
            if (c.violation) {
                st.log->warn("fake-llama: rule {}: {}", r->name, *c.violation);
                fault_plan = fault_spec{};
                fault_plan.kind = fault_kind::stream_error;
                fault_plan.after = script_tokens.size();
                fault_plan.message = *c.violation;
            }
        } else {
            script_tokens.assign(script.begin() + static_cast<std::ptrdiff_t>(std::min(offset, script.size())), script.end());
            for (std::size_t k = 0; k < script_tokens.size(); ++k) script_next.push_back(offset + k + 1);
        }
    }
    generation_limits lim{n_prompt, st.opts.n_ctx, creq.n_predict, creq.stop, st.opts.lose_split_utf8};
    lim.stop.insert(lim.stop.end(), r->end.stop.begin(), r->end.stop.end());
    if (prompt_only) lim.n_predict = 1; // as llama-server: n_predict 0 still samples one token
    auto const g = simulate(st.voc, script_tokens, lim);
    if (!prompt_only && !g.sampled.empty()) {
        auto& rec = st.generations.emplace_back();
        rec.sequence = creq.prompt;
        rec.sequence.insert(rec.sequence.end(), g.sampled.begin(), g.sampled.end());
        rec.from = r;
        rec.consumed = script_next[g.sampled.size() - 1];
        if (st.generations.size() > 16) st.generations.erase(st.generations.begin());
    }

    // The KV cache is what was decoded: the prompt, then every sampled token but the last.
    std::size_t decoded = 0;
    auto release_slot = [&] {
        std::vector<token_id> kv(creq.prompt);
        if (decoded > 1)
            kv.insert(kv.end(), g.sampled.begin(),
                      g.sampled.begin() + static_cast<std::ptrdiff_t>(decoded - 1));
        st.slots.release(slot, std::move(kv));
    };

    exchange x{st, stream, timer, req};
    auto const t_start = clock::now();
    if (creq.stream && !co_await x.start_sse()) {
        release_slot();
        co_return false;
    }
    if (!co_await x.idle(r->prompt_delay, r->ping)) {
        release_slot();
        co_return false;
    }
    t.prompt_ms = ms_since(t_start);
    auto const t_gen = clock::now();

    // `chunks` counts token chunks (sent or, without streaming, that would have been sent): the
    // unit of a fault's `after`. Outcomes as run_fault's: 0 go on, 1 done and keep, 2 close.
    std::size_t chunks = 0;
    bool fault_done = fault_plan.kind == fault_kind::none;
    auto fault = [&] {
        fault_done = true;
        return run_fault(x, fault_plan, creq.stream, r->ping);
    };

    int outcome = 0;
    for (auto const& step : g.steps) {
        if (!fault_done && chunks >= fault_plan.after && (outcome = co_await fault()) != 0) break;
        if (!co_await x.idle(r->delay, r->ping)) {
            outcome = 2;
            break;
        }
        ++decoded;
        if (!step.sent) continue;
        ++chunks;
        if (!creq.stream) continue;
        std::optional<timings> tt;
        if (step.stopped_here || creq.timings_per_token) {
            tt = t;
            tt->predicted_n = step.n_decoded;
            tt->predicted_ms = ms_since(t_gen);
        }
        if (!co_await x.write_event(partial_chunk(step, slot, n_prompt, tt))) {
            outcome = 2;
            break;
        }
    }
    if (outcome == 0 && !fault_done) outcome = co_await fault();
    release_slot();
    if (outcome == 1) co_return true;
    if (outcome == 2) co_return false;

    t.predicted_n = static_cast<std::int64_t>(g.sampled.size());
    t.predicted_ms = ms_since(t_gen);
    final_info info{slot,
                    n_prompt,
                    n_prompt + (g.sampled.empty() ? 0 : g.sampled.size() - 1),
                    t,
                    to_valid_utf8(st.voc.detokenize(creq.prompt)),
                    model_alias(st.opts)};
    auto result = final_result(g, creq, info);
    if (!creq.stream)
        co_return co_await write_response(st, stream, req, http::status::ok, json::serialize(result));
    // The native route ends with the stop:true chunk: no "data: [DONE]".
    co_return co_await x.write_event(result) && co_await x.end_sse();
}

} // namespace hp::tools::fake_llama::detail
