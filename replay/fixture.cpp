#include "replay/fixture.hpp"

#include "capture/record.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace hp::replay {

namespace json = boost::json;

namespace {

json::array content_type_only(json::value const* headers)
{
    json::array out;
    if (!headers || !headers->is_array()) return out;
    for (auto const& h : headers->get_array()) {
        auto const* pair = h.if_array();
        if (pair && pair->size() == 2 && (*pair)[0].is_string() &&
            boost::algorithm::iequals(std::string_view((*pair)[0].get_string()), "content-type"))
            out.push_back(h);
    }
    return out;
}

} // namespace

std::vector<json::object> fixture_records(exchange_records const& ex, std::string const& name)
{
    std::vector<json::object> out;
    id_normalizer ids; // one numbering for the whole exchange, as replay compares it
    for (auto r : ex.records) {
        auto const kind = r.if_contains("kind") && r["kind"].is_string() ? std::string(r["kind"].get_string()) : "";
        r["session"] = name;
        r["exchange"] = 0;
        r["t_ns"] = r.if_contains("seq") ? r["seq"] : json::value(0);
        if (r.contains("headers")) r["headers"] = content_type_only(r.if_contains("headers"));
        if (kind == capture::kind::client_request) {
            r["wall"] = "1970-01-01T00:00:00Z";
            r["connection"] = 0;
        } else if (kind == "harmony_prompt") {
            r.erase("tokens");
            r.erase("messages");
        } else if (kind == "client_event") {
            if (auto* e = r.if_contains("event")) ids.apply(*e);
        } else if (kind == capture::kind::exchange_end) {
            for (auto const* k : {"ttfb_us", "duration_us"})
                if (r.contains(k)) r[k] = 0;
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::string fixture_readme(std::string const& name, std::string const& what, std::string const& source,
                           exchange_records const& ex)
{
    return name + ": " + what + " (from " + source + ", session " + ex.session + " exchange " +
           std::to_string(ex.exchange) + "; replayed offline by ctest: harmony-proxy replay capture.jsonl)\n";
}

} // namespace hp::replay
