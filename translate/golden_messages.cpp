// The golden JSON message form, read strictly with paths in every error, written in canonical order.
#include "translate/golden_messages.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_from.hpp>

#include <limits>

namespace hp::translate {
namespace {

namespace json = boost::json;
using boost::system::result;

golden_error fail(std::string const& path, std::string problem)
{
    return golden_error{path, std::move(problem)};
}

std::string kind_name(json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
        return "a number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "a value";
}

golden_error wrong_kind(std::string const& path, std::string_view expected, json::value const& got)
{
    return fail(path, "expected " + std::string(expected) + ", got " + kind_name(got));
}

result<json::object const*, golden_error> as_object(json::value const& v, std::string const& path)
{
    if (auto const* o = v.if_object()) return o;
    return wrong_kind(path, "an object", v);
}

result<std::string, golden_error> as_string(json::value const& v, std::string const& path)
{
    if (auto const* s = v.if_string()) return std::string(*s);
    return wrong_kind(path, "a string", v);
}

// A key that must be present and a string.
result<std::string, golden_error> required_string(json::object const& o, std::string_view key,
                                                  std::string const& path)
{
    auto const* v = o.if_contains(key);
    if (!v) return fail(path + "." + std::string(key), "missing");
    return as_string(*v, path + "." + std::string(key));
}

// Absent or null: nullopt. `keep` is returned when the key is absent (defaults of system content).
result<std::optional<std::string>, golden_error>
optional_string(json::object const& o, std::string_view key, std::string const& path,
                std::optional<std::string> keep = std::nullopt)
{
    auto const* v = o.if_contains(key);
    if (!v) return keep;
    if (v->is_null()) return std::optional<std::string>{};
    auto s = as_string(*v, path + "." + std::string(key));
    if (!s) return s.error();
    return std::optional<std::string>(std::move(*s));
}

result<std::vector<std::string>, golden_error> string_array(json::value const& v, std::string const& path)
{
    auto const* a = v.if_array();
    if (!a) return wrong_kind(path, "an array", v);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto s = as_string((*a)[i], path + "[" + std::to_string(i) + "]");
        if (!s) return s.error();
        out.push_back(std::move(*s));
    }
    return out;
}

result<tool_description, golden_error> tool_from_json(json::value const& v, std::string const& path)
{
    auto o = as_object(v, path);
    if (!o) return o.error();
    tool_description t;
    auto name = required_string(**o, "name", path);
    if (!name) return name.error();
    t.name = std::move(*name);
    auto desc = required_string(**o, "description", path);
    if (!desc) return desc.error();
    t.description = std::move(*desc);
    if (auto const* p = (*o)->if_contains("parameters"); p && !p->is_null()) t.parameters = *p;
    return t;
}

// {"ns": {"name", "description", "tools": [...]}, ...}; the key must equal the namespace's name.
result<std::optional<std::vector<tool_namespace>>, golden_error> tools_from_json(json::object const& content,
                                                                                 std::string const& path)
{
    auto const* v = content.if_contains("tools");
    if (!v || v->is_null()) return std::optional<std::vector<tool_namespace>>{};
    std::string const tools_path = path + ".tools";
    auto o = as_object(*v, tools_path);
    if (!o) return o.error();
    std::vector<tool_namespace> out;
    for (auto const& [key, ns_value] : **o) {
        std::string const ns_path = tools_path + "." + std::string(key);
        auto ns_obj = as_object(ns_value, ns_path);
        if (!ns_obj) return ns_obj.error();
        tool_namespace ns;
        auto name = required_string(**ns_obj, "name", ns_path);
        if (!name) return name.error();
        if (*name != std::string_view(key))
            return fail(ns_path + ".name",
                        "namespace '" + *name + "' is filed under the key '" + std::string(key) + "'");
        ns.name = std::move(*name);
        auto desc = optional_string(**ns_obj, "description", ns_path);
        if (!desc) return desc.error();
        ns.description = std::move(*desc);
        if (auto const* tools = (*ns_obj)->if_contains("tools")) {
            auto const* arr = tools->if_array();
            if (!arr) return wrong_kind(ns_path + ".tools", "an array", *tools);
            for (std::size_t i = 0; i < arr->size(); ++i) {
                auto t = tool_from_json((*arr)[i], ns_path + ".tools[" + std::to_string(i) + "]");
                if (!t) return t.error();
                ns.tools.push_back(std::move(*t));
            }
        }
        out.push_back(std::move(ns));
    }
    return std::optional<std::vector<tool_namespace>>(std::move(out));
}

result<system_content, golden_error> system_from_json(json::object const& o, std::string const& path)
{
    system_content sys; // harmony's defaults for absent keys
    auto identity = optional_string(o, "model_identity", path, sys.model_identity);
    if (!identity) return identity.error();
    sys.model_identity = std::move(*identity);

    if (auto const* e = o.if_contains("reasoning_effort")) {
        if (e->is_null()) {
            sys.effort.reset();
        } else {
            auto name = as_string(*e, path + ".reasoning_effort");
            if (!name) return name.error();
            auto effort = effort_from_name(*name);
            if (!effort)
                return fail(path + ".reasoning_effort", "unknown effort '" + *name + "' (low, medium, high)");
            sys.effort = *effort;
        }
    }
    auto date = optional_string(o, "conversation_start_date", path, sys.conversation_start_date);
    if (!date) return date.error();
    sys.conversation_start_date = std::move(*date);
    auto cutoff = optional_string(o, "knowledge_cutoff", path, sys.knowledge_cutoff);
    if (!cutoff) return cutoff.error();
    sys.knowledge_cutoff = std::move(*cutoff);

    if (auto const* c = o.if_contains("channel_config")) {
        if (c->is_null()) {
            sys.channels.reset();
        } else {
            std::string const cpath = path + ".channel_config";
            auto co = as_object(*c, cpath);
            if (!co) return co.error();
            channel_config cc;
            if (auto const* vc = (*co)->if_contains("valid_channels")) {
                auto list = string_array(*vc, cpath + ".valid_channels");
                if (!list) return list.error();
                cc.valid_channels = std::move(*list);
            }
            if (auto const* req = (*co)->if_contains("channel_required")) {
                if (!req->is_bool()) return wrong_kind(cpath + ".channel_required", "a boolean", *req);
                cc.channel_required = req->get_bool();
            }
            sys.channels = std::move(cc);
        }
    }
    auto tools = tools_from_json(o, path);
    if (!tools) return tools.error();
    sys.tools = std::move(*tools);
    return sys;
}

result<developer_content, golden_error> developer_from_json(json::object const& o, std::string const& path)
{
    developer_content dev;
    auto instructions = optional_string(o, "instructions", path);
    if (!instructions) return instructions.error();
    dev.instructions = std::move(*instructions);
    auto tools = tools_from_json(o, path);
    if (!tools) return tools.error();
    dev.tools = std::move(*tools);
    return dev;
}

void put_optional(json::object& o, std::string_view key, std::optional<std::string> const& s)
{
    if (s)
        o[key] = *s;
    else
        o[key] = nullptr;
}

json::value tools_to_json(std::optional<std::vector<tool_namespace>> const& tools)
{
    if (!tools) return nullptr;
    json::object out;
    for (auto const& ns : *tools) {
        json::object nso;
        nso["name"] = ns.name;
        put_optional(nso, "description", ns.description);
        json::array list;
        for (auto const& t : ns.tools) {
            json::object to;
            to["name"] = t.name;
            to["description"] = t.description;
            to["parameters"] = t.parameters ? *t.parameters : json::value(nullptr);
            list.push_back(std::move(to));
        }
        nso["tools"] = std::move(list);
        out[ns.name] = std::move(nso);
    }
    return out;
}

} // namespace

