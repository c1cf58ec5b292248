#include "tools/fake_llama/script.hpp"

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

namespace hp::tools::fake_llama {
namespace json = boost::json;
namespace {

// Boost.JSON values carry no source positions, so a second pass over the (already valid) text
// records where each JSON path starts. Semantic errors then name a line as well as a path.
class locator
{
public:
    explicit locator(std::string_view text) : text_(text) { value("$"); }

    std::size_t offset(std::string const& path) const
    {
        // Fall back to the nearest recorded ancestor ("$.a[1].b" -> "$.a[1]" -> "$.a" -> "$").
        std::string p = path;
        for (;;) {
            if (auto it = at_.find(p); it != at_.end()) return it->second;
            auto cut = p.find_last_of(".[");
            if (cut == std::string::npos || cut == 0) return 0;
            p.resize(cut);
        }
    }

private:
    void ws()
    {
        while (i_ < text_.size() &&
               (text_[i_] == ' ' || text_[i_] == '\n' || text_[i_] == '\r' || text_[i_] == '\t'))
            ++i_;
    }
    std::string string()
    {
        std::string out;
        ++i_; // opening quote
        while (i_ < text_.size() && text_[i_] != '"') {
            if (text_[i_] == '\\' && i_ + 1 < text_.size()) ++i_;
            out += text_[i_++];
        }
        ++i_; // closing quote
        return out;
    }
    void value(std::string const& path)
    {
        ws();
        at_.emplace(path, i_);
        if (i_ >= text_.size()) return;
        char c = text_[i_];
        if (c == '{') {
            ++i_;
            for (;;) {
                ws();
                if (i_ >= text_.size() || text_[i_] == '}') break;
                auto key_at = i_;
                auto key = string();
                auto child = path + "." + key;
                ws();
                ++i_; // ':'
                value(child);
                at_[child] = std::min(at_[child], key_at); // point at the key, where a reader looks
                ws();
                if (i_ < text_.size() && text_[i_] == ',') ++i_;
            }
            ++i_;
        } else if (c == '[') {
            ++i_;
            for (std::size_t n = 0;; ++n) {
                ws();
                if (i_ >= text_.size() || text_[i_] == ']') break;
                value(path + "[" + std::to_string(n) + "]");
                ws();
                if (i_ < text_.size() && text_[i_] == ',') ++i_;
            }
            ++i_;
        } else if (c == '"') {
            string();
        } else {
            while (i_ < text_.size() &&
                   std::string_view(",]} \n\r\t").find(text_[i_]) == std::string_view::npos)
                ++i_;
        }
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::unordered_map<std::string, std::size_t> at_;
};

// Thrown only inside this file, caught by parse_script and turned into a script_error value.
struct semantic_failure
{
    std::string path;
    std::string message;
};

[[noreturn]] void fail(std::string path, std::string message)
{
    throw semantic_failure{std::move(path), std::move(message)};
}

json::object const& as_object(json::value const& v, std::string const& path)
{
    if (!v.is_object()) fail(path, "expected an object");
    return v.get_object();
}

void only_keys(json::object const& o, std::string const& path, std::set<std::string_view> const& allowed)
{
    for (auto const& kv : o)
        if (!allowed.contains(kv.key()))
            fail(path + "." + std::string(kv.key()), "unknown field \"" + std::string(kv.key()) + "\"");
}

std::int64_t as_int(json::value const& v, std::string const& path, std::int64_t lo, std::int64_t hi)
{
    std::int64_t n = 0;
    if (v.is_int64())
        n = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(hi))
        n = static_cast<std::int64_t>(v.get_uint64());
    else
        fail(path, "expected an integer");
    if (n < lo || n > hi) fail(path, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return n;
}

std::string as_string(json::value const& v, std::string const& path)
{
    if (!v.is_string()) fail(path, "expected a string");
    return std::string(v.get_string());
}

std::chrono::milliseconds as_ms(json::value const& v, std::string const& path)
{
    return std::chrono::milliseconds(as_int(v, path, 0, 24 * 3600 * 1000));
}

// A token list: integers are ids; strings are tokenized with special parsing on. With `choices`
// (a rule's tokens), an element may also be {"choose": [TOKENLIST, ...]}: the first list goes into
// the tokens, the others into a choice point.
std::vector<token_id> as_tokens(json::value const& v, std::string const& path, vocab const& voc,
                                std::vector<choice_point>* choices = nullptr)
{
    std::vector<token_id> out;
    auto add = [&](json::value const& e, std::string const& p) {
        if (e.is_string()) {
            voc.tokenize(e.get_string(), true, out);
        } else if (e.is_object() && choices) {
            auto const& o = e.get_object();
            only_keys(o, p, {"choose"});
            auto const* list = o.if_contains("choose");
            if (!list || !list->is_array() || list->get_array().size() < 2)
                fail(p, "\"choose\" needs an array of at least two token lists");
            choice_point c;
            c.at = out.size();
            auto const& a = list->get_array();
            for (std::size_t i = 0; i < a.size(); ++i) {
                auto ids = as_tokens(a[i], p + ".choose[" + std::to_string(i) + "]", voc);
                if (ids.empty()) fail(p + ".choose[" + std::to_string(i) + "]", "an empty choice");
                if (i == 0) {
                    c.length = ids.size();
                    out.insert(out.end(), ids.begin(), ids.end());
                } else {
                    c.others.push_back(std::move(ids));
                }
            }
            choices->push_back(std::move(c));
        } else {
            out.push_back(static_cast<token_id>(as_int(e, p, 0, translate::special::vocab_size - 1)));
        }
    };
    if (v.is_array()) {
        auto const& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            add(a[i], path + "[" + std::to_string(i) + "]");
    } else if (v.is_string() || v.is_int64() || v.is_uint64() || (choices && v.is_object())) {
        add(v, path);
    } else {
        fail(path, "expected a token id, a string, or an array of them");
    }
    return out;
}

match_rule parse_match(json::value const& v, std::string const& path, vocab const& voc)
{
    auto const& o = as_object(v, path);
    only_keys(o, path, {"request", "prompt_ends_with", "id_slot"});
    match_rule m;
    if (auto p = o.if_contains("request"))
        m.request = static_cast<std::size_t>(as_int(*p, path + ".request", 1, INT32_MAX));
    if (auto p = o.if_contains("prompt_ends_with")) {
        m.prompt_ends_with = as_tokens(*p, path + ".prompt_ends_with", voc);
        if (m.prompt_ends_with.empty()) fail(path + ".prompt_ends_with", "must hold at least one token");
    }
    if (auto p = o.if_contains("id_slot")) m.id_slot = as_int(*p, path + ".id_slot", -1, INT32_MAX);
    return m;
}

end_spec parse_end(json::value const& v, std::string const& path, vocab const& voc)
{
    auto const& o = as_object(v, path);
    only_keys(o, path, {"type", "token", "stop"});
    end_spec e;
    if (auto p = o.if_contains("type")) {
        auto t = as_string(*p, path + ".type");
        if (t == "eos")
            e.kind = end_kind::eos;
        else if (t == "limit")
            e.kind = end_kind::limit;
        else
            fail(path + ".type", "expected \"eos\" or \"limit\", got \"" + t + "\"");
    }
    if (auto p = o.if_contains("token")) {
        auto ids = as_tokens(*p, path + ".token", voc);
        if (ids.size() != 1 || !is_eog(ids[0]))
            fail(path + ".token", "expected one end-of-generation token: 200002 <|return|>, 200012 <|call|> "
                                  "or 199999 <|endoftext|>");
        if (e.kind != end_kind::eos) fail(path + ".token", "only an \"eos\" end has a token");
        e.eog = ids[0];
    }
    if (auto p = o.if_contains("stop")) {
        if (!p->is_array()) fail(path + ".stop", "expected an array of strings");
        auto const& a = p->get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            e.stop.push_back(as_string(a[i], path + ".stop[" + std::to_string(i) + "]"));
            if (e.stop.back().empty())
                fail(path + ".stop[" + std::to_string(i) + "]", "a stop string cannot be empty");
        }
    }
    return e;
}

fault_spec parse_fault(json::value const& v, std::string const& path)
{
    auto const& o = as_object(v, path);
    only_keys(o, path, {"kind", "after", "error_type", "code", "message", "ms"});
    fault_spec f;
    auto const* kind = o.if_contains("kind");
    if (!kind) fail(path, "missing field \"kind\"");
    auto k = as_string(*kind, path + ".kind");
    if (k == "http_error")
        f.kind = fault_kind::http_error;
    else if (k == "stream_error")
        f.kind = fault_kind::stream_error;
    else if (k == "drop")
        f.kind = fault_kind::drop;
    else if (k == "stall")
        f.kind = fault_kind::stall;
    else
        fail(path + ".kind",
             "expected \"http_error\", \"stream_error\", \"drop\" or \"stall\", got \"" + k + "\"");
    if (auto p = o.if_contains("after")) {
        if (f.kind == fault_kind::http_error) fail(path + ".after", "an http_error happens before any token");
        f.after = static_cast<std::size_t>(as_int(*p, path + ".after", 0, INT32_MAX));
    }
    if (auto p = o.if_contains("error_type")) {
        f.error_type = as_string(*p, path + ".error_type");
        if (status_for_error_type(f.error_type) == 0)
            fail(path + ".error_type", "unknown llama-server error type \"" + f.error_type + "\"");
    }
    if (auto p = o.if_contains("code")) f.code = static_cast<int>(as_int(*p, path + ".code", 100, 599));
    if (auto p = o.if_contains("message")) f.message = as_string(*p, path + ".message");
    if (auto p = o.if_contains("ms")) {
        if (f.kind != fault_kind::stall) fail(path + ".ms", "only a stall has a duration");
        f.stall = as_ms(*p, path + ".ms");
    }
    return f;
}

rule parse_rule(json::value const& v, std::string const& path, vocab const& voc)
{
    auto const& o = as_object(v, path);
    only_keys(o, path,
              {"name", "match", "times", "tokens", "delay_ms", "prompt_delay_ms", "ping_ms", "end", "fault"});
    rule r;
    r.name = path.substr(2); // "rules[3]"
    if (auto p = o.if_contains("name")) r.name = as_string(*p, path + ".name");
    if (auto p = o.if_contains("match")) r.match = parse_match(*p, path + ".match", voc);
    if (auto p = o.if_contains("times"))
        r.times = static_cast<std::size_t>(as_int(*p, path + ".times", 1, INT32_MAX));
    if (auto p = o.if_contains("tokens")) r.tokens = as_tokens(*p, path + ".tokens", voc, &r.choices);
    if (auto p = o.if_contains("delay_ms")) r.delay = as_ms(*p, path + ".delay_ms");
    if (auto p = o.if_contains("prompt_delay_ms")) r.prompt_delay = as_ms(*p, path + ".prompt_delay_ms");
    if (auto p = o.if_contains("ping_ms")) r.ping = as_ms(*p, path + ".ping_ms");
    if (auto p = o.if_contains("end")) r.end = parse_end(*p, path + ".end", voc);
    if (auto p = o.if_contains("fault")) r.fault = parse_fault(*p, path + ".fault");
    return r;
}

} // namespace

std::string line_column(std::string_view text, std::size_t offset)
{
    offset = std::min(offset, text.size());
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return std::to_string(line) + ":" + std::to_string(col);
}

int status_for_error_type(std::string_view t)
{
    // llama.cpp tools/server/server-common.cpp format_error_response
    if (t == "invalid_request_error" || t == "exceed_context_size_error") return 400;
    if (t == "authentication_error") return 401;
    if (t == "permission_error") return 403;
    if (t == "not_found_error") return 404;
    if (t == "server_error") return 500;
    if (t == "not_supported_error") return 501;
    if (t == "unavailable_error") return 503;
    return 0;
}

boost::system::result<script, script_error> parse_script(std::string_view text, std::string_view source,
                                                         vocab const& voc)
{
    std::string const where(source);
    json::parser p;
    boost::system::error_code ec;
    // parser::write wants one complete JSON text; on failure it reports how far it got.
    auto used = p.write(text.data(), text.size(), ec);
    if (ec) return script_error{where + ":" + line_column(text, used) + ": invalid JSON: " + ec.message()};
    json::value root = p.release();

    locator loc(text);
    try {
        auto const& o = as_object(root, "$");
        only_keys(o, "$", {"rules", "warmup_delay_ms"});
        auto const* rules = o.if_contains("rules");
        if (!rules) fail("$", "missing field \"rules\"");
        if (!rules->is_array()) fail("$.rules", "expected an array of rules");
        script s;
        s.source = where;
        if (auto const* w = o.if_contains("warmup_delay_ms")) s.warmup_delay = as_ms(*w, "$.warmup_delay_ms");
        auto const& a = rules->get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
            auto path = "$.rules[" + std::to_string(i) + "]";
            s.rules.push_back(parse_rule(a[i], path, voc));
            s.rules.back().line = std::stoul(line_column(text, loc.offset(path)));
        }
        return s;
    } catch (semantic_failure const& f) {
        return script_error{where + ":" + line_column(text, loc.offset(f.path)) + ": " + f.path + ": " +
                            f.message};
    }
}

boost::system::result<script, script_error> load_script(std::filesystem::path const& path, vocab const& voc)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return script_error{path.string() + ": cannot open the script file"};
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return script_error{path.string() + ": cannot read the script file"};
    return parse_script(ss.str(), path.string(), voc);
}

rule const* select_rule(script const& s, std::vector<std::size_t>& uses, request_view const& req)
{
    uses.resize(s.rules.size(), 0);
    for (std::size_t i = 0; i < s.rules.size(); ++i) {
        auto const& r = s.rules[i];
        if (r.times && uses[i] >= *r.times) continue;
        if (r.match.request && *r.match.request != req.index) continue;
        if (r.match.id_slot && *r.match.id_slot != req.id_slot) continue;
        if (!r.match.prompt_ends_with.empty()) {
            auto const& want = r.match.prompt_ends_with;
            if (!req.prompt || req.prompt->size() < want.size() ||
                !std::equal(want.begin(), want.end(),
                            req.prompt->end() - static_cast<std::ptrdiff_t>(want.size())))
                continue;
        }
        ++uses[i];
        return &r;
    }
    return nullptr;
}

} // namespace hp::tools::fake_llama
