// replay/check.cpp: groups capture records into sessions and exchanges and runs the detectors.
#include "replay/check.hpp"
#include "replay/check_model.hpp"

#include "capture/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace hp::replay {
namespace json = boost::json;

namespace detail {
namespace {

std::vector<std::int64_t> ids_of(json::value const* v)
{
    std::vector<std::int64_t> ids;
    if (!v || !v->is_array()) return ids;
    ids.reserve(v->as_array().size());
    for (auto const& id : v->as_array())
        if (auto n = id.if_int64()) ids.push_back(*n);
        else if (auto u = id.if_uint64()) ids.push_back(static_cast<std::int64_t>(*u));
    return ids;
}

std::string_view string_field(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

} // namespace

json::array const* exchange_view::input() const
{
    auto const* o = request.if_object();
    auto const* v = o ? o->if_contains("input") : nullptr;
    return v ? v->if_array() : nullptr;
}

json::array const* exchange_view::tools() const
{
    auto const* o = request.if_object();
    auto const* v = o ? o->if_contains("tools") : nullptr;
    return v ? v->if_array() : nullptr;
}

bool exchange_view::continues_tool_chain() const
{
    auto const* in = input();
    if (!in || in->empty() || !in->back().is_object()) return false;
    return is_tool_output(in->back().get_object());
}

bool exchange_view::continues_chain_of(exchange_view const& prev) const
{
    if (!continues_tool_chain()) return false;
    auto call_id = string_or_empty(input()->back().get_object().if_contains("call_id"));
    for (auto const& item : prev.done_items)
        if (string_or_empty(item.if_contains("call_id")) == call_id) return true;
    return false;
}

void context::report(session_view const& s, exchange_view const& e, char const* detector, std::string what,
                     std::string evidence) const
{
    out.push_back({s.name, e.number, detector, std::move(what), std::move(evidence)});
}

std::vector<session_view> build_sessions(std::vector<json::object> const& records)
{
    std::map<std::string, std::map<std::uint64_t, exchange_view>> by_session;
    for (auto const& rec : records) {
        auto const kind = string_field(rec, "kind");
        auto const session = std::string(string_field(rec, "session"));
        auto const* ex = rec.if_contains("exchange");
        if (!ex || !ex->is_number()) continue;
        std::uint64_t number = ex->to_number<std::uint64_t>();
        auto& e = by_session[session][number];
        e.number = number;
        if (kind == capture::kind::client_request) {
            boost::system::error_code ec;
            auto body = capture::load_bytes(rec, "body");
            auto v = json::parse(body, ec);
            if (!ec) e.request = std::move(v);
        } else if (kind == "harmony_prompt") {
            e.prompt = &rec;
            e.prompt_ids = ids_of(rec.if_contains("tokens"));
        } else if (kind == "completion_tokens") {
            auto ids = ids_of(rec.if_contains("ids"));
            e.completion_ids.insert(e.completion_ids.end(), ids.begin(), ids.end());
        } else if (kind == "completion_final") {
            e.final = &rec;
        } else if (kind == "client_event") {
            auto const* ev = rec.if_contains("event");
            auto const* obj = ev ? ev->if_object() : nullptr;
            if (!obj) continue;
            auto type = string_field(*obj, "type");
            if (type == "response.output_item.done") {
                if (auto const* item = obj->if_contains("item"); item && item->is_object())
                    e.done_items.push_back(item->get_object());
            } else if (type == "response.completed") {
                e.completed = true;
            }
        }
    }
    std::vector<session_view> sessions;
    for (auto& [name, exchanges] : by_session) {
        session_view s{name, {}};
        // Only exchanges that reached the renderer are /v1/responses exchanges worth checking.
        for (auto& [n, e] : exchanges)
            if (e.prompt) s.exchanges.push_back(std::move(e));
        if (!s.exchanges.empty()) sessions.push_back(std::move(s));
    }
    return sessions;
}

std::string excerpt(std::string_view text, std::size_t max)
{
    std::string out;
    for (char c : text) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else out += c;
    }
    return out;
}

std::string string_or_empty(json::value const* v)
{
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool is_tool_output(json::object const& item)
{
    auto type = string_field(item, "type");
    return type == "function_call_output" || type == "custom_tool_call_output";
}

std::string tool_output_text(json::object const& item)
{
    auto const* out = item.if_contains("output");
    if (!out) return {};
    if (out->is_string()) return std::string(out->get_string());
    std::string text;
    if (auto const* parts = out->if_array())
        for (auto const& p : *parts)
            if (auto const* po = p.if_object()) text += string_or_empty(po->if_contains("text"));
    return text;
}

} // namespace detail

check_report check_capture(std::vector<json::object> const& records, check_options const& options,
                           translate::tokenizer const* tok)
{
    check_report report;
    auto sessions = detail::build_sessions(records);
    detail::context ctx{options, tok, report.findings};
    for (auto const& s : sessions) {
        ++report.sessions;
        report.exchanges += s.exchanges.size();
        detail::check_escaping(s, ctx);
        detail::check_reasoning(s, ctx);
        detail::check_cache(s, ctx);
        detail::check_injection(s, ctx);
    }
    // Stable order for readers and tests: by session, then exchange, detectors in run order.
    std::stable_sort(report.findings.begin(), report.findings.end(), [](finding const& a, finding const& b) {
        return std::tie(a.session, a.exchange) < std::tie(b.session, b.exchange);
    });
    return report;
}

std::string format_finding(finding const& f)
{
    return "session " + f.session + " exchange " + std::to_string(f.exchange) + " [" + f.detector + "] " + f.what +
           (f.evidence.empty() ? "" : ": " + f.evidence);
}

std::string format_summary(check_report const& r)
{
    return std::to_string(r.findings.size()) + (r.findings.size() == 1 ? " finding" : " findings") + " in " +
           std::to_string(r.exchanges) + " exchanges of " + std::to_string(r.sessions) + " sessions";
}

json::object finding_to_json(finding const& f)
{
    return {{"session", f.session},   {"exchange", f.exchange}, {"detector", f.detector},
            {"what", f.what},         {"evidence", f.evidence}};
}

} // namespace hp::replay