result<message, golden_error> message_from_json(json::value const& v, std::string const& path)
{
    auto o = as_object(v, path);
    if (!o) return o.error();
    message m;
    auto role_text = required_string(**o, "role", path);
    if (!role_text) return role_text.error();
    auto r = role_from_name(*role_text);
    if (!r) return fail(path + ".role", "unknown role '" + *role_text + "'");
    m.author = *r;

    for (auto [key, field] : {std::pair{"name", &m.author_name}, std::pair{"recipient", &m.recipient},
                              std::pair{"channel", &m.channel}, std::pair{"content_type", &m.content_type}}) {
        auto s = optional_string(**o, key, path);
        if (!s) return s.error();
        *field = std::move(*s);
    }

    auto const* content = (*o)->if_contains("content");
    std::string const cpath = path + ".content";
    if (!content) return fail(cpath, "missing");
    if (auto const* s = content->if_string()) {
        m.content = std::string(*s);
    } else if (auto const* co = content->if_object(); co && m.author == role::system) {
        auto sys = system_from_json(*co, cpath);
        if (!sys) return sys.error();
        m.content = std::move(*sys);
    } else if (co && m.author == role::developer) {
        auto dev = developer_from_json(*co, cpath);
        if (!dev) return dev.error();
        m.content = std::move(*dev);
    } else {
        bool const structured = m.author == role::system || m.author == role::developer;
        return wrong_kind(cpath, structured ? "a string or an object" : "a string", *content);
    }
    return m;
}

