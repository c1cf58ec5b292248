// translate/responses_request.cpp: the Responses request parser (see responses_request.hpp).
#include "translate/responses_request.hpp"

#include "translate/responses_json_reader.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <utility>

namespace hp::translate::responses {

namespace json = boost::json;

namespace {

std::optional<message_role> parse_role(std::string_view s)
{
    for (auto r :
         {message_role::developer, message_role::system, message_role::user, message_role::assistant})
        if (message_role_name(r) == s) return r;
    return std::nullopt;
}

// Harmony has three levels; the Responses API has more. The nearest one keeps the request's intent.
std::optional<reasoning_effort> parse_effort(std::string_view s)
{
    if (auto e = effort_from_name(s)) return e;
    if (s == "minimal" || s == "none") return reasoning_effort::low;
    if (s == "xhigh") return reasoning_effort::high;
    return std::nullopt;
}

// Where parts come from decides what an image means: an error in a message, a part in a tool output.
enum class part_context { message, tool_output };

// `content` of a message or `output` of a tool output: a string or an array of parts.
std::vector<content_part> parse_parts(json_reader& rd, json::value const& v, std::string const& path,
                                      std::string_view string_type, part_context ctx,
                                      std::string const& item_path)
{
    std::vector<content_part> parts;
    if (v.is_string()) {
        parts.push_back(text_part{std::string(string_type), std::string(v.get_string())});
        return parts;
    }
    if (!v.is_array()) {
        rd.fail(request_errc::wrong_type, path, "expected a string or an array");
        return parts;
    }
    auto const& arr = v.get_array();
    for (std::size_t i = 0; i < arr.size() && !rd.failed(); ++i) {
        std::string const p = element_path(path, i);
        auto const* o = rd.as_object(arr[i], p);
        if (!o) break;
        std::string const type = rd.req_string(*o, "type", p);
        if (rd.failed()) break;
        if (type == "input_text" || type == "output_text" || type == "text" || type == "summary_text") {
            parts.push_back(text_part{type, rd.req_string(*o, "text", p)});
        } else if (type == "refusal") {
            parts.push_back(text_part{type, rd.req_string(*o, "refusal", p)});
        } else if (type == "input_image" || type == "input_file") {
            if (ctx == part_context::message) {
                rd.fail(request_errc::unsupported_image, p,
                        type + " parts are not supported in " + item_path + ": gpt-oss reads text only");
                break;
            }
            parts.push_back(image_part{rd.opt_string(*o, "image_url", p)});
        } else {
            rd.fail(request_errc::bad_value, member_path(p, "type"),
                    "unknown content part type \"" + type + "\"");
        }
    }
    return parts;
}

std::vector<std::string> parse_texts(json_reader& rd, json::object const& o, std::string_view key,
                                     std::string const& path)
{
    std::vector<std::string> texts;
    auto const* arr = rd.opt_array(o, key, path);
    if (!arr) return texts;
    std::string const base = member_path(path, key);
    for (std::size_t i = 0; i < arr->size() && !rd.failed(); ++i) {
        std::string const p = element_path(base, i);
        if (auto const* part = rd.as_object((*arr)[i], p)) texts.push_back(rd.req_string(*part, "text", p));
    }
    return texts;
}

std::vector<content_part> parse_output(json_reader& rd, json::object const& o, std::string const& path)
{
    auto const* v = json_reader::member(o, "output");
    if (!v) {
        rd.fail(request_errc::missing_field, member_path(path, "output"), "required");
        return {};
    }
    return parse_parts(rd, *v, member_path(path, "output"), "input_text", part_context::tool_output, path);
}

// One input item; nullopt for an item type this proxy does not map (recorded in skipped).
std::optional<input_item> parse_item(json_reader& rd, json::object const& o, std::string const& path,
                                     std::vector<std::string>& skipped)
{
    auto const type = rd.opt_string(o, "type", path);
    auto id = rd.opt_string(o, "id", path);
    if (rd.failed()) return std::nullopt;
    // EasyInputMessage: {"role":..., "content":...} without a type.
    if (!type || *type == "message") {
        message_item m;
        m.id = std::move(id);
        std::string const role = rd.req_string(o, "role", path);
        if (rd.failed()) return std::nullopt;
        auto r = parse_role(role);
        if (!r) {
            rd.fail(request_errc::bad_value, member_path(path, "role"),
                    "expected \"developer\", \"system\", \"user\" or \"assistant\"");
            return std::nullopt;
        }
        m.role = *r;
        m.phase = rd.opt_string(o, "phase", path);
        if (auto const* content = json_reader::member(o, "content"))
            m.content = parse_parts(rd, *content, member_path(path, "content"),
                                    m.role == message_role::assistant ? "output_text" : "input_text",
                                    part_context::message, path);
        return m;
    }
    if (*type == "reasoning") {
        reasoning_item r;
        r.id = std::move(id);
        r.summary = parse_texts(rd, o, "summary", path);
        r.content = parse_texts(rd, o, "content", path);
        r.encrypted_content = rd.opt_string(o, "encrypted_content", path);
        return r;
    }
    if (*type == "function_call") {
        function_call_item c;
        c.id = std::move(id);
        c.name = rd.req_string(o, "name", path);
        c.ns = rd.opt_string(o, "namespace", path);
        c.arguments = rd.req_string(o, "arguments", path);
        c.call_id = rd.req_string(o, "call_id", path);
        return c;
    }
    if (*type == "function_call_output") {
        function_call_output_item out;
        out.id = std::move(id);
        out.call_id = rd.req_string(o, "call_id", path);
        out.output = parse_output(rd, o, path);
        return out;
    }
    if (*type == "custom_tool_call") {
        custom_tool_call_item c;
        c.id = std::move(id);
        c.name = rd.req_string(o, "name", path);
        c.input = rd.req_string(o, "input", path);
        c.call_id = rd.req_string(o, "call_id", path);
        return c;
    }
    if (*type == "custom_tool_call_output") {
        custom_tool_call_output_item out;
        out.id = std::move(id);
        out.call_id = rd.req_string(o, "call_id", path);
        out.output = parse_output(rd, o, path);
        return out;
    }
    skipped.push_back(path + " (" + *type + ")");
    return std::nullopt;
}

void parse_input(json_reader& rd, json::object const& body, request& req)
{
    auto const* v = json_reader::member(body, "input");
    if (!v) return; // no input: a conversation of the system and developer messages only
    if (v->is_string()) {
        message_item m;
        m.role = message_role::user;
        m.content.push_back(text_part{"input_text", std::string(v->get_string())});
        req.input.emplace_back(std::move(m));
        req.input_positions.push_back(0);
        return;
    }
    if (!v->is_array()) {
        rd.fail(request_errc::wrong_type, "input", "expected a string or an array");
        return;
    }
    auto const& arr = v->get_array();
    req.input.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size() && !rd.failed(); ++i) {
        std::string const p = element_path("input", i);
        auto const* o = rd.as_object(arr[i], p);
        if (!o) break;
        if (auto item = parse_item(rd, *o, p, req.skipped_items)) {
            req.input.push_back(std::move(*item));
            req.input_positions.push_back(i);
        }
    }
}

function_tool parse_function_tool(json_reader& rd, json::object const& o, std::string const& path)
{
    function_tool f;
    f.name = rd.req_string(o, "name", path);
    f.description = rd.opt_string(o, "description", path);
    f.strict = rd.opt_bool(o, "strict", path);
    if (auto const* params = rd.opt_object(o, "parameters", path)) f.parameters = json::value(*params);
    return f;
}

custom_tool parse_custom_tool(json_reader& rd, json::object const& o, std::string const& path)
{
    custom_tool c;
    c.name = rd.req_string(o, "name", path);
    c.description = rd.opt_string(o, "description", path);
    auto const* format = rd.opt_object(o, "format", path);
    if (!format) return c;
    std::string const fpath = member_path(path, "format");
    std::string const type = rd.req_string(*format, "type", fpath);
    if (rd.failed()) return c;
    if (type == "text") return c;
    if (type != "grammar") {
        rd.fail(request_errc::bad_value, member_path(fpath, "type"), "expected \"text\" or \"grammar\"");
        return c;
    }
    c.format.type = custom_tool_format::kind::grammar;
    c.format.syntax = rd.req_string(*format, "syntax", fpath);
    c.format.definition = rd.req_string(*format, "definition", fpath);
    if (!rd.failed() && c.format.syntax != "lark" && c.format.syntax != "regex")
        rd.fail(request_errc::bad_value, member_path(fpath, "syntax"), "expected \"lark\" or \"regex\"");
    return c;
}

namespace_tool parse_namespace_tool(json_reader& rd, json::object const& o, std::string const& path)
{
    namespace_tool ns;
    ns.name = rd.req_string(o, "name", path);
    ns.description = rd.opt_string(o, "description", path);
    auto const* tools = rd.opt_array(o, "tools", path);
    if (!tools) {
        rd.fail(request_errc::missing_field, member_path(path, "tools"), "required");
        return ns;
    }
    std::string const base = member_path(path, "tools");
    for (std::size_t i = 0; i < tools->size() && !rd.failed(); ++i) {
        std::string const p = element_path(base, i);
        auto const* t = rd.as_object((*tools)[i], p);
        if (!t) break;
        std::string const type = rd.req_string(*t, "type", p);
        if (rd.failed()) break;
        if (type != "function") {
            rd.fail(request_errc::bad_value, member_path(p, "type"), "a namespace holds function tools only");
            break;
        }
        ns.tools.push_back(parse_function_tool(rd, *t, p));
    }
    return ns;
}

void parse_tools(json_reader& rd, json::object const& body, request& req)
{
    auto const* tools = rd.opt_array(body, "tools", "");
    if (!tools) return;
    for (std::size_t i = 0; i < tools->size() && !rd.failed(); ++i) {
        std::string const p = element_path("tools", i);
        auto const* t = rd.as_object((*tools)[i], p);
        if (!t) break;
        std::string const type = rd.req_string(*t, "type", p);
        if (rd.failed()) break;
        if (type == "function")
            req.tools.emplace_back(parse_function_tool(rd, *t, p));
        else if (type == "custom")
            req.tools.emplace_back(parse_custom_tool(rd, *t, p));
        else if (type == "namespace")
            req.tools.emplace_back(parse_namespace_tool(rd, *t, p));
        // Hosted tools (web_search, web_search_preview, image_generation, file_search,
        // code_interpreter, local_shell, computer_use_preview, mcp, tool_search ...) run on
        // OpenAI's side; a local model has nothing behind them. Left out, reported once.
        else if (std::find(req.skipped_tools.begin(), req.skipped_tools.end(), type) ==
                 req.skipped_tools.end())
            req.skipped_tools.push_back(type);
    }
}

void parse_tool_choice(json_reader& rd, json::object const& body, request& req)
{
    auto const* v = json_reader::member(body, "tool_choice");
    if (!v) return;
    if (v->is_string()) {
        std::string_view s = v->get_string();
        if (s == "auto")
            req.choice.choice = tool_choice::mode::auto_;
        else if (s == "none")
            req.choice.choice = tool_choice::mode::none;
        else if (s == "required")
            req.choice.choice = tool_choice::mode::required;
        else
            rd.fail(request_errc::bad_value, "tool_choice",
                    "expected \"auto\", \"none\", \"required\" or an object");
        return;
    }
    if (!v->is_object()) {
        rd.fail(request_errc::wrong_type, "tool_choice", "expected a string or an object");
        return;
    }
    auto const& o = v->get_object();
    std::string const type = rd.req_string(o, "type", "tool_choice");
    if (rd.failed()) return;
    if (type != "function" && type != "custom") {
        rd.fail(request_errc::bad_value, "tool_choice.type", "expected \"function\" or \"custom\"");
        return;
    }
    req.choice.choice = tool_choice::mode::named;
    req.choice.name = rd.req_string(o, "name", "tool_choice");
}

void parse_reasoning(json_reader& rd, json::object const& body, request& req)
{
    auto const* o = rd.opt_object(body, "reasoning", "");
    if (!o) return;
    if (auto effort = rd.opt_string(*o, "effort", "reasoning")) {
        req.reasoning.effort = parse_effort(*effort);
        if (!req.reasoning.effort)
            rd.fail(request_errc::bad_value, "reasoning.effort",
                    "expected \"minimal\", \"low\", \"medium\" or \"high\"");
    }
    req.reasoning.summary = rd.opt_string(*o, "summary", "reasoning");
}

void parse_settings(json_reader& rd, json::object const& body, request& req)
{
    req.model = rd.opt_string(body, "model", "");
    req.instructions = rd.opt_string(body, "instructions", "");
    req.parallel_tool_calls = rd.opt_bool(body, "parallel_tool_calls", "");
    req.max_output_tokens = rd.opt_integer(body, "max_output_tokens", "");
    if (req.max_output_tokens && *req.max_output_tokens < 1)
        rd.fail(request_errc::bad_value, "max_output_tokens", "must be at least 1");
    req.temperature = rd.opt_number(body, "temperature", "");
    if (req.temperature && !(*req.temperature >= 0.0 && *req.temperature <= 2.0))
        rd.fail(request_errc::bad_value, "temperature", "must be between 0 and 2");
    req.top_p = rd.opt_number(body, "top_p", "");
    if (req.top_p && !(*req.top_p >= 0.0 && *req.top_p <= 1.0))
        rd.fail(request_errc::bad_value, "top_p", "must be between 0 and 1");
    req.store = rd.opt_bool(body, "store", "");
    if (auto const* include = rd.opt_array(body, "include", "")) {
        for (std::size_t i = 0; i < include->size() && !rd.failed(); ++i) {
            if ((*include)[i].is_string())
                req.include.emplace_back((*include)[i].get_string());
            else
                rd.fail(request_errc::wrong_type, element_path("include", i), "expected a string");
        }
    }
    req.prompt_cache_key = rd.opt_string(body, "prompt_cache_key", "");
    if (auto const* metadata = rd.opt_object(body, "metadata", "")) req.metadata = *metadata;
    req.previous_response_id = rd.opt_string(body, "previous_response_id", "");
    req.stream = rd.opt_bool(body, "stream", "").value_or(false);
}

} // namespace

boost::system::result<request, request_error> parse_request(json::value const& body)
{
    json_reader rd;
    auto const* o = rd.as_object(body, "");
    if (!o) return rd.error();
    request req;
    parse_settings(rd, *o, req);
    parse_reasoning(rd, *o, req);
    parse_tools(rd, *o, req);
    parse_tool_choice(rd, *o, req);
    parse_input(rd, *o, req);
    if (rd.failed()) return rd.error();
    return req;
}

boost::system::result<request, request_error> parse_request(std::string_view body)
{
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec)
        return request_error{request_errc::malformed_json, "",
                             "request body: not valid JSON (" + ec.message() + ")"};
    return parse_request(v);
}

std::string joined_text(std::span<content_part const> parts)
{
    std::string out;
    bool first = true;
    for (auto const& p : parts) {
        auto const* t = std::get_if<text_part>(&p);
        if (!t) continue;
        if (!first) out += '\n';
        out += t->text;
        first = false;
    }
    return out;
}

} // namespace hp::translate::responses
