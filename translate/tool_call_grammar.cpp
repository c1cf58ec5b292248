// translate/tool_call_grammar.cpp
#include "translate/tool_call_grammar.hpp"

#include "translate/lark_to_gbnf.hpp"
#include "translate/regex_to_gbnf.hpp"
#include "translate/schema_to_gbnf.hpp"
#include "translate/special_tokens.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

namespace hp::translate {
namespace {

namespace json = boost::json;

std::string token_ref(token_id id)
{
    return "<[" + std::to_string(id) + "]>";
}

std::string string_at(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

grammar_result<tool_grammar_source> function_source(json::object const& f, std::string const& ns)
{
    tool_grammar_source t;
    t.name = string_at(f, "name");
    if (t.name.empty()) return grammar_error{"a function tool without a name"};
    t.recipient = ns + "." + t.name;
    t.type = tool_grammar_source::kind::json_schema;
    if (auto const* p = f.if_contains("parameters"); p && !p->is_null()) t.schema = *p;
    return t;
}

// Adds the rule for one tool's arguments (as written after <|message|>), returns its name.
grammar_result<std::string> add_arguments(tool_grammar_source const& tool, bool custom_json,
                                          gbnf_builder& rules, std::vector<grammar_diagnostic>& diags)
{
    auto const prefix = tool.name.empty() ? std::string("tool") : tool.name;
    if (tool.type == tool_grammar_source::kind::json_schema) {
        // No parameters: harmony shows `() => any` and the model writes {}.
        json::value const schema =
            tool.schema.is_null() ? json::parse(R"({"type":"object","properties":{}})") : tool.schema;
        return add_schema_rules(schema, prefix, rules, diags);
    }
    auto const ctx = custom_json ? text_context::json_string : text_context::raw;
    grammar_result<std::string> body = grammar_text("");
    if (tool.type == tool_grammar_source::kind::lark) {
        body = add_lark_rules(tool.definition, ctx, prefix, rules);
    } else if (tool.type == tool_grammar_source::kind::regex) {
        auto r = regex_to_gbnf(tool.definition, regex_match::full, ctx, rules, prefix);
        if (!r) return r;
        body = grammar_text(rules.intern(prefix + "-input", r->empty() ? "\"\"" : *r));
    } else {
        body = grammar_text(rules.intern(prefix + "-input", "(" + gbnf_chars(char_set::any(), ctx) + ")*"));
    }
    if (!body || !custom_json) return body;
    // {"input": "..."}: the form responses_to_harmony renders for json-style custom tools.
    auto const ws = rules.intern("ws", R"(| " " | "\n" [ \t]{0,20})");
    return grammar_text(rules.intern(prefix + "-json", "\"{\" " + ws + " \"\\\"input\\\"\" " + ws +
                                                           " \":\" " + ws + " \"\\\"\" " + *body +
                                                           " \"\\\"\" " + ws + " \"}\""));
}

} // namespace

grammar_result<std::vector<tool_grammar_source>> tools_from_responses(json::value const& tools)
{
    if (!tools.is_array()) return grammar_error{"tools is not an array"};
    std::vector<tool_grammar_source> out;
    for (auto const& v : tools.get_array()) {
        if (!v.is_object()) return grammar_error{"a tool is not an object"};
        auto const& o = v.get_object();
        auto const type = string_at(o, "type");
        if (type == "function") {
            auto t = function_source(o, "functions");
            if (!t) return t.error();
            out.push_back(std::move(*t));
        } else if (type == "namespace") {
            auto const ns = string_at(o, "name");
            if (auto const* list = o.if_contains("tools"); list && list->is_array())
                for (auto const& f : list->get_array()) {
                    if (!f.is_object()) return grammar_error{"a namespace tool is not an object"};
                    auto t = function_source(f.get_object(), ns);
                    if (!t) return t.error();
                    out.push_back(std::move(*t));
                }
        } else if (type == "custom") {
            tool_grammar_source t;
            t.name = string_at(o, "name");
            if (t.name.empty()) return grammar_error{"a custom tool without a name"};
            t.recipient = "functions." + t.name;
            t.type = tool_grammar_source::kind::text;
            if (auto const* f = o.if_contains("format");
                f && f->is_object() && string_at(f->get_object(), "type") == "grammar") {
                auto const syntax = string_at(f->get_object(), "syntax");
                if (syntax == "lark")
                    t.type = tool_grammar_source::kind::lark;
                else if (syntax == "regex")
                    t.type = tool_grammar_source::kind::regex;
                else
                    return grammar_error{"custom tool " + t.name + ": unknown grammar syntax '" + syntax +
                                         "'"};
                t.definition = string_at(f->get_object(), "definition");
            }
            out.push_back(std::move(t));
        }
    }
    return out;
}

grammar_result<tool_grammar> arguments_grammar(tool_grammar_source const& tool, bool custom_json)
{
    gbnf_builder rules;
    tool_grammar out;
    auto args = add_arguments(tool, custom_json, rules, out.diagnostics);
    if (!args) return args.error();
    rules.define("root", *args);
    out.gbnf = rules.print();
    if (auto checked = parse_gbnf(out.gbnf); !checked)
        return grammar_error{"tool " + tool.name + ": " + checked.error().message};
    return out;
}

grammar_result<tool_grammar> tool_call_grammar(std::span<tool_grammar_source const> tools, bool custom_json,
                                               header_position position, std::string_view written)
{
    gbnf_builder rules;
    tool_grammar out;
    std::vector<std::string> alts;
    for (auto const& tool : tools) {
        if (!tool.recipient.starts_with(written)) continue;
        // Each tool's rules are checked on their own first, so a failure widens only that tool.
        gbnf_builder probe;
        std::vector<grammar_diagnostic> ignored;
        auto args = add_arguments(tool, custom_json, probe, ignored);
        if (args) {
            probe.define("root", *args);
            if (auto checked = parse_gbnf(probe.print()); !checked) args = checked.error();
        }
        if (args) {
            args = add_arguments(tool, custom_json, rules, out.diagnostics);
        } else {
            out.diagnostics.push_back({tool.recipient, "arguments not constrained: " + args.error().message});
            auto widened = tool;
            widened.type = tool.type == tool_grammar_source::kind::json_schema
                               ? tool_grammar_source::kind::json_schema
                               : tool_grammar_source::kind::text;
            widened.schema = json::value(true);
            args = add_arguments(widened, custom_json, rules, out.diagnostics);
            if (!args) return args.error();
        }
        bool const json_args = tool.type == tool_grammar_source::kind::json_schema || custom_json;
        std::string tail =
            json_args ? "\" \" " + token_ref(special::constrain) + " \"json\" " : std::string();
        tail += token_ref(special::message) + " " + *args;
        if (position == header_position::before_channel)
            tail = token_ref(special::channel) + " \"commentary\" " + tail;
        auto const rest = tool.recipient.substr(written.size());
        alts.push_back((rest.empty() ? std::string() : gbnf_literal(rest) + " ") + tail);
    }
    if (alts.empty())
        return grammar_error{"no declared tool's recipient continues '" + std::string(written) + "'"};
    std::string root;
    for (auto const& a : alts)
        root += (root.empty() ? "" : " | ") + a;
    rules.define("root", root);
    out.gbnf = rules.print();
    if (auto checked = parse_gbnf(out.gbnf); !checked) return grammar_error{checked.error().message};
    return out;
}

} // namespace hp::translate