result<std::vector<message>, golden_error> messages_from_json(json::value const& v, std::string const& path)
{
    auto const* a = v.if_array();
    if (!a) return wrong_kind(path, "an array", v);
    std::vector<message> out;
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto m = message_from_json((*a)[i], path + "[" + std::to_string(i) + "]");
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
    return out;
}

json::value message_to_json(message const& m)
{
    json::object o;
    o["role"] = role_name(m.author);
    if (m.author_name) o["name"] = *m.author_name;
    if (m.recipient) o["recipient"] = *m.recipient;
    if (m.channel) o["channel"] = *m.channel;
    if (m.content_type) o["content_type"] = *m.content_type;
    if (auto const* text = std::get_if<std::string>(&m.content)) {
        o["content"] = *text;
    } else if (auto const* sys = std::get_if<system_content>(&m.content)) {
        json::object c;
        put_optional(c, "model_identity", sys->model_identity);
        if (sys->effort)
            c["reasoning_effort"] = effort_name(*sys->effort);
        else
            c["reasoning_effort"] = nullptr;
        put_optional(c, "conversation_start_date", sys->conversation_start_date);
        put_optional(c, "knowledge_cutoff", sys->knowledge_cutoff);
        if (sys->channels) {
            json::array channels;
            for (auto const& ch : sys->channels->valid_channels)
                channels.emplace_back(ch);
            c["channel_config"] = json::object{{"valid_channels", std::move(channels)},
                                               {"channel_required", sys->channels->channel_required}};
        } else {
            c["channel_config"] = nullptr;
        }
        c["tools"] = tools_to_json(sys->tools);
        o["content"] = std::move(c);
    } else {
        auto const& dev = std::get<developer_content>(m.content);
        json::object c;
        put_optional(c, "instructions", dev.instructions);
        c["tools"] = tools_to_json(dev.tools);
        o["content"] = std::move(c);
    }
    return o;
}

void tag_invoke(json::value_from_tag, json::value& v, message const& m)
{
    v = message_to_json(m);
}

