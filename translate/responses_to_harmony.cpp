// translate/responses_to_harmony.cpp: see responses_to_harmony.hpp for the mapping rules.
#include "translate/responses_to_harmony.hpp"

#include "translate/responses_json_reader.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace hp::translate::responses {

namespace json = boost::json;

namespace {

bool is_instruction_message(input_item const& item)
{
    auto const* m = std::get_if<message_item>(&item);
    return m && (m->role == message_role::developer || m->role == message_role::system);
}

// A turn ends where the next item is a user/developer/system message, or at the end of the input.
bool ends_turn(std::span<input_item const> items, std::size_t i)
{
    if (i + 1 >= items.size()) return true;
    auto const* next = std::get_if<message_item>(&items[i + 1]);
    return next && next->role != message_role::assistant;
}

std::string append_block(std::string out, std::string_view block)
{
    if (block.empty()) return out;
    if (!out.empty()) out += "\n\n";
    out += block;
    return out;
}

// The custom-tool declaration. The description tells the model how to write the input; the grammar
// (Codex's apply_patch Lark grammar) goes with it because the model never saw the tool in training.
tool_description custom_tool_description(registered_tool const& t, custom_tool_style style)
{
    std::string description = t.description.value_or(std::string());
    if (style == custom_tool_style::raw) {
        description =
            append_block(std::move(description),
                         "This tool takes raw text, not JSON: write the input itself as the message "
                         "content, with no quotes, escaping or JSON object around it.");
    }
    if (t.format && t.format->type == custom_tool_format::kind::grammar) {
        std::string note =
            style == custom_tool_style::raw ? "The input must match this " : "`input` must match this ";
        note += t.format->syntax == "regex" ? "regular expression:\n" : "Lark grammar:\n";
        note += t.format->definition;
        description = append_block(std::move(description), note);
    }
    json::value params;
    if (style == custom_tool_style::raw) {
        params = json::object{{"type", "string"}};
    } else {
        params = json::object{{"type", "object"},
                              {"properties", json::object{{"input", json::object{{"type", "string"}}}}},
                              {"required", json::array{"input"}}};
    }
    return tool_description{t.name, std::move(description), std::move(params)};
}

tool_description function_tool_description(registered_tool const& t)
{
    return tool_description{t.name, t.description.value_or(std::string()), t.parameters};
}

// The namespaces of the developer message: `functions` (function and custom tools, in declaration
// order) and one per namespace tool.
boost::system::result<std::vector<tool_namespace>, request_error>
tool_namespaces(request const& req, tool_registry const& reg, custom_tool_style style)
{
    std::vector<tool_namespace> out;
    tool_namespace functions{"functions", std::nullopt, {}};
    for (auto const& t : reg.tools()) {
        if (t.kind == tool_kind::function) functions.tools.push_back(function_tool_description(t));
        if (t.kind == tool_kind::custom) functions.tools.push_back(custom_tool_description(t, style));
    }
    if (!functions.tools.empty()) out.push_back(std::move(functions));
    for (std::size_t i = 0; i < req.tools.size(); ++i) {
        auto const* ns = std::get_if<namespace_tool>(&req.tools[i]);
        if (!ns || ns->tools.empty()) continue;
        std::string const path = member_path(element_path("tools", i), "name");
        if (ns->name == "functions")
            return request_error{request_errc::bad_value, path,
                                 path + ": \"functions\" is the namespace of plain function tools"};
        bool const seen =
            std::any_of(out.begin(), out.end(), [&](auto const& n) { return n.name == ns->name; });
        if (seen)
            return request_error{request_errc::duplicate_tool, path,
                                 path + ": namespace \"" + ns->name + "\" is declared twice"};
        tool_namespace n{ns->name, ns->description, {}};
        for (auto const& f : ns->tools) {
            if (auto const* t = reg.find(f.name, std::string_view(ns->name)))
                n.tools.push_back(function_tool_description(*t));
        }
        out.push_back(std::move(n));
    }
    return out;
}

message assistant_message(std::string channel, std::string content)
{
    message m;
    m.author = role::assistant;
    m.channel = std::move(channel);
    m.content = std::move(content);
    return m;
}

// The text of a tool output: text parts joined with "\n", images as a placeholder.
std::string tool_output_text(std::span<content_part const> parts, bool& had_image)
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += '\n';
        if (auto const* t = std::get_if<text_part>(&parts[i])) {
            out += t->text;
        } else {
            out += kImagePlaceholder;
            had_image = true;
        }
    }
    return out;
}

