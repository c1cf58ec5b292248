// JSON Schema -> harmony's TypeScript-like tool text. Every branch mirrors openai/harmony v0.0.8
// (src/encoding.rs, json_schema_to_typescript / template_tools_section); the golden vectors in
// ../shared/harmony-golden/render/ pin the result down byte for byte.
#include "translate/schema_to_typescript.hpp"

#include "translate/json_display.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <optional>
#include <set>
#include <vector>

namespace hp::translate {
namespace {

namespace json = boost::json;

// serde_json's Value::get: a key of an object, nothing for any other kind of value.
json::value const* get(json::value const& v, std::string_view key)
{
    auto const* obj = v.if_object();
    return obj ? obj->if_contains(key) : nullptr;
}

std::optional<std::string_view> get_string(json::value const& v, std::string_view key)
{
    auto const* p = get(v, key);
    if (!p || !p->is_string()) return std::nullopt;
    return std::string_view(p->get_string());
}

bool is_enum(json::value const& schema)
{
    auto const* e = get(schema, "enum");
    return e && e->is_array() && !e->get_array().empty();
}

bool is_nullable(json::value const& schema)
{
    auto const* n = get(schema, "nullable");
    return n && n->is_bool() && n->get_bool();
}

// `nullable: true` appends `| null` unless the type text already says null somewhere (a plain
// substring test in the reference, kept as is).
void append_nullable(std::string& type, json::value const& schema)
{
    if (is_nullable(schema) && type.find("null") == std::string::npos) type += " | null";
}

// How a default is written. A string default is quoted raw (no escaping), except that a string
// default of an enum is written bare, as the enum value itself. Other values use serde's Display.
// The top-level oneOf branch of the reference has no bare-enum case: there an enum's string
// default goes through Display and so comes out quoted and escaped.
enum class enum_default { bare, display };

std::string default_text(json::value const& def, json::value const& schema, enum_default enum_rule)
{
    if (def.is_string()) {
        std::string_view s = def.get_string();
        if (!is_enum(schema)) return "default: \"" + std::string(s) + "\"";
        if (enum_rule == enum_default::bare) return "default: " + std::string(s);
    }
    return "default: " + json_display(def);
}

void append_joined(std::string& out, std::vector<std::string> const& parts, std::string_view sep)
{
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
}

std::string object_to_typescript(json::value const& schema, std::string const& indent);

// A schema whose `oneOf` is an array, at the top of a schema (not as a property): every variant on
// its own ` | ` line, its description and default as a trailing comment.
std::string one_of_to_typescript(json::array const& variants, std::string const& indent)
{
    std::string out;
    for (auto const& variant : variants) {
        out += '\n';
        out += indent;
        out += " | ";
        std::string type = schema_to_typescript(variant, indent + "   ");
        append_nullable(type, variant);
        out += type;
        std::vector<std::string> comments;
        if (auto desc = get_string(variant, "description")) comments.emplace_back(*desc);
        if (auto const* def = get(variant, "default"))
            comments.push_back(default_text(*def, variant, enum_default::display));
        if (!comments.empty()) {
            out += " // ";
            append_joined(out, comments, " ");
        }
    }
    return out;
}

// A property whose schema has a `oneOf` array: comments above the name (its description unless the
// first variant repeats it, its default), `name?:` on its own line, one ` | variant` line per
// variant, then a lone `,` line.
void one_of_property(std::string& out, std::string const& indent, std::string_view key, bool required,
                     json::value const& prop, json::array const& variants)
{
    auto property_desc = get_string(prop, "description");
    bool skip_property_desc = false;
    if (property_desc && !variants.empty()) {
        auto first_desc = get_string(variants.front(), "description");
        skip_property_desc = first_desc && *first_desc == *property_desc;
    }
    bool desc_above = false;
    if (property_desc && !skip_property_desc) {
        out += indent + "// " + std::string(*property_desc) + "\n";
        desc_above = true;
    }
    if (auto const* def = get(prop, "default"))
        out += indent + "// " + default_text(*def, prop, enum_default::bare) + "\n";
    out += indent;
    out += key;
    out += required ? ":\n" : "?:\n";
    for (std::size_t i = 0; i < variants.size(); ++i) {
        auto const& variant = variants[i];
        out += indent + " | ";
        std::string type = schema_to_typescript(variant, indent + "   ");
        append_nullable(type, variant);
        out += type;
        std::vector<std::string> comments;
        // The property's description already stands above the name; the first variant's would
        // repeat it.
        if (!(i == 0 && desc_above)) {
            auto desc = get_string(variant, "description");
            if (desc && desc != property_desc) comments.emplace_back(*desc);
        }
        if (auto const* def = get(variant, "default"))
            comments.push_back(default_text(*def, variant, enum_default::bare));
        if (!comments.empty()) {
            out += " // ";
            append_joined(out, comments, " ");
        }
        out += '\n';
    }
    out += indent + ",\n";
}

std::string object_to_typescript(json::value const& schema, std::string const& indent)
{
    std::string out;
    if (auto desc = get_string(schema, "description")) out += indent + "// " + std::string(*desc) + "\n";
    out += "{\n";
    auto const* props = get(schema, "properties");
    if (props && props->is_object()) {
        std::set<std::string_view> required;
        if (auto const* req = get(schema, "required"); req && req->is_array())
            for (auto const& r : req->get_array())
                if (r.is_string()) required.insert(std::string_view(r.get_string()));

        for (auto const& [key_sv, prop] : props->get_object()) {
            std::string_view key = key_sv;
            bool const is_required = required.contains(key);
            if (auto title = get_string(prop, "title"))
                out += indent + "// " + std::string(*title) + "\n" + indent + "//\n";
            auto const* one_of = get(prop, "oneOf");
            if (!one_of) {
                if (auto desc = get_string(prop, "description"))
                    out += indent + "// " + std::string(*desc) + "\n";
            }
            if (auto const* ex = get(prop, "examples"); ex && ex->is_array() && !ex->get_array().empty()) {
                out += indent + "// Examples:\n";
                for (auto const& e : ex->get_array())
                    if (e.is_string()) out += indent + "// - \"" + std::string(e.get_string()) + "\"\n";
            }
            if (one_of && one_of->is_array()) {
                one_of_property(out, indent, key, is_required, prop, one_of->get_array());
                continue;
            }
            out += indent;
            out += key;
            out += is_required ? ": " : "?: ";
            std::string type = schema_to_typescript(prop, indent + "    ");
            append_nullable(type, prop);
            out += type;
            out += ',';
            if (!one_of) {
                if (auto const* def = get(prop, "default"))
                    out += " // " + default_text(*def, prop, enum_default::bare);
            }
            out += '\n';
        }
    }
    out += indent + "}";
    return out;
}

// Rust's str::lines(): split on '\n', drop one '\r' before each '\n', and no final empty line
// after a trailing newline ("" has no lines at all).
std::vector<std::string_view> rust_lines(std::string_view s)
{
    std::vector<std::string_view> lines;
    while (!s.empty()) {
        auto const nl = s.find('\n');
        std::string_view line = s.substr(0, nl);
        if (nl != std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return lines;
}

} // namespace

std::string schema_to_typescript(json::value const& schema, std::string_view indent_sv)
{
    std::string const indent(indent_sv);
    auto const* one_of = get(schema, "oneOf");
    if (one_of && one_of->is_array()) return one_of_to_typescript(one_of->get_array(), indent);

    auto const* type = get(schema, "type");
    if (type && type->is_array()) {
        std::vector<std::string> names;
        for (auto const& t : type->get_array()) {
            if (!t.is_string()) continue;
            std::string_view name = t.get_string();
            names.emplace_back(name == "integer" ? "number" : name);
        }
        if (!names.empty()) {
            std::string out;
            append_joined(out, names, " | ");
            return out;
        }
    }
    if (!type || !type->is_string()) return "any"; // includes a non-array oneOf

    std::string_view const t = type->get_string();
    if (t == "object") return object_to_typescript(schema, indent);
    if (t == "string") {
        if (auto const* e = get(schema, "enum"); e && e->is_array()) {
            std::vector<std::string> values;
            for (auto const& v : e->get_array())
                if (v.is_string()) values.push_back("\"" + std::string(v.get_string()) + "\"");
            if (!values.empty()) {
                std::string out;
                append_joined(out, values, " | ");
                return out;
            }
        }
        return "string";
    }
    if (t == "number" || t == "integer") return "number";
    if (t == "boolean") return "boolean";
    if (t == "array") {
        auto const* items = get(schema, "items");
        return items ? schema_to_typescript(*items, indent) + "[]" : "Array<any>";
    }
    return "any";
}

std::string render_tools_section(std::span<tool_namespace const* const> namespaces)
{
    std::vector<std::string> sections{"# Tools"};
    for (tool_namespace const* ns : namespaces) {
        std::vector<std::string> lines{"## " + ns->name + "\n"};
        bool const has_tools = !ns->tools.empty();
        if (ns->description) {
            for (auto line : rust_lines(*ns->description))
                lines.push_back(has_tools ? "// " + std::string(line) : std::string(line));
        }
        if (has_tools) {
            lines.push_back("namespace " + ns->name + " {\n");
            for (auto const& tool : ns->tools) {
                for (auto line : rust_lines(tool.description))
                    lines.push_back("// " + std::string(line));
                if (tool.parameters)
                    lines.push_back("type " + tool.name + " = (_: " + schema_to_typescript(*tool.parameters) +
                                    ") => any;\n");
                else
                    lines.push_back("type " + tool.name + " = () => any;\n");
            }
            lines.push_back("} // namespace " + ns->name);
        }
        std::string section;
        append_joined(section, lines, "\n");
        sections.push_back(std::move(section));
    }
    std::string out;
    append_joined(out, sections, "\n\n");
    return out;
}

} // namespace hp::translate
