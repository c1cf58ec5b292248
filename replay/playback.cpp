#include "replay/playback.hpp"

#include "capture/record.hpp"
#include "replay/exchanges.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace hp::replay {

namespace json = boost::json;

namespace {

std::int64_t t_ns(json::object const& r)
{
    auto const* v = r.if_contains("t_ns");
    return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

json::value parse_or_string(std::string_view body)
{
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return ec ? json::value(json::string(body)) : v;
}

std::size_t common_prefix(std::string_view a, std::string_view b)
{
    return static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

} // namespace

playback_script::playback_script(capture::read_result const& capture)
{
    for (auto const& ex : group_exchanges(capture.records)) {
        if (!is_responses_exchange(ex)) continue;
        auto const* request = ex.first("client_request");
        recorded_answer a;
        a.session = ex.session;
        a.exchange = ex.exchange;
        a.request_body = capture::load_bytes(*request, "body");
        auto const t0 = t_ns(*request);
        for (auto const* e : ex.all("client_event"))
            if (auto const* ev = e->if_contains("event"); ev && ev->is_object()) a.events.emplace_back(t_ns(*e) - t0, ev->get_object());
        a.stream = !a.events.empty();
        if (auto const* chunk = ex.first(capture::kind::client_chunk)) a.body = capture::load_bytes(*chunk, "data");
        if (auto const* end = ex.first(capture::kind::exchange_end))
            if (auto const* s = end->if_contains("status"); s && s->is_number()) a.status = s->to_number<unsigned>();
        if (a.status == 0) a.status = 200;
        by_session[a.session].push_back(answers_.size());
        answers_.push_back(std::move(a));
    }
}

std::variant<recorded_answer const*, playback_mismatch> playback_script::match(std::string const& session,
                                                                              std::string_view body)
{
    auto const received = parse_or_string(body);
    std::lock_guard lock(mutex_);
    auto const it = by_session.find(session);
    if (it != by_session.end()) {
        auto& next = cursor_[session];
        if (next >= it->second.size())
            return playback_mismatch{"session " + session + " has " + std::to_string(it->second.size()) +
                                     " recorded request(s), all answered already"};
        auto const& candidate = answers_[it->second[next]];
        auto const d = first_difference(parse_or_string(candidate.request_body), received);
        if (!d) {
            ++next;
            return &candidate;
        }
        return playback_mismatch{"the next recorded request of session " + session + " (exchange " +
                                 std::to_string(candidate.exchange) + ") differs at body" + d->path + ": recorded " +
                                 d->recorded + ", received " + d->replayed};
    }
    if (answers_.empty()) return playback_mismatch{"the capture holds no /v1/responses exchange"};
    // An unknown session: the recorded request that shares the longest beginning with this one.
    auto const text = json::serialize(received);
    std::size_t best = 0, best_len = 0;
    for (std::size_t i = 0; i < answers_.size(); ++i) {
        auto const n = common_prefix(json::serialize(parse_or_string(answers_[i].request_body)), text);
        if (n > best_len) best = i, best_len = n;
    }
    auto const& nearest = answers_[best];
    std::string message = "no recorded session '" + session + "'; the nearest recorded request is session " +
                          nearest.session + " exchange " + std::to_string(nearest.exchange);
    if (auto d = first_difference(parse_or_string(nearest.request_body), received))
        message += ", which differs at body" + d->path + ": recorded " + d->recorded + ", received " + d->replayed;
    return playback_mismatch{message};
}

} // namespace hp::replay