result<render_case, golden_error> render_case_from_json(json::value const& v)
{
    auto o = as_object(v, "$");
    if (!o) return o.error();
    json::object const& obj = **o;
    render_case c;
    auto name = optional_string(obj, "name", "$");
    if (!name) return name.error();
    c.name = name->value_or("");

    if (auto const* op = obj.if_contains("operation")) {
        auto text = as_string(*op, "$.operation");
        if (!text) return text.error();
        if (*text == "render_conversation_for_completion")
            c.operation = render_operation::completion;
        else if (*text == "render_conversation")
            c.operation = render_operation::conversation;
        else if (*text == "render_conversation_for_training")
            c.operation = render_operation::training;
        else if (*text == "render")
            c.operation = render_operation::single;
        else
            return fail("$.operation", "unknown operation '" + *text + "'");
    }
    if (auto const* nr = obj.if_contains("next_role"); nr && !nr->is_null()) {
        auto text = as_string(*nr, "$.next_role");
        if (!text) return text.error();
        auto r = role_from_name(*text);
        if (!r) return fail("$.next_role", "unknown role '" + *text + "'");
        c.next_role = *r;
    }

    auto policy_of = [](bool drop) {
        return drop ? analysis_policy::harmony_auto_drop : analysis_policy::keep_all;
    };
    if (auto const* flag = obj.if_contains("auto_drop_analysis"); flag && !flag->is_null()) {
        if (!flag->is_bool()) return wrong_kind("$.auto_drop_analysis", "a boolean", *flag);
        c.config.analysis = policy_of(flag->get_bool());
    } else if (auto const* rc = obj.if_contains("render_config")) {
        if (rc->is_null()) {
            c.config.analysis = analysis_policy::keep_all; // harmony drops only when given a config
        } else {
            auto rco = as_object(*rc, "$.render_config");
            if (!rco) return rco.error();
            auto const* f = (*rco)->if_contains("auto_drop_analysis");
            if (!f || !f->is_bool())
                return f ? wrong_kind("$.render_config.auto_drop_analysis", "a boolean", *f)
                         : fail("$.render_config.auto_drop_analysis", "missing");
            c.config.analysis = policy_of(f->get_bool());
        }
    }
    if (auto const* d = obj.if_contains("drop_last_token"); d && !d->is_null()) {
        if (!d->is_bool()) return wrong_kind("$.drop_last_token", "a boolean", *d);
        c.drop_last_token = d->get_bool();
    }

    auto const* msgs = obj.if_contains("messages");
    if (!msgs) return fail("$.messages", "missing");
    auto parsed = messages_from_json(*msgs, "$.messages");
    if (!parsed) return parsed.error();
    c.messages = std::move(*parsed);
    if (c.operation == render_operation::single && c.messages.size() != 1)
        return fail("$.messages",
                    "operation 'render' takes exactly one message, got " + std::to_string(c.messages.size()));

    if (auto const* t = obj.if_contains("expected_text"); t && !t->is_null()) {
        auto text = as_string(*t, "$.expected_text");
        if (!text) return text.error();
        c.expected_text = std::move(*text);
    }
    if (auto const* t = obj.if_contains("expected_tokens"); t && !t->is_null()) {
        auto const* a = t->if_array();
        if (!a) return wrong_kind("$.expected_tokens", "an array", *t);
        std::vector<token_id> ids;
        for (std::size_t i = 0; i < a->size(); ++i) {
            auto const& e = (*a)[i];
            std::string const epath = "$.expected_tokens[" + std::to_string(i) + "]";
            if (!e.is_int64() && !e.is_uint64()) return wrong_kind(epath, "an integer", e);
            auto const n = e.is_int64() ? e.get_int64() : static_cast<std::int64_t>(e.get_uint64());
            if (n < 0 || n > std::numeric_limits<token_id>::max()) return fail(epath, "not a token id");
            ids.push_back(static_cast<token_id>(n));
        }
        c.expected_tokens = std::move(ids);
    }
    return c;
}

result<rendered, render_error> run_render_case(renderer const& r, render_case const& c)
{
    switch (c.operation) {
    case render_operation::completion:
        return r.render_conversation_for_completion(c.messages, c.next_role, c.config);
    case render_operation::conversation:
        return r.render_conversation(c.messages, c.config);
    case render_operation::training:
        return r.render_conversation_for_training(c.messages, c.config);
    case render_operation::single:
        break;
    }
    // render_case_from_json guarantees one message; harmony's render(message) passes no options.
    auto out = r.render(c.messages.at(0));
    if (!out || !c.drop_last_token) return out;
    auto const end_name = special_token_name(message_end_token(c.messages.at(0))).value();
    out->text.resize(out->text.size() - end_name.size());
    if (!out->tokens.empty()) out->tokens.pop_back();
    return out;
}

} // namespace hp::translate
