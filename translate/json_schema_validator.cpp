// translate/json_schema_validator.cpp: a JSON reader that walks the schema alongside the text.
// Every step returns ok (consumed a complete value), eof (the text ended inside it, which prefix
// mode accepts when everything so far was consistent) or fail (with error_ set).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "translate/json_schema_validator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <pcre2.h>

#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace hp::translate {
namespace {

namespace json = boost::json;

enum class step { ok, eof, fail };

struct pcre_deleter
{
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};

class validator
{
public:
    validator(std::string_view text, json::value const& root, validation_mode mode)
        : s_(text), root_(root), prefix_(mode == validation_mode::prefix)
    {
    }

    boost::system::result<void, grammar_error> run()
    {
        skip_ws();
        if (pos_ == s_.size() && prefix_) return {};
        auto r = value(root_);
        if (r == step::fail) return grammar_error{error_};
        if (r == step::eof) {
            if (prefix_) return {};
            return grammar_error{"offset " + std::to_string(pos_) + ": the document is incomplete"};
        }
        skip_ws();
        if (pos_ != s_.size())
            return grammar_error{"offset " + std::to_string(pos_) + ": text after the document"};
        return {};
    }

private:
    step fail(std::string what)
    {
        error_ = "offset " + std::to_string(pos_) + ": " + std::move(what);
        return step::fail;
    }
    bool at_end() const { return pos_ >= s_.size(); }
    void skip_ws()
    {
        while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    step end_or_fail(std::string what) { return at_end() ? step::eof : fail(std::move(what)); }

    json::value const& resolve(json::value const& schema, int depth = 0)
    {
        if (!schema.is_object() || depth > 32) return schema;
        auto const* ref = schema.get_object().if_contains("$ref");
        if (!ref || !ref->is_string()) return schema;
        boost::system::error_code ec;
        auto const* target = root_.find_pointer(std::string_view(ref->get_string()).substr(1), ec);
        return target ? resolve(*target, depth + 1) : schema;
    }

    step value(json::value const& raw_schema)
    {
        auto const& schema = resolve(raw_schema);
        if (schema.is_bool()) return schema.get_bool() ? any(json::value(true)) : fail("schema `false`");
        if (!schema.is_object()) return any(json::value(true));
        auto const& o = schema.get_object();
        for (char const* key : {"anyOf", "oneOf"}) {
            auto const* list = o.if_contains(key);
            if (!list || !list->is_array()) continue;
            auto const start = pos_;
            std::size_t oks = 0, end = start;
            bool eof = false;
            for (auto const& sub : list->get_array()) {
                pos_ = start;
                auto r = value(sub);
                if (r == step::ok) ++oks, end = pos_;
                if (r == step::eof) eof = true;
            }
            if (eof && prefix_) {
                pos_ = s_.size();
                return step::eof;
            }
            pos_ = start;
            if (oks == 0) return fail(std::string("no ") + key + " alternative matches");
            if (std::string_view(key) == "oneOf" && oks > 1) return fail("several oneOf alternatives match");
            pos_ = end;
            return step::ok;
        }
        if (auto const* all = o.if_contains("allOf"); all && all->is_array()) {
            auto const start = pos_;
            step last = step::ok;
            for (auto const& sub : all->get_array()) {
                pos_ = start;
                last = value(sub);
                if (last != step::ok) return last;
            }
        }
        return any(schema);
    }

    // The value at pos_, checked against one schema object (or `true`).
    step any(json::value const& schema)
    {
        json::object const empty;
        auto const& o = schema.is_object() ? schema.get_object() : empty;
        skip_ws();
        if (at_end()) return step::eof;
        char const c = s_[pos_];
        std::string const type = c == '{'                               ? "object"
                                 : c == '['                             ? "array"
                                 : c == '"'                             ? "string"
                                 : (c == 't' || c == 'f')               ? "boolean"
                                 : c == 'n'                             ? "null"
                                 : (c == '-' || (c >= '0' && c <= '9')) ? "number"
                                                                        : "";
        if (type.empty()) return fail(std::string("unexpected '") + c + "'");
        if (auto const* t = o.if_contains("type")) {
            std::set<std::string> allowed;
            if (t->is_string()) allowed.emplace(t->get_string());
            if (t->is_array())
                for (auto const& x : t->get_array())
                    if (x.is_string()) allowed.emplace(x.get_string());
            if (auto const* n = o.if_contains("nullable"); n && n->is_bool() && n->get_bool())
                allowed.emplace("null");
            bool ok = allowed.contains(type) || (type == "number" && allowed.contains("integer"));
            if (!ok) return fail("a " + type + " where the schema wants " + json::serialize(*t));
        }
        auto const start = pos_;
        step r = type == "object"   ? object(o)
                 : type == "array"  ? array(o)
                 : type == "string" ? string(o)
                 : type == "number" ? number(o)
                                    : literal(type == "null" ? "null"
                                              : c == 't'     ? "true"
                                                             : "false");
        if (r != step::ok) return enum_prefix(o, start, r);
        return enum_check(o, start);
    }

    std::vector<json::value> enum_values(json::object const& o)
    {
        std::vector<json::value> out;
        if (auto const* c = o.if_contains("const"))
            out.push_back(*c);
        else if (auto const* e = o.if_contains("enum"); e && e->is_array())
            out.assign(e->get_array().begin(), e->get_array().end());
        return out;
    }

    step enum_check(json::object const& o, std::size_t start)
    {
        auto const values = enum_values(o);
        if (values.empty() && !o.contains("const")) return step::ok;
        boost::system::error_code ec;
        auto const v = json::parse(s_.substr(start, pos_ - start), ec);
        for (auto const& e : values)
            if (!ec && (e == v ||
                        (e.is_number() && v.is_number() && e.to_number<double>() == v.to_number<double>())))
                return step::ok;
        return fail("value not in enum/const");
    }

    // The text ended inside a value with an enum: its compact prefix must start some member.
    step enum_prefix(json::object const& o, std::size_t start, step r)
    {
        if (r != step::eof) return r;
        auto const values = enum_values(o);
        if (values.empty()) return r;
        std::string compact;
        bool in_string = false;
        for (std::size_t i = start; i < s_.size(); ++i) {
            char ch = s_[i];
            if (ch == '"' && (i == start || s_[i - 1] != '\\')) in_string = !in_string;
            if (!in_string && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r')) continue;
            compact.push_back(ch);
        }
        for (auto const& e : values)
            if (json::serialize(e).starts_with(compact)) return r;
        // Strings may be written with other escapes than serialize's; compare decoded text.
        if (!compact.empty() && compact[0] == '"')
            return r == step::eof && partial_string_in_enum(values, start)
                       ? r
                       : fail("no enum member starts like this");
        return fail("no enum member starts like this");
    }

    bool partial_string_in_enum(std::vector<json::value> const& values, std::size_t start)
    {
        auto decoded = partial_decoded_.find(start);
        if (decoded == partial_decoded_.end()) return false;
        for (auto const& e : values)
            if (e.is_string() && std::string_view(e.get_string()).starts_with(decoded->second)) return true;
        return false;
    }

    step literal(std::string_view word)
    {
        for (char w : word) {
            if (at_end()) return step::eof;
            if (s_[pos_] != w) return fail("bad literal, expected " + std::string(word));
            ++pos_;
        }
        return step::ok;
    }

    step number(json::object const& o)
    {
        auto const start = pos_;
        auto digits = [&] {
            auto b = pos_;
            while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9')
                ++pos_;
            return pos_ - b;
        };
        if (s_[pos_] == '-') ++pos_;
        if (at_end()) return step::eof;
        if (s_[pos_] == '0')
            ++pos_;
        else if (digits() == 0)
            return fail("bad number");
        if (!at_end() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) return end_or_fail("bad number fraction");
        }
        if (!at_end() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (!at_end() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) return end_or_fail("bad number exponent");
        }
        if (at_end() && prefix_) return step::eof; // more digits may follow
        double const v = std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
        auto bound = [&](char const* key) -> std::optional<double> {
            auto const* b = o.if_contains(key);
            return b && b->is_number() ? std::optional<double>(b->to_number<double>()) : std::nullopt;
        };
        if (auto t = o.if_contains("type"); t && t->is_string() && t->get_string() == "integer" &&
                                            v != static_cast<double>(static_cast<long long>(v)))
            return fail("not an integer");
        if (auto b = bound("minimum"); b && v < *b) return fail("below minimum");
        if (auto b = bound("maximum"); b && v > *b) return fail("above maximum");
        if (auto b = bound("exclusiveMinimum"); b && v <= *b) return fail("not above exclusiveMinimum");
        if (auto b = bound("exclusiveMaximum"); b && v >= *b) return fail("not below exclusiveMaximum");
        return step::ok;
    }

    // A JSON string; checks lengths (code points) and pattern.
    step string(json::object const& o)
    {
        auto const start = pos_;
        ++pos_;
        std::string decoded;
        std::size_t length = 0;
        auto const max = o.if_contains("maxLength");
        auto too_long = [&] {
            return max && max->is_number() && static_cast<double>(length) > max->to_number<double>();
        };
        auto finish_partial = [&]() -> step {
            partial_decoded_[start] = decoded;
            if (too_long()) return fail("string longer than maxLength");
            if (!pattern_ok(o, decoded, true))
                return fail("no string starting like this matches the pattern");
            return step::eof;
        };
        while (!at_end() && s_[pos_] != '"') {
            auto const b = static_cast<unsigned char>(s_[pos_]);
            if (b < 0x20) return fail("control character in a string");
            if (b == '\\') {
                if (pos_ + 1 >= s_.size()) return finish_partial();
                char e = s_[pos_ + 1];
                static constexpr std::string_view simple = "\"\\/bfnrt";
                if (simple.find(e) != std::string_view::npos) {
                    decoded.push_back(e == 'b'   ? '\b'
                                      : e == 'f' ? '\f'
                                      : e == 'n' ? '\n'
                                      : e == 'r' ? '\r'
                                      : e == 't' ? '\t'
                                                 : e);
                    pos_ += 2;
                } else if (e == 'u') {
                    std::size_t k = 0;
                    for (; k < 4 && pos_ + 2 + k < s_.size(); ++k)
                        if (!std::isxdigit(static_cast<unsigned char>(s_[pos_ + 2 + k])))
                            return fail("bad \\u escape");
                    if (k < 4) return finish_partial();
                    append_utf8(decoded, static_cast<char32_t>(
                                             std::stoul(std::string(s_.substr(pos_ + 2, 4)), nullptr, 16)));
                    pos_ += 6;
                } else {
                    return fail(std::string("bad escape \\") + e);
                }
            } else {
                decoded.push_back(s_[pos_++]);
            }
            if ((b & 0xC0) != 0x80) ++length;
        }
        length = decode_utf8(decoded).size();
        if (at_end()) return finish_partial();
        ++pos_;
        if (too_long()) return fail("string longer than maxLength");
        if (auto const* min = o.if_contains("minLength");
            min && min->is_number() && static_cast<double>(length) < min->to_number<double>())
            return fail("string shorter than minLength");
        if (!pattern_ok(o, decoded, false)) return fail("string does not match the pattern");
        return step::ok;
    }

    bool pattern_ok(json::object const& o, std::string const& text, bool partial)
    {
        auto const* p = o.if_contains("pattern");
        if (!p || !p->is_string()) return true;
        // Nothing written yet: some string matches unless the pattern is unsatisfiable, which
        // the grammar converter would have reported.
        if (partial && text.empty()) return true;
        auto const pattern = std::string(p->get_string());
        auto& code = patterns_[pattern];
        if (!code) {
            int err = 0;
            PCRE2_SIZE off = 0;
            code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF,
                                     &err, &off, nullptr));
            if (!code) return true; // not a regex PCRE2 knows: not checked
        }
        std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
            pcre2_match_data_create_from_pattern(code.get(), nullptr), &pcre2_match_data_free);
        int const rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                                   partial ? PCRE2_PARTIAL_HARD : 0, md.get(), nullptr);
        if (rc >= 0) return true;
        if (partial && rc == PCRE2_ERROR_PARTIAL) return true;
        // Unanchored at the start, a match can still be appended after the text.
        if (partial && !pattern.starts_with("^")) return true;
        return false;
    }

    step array(json::object const& o)
    {
        ++pos_;
        auto const* items = o.if_contains("items");
        json::value const item_schema = items && !items->is_array() ? *items : json::value(true);
        auto const* max = o.if_contains("maxItems");
        std::size_t count = 0;
        skip_ws();
        if (at_end()) return step::eof;
        if (s_[pos_] != ']') {
            for (;;) {
                if (max && max->is_number() && static_cast<double>(count + 1) > max->to_number<double>())
                    return fail("more items than maxItems");
                auto r = value(item_schema);
                if (r != step::ok) return r;
                ++count;
                skip_ws();
                if (at_end()) return step::eof;
                if (s_[pos_] == ']') break;
                if (s_[pos_] != ',') return fail("expected , or ] in an array");
                ++pos_;
                skip_ws();
            }
        }
        ++pos_;
        if (auto const* min = o.if_contains("minItems");
            min && min->is_number() && static_cast<double>(count) < min->to_number<double>())
            return fail("fewer items than minItems");
        return step::ok;
    }

    step object(json::object const& o)
    {
        ++pos_;
        json::object const none;
        auto const* props_v = o.if_contains("properties");
        auto const& props = props_v && props_v->is_object() ? props_v->get_object() : none;
        auto const* additional = o.if_contains("additionalProperties");
        bool const open = o.contains("patternProperties") || (!props_v && !additional) ||
                          (additional && !(additional->is_bool() && !additional->get_bool()));
        json::value const extra = additional && !additional->is_bool() ? *additional : json::value(true);
        std::set<std::string> seen;
        skip_ws();
        if (at_end()) return step::eof;
        if (s_[pos_] != '}') {
            for (;;) {
                if (at_end()) return step::eof;
                if (s_[pos_] != '"') return fail("expected a property name");
                auto const key_start = pos_;
                auto r = string(json::object{});
                if (r == step::eof) {
                    auto const& partial = partial_decoded_[key_start];
                    if (open) return step::eof;
                    for (auto const& kv : props)
                        if (!seen.contains(kv.key()) && std::string_view(kv.key()).starts_with(partial))
                            return step::eof;
                    return fail("no allowed property name starts with \"" + partial + "\"");
                }
                if (r != step::ok) return r;
                auto const key = json::parse(s_.substr(key_start, pos_ - key_start)).as_string();
                std::string const k(key);
                if (!seen.insert(k).second) return fail("duplicate property \"" + k + "\"");
                auto const* ps = props.if_contains(k);
                if (!ps && !open) return fail("property \"" + k + "\" is not allowed");
                skip_ws();
                if (at_end()) return step::eof;
                if (s_[pos_] != ':') return fail("expected :");
                ++pos_;
                r = value(ps ? *ps : extra);
                if (r != step::ok) return r;
                skip_ws();
                if (at_end()) return step::eof;
                if (s_[pos_] == '}') break;
                if (s_[pos_] != ',') return fail("expected , or } in an object");
                ++pos_;
                skip_ws();
            }
        }
        ++pos_;
        if (auto const* req = o.if_contains("required"); req && req->is_array())
            for (auto const& r : req->get_array())
                if (r.is_string() && !seen.contains(std::string(r.get_string())))
                    return fail("required property \"" + std::string(r.get_string()) + "\" missing");
        return step::ok;
    }

    std::string_view s_;
    json::value const& root_;
    bool prefix_;
    std::size_t pos_ = 0;
    std::string error_;
    std::map<std::size_t, std::string> partial_decoded_; // string start -> decoded text at eof
    std::map<std::string, std::unique_ptr<pcre2_code, pcre_deleter>> patterns_;
};

} // namespace

boost::system::result<void, grammar_error> validate_json(std::string_view text, json::value const& schema,
                                                         validation_mode mode)
{
    return validator(text, schema, mode).run();
}

} // namespace hp::translate
