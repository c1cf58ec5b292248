// replay/check_escaping.cpp: the escaping detector. Tool arguments are where escaping bugs show:
// JSON the model wrote by hand (unparsable, or off the declared schema), patches outside Codex's
// apply_patch language, and patches whose backslashes were doubled (the model escaped file text as
// if it were inside a JSON string) so that Codex cannot find the lines it quotes.
#include "replay/check_model.hpp"

#include "translate/apply_patch_parser.hpp"
#include "translate/json_schema_validator.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <set>

namespace hp::replay::detail {
namespace json = boost::json;
namespace {

// What Codex's apply_patch (codex-rs/apply-patch) writes into the tool output when a patch fails.
// Only markers specific enough not to match ordinary command output.
constexpr std::array<std::string_view, 3> patch_failure_markers{
    "apply_patch verification failed", "Failed to find expected lines", "Failed to find context"};

// A patch line must quote at least this much text to be matched against tool outputs.
constexpr std::size_t min_quote_chars = 8;

// The declared function tool `name` (top level or inside a namespace tool).
json::object const* find_function_tool(json::array const* tools, std::string_view name)
{
    if (!tools) return nullptr;
    for (auto const& t : *tools) {
        auto const* o = t.if_object();
        if (!o) continue;
        auto type = string_or_empty(o->if_contains("type"));
        if (type == "function" && string_or_empty(o->if_contains("name")) == name) return o;
        if (type == "namespace")
            if (auto const* inner = o->if_contains("tools"); inner && inner->is_array())
                if (auto const* found = find_function_tool(&inner->get_array(), name)) return found;
    }
    return nullptr;
}

void check_function_call(session_view const& s, exchange_view const& e, json::object const& item,
                         context const& ctx)
{
    auto name = string_or_empty(item.if_contains("name"));
    auto args = string_or_empty(item.if_contains("arguments"));
    boost::system::error_code ec;
    json::parse(args, ec);
    if (ec) {
        ctx.report(s, e, "escaping", "arguments of " + name + " are not JSON (" + ec.message() + ")", excerpt(args));
        return;
    }
    auto const* tool = find_function_tool(e.tools(), name);
    auto const* schema = tool ? tool->if_contains("parameters") : nullptr;
    if (!schema) return; // undeclared tool or no schema: nothing to validate against
    if (auto valid = translate::validate_json(args, *schema); !valid)
        ctx.report(s, e, "escaping", "arguments of " + name + " do not match its schema (" + valid.error().message + ")",
                   excerpt(args));
}

// Lines that tool outputs earlier in the conversation showed (file text as the model saw it).
std::vector<std::string> earlier_output_text(exchange_view const& e)
{
    std::vector<std::string> texts;
    if (auto const* in = e.input())
        for (auto const& v : *in)
            if (auto const* o = v.if_object(); o && is_tool_output(*o)) texts.push_back(tool_output_text(*o));
    return texts;
}

std::string halve_backslashes(std::string_view line)
{
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
        out += line[i];
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\\') ++i;
    }
    return out;
}

bool seen_in(std::vector<std::string> const& texts, std::string_view needle)
{
    for (auto const& t : texts)
        if (t.find(needle) != std::string::npos) return true;
    return false;
}

void check_patch(session_view const& s, exchange_view const& e, json::object const& item, context const& ctx)
{
    auto input = string_or_empty(item.if_contains("input"));
    auto hunks = translate::parse_apply_patch(input);
    if (!hunks) {
        ctx.report(s, e, "escaping", "apply_patch input is not in the patch language (" + hunks.error().message + ")",
                   excerpt(input));
        return;
    }
    std::vector<std::string> outputs; // read lazily: most patches hold no backslashes
    bool outputs_read = false;
    for (auto const& h : *hunks) {
        if (h.type != translate::patch_hunk::kind::update) continue;
        for (auto const& line : h.lines) {
            // Context and removed lines quote the file; "+" lines are new text and may hold anything.
            if (line.empty() || (line[0] != ' ' && line[0] != '-')) continue;
            std::string_view quoted = std::string_view(line).substr(1);
            if (quoted.find("\\\\") == std::string_view::npos) continue;
            auto single = halve_backslashes(quoted);
            // Short fragments ("\\", "}") occur everywhere: too weak to call a match.
            if (single.find_first_not_of(" \t") == std::string::npos ||
                single.size() - single.find_first_not_of(" \t") < min_quote_chars)
                continue;
            if (!outputs_read) outputs = earlier_output_text(e), outputs_read = true;
            if (seen_in(outputs, single) && !seen_in(outputs, quoted)) {
                ctx.report(s, e, "escaping",
                           "patch line for " + h.path + " doubles the backslashes of the file text it quotes",
                           "patch '" + excerpt(quoted, 80) + "' vs file '" + excerpt(single, 80) + "'");
                return; // one finding per patch is enough evidence
            }
        }
    }
}

// " from exchange N" when an exchange of the session sent the call `call_id` to the client.
std::string origin(session_view const& s, std::string const& call_id)
{
    for (auto const& e : s.exchanges)
        for (auto const& item : e.done_items)
            if (string_or_empty(item.if_contains("call_id")) == call_id) return " from exchange " + std::to_string(e.number);
    return {};
}

} // namespace

void check_escaping(session_view const& s, context const& ctx)
{
    std::set<std::string> reported_outputs; // call ids: every later request repeats the history
    for (auto const& e : s.exchanges) {
        for (auto const& item : e.done_items) {
            auto type = string_or_empty(item.if_contains("type"));
            if (type == "function_call") check_function_call(s, e, item, ctx);
            else if (type == "custom_tool_call" && string_or_empty(item.if_contains("name")) == "apply_patch")
                check_patch(s, e, item, ctx);
        }
        auto const* in = e.input();
        if (!in) continue;
        for (auto const& v : *in) {
            auto const* o = v.if_object();
            if (!o || !is_tool_output(*o)) continue;
            auto call_id = string_or_empty(o->if_contains("call_id"));
            if (reported_outputs.contains(call_id)) continue;
            auto text = tool_output_text(*o);
            for (auto marker : patch_failure_markers) {
                auto at = text.find(marker);
                if (at == std::string::npos) continue;
                reported_outputs.insert(call_id);
                ctx.report(s, e, "escaping", "Codex reports a failed patch (call " + call_id + origin(s, call_id) + ")",
                           excerpt(std::string_view(text).substr(at)));
                break;
            }
        }
    }
}

} // namespace hp::replay::detail