// Walks the items after the leading instruction messages and appends their harmony messages.
class item_mapper
{
public:
    item_mapper(request const& req, tool_registry const& reg, conversion_options const& options,
                harmony_request& out)
        : req_(req), reg_(reg), options_(options), out_(out)
    {
    }

    boost::system::result<void, request_error> map(std::span<input_item const> items, std::size_t first)
    {
        for (std::size_t i = first; i < items.size(); ++i) {
            auto r = std::visit([&](auto const& item) { return map_item(item, items, i); }, items[i]);
            if (!r) return r;
        }
        return {};
    }

private:
    using result = boost::system::result<void, request_error>;

    void push(message m, std::size_t source)
    {
        out_.messages.push_back(std::move(m));
        out_.sources.emplace_back(source);
    }

    result map_item(message_item const& m, std::span<input_item const> items, std::size_t i)
    {
        std::string text = joined_text(m.content);
        message h;
        switch (m.role) {
        case message_role::user:
            h.author = role::user;
            h.content = std::move(text);
            break;
        case message_role::developer:
        case message_role::system:
            // Instructions that arrive mid-conversation stay in place (append-only prompts).
            h.author = role::developer;
            h.content = developer_content{std::move(text), std::nullopt};
            break;
        case message_role::assistant: {
            bool final = ends_turn(items, i);
            if (m.phase == "commentary") final = false;
            if (m.phase == "final_answer") final = true;
            h = assistant_message(final ? "final" : "commentary", std::move(text));
            break;
        }
        }
        push(std::move(h), i);
        return {};
    }

    result map_item(reasoning_item const& r, std::span<input_item const>, std::size_t i)
    {
        auto const& texts = r.content.empty() ? r.summary : r.content;
        if (texts.empty()) return {};
        std::string text;
        for (std::size_t k = 0; k < texts.size(); ++k) {
            if (k) text += '\n';
            text += texts[k];
        }
        push(assistant_message("analysis", std::move(text)), i);
        return {};
    }

    result map_item(function_call_item const& c, std::span<input_item const>, std::size_t i)
    {
        std::optional<std::string_view> ns;
        if (c.ns) ns = *c.ns;
        auto const* t = reg_.find(c.name, ns);
        std::string recipient = t ? t->recipient : recipient_for(c.name, ns);
        message h = assistant_message("commentary", c.arguments);
        h.recipient = recipient;
        h.content_type = "<|constrain|>json";
        calls_[c.call_id] = std::move(recipient);
        push(std::move(h), i);
        return {};
    }

    result map_item(custom_tool_call_item const& c, std::span<input_item const>, std::size_t i)
    {
        std::string recipient = recipient_for(c.name, std::nullopt);
        message h;
        if (options_.custom_tools == custom_tool_style::raw) {
            h = assistant_message("commentary", c.input);
        } else {
            h = assistant_message("commentary", json::serialize(json::object{{"input", c.input}}));
            h.content_type = "<|constrain|>json";
        }
        h.recipient = recipient;
        calls_[c.call_id] = std::move(recipient);
        push(std::move(h), i);
        return {};
    }

    result map_item(function_call_output_item const& o, std::span<input_item const>, std::size_t i)
    {
        return map_output(o.call_id, o.output, i);
    }

    result map_item(custom_tool_call_output_item const& o, std::span<input_item const>, std::size_t i)
    {
        return map_output(o.call_id, o.output, i);
    }

    result map_output(std::string const& call_id, std::span<content_part const> output, std::size_t i)
    {
        auto it = calls_.find(call_id);
        if (it == calls_.end()) {
            std::string const path = member_path(item_path(i), "call_id");
            return request_error{request_errc::unknown_call_id, path,
                                 path + ": no earlier tool call has call_id \"" + call_id + "\""};
        }
        bool had_image = false;
        message h;
        h.author = role::tool;
        h.author_name = it->second;
        h.recipient = "assistant";
        h.channel = "commentary";
        h.content = tool_output_text(output, had_image);
        if (had_image)
            out_.warnings.push_back(item_path(i) + ": image in a tool output replaced by a placeholder");
        push(std::move(h), i);
        return {};
    }

    // The body's JSON path of input[i], for errors and warnings.
    std::string item_path(std::size_t i) const
    {
        return element_path("input", i < req_.input_positions.size() ? req_.input_positions[i] : i);
    }

