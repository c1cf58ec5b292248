#include "replay/exchanges.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace hp::replay {

namespace json = boost::json;

json::object const* exchange_records::first(std::string_view kind) const
{
    for (auto const& r : records)
        if (auto const* k = r.if_contains("kind"); k && k->is_string() && k->get_string() == kind) return &r;
    return nullptr;
}

std::vector<json::object const*> exchange_records::all(std::string_view kind) const
{
    std::vector<json::object const*> out;
    for (auto const& r : records)
        if (auto const* k = r.if_contains("kind"); k && k->is_string() && k->get_string() == kind) out.push_back(&r);
    return out;
}

std::vector<exchange_records> group_exchanges(std::vector<json::object> const& records)
{
    std::vector<exchange_records> out;
    std::map<std::pair<std::string, std::uint64_t>, std::size_t> index;
    for (auto const& r : records) {
        auto const* s = r.if_contains("session");
        auto const* e = r.if_contains("exchange");
        if (!s || !s->is_string() || !e || !e->is_number()) continue;
        std::error_code ec;
        auto const n = e->to_number<std::uint64_t>(ec);
        if (ec) continue;
        auto key = std::make_pair(std::string(s->get_string()), n);
        auto [it, fresh] = index.try_emplace(key, out.size());
        if (fresh) out.push_back({key.first, n, {}});
        out[it->second].records.push_back(r);
    }
    // seq orders records within an exchange; a file written by one process is already in that
    // order, a directory of merged files may not be.
    auto seq_of = [](json::object const& r) {
        auto const* q = r.if_contains("seq");
        return q && q->is_int64() ? q->get_int64() : q && q->is_uint64() ? static_cast<std::int64_t>(q->get_uint64()) : 0;
    };
    for (auto& ex : out)
        std::stable_sort(ex.records.begin(), ex.records.end(),
                         [&](auto const& a, auto const& b) { return seq_of(a) < seq_of(b); });
    return out;
}

bool is_responses_exchange(exchange_records const& ex) { return ex.first("harmony_prompt") != nullptr; }

namespace {

constexpr std::array<std::string_view, 6> id_prefixes{"resp", "msg", "rs", "fc", "ctc", "call"};

std::optional<std::string_view> id_prefix(std::string_view s)
{
    for (auto p : id_prefixes) {
        if (s.size() <= p.size() + 1 || s.substr(0, p.size()) != p || s[p.size()] != '_') continue;
        auto rest = s.substr(p.size() + 1);
        if (std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isalnum(c) != 0; })) return p;
    }
    return std::nullopt;
}

void diff_into(json::value const& a, json::value const& b, std::string& path, std::optional<json_difference>& out)
{
    if (out) return;
    if (a.is_object() && b.is_object()) {
        auto const& oa = a.get_object();
        auto const& ob = b.get_object();
        for (auto const& [k, va] : oa) {
            auto const n = path.size();
            path += '.';
            path += k;
            if (auto const* vb = ob.if_contains(k)) diff_into(va, *vb, path, out);
            else out = json_difference{path, json::serialize(va), "(absent)"};
            path.resize(n);
            if (out) return;
        }
        for (auto const& [k, vb] : ob)
            if (!oa.contains(k)) {
                out = json_difference{path + "." + std::string(k), "(absent)", json::serialize(vb)};
                return;
            }
        return;
    }
    if (a.is_array() && b.is_array()) {
        auto const& aa = a.get_array();
        auto const& ab = b.get_array();
        for (std::size_t i = 0; i < std::min(aa.size(), ab.size()); ++i) {
            auto const n = path.size();
            path += "[" + std::to_string(i) + "]";
            diff_into(aa[i], ab[i], path, out);
            path.resize(n);
            if (out) return;
        }
        if (aa.size() != ab.size())
            out = json_difference{path + ".length", std::to_string(aa.size()), std::to_string(ab.size())};
        return;
    }
    if (a != b) out = json_difference{path.empty() ? "." : path, json::serialize(a), json::serialize(b)};
}

} // namespace

std::string id_normalizer::map_id(std::string const& id, std::string_view prefix)
{
    for (auto const& [from, to] : seen_)
        if (from == id) return to;
    std::size_t n = 0;
    for (auto const& [from, to] : seen_)
        if (to.compare(0, prefix.size() + 1, std::string(prefix) + "_") == 0) ++n;
    auto to = std::string(prefix) + "_" + std::to_string(n);
    seen_.emplace_back(id, to);
    return to;
}

void id_normalizer::apply(json::value& v)
{
    if (auto* o = v.if_object()) {
        for (auto& [k, child] : *o) {
            if ((k == "created_at" || k == "completed_at") && child.is_number()) child = 0;
            else apply(child);
        }
    } else if (auto* a = v.if_array()) {
        for (auto& child : *a) apply(child);
    } else if (auto* s = v.if_string()) {
        if (auto p = id_prefix(*s)) *s = map_id(std::string(*s), *p);
    }
}

std::optional<json_difference> first_difference(json::value const& recorded, json::value const& replayed)
{
    std::optional<json_difference> out;
    std::string path;
    diff_into(recorded, replayed, path, out);
    return out;
}

} // namespace hp::replay
