// translate/conversation.hpp: harmony messages, the model's own chat format, as values.
//
// This is the meeting point of the renderer (messages -> token ids), the streaming parser
// (token ids -> messages) and the Responses mapping. The shapes follow openai/harmony's
// src/chat.rs and the message form of ../shared/harmony-golden/README.md.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hp::translate {

enum class role { system, developer, user, assistant, tool };

enum class reasoning_effort { low, medium, high };

// The spelling harmony renders and parses: "system", "developer", "user", "assistant", "tool".
constexpr std::string_view role_name(role r) noexcept
{
    switch (r) {
    case role::system:
        return "system";
    case role::developer:
        return "developer";
    case role::user:
        return "user";
    case role::assistant:
        return "assistant";
    case role::tool:
        return "tool";
    }
    return "user"; // unreachable for valid enumerators
}

constexpr std::optional<role> role_from_name(std::string_view name) noexcept
{
    for (role r : {role::system, role::developer, role::user, role::assistant, role::tool})
        if (role_name(r) == name) return r;
    return std::nullopt;
}

// Lowercase, as rendered in the system message ("Reasoning: high").
constexpr std::string_view effort_name(reasoning_effort e) noexcept
{
    switch (e) {
    case reasoning_effort::low:
        return "low";
    case reasoning_effort::medium:
        return "medium";
    case reasoning_effort::high:
        return "high";
    }
    return "medium"; // unreachable for valid enumerators
}

constexpr std::optional<reasoning_effort> effort_from_name(std::string_view name) noexcept
{
    for (auto e : {reasoning_effort::low, reasoning_effort::medium, reasoning_effort::high})
        if (effort_name(e) == name) return e;
    return std::nullopt;
}

struct tool_description
{
    std::string name;
    std::string description;
    // A JSON Schema object, or absent. Key order matters and is kept (harmony renders properties
    // in the order written; boost::json::object preserves insertion order).
    std::optional<boost::json::value> parameters;

    bool operator==(tool_description const&) const = default;
};

struct tool_namespace
{
    std::string name; // "functions", "browser", "python", or a client namespace
    std::optional<std::string> description;
    std::vector<tool_description> tools;

    bool operator==(tool_namespace const&) const = default;
};

struct channel_config
{
    std::vector<std::string> valid_channels;
    bool channel_required = true;

    bool operator==(channel_config const&) const = default;
};

struct system_content
{
    std::optional<std::string> model_identity = "You are ChatGPT, a large language model trained by OpenAI.";
    std::optional<reasoning_effort> effort = reasoning_effort::medium;
    std::optional<std::string> conversation_start_date; // YYYY-MM-DD
    std::optional<std::string> knowledge_cutoff = "2024-06";
    std::optional<channel_config> channels = channel_config{{"analysis", "commentary", "final"}, true};
    // Builtin namespaces (browser, python). Rendered in ascending byte order of their name.
    std::optional<std::vector<tool_namespace>> tools;

    bool operator==(system_content const&) const = default;
};

// The builtin namespaces of openai/harmony's src/chat.rs (ToolNamespaceConfig::browser() and
// ::python()), descriptions and schemas word for word (translate/builtin_tools.cpp).
tool_namespace browser_tool_namespace();
tool_namespace python_tool_namespace();

struct developer_content
{
    std::optional<std::string> instructions;
    // Function namespaces. Rendered in ascending byte order of their name.
    std::optional<std::vector<tool_namespace>> tools;

    bool operator==(developer_content const&) const = default;
};

// One harmony message. Which content alternative is legal depends on the role: system_content only
// in a system message, developer_content only in a developer message (the renderer reports a
// violation as an error). The streaming parser always produces string content.
struct message
{
    role author = role::user;
    std::optional<std::string> author_name;  // required for role::tool ("functions.lookup_weather")
    std::optional<std::string> recipient;    // "functions.get_weather", "assistant"
    std::optional<std::string> channel;      // "analysis", "commentary", "final"
    std::optional<std::string> content_type; // "<|constrain|>json", "json", "code"
    std::variant<std::string, system_content, developer_content> content;

    bool operator==(message const&) const = default;
};

} // namespace hp::translate