    request const& req_;
    tool_registry const& reg_;
    conversion_options const& options_;
    harmony_request& out_;
    std::unordered_map<std::string, std::string> calls_; // call_id -> recipient
};

boost::system::result<std::optional<std::string>, request_error> forced_recipient(tool_choice const& choice,
                                                                                  tool_registry const& reg)
{
    if (choice.choice != tool_choice::mode::named) return std::optional<std::string>();
    auto const* t = reg.find(choice.name, std::nullopt);
    if (!t) t = reg.find(choice.name); // "namespace.name" or "functions.name"
    if (!t)
        return request_error{request_errc::unknown_tool_choice, "tool_choice.name",
                             "tool_choice.name: no declared tool is named \"" + choice.name + "\""};
    return std::optional<std::string>(t->recipient);
}

} // namespace

message system_message(reasoning_effort effort, conversion_options const& options)
{
    system_content sc;
    sc.effort = effort;
    if (!options.conversation_date.empty()) sc.conversation_start_date = options.conversation_date;
    sc.knowledge_cutoff = options.knowledge_cutoff;
    message m;
    m.author = role::system;
    m.content = std::move(sc);
    return m;
}

boost::system::result<harmony_request, request_error> to_harmony(request const& req,
                                                                 conversion_options const& options)
{
    harmony_request out;
    auto reg = tool_registry::build(req.tools);
    if (!reg) return reg.error();
    out.tools = std::move(*reg);
    out.effort = req.reasoning.effort.value_or(options.default_effort);

    auto forced = forced_recipient(req.choice, out.tools);
    if (!forced) return forced.error();
    out.forced_recipient = std::move(*forced);
    out.tool_calls_forbidden = req.choice.choice == tool_choice::mode::none;
    out.tool_call_required = req.choice.choice == tool_choice::mode::required;
    out.generation = generation_settings{req.max_output_tokens, req.temperature, req.top_p};

    for (auto const& t : req.skipped_tools)
        out.warnings.push_back("hosted tool \"" + t + "\" left out: a local model cannot run it");
    for (auto const& s : req.skipped_items)
        out.warnings.push_back(s + ": item type not supported, left out");

    out.messages.push_back(system_message(out.effort, options));
    out.sources.emplace_back(std::nullopt);

    // Leading developer/system messages merge into the one developer message, after `instructions`.
    std::span<input_item const> items(req.input);
    std::string instructions = append_block({}, req.instructions.value_or(std::string()));
    std::size_t first = 0;
    for (; first < items.size() && is_instruction_message(items[first]); ++first)
        instructions =
            append_block(std::move(instructions), joined_text(std::get<message_item>(items[first]).content));

    auto namespaces = tool_namespaces(req, out.tools, options.custom_tools);
    if (!namespaces) return namespaces.error();
    if (!instructions.empty() || !namespaces->empty()) {
        developer_content dc;
        if (!instructions.empty()) dc.instructions = std::move(instructions);
        if (!namespaces->empty()) dc.tools = std::move(*namespaces);
        message dev;
        dev.author = role::developer;
        dev.content = std::move(dc);
        out.messages.push_back(std::move(dev));
        out.sources.emplace_back(std::nullopt);
    }

    item_mapper mapper(req, out.tools, options, out);
    if (auto r = mapper.map(items, first); !r) return r.error();

    // Chain of thought: filter once here so that `messages` is exactly what gets rendered.
    auto const kept = kept_messages(out.messages, options.analysis);
    std::vector<message> messages;
    std::vector<std::optional<std::size_t>> sources;
    for (std::size_t i = 0; i < out.messages.size(); ++i) {
        if (!kept[i]) continue;
        messages.push_back(std::move(out.messages[i]));
        sources.push_back(out.sources[i]);
    }
    out.messages = std::move(messages);
    out.sources = std::move(sources);
    return out;
}

completion_settings completion_settings_for(harmony_request const& request, std::vector<token_id> prompt,
                                            double default_temperature, double default_top_p)
{
    completion_settings settings;
    settings.prompt = std::move(prompt);
    if (request.generation.n_predict)
        settings.n_predict = static_cast<std::int32_t>(std::min<std::int64_t>(*request.generation.n_predict, INT32_MAX));
    settings.temperature = request.generation.temperature.value_or(default_temperature);
    settings.top_p = request.generation.top_p.value_or(default_top_p);
    return settings;
}

} // namespace hp::translate::responses
