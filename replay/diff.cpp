#include "replay/diff.hpp"

#include "capture/record.hpp"
#include "replay/exchanges.hpp"
#include "translate/special_tokens.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

namespace hp::replay {

namespace json = boost::json;
namespace tr = hp::translate;

namespace {

std::vector<tr::token_id> ids_of(json::value const* v)
{
    std::vector<tr::token_id> out;
    if (!v || !v->is_array()) return out;
    for (auto const& id : v->get_array()) out.push_back(id.is_number() ? id.to_number<tr::token_id>() : 0);
    return out;
}

token_cell cell(tr::tokenizer const& tok, tr::token_id id)
{
    token_cell c;
    c.id = id;
    c.special = tr::is_special(id);
    auto bytes = tok.token_bytes(id);
    c.text = bytes ? std::string(*bytes) : "<" + std::to_string(id) + ">";
    return c;
}

std::optional<layer_diff> diff_ids(std::string layer, std::vector<tr::token_id> const& a, std::vector<tr::token_id> const& b,
                                   tr::tokenizer const& tok, std::size_t context)
{
    auto const m = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    if (m.first == a.end() && m.second == b.end()) return std::nullopt;
    auto const pos = static_cast<std::size_t>(m.first - a.begin());
    token_window w;
    w.divergence = pos;
    w.from = pos > context ? pos - context : 0;
    for (std::size_t i = w.from; i < std::min(a.size(), pos + context); ++i) w.a.push_back(cell(tok, a[i]));
    for (std::size_t i = w.from; i < std::min(b.size(), pos + context); ++i) w.b.push_back(cell(tok, b[i]));
    auto id_at = [](std::vector<tr::token_id> const& v, std::size_t i) {
        return i < v.size() ? std::to_string(v[i]) : std::string("(end)");
    };
    layer_diff d;
    d.layer = std::move(layer);
    d.detail = "first divergent id at position " + std::to_string(pos) + ": " + id_at(a, pos) + " vs " + id_at(b, pos) +
               " (" + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " ids)";
    d.tokens = std::move(w);
    return d;
}

std::optional<layer_diff> diff_json(std::string layer, json::value a, json::value b, bool normalize = false)
{
    if (normalize) {
        id_normalizer na, nb;
        na.apply(a);
        nb.apply(b);
    }
    auto d = first_difference(a, b);
    if (!d) return std::nullopt;
    return layer_diff{std::move(layer), (d->path.empty() ? std::string("(whole)") : d->path) + ": " + d->recorded + " vs " + d->replayed, {}};
}

// The prompt as sent: the first /completion's ids (fixtures keep only those), else harmony_prompt's.
std::vector<tr::token_id> prompt_ids(exchange_records const& ex)
{
    if (auto const* up = ex.first(capture::kind::upstream_request)) {
        boost::system::error_code ec;
        auto v = json::parse(capture::load_bytes(*up, "body"), ec);
        if (!ec && v.is_object())
            if (auto const* p = v.get_object().if_contains("prompt"); p && p->is_array()) return ids_of(p);
    }
    auto const* hp = ex.first("harmony_prompt");
    return ids_of(hp ? hp->if_contains("tokens") : nullptr);
}

json::array upstream_bodies(exchange_records const& ex)
{
    json::array out;
    for (auto const* r : ex.all(capture::kind::upstream_request)) {
        boost::system::error_code ec;
        auto v = json::parse(capture::load_bytes(*r, "body"), ec);
        if (ec) v = json::string(capture::load_bytes(*r, "body"));
        if (v.is_object()) v.get_object().erase("prompt");
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<tr::token_id> generated_ids(exchange_records const& ex)
{
    std::vector<tr::token_id> out;
    for (auto const* r : ex.all("completion_tokens")) {
        auto ids = ids_of(r->if_contains("ids"));
        out.insert(out.end(), ids.begin(), ids.end());
    }
    return out;
}

json::array field_list(exchange_records const& ex, std::string_view kind, std::string_view field)
{
    json::array out;
    for (auto const* r : ex.all(kind))
        if (auto const* v = r->if_contains(field)) out.push_back(*v);
    return out;
}

exchange_diff diff_exchange(exchange_records const& a, exchange_records const& b, tr::tokenizer const& tok,
                            std::size_t context)
{
    exchange_diff out{a.session, a.exchange, b.exchange, {}};
    auto add = [&](std::optional<layer_diff> d) {
        if (d) out.layers.push_back(std::move(*d));
    };
    add(diff_ids("prompt", prompt_ids(a), prompt_ids(b), tok, context));
    add(diff_json("upstream_request", upstream_bodies(a), upstream_bodies(b)));
    add(diff_ids("generated", generated_ids(a), generated_ids(b), tok, context));
    add(diff_json("messages", field_list(a, "harmony_message", "message"), field_list(b, "harmony_message", "message")));
    add(diff_json("events", field_list(a, "client_event", "event"), field_list(b, "client_event", "event"), true));
    return out;
}

// Responses exchanges per session, in order.
std::map<std::string, std::vector<exchange_records>> by_session(capture::read_result const& c,
                                                                std::optional<std::string> const& session)
{
    std::map<std::string, std::vector<exchange_records>> out;
    for (auto& ex : group_exchanges(c.records))
        if (is_responses_exchange(ex) && (!session || ex.session == *session)) out[ex.session].push_back(std::move(ex));
    return out;
}

std::string escape_html(std::string_view s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        case '\n': out += "&#x21b5;"; break; // a visible line end
        default: out += c;
        }
    }
    return out;
}

std::string shown(std::string_view s)
{
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
}

} // namespace

bool diff_report::identical() const
{
    return problems.empty() &&
           std::ranges::all_of(exchanges, [](exchange_diff const& e) { return e.layers.empty(); });
}

diff_report diff_captures(capture::read_result const& a, capture::read_result const& b, tr::tokenizer const& tok,
                          diff_options const& options)
{
    diff_report report;
    for (auto const& p : a.problems) report.problems.push_back("A: " + p);
    for (auto const& p : b.problems) report.problems.push_back("B: " + p);
    auto sa = by_session(a, options.session);
    auto sb = by_session(b, options.session);
    if (sa.size() == 1 && sb.size() == 1 && sa.begin()->first != sb.begin()->first) {
        // One session each under different names (two runs of one conversation): pair them.
        sb[sa.begin()->first] = std::move(sb.begin()->second);
        sb.erase(sb.begin());
    }
    for (auto const& [session, list] : sa) {
        auto it = sb.find(session);
        std::size_t const other = it == sb.end() ? 0 : it->second.size();
        for (std::size_t i = 0; i < std::min(list.size(), other); ++i)
            if (!options.exchange || list[i].exchange == *options.exchange)
                report.exchanges.push_back(diff_exchange(list[i], it->second[i], tok, options.context));
        if (list.size() != other)
            report.problems.push_back("session " + session + ": " + std::to_string(list.size()) + " exchange(s) in A, " +
                                      std::to_string(other) + " in B");
    }
    for (auto const& [session, list] : sb)
        if (!sa.contains(session))
            report.problems.push_back("session " + session + ": 0 exchange(s) in A, " + std::to_string(list.size()) + " in B");
    if (sa.empty() && sb.empty()) report.problems.push_back("no /v1/responses exchange on either side");
    if (options.exchange && report.exchanges.empty())
        report.problems.push_back("no paired exchange " + std::to_string(*options.exchange) + " in A");
    return report;
}

std::string format_diff_text(diff_report const& report, bool colour)
{
    auto paint = [colour](std::string_view code, std::string const& s) {
        return colour ? "\x1b[" + std::string(code) + "m" + s + "\x1b[0m" : s;
    };
    std::string out;
    for (auto const& p : report.problems) out += paint("33", "problem: ") + p + "\n";
    std::size_t same = 0;
    for (auto const& e : report.exchanges) {
        if (e.layers.empty()) {
            ++same;
            continue;
        }
        out += paint("1", "session " + e.session + " exchange " + std::to_string(e.a_exchange) + " vs " +
                              std::to_string(e.b_exchange)) + "\n";
        for (auto const& l : e.layers) {
            out += "  " + paint("31", l.layer) + ": " + l.detail + "\n";
            if (!l.tokens) continue;
            for (auto const* side : {&l.tokens->a, &l.tokens->b}) {
                out += side == &l.tokens->a ? "    A: " : "    B: ";
                for (std::size_t i = 0; i < side->size(); ++i) {
                    auto const& c = (*side)[i];
                    auto text = c.special ? "[" + c.text + "]" : shown(c.text);
                    bool const at = l.tokens->from + i == l.tokens->divergence;
                    out += at ? paint("41;97", ">>" + text) : c.special ? paint("36", text) : text;
                    out += paint("2", "|");
                }
                out += "\n";
            }
        }
    }
    out += std::to_string(report.exchanges.size()) + " exchange pair(s), " + std::to_string(same) + " identical, " +
           std::to_string(report.exchanges.size() - same) + " different" + (report.identical() ? ": SAME\n" : ": DIFFERENT\n");
    return out;
}

std::string format_diff_html(diff_report const& report, std::string const& a_name, std::string const& b_name)
{
    std::string nav, body;
    bool first_marked = false;
    for (std::size_t k = 0; k < report.exchanges.size(); ++k) {
        auto const& e = report.exchanges[k];
        auto const anchor = "x" + std::to_string(k);
        auto const title = escape_html(e.session) + " #" + std::to_string(e.a_exchange) + " / #" + std::to_string(e.b_exchange);
        nav += "<li><a href=\"#" + anchor + "\" class=\"" + (e.layers.empty() ? "same" : "differs") + "\">" + title + "</a></li>";
        body += "<section id=\"" + anchor + "\"><h2>" + title + (e.layers.empty() ? " &mdash; identical" : "") + "</h2>";
        for (auto const& l : e.layers) {
            body += "<div class=\"layer\"><h3>" + escape_html(l.layer) + "</h3><p>" + escape_html(l.detail) + "</p>";
            if (l.tokens) {
                body += "<table class=\"tokens\"><tr><th>pos</th>";
                auto const width = std::max(l.tokens->a.size(), l.tokens->b.size());
                for (std::size_t i = 0; i < width; ++i) body += "<th>" + std::to_string(l.tokens->from + i) + "</th>";
                body += "</tr>";
                for (auto const* side : {&l.tokens->a, &l.tokens->b}) {
                    body += std::string("<tr><th>") + (side == &l.tokens->a ? "A" : "B") + "</th>";
                    for (std::size_t i = 0; i < width; ++i) {
                        if (i >= side->size()) {
                            body += "<td class=\"end\">(end)</td>";
                            continue;
                        }
                        auto const& c = (*side)[i];
                        bool const at = l.tokens->from + i >= l.tokens->divergence;
                        std::string cls = c.special ? "special" : "text";
                        std::string id;
                        if (l.tokens->from + i == l.tokens->divergence) {
                            cls += " divergence";
                            if (!first_marked && side == &l.tokens->b) {
                                id = " id=\"first-divergence\"";
                                first_marked = true;
                            }
                        } else if (at) {
                            cls += " after";
                        }
                        body += "<td class=\"" + cls + "\"" + id + " title=\"id " + std::to_string(c.id) + "\">" +
                                escape_html(c.text) + "</td>";
                    }
                    body += "</tr>";
                }
                body += "</table>";
            }
            body += "</div>";
        }
        body += "</section>";
    }
    std::string problems;
    for (auto const& p : report.problems) problems += "<li>" + escape_html(p) + "</li>";
    return R"(<!doctype html><html><head><meta charset="utf-8"><title>harmony-proxy diff</title><style>
body{font-family:sans-serif;margin:0;display:flex}nav{width:18em;padding:1em;background:#f4f4f4;height:100vh;overflow:auto;position:sticky;top:0}
main{padding:1em;overflow:auto}a.differs{color:#b00;font-weight:bold}a.same{color:#070}
table.tokens{border-collapse:collapse;font-family:monospace;font-size:12px}table.tokens td,table.tokens th{border:1px solid #ccc;padding:2px 4px;white-space:pre}
td.special{background:#dbeafe;color:#1e3a8a}td.divergence{background:#dc2626;color:#fff;font-weight:bold;outline:2px solid #7f1d1d}
td.after{background:#fee2e2}td.end{color:#999}.problems{color:#a16207}
</style></head><body><nav><h1>diff</h1><p>A: )" + escape_html(a_name) + "<br>B: " + escape_html(b_name) +
           R"(</p><p id="summary"></p><ul>)" + nav + R"(</ul></nav><main><ul class="problems">)" + problems + "</ul>" + body +
           R"(</main><script>
var marks=document.querySelectorAll('td.divergence');
document.getElementById('summary').textContent=marks.length+' divergent token(s)';
var first=document.getElementById('first-divergence');if(first){first.scrollIntoView({block:'center'});}
document.body.setAttribute('data-ready','1');
</script></body></html>
)";
}

} // namespace hp::replay
