// translate/golden_messages.hpp: the JSON message form of ../shared/harmony-golden/ (render inputs,
// parse outputs) <-> hp::translate::message, and the render case files built on it.
//
// Used by the golden tests, `harmony-proxy harmony render FILE.json`, and replay fixtures. Reading
// is strict and names the offending path ("messages[1].content.tools.functions.tools[0].name:
// expected a string"); unknown keys are ignored on purpose (the case files carry provenance
// notes). A missing optional header key means "not set"; null means the same.
#pragma once

#include "translate/conversation.hpp"
#include "translate/renderer.hpp"

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <vector>

namespace hp::translate {

struct golden_error
{
    // A constructor (not an aggregate), so that result<std::string, golden_error> can tell a value
    // from an error.
    golden_error() = default;
    golden_error(std::string p, std::string what) : path(std::move(p)), problem(std::move(what)) {}

    std::string path;    // "messages[2].role"
    std::string problem; // "unknown role 'robot'"
    std::string what() const { return path + ": " + problem; }
};

// One message in the golden form:
// {"role", "name"?, "recipient"?, "channel"?, "content_type"?, "content"}, where content is a
// string, or an object for system ({"model_identity", "reasoning_effort", ...}) and developer
// ({"instructions", "tools"}) messages. In system content an absent field keeps harmony's default
// (SystemContent::new()) and null clears it.
boost::system::result<message, golden_error> message_from_json(boost::json::value const& v,
                                                               std::string const& path = "message");

boost::system::result<std::vector<message>, golden_error>
messages_from_json(boost::json::value const& v, std::string const& path = "messages");

// The golden form, keys in its canonical order, absent fields left out (header keys) or null
// (system/developer content fields). message_from_json(message_to_json(m)) == m.
boost::json::value message_to_json(message const& m);

// boost::json::value_from(message) support.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, message const& m);

enum class render_operation {
    completion,   // render_conversation_for_completion: conversation, then <|start|>{next_role}
    conversation, // render_conversation
    training,     // render_conversation_for_training
    single,       // render: exactly one message, default options
};

// A file of ../shared/harmony-golden/render/ (or any file in that input format).
struct render_case
{
    std::string name;                                          // "" when the file has none
    render_operation operation = render_operation::completion; // "operation", default completion
    role next_role = role::assistant;                          // "next_role"
    // "auto_drop_analysis" (the effective flag) when present; otherwise from "render_config": null
    // keeps all (harmony given no config), an object gives its flag; with neither, harmony's
    // default config (drop).
    render_config config;
    bool drop_last_token = false; // "drop_last_token": remove the final end token (single only)
    std::vector<message> messages;
    std::optional<std::string> expected_text;             // "expected_text", when the file has one
    std::optional<std::vector<token_id>> expected_tokens; // "expected_tokens", when the file has one
};

boost::system::result<render_case, golden_error> render_case_from_json(boost::json::value const& v);

// Applies the case's operation (and drop_last_token) with `r`.
boost::system::result<rendered, render_error> run_render_case(renderer const& r, render_case const& c);

} // namespace hp::translate
