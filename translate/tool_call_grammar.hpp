// translate/tool_call_grammar.hpp: the grammars the proxy sends to llama-server for tool calls.
//
// Two grammars:
//   - arguments_grammar: one tool's arguments alone (what `harmony grammar` prints): the JSON
//     arguments of a function tool, or a custom tool's input (raw, or lifted into {"input": "..."}).
//   - tool_call_grammar: the rest of a tool call after the proxy takes control at the header.
//
// Continuation points. gpt-oss writes a tool-call header in one of two shapes:
//   (A) <|start|>assistant<|channel|>commentary to=functions.x <|constrain|>json<|message|>{...}<|call|>
//   (B) <|start|>assistant to=functions.x<|channel|>commentary <|constrain|>json<|message|>{...}<|call|>
// and a raw custom tool call has no content type: `... to=functions.apply_patch<|message|>PATCH`.
// The proxy stops generation on the text "to=" (only when its stream parser is inside a header),
// then continues with prompt + every token produced so far and this grammar. Since the last
// sampled token may run past "to=" (a token such as "=functions"), the text already written
// after "to=" is passed as `written`; the grammar continues from there. The position says what
// follows the recipient:
//   after_channel  (A): " " <|constrain|> "json" <|message|> ARGS   (raw custom: <|message|> INPUT)
//   before_channel (B): <|channel|> "commentary" and then the same as (A).
// Special tokens are written as token references (<[200005]> ...): a literal "<|message|>" would
// match only the plain-text spelling. The grammar ends where <|call|> belongs and contains no
// end-of-generation token; the request also bans <|return|> and <|endoftext|> with logit_bias so
// the model closes with <|call|>.
#pragma once

#include "translate/gbnf.hpp"

#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

struct tool_grammar_source
{
    enum class kind { json_schema, lark, regex, text };
    std::string name;      // as declared ("exec_command")
    std::string recipient; // as the model addresses it ("functions.exec_command")
    kind type = kind::json_schema;
    boost::json::value schema; // json_schema: the `parameters` (null: no parameters, `{}`)
    std::string definition;    // lark / regex: the grammar text
};

// The tools of a Responses request `tools` array that the model can call: function tools
// (recipient functions.NAME), custom tools (functions.NAME; format text, or grammar with syntax
// lark or regex) and namespace tools (NS.NAME). Hosted tools (web_search, ...) are skipped.
grammar_result<std::vector<tool_grammar_source>> tools_from_responses(boost::json::value const& tools);

struct tool_grammar
{
    std::string gbnf;
    std::vector<grammar_diagnostic> diagnostics;
};

// custom_json: custom tools are written as {"input": "..."} (--custom-tools json).
grammar_result<tool_grammar> arguments_grammar(tool_grammar_source const& tool, bool custom_json);

enum class header_position { after_channel, before_channel };

// The continuation grammar for a header whose "to=" was just written, followed by `written`.
// A tool whose arguments grammar cannot be built is kept with widened arguments (any JSON value,
// any text) and a diagnostic, so one bad declaration does not disable the others. No tool whose
// recipient continues `written`: an error (the proxy then lets the model go on unconstrained).
grammar_result<tool_grammar> tool_call_grammar(std::span<tool_grammar_source const> tools, bool custom_json,
                                               header_position position, std::string_view written = {});

} // namespace hp::translate
