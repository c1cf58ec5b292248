// translate/schema_to_gbnf.cpp
#include "translate/schema_to_gbnf.hpp"

#include "translate/regex_to_gbnf.hpp"

#include <boost/json/serialize.hpp>

#include <map>
#include <optional>
#include <set>

namespace hp::translate {
namespace {

namespace json = boost::json;

// Keywords that only annotate: ignoring them changes nothing about validity.
std::set<std::string_view> const annotations = {"description", "title",     "default",  "examples",
                                                "$schema",     "$id",       "$comment", "deprecated",
                                                "readOnly",    "writeOnly", "$defs",    "definitions"};
std::set<std::string_view> const handled = {"type",
                                            "properties",
                                            "required",
                                            "additionalProperties",
                                            "items",
                                            "minItems",
                                            "maxItems",
                                            "enum",
                                            "const",
                                            "minLength",
                                            "maxLength",
                                            "pattern",
                                            "minimum",
                                            "maximum",
                                            "exclusiveMinimum",
                                            "exclusiveMaximum",
                                            "anyOf",
                                            "oneOf",
                                            "allOf",
                                            "$ref",
                                            "nullable",
                                            "format"};

std::string alternatives(std::vector<std::string> const& alts)
{
    if (alts.size() == 1) return alts.front();
    std::string out = "(";
    for (std::size_t i = 0; i < alts.size(); ++i)
        out += (i ? " | " : "") + alts[i];
    return out + ")";
}

std::optional<double> number_at(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

std::optional<std::size_t> count_at(json::object const& o, std::string_view key)
{
    auto n = number_at(o, key);
    if (!n || *n < 0 || *n > 1e6) return std::nullopt;
    return static_cast<std::size_t>(*n);
}

class converter
{
public:
    converter(json::value const& root, std::string_view prefix, gbnf_builder& rules,
              std::vector<grammar_diagnostic>& diags)
        : root_(root), prefix_(prefix), rules_(rules), diags_(diags)
    {
    }

    grammar_result<std::string> value_rule()
    {
        auto body = convert(root_, "");
        if (!body) return body;
        return grammar_text(rules_.intern(prefix_, *body));
    }

private:
    void report(std::string const& where, std::string message)
    {
        grammar_diagnostic d{where.empty() ? "/" : where, std::move(message)};
        for (auto const& seen : diags_)
            if (seen == d) return;
        diags_.push_back(std::move(d));
    }

    // Shared JSON rules, interned so several tools in one grammar share them.
    std::string ws() { return rules_.intern("ws", R"(| " " | "\n" [ \t]{0,20})"); }
    std::string json_char()
    {
        return rules_.intern("json-char", R"([^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}))");
    }
    std::string json_string()
    {
        return rules_.intern("json-string", "\"\\\"\" " + json_char() + "* \"\\\"\"");
    }
    std::string json_number()
    {
        return rules_.intern("json-number",
                             R"("-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?)");
    }
    std::string json_value()
    {
        if (rules_.has("json-value")) return "json-value";
        auto const w = ws();
        rules_.define("json-value", "");
        auto const v = std::string("json-value");
        auto const s = json_string();
        auto obj = rules_.intern("json-object", "\"{\" " + w + " (" + s + " " + w + " \":\" " + w + " " + v +
                                                    " " + w + " (\",\" " + w + " " + s + " " + w + " \":\" " +
                                                    w + " " + v + " " + w + ")*)? \"}\"");
        auto arr = rules_.intern("json-array", "\"[\" " + w + " (" + v + " " + w + " (\",\" " + w + " " + v +
                                                   " " + w + ")*)? \"]\"");
        rules_.define("json-value", obj + " | " + arr + " | " + s + " | " + json_number() +
                                        " | \"true\" | \"false\" | \"null\"");
        return v;
    }

    grammar_result<std::string> convert(json::value const& schema, std::string const& where)
    {
        if (schema.is_bool()) {
            if (schema.get_bool()) return grammar_text(json_value());
            return grammar_error{"schema at " + (where.empty() ? "/" : where) +
                                 " is `false`: no value is valid"};
        }
        if (!schema.is_object())
            return grammar_error{"schema at " + (where.empty() ? "/" : where) + " is not an object"};
        auto const& o = schema.get_object();
        for (auto const& kv : o) {
            if (!handled.contains(kv.key()) && !annotations.contains(kv.key()))
                report(where,
                       "unsupported keyword '" + std::string(kv.key()) + "' ignored (grammar widened)");
        }
        if (auto const* ref = o.if_contains("$ref")) return reference(*ref, where);
        std::vector<std::string> alts;
        if (auto const* c = o.if_contains("const")) return grammar_text(gbnf_literal(json::serialize(*c)));
        if (auto const* e = o.if_contains("enum"); e && e->is_array() && !e->get_array().empty()) {
            for (auto const& v : e->get_array())
                alts.push_back(gbnf_literal(json::serialize(v)));
            return grammar_text(alternatives(alts));
        }
        for (char const* key : {"anyOf", "oneOf"}) {
            auto const* list = o.if_contains(key);
            if (!list) continue;
            if (!list->is_array() || list->get_array().empty())
                return grammar_error{std::string(key) + " at " + where + " is not a non-empty array"};
            std::size_t i = 0;
            for (auto const& sub : list->get_array()) {
                auto r = convert(sub, where + "/" + key + "/" + std::to_string(i++));
                if (!r) return r;
                alts.push_back(*r);
            }
            if (o.contains("type") || o.contains("properties"))
                report(where, std::string("constraints beside ") + key + " ignored (grammar widened)");
            return grammar_text(alternatives(alts));
        }
        if (auto const* all = o.if_contains("allOf")) {
            if (all->is_array() && all->get_array().size() == 1)
                return convert(all->get_array()[0], where + "/allOf/0");
            report(where, "allOf with several members: any JSON value accepted");
            return grammar_text(json_value());
        }
        std::vector<std::string> types;
        if (auto const* t = o.if_contains("type")) {
            if (t->is_string())
                types.emplace_back(t->get_string());
            else if (t->is_array())
                for (auto const& x : t->get_array())
                    if (x.is_string()) types.emplace_back(x.get_string());
        } else if (o.contains("properties") || o.contains("additionalProperties") || o.contains("required")) {
            types.emplace_back("object");
        } else if (o.contains("items")) {
            types.emplace_back("array");
        } else {
            return grammar_text(json_value());
        }
        if (auto const* n = o.if_contains("nullable"); n && n->is_bool() && n->get_bool())
            types.emplace_back("null");
        for (auto const& t : types) {
            auto r = typed(o, t, where);
            if (!r) return r;
            alts.push_back(*r);
        }
        if (alts.empty()) return grammar_error{"schema at " + where + " has an empty type list"};
        return grammar_text(alternatives(alts));
    }

    grammar_result<std::string> reference(json::value const& ref, std::string const& where)
    {
        if (!ref.is_string() || !ref.get_string().starts_with("#"))
            return grammar_error{"$ref at " + where + " is not a local reference"};
        std::string const target(ref.get_string());
        if (auto it = refs_.find(target); it != refs_.end()) return grammar_text(it->second);
        boost::system::error_code ec;
        auto const* resolved = root_.find_pointer(std::string_view(target).substr(1), ec);
        if (!resolved) return grammar_error{"$ref '" + target + "' at " + where + " does not resolve"};
        auto const name =
            rules_.fresh_name(std::string(prefix_) + "-ref-" + target.substr(target.rfind('/') + 1));
        refs_.emplace(target, name); // before converting: recursive schemas refer to the rule
        auto body = convert(*resolved, target.substr(1));
        if (!body) return body;
        rules_.define(name, *body);
        return grammar_text(name);
    }

    grammar_result<std::string> typed(json::object const& o, std::string const& type,
                                      std::string const& where)
    {
        if (type == "null") return grammar_text("\"null\"");
        if (type == "boolean") return grammar_text("(\"true\" | \"false\")");
        if (type == "integer") return integer(o, where);
        if (type == "number") {
            auto lo = number_at(o, "minimum");
            if (!lo) lo = number_at(o, "exclusiveMinimum");
            if (o.contains("maximum") || o.contains("exclusiveMaximum") || (lo && *lo > 0))
                report(where, "number bounds not enforced (grammar widened)");
            if (lo && *lo >= 0)
                return grammar_text(
                    R"(("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?)");
            return grammar_text(json_number());
        }
        if (type == "string") return string(o, where);
        if (type == "array") return array(o, where);
        if (type == "object") return object(o, where);
        return grammar_error{"unknown type '" + type + "' at " + where};
    }

    grammar_result<std::string> integer(json::object const& o, std::string const& where)
    {
        auto lo = number_at(o, "minimum");
        if (auto x = number_at(o, "exclusiveMinimum")) lo = *x + 1;
        auto hi = number_at(o, "maximum");
        if (auto x = number_at(o, "exclusiveMaximum")) hi = *x - 1;
        // Cheap exact cases: both bounds within one digit, or a lower bound of 0 or 1.
        if (lo && hi && *lo >= 0 && *hi <= 9 && *lo <= *hi && *lo == static_cast<int>(*lo) &&
            *hi == static_cast<int>(*hi)) {
            char_set digits;
            digits.add(U'0' + static_cast<char32_t>(*lo), U'0' + static_cast<char32_t>(*hi));
            return grammar_text(gbnf_class(digits));
        }
        if (hi || (lo && *lo > 1)) report(where, "integer bounds not fully enforced (grammar widened)");
        if (lo && *lo >= 1) return grammar_text(R"([1-9] [0-9]{0,15})");
        if (lo && *lo >= 0) return grammar_text(R"(("0" | [1-9] [0-9]{0,15}))");
        return grammar_text(R"("-"? ("0" | [1-9] [0-9]{0,15}))");
    }

    grammar_result<std::string> string(json::object const& o, std::string const& where)
    {
        if (o.contains("format")) report(where, "string format not enforced (grammar widened)");
        auto const min = count_at(o, "minLength");
        auto const max = count_at(o, "maxLength");
        if (auto const* p = o.if_contains("pattern"); p && p->is_string()) {
            auto body = regex_to_gbnf(p->get_string(), regex_match::search, text_context::json_string, rules_,
                                      std::string(prefix_) + "-pattern");
            if (body) {
                if (min || max)
                    report(where, "minLength/maxLength beside pattern not enforced (grammar widened)");
                return grammar_text("\"\\\"\" " + *body + " \"\\\"\"");
            }
            report(where, "pattern not translatable (grammar widened): " + body.error().message);
        }
        if (!min && !max) return grammar_text(json_string());
        if (min.value_or(0) > 2000 || max.value_or(0) > 2000) {
            report(where, "string length bounds above 2000 not enforced (grammar widened)");
            return grammar_text(json_string());
        }
        std::string rep =
            "{" + std::to_string(min.value_or(0)) + "," + (max ? std::to_string(*max) : "") + "}";
        return grammar_text("\"\\\"\" " + json_char() + rep + " \"\\\"\"");
    }

    grammar_result<std::string> array(json::object const& o, std::string const& where)
    {
        std::string item;
        if (auto const* items = o.if_contains("items"); items && !items->is_array()) {
            auto r = convert(*items, where + "/items");
            if (!r) return r;
            item = *r;
        } else {
            if (items) report(where, "tuple-form items not enforced (grammar widened)");
            item = json_value();
        }
        auto const w = ws();
        auto const min = count_at(o, "minItems").value_or(0);
        auto const max = count_at(o, "maxItems");
        if (min > 2000 || max.value_or(0) > 2000)
            return grammar_error{"minItems/maxItems above 2000 at " + where};
        if (max && *max < min) return grammar_error{"maxItems < minItems at " + where};
        if (max && *max == 0) return grammar_text("\"[\" " + w + " \"]\"");
        auto const one = item + " " + w;
        auto const more = "(\",\" " + w + " " + one + ")";
        auto const lo = min == 0 ? 0 : min - 1;
        std::string rep = max ? "{" + std::to_string(lo) + "," + std::to_string(*max - 1) + "}"
                              : (lo == 0 ? "*" : "{" + std::to_string(lo) + ",}");
        std::string body = one + " " + more + rep;
        if (min == 0) body = "(" + body + ")?";
        return grammar_text("\"[\" " + w + " " + body + " \"]\"");
    }

    grammar_result<std::string> object(json::object const& o, std::string const& where)
    {
        auto const w = ws();
        std::set<std::string> required;
        if (auto const* r = o.if_contains("required"); r && r->is_array())
            for (auto const& x : r->get_array())
                if (x.is_string()) required.emplace(x.get_string());
        struct prop
        {
            std::string kv;
            bool required;
        };
        std::vector<prop> props;
        if (auto const* ps = o.if_contains("properties"); ps && ps->is_object()) {
            for (auto const& kv : ps->get_object()) {
                auto const key = std::string(kv.key());
                auto value = convert(kv.value(), where + "/properties/" + key);
                if (!value) return value;
                props.push_back({gbnf_literal(json::serialize(json::value(key))) + " " + w + " \":\" " + w +
                                     " " + *value + " " + w,
                                 required.contains(key)});
            }
        }
        std::string extra; // one additional key/value, empty when none are allowed
        if (o.contains("patternProperties")) extra = json_value();
        // Without `properties` an object schema names no keys: any members (widening would be
        // pointless to report). With `properties`, absent additionalProperties means false.
        if (!o.contains("properties") && !o.contains("additionalProperties")) extra = json_value();
        if (auto const* ap = o.if_contains("additionalProperties")) {
            if (!ap->is_bool() || ap->get_bool()) {
                auto r = convert(*ap, where + "/additionalProperties");
                if (!r) return r;
                extra = *r;
            }
        }
        std::string extra_kv =
            extra.empty() ? "" : json_string() + " " + w + " \":\" " + w + " " + extra + " " + w;
        // after[i]: properties i.. once at least one member was written (each preceded by ",").
        std::vector<std::string> after(props.size() + 1);
        after[props.size()] = extra.empty() ? "" : "(\",\" " + w + " " + extra_kv + ")*";
        for (std::size_t i = props.size(); i-- > 0;) {
            auto const item = "\",\" " + w + " " + props[i].kv;
            after[i] = (props[i].required ? item : "(" + item + ")?") +
                       (after[i + 1].empty() ? "" : " " + after[i + 1]);
        }
        // first[i]: properties i.. when nothing was written yet. Optional properties fork into
        // "written here" and "skipped"; each fork is a rule so the text stays linear in size.
        // Only positions up to the first required property can start the object.
        std::size_t top = 0;
        while (top < props.size() && !props[top].required)
            ++top;
        auto here = [&](std::size_t i) {
            return props[i].kv + (after[i + 1].empty() ? "" : " " + after[i + 1]);
        };
        std::string first;
        if (top < props.size())
            first = here(top);
        else if (!extra.empty())
            first = "(" + extra_kv + (after[props.size()].empty() ? "" : " " + after[props.size()]) + ")?";
        for (std::size_t i = top; i-- > 0;)
            first = rules_.intern(std::string(prefix_) + "-members",
                                  first.empty() ? "(" + here(i) + ")?" : here(i) + " | " + first);
        return grammar_text("\"{\" " + w + (first.empty() ? "" : " " + first) + " \"}\"");
    }

    json::value const& root_;
    std::string prefix_;
    gbnf_builder& rules_;
    std::vector<grammar_diagnostic>& diags_;
    std::map<std::string, std::string> refs_;
};

} // namespace

grammar_result<std::string> add_schema_rules(json::value const& schema, std::string_view prefix,
                                             gbnf_builder& rules,
                                             std::vector<grammar_diagnostic>& diagnostics)
{
    return converter(schema, prefix, rules, diagnostics).value_rule();
}

grammar_result<converted_grammar> schema_to_gbnf(json::value const& schema)
{
    gbnf_builder rules;
    converted_grammar out;
    auto value = add_schema_rules(schema, "args", rules, out.diagnostics);
    if (!value) return value.error();
    rules.define("root", *value);
    out.gbnf = rules.print();
    return out;
}

} // namespace hp::translate
