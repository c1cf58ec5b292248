// replay/check_model.hpp: the view the detectors of check.hpp work on. Internal to replay/.
//
// One exchange_view per recorded /v1/responses exchange that reached the renderer (it has a
// harmony_prompt record), grouped per session in exchange order. Codex sends the whole history
// with every request (store:false), so "the previous exchange of the session" is the response the
// current request continues.
#pragma once

#include "replay/check.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hp::replay::detail {

struct exchange_view
{
    std::uint64_t number = 0;
    boost::json::value request;               // the parsed client request body (null when unreadable)
    boost::json::object const* prompt = nullptr; // harmony_prompt record
    std::vector<std::int64_t> prompt_ids;
    std::vector<std::int64_t> completion_ids; // every completion_tokens record, in order
    boost::json::object const* final = nullptr;  // completion_final record, when the stream ended
    std::vector<boost::json::object> done_items; // items of response.output_item.done events
    bool completed = false;                      // a response.completed event was sent

    boost::json::array const* input() const;     // request.input when it is an array
    boost::json::array const* tools() const;     // request.tools when it is an array
    // The request ends with a tool output: this exchange continues a tool chain.
    bool continues_tool_chain() const;
    // ... and that output answers a call `prev` made: `prev` is the response this request continues.
    bool continues_chain_of(exchange_view const& prev) const;
};

struct session_view
{
    std::string name;
    std::vector<exchange_view> exchanges; // ascending exchange number
};

struct context
{
    check_options const& options;
    translate::tokenizer const* tok;
    std::vector<finding>& out;

    void report(session_view const& s, exchange_view const& e, char const* detector, std::string what,
                std::string evidence) const;
};

std::vector<session_view> build_sessions(std::vector<boost::json::object> const& records);

// Helpers shared by the detectors.
std::string excerpt(std::string_view text, std::size_t max = 120); // one line, escaped, cut
std::string string_or_empty(boost::json::value const* v);
// The text of a tool output item's `output` (a string, or an array of content parts with text).
std::string tool_output_text(boost::json::object const& item);
bool is_tool_output(boost::json::object const& item);

void check_escaping(session_view const& s, context const& ctx);
void check_reasoning(session_view const& s, context const& ctx);
void check_cache(session_view const& s, context const& ctx);
void check_injection(session_view const& s, context const& ctx);

} // namespace hp::replay::detail
