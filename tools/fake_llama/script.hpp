// tools/fake_llama/script.hpp: what the scripted llama-server answers, loaded from a JSON file
// (format: tools/fake_llama/SCRIPT.md). Sans-io: parsing, validation and rule selection only.
//
// A bad script is a startup error naming the file, the line:column and the JSON path of the
// problem, so a test author finds the typo without reading this code.
#pragma once

#include "tools/fake_llama/vocab.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::tools::fake_llama {

// Every condition present must hold; an empty match accepts every request.
struct match_rule
{
    std::optional<std::size_t> request;     // 1-based index among completion requests
    std::vector<token_id> prompt_ends_with; // the prompt's trailing ids
    std::optional<std::int64_t> id_slot;    // the id_slot field as sent (-1 when absent)
};

enum class end_kind {
    eos,   // append the EOG token `eog` (stop_type "eos")
    limit, // stop after the last token as if n_predict ran out (stop_type "limit")
};

struct end_spec
{
    end_kind kind = end_kind::eos;
    token_id eog = translate::special::return_;
    // Stop strings added to the request's own "stop" list (stop_type "word" when one matches).
    std::vector<std::string> stop;
};

enum class fault_kind {
    none,
    http_error,   // answer an HTTP error before any token (llama-server's error JSON)
    stream_error, // after `after` token chunks: data: {"error":{...}} and close the stream
    drop,         // after `after` token chunks: close the connection without ending the body
    stall,        // after `after` token chunks: send nothing for `stall` (forever when absent)
};

struct fault_spec
{
    fault_kind kind = fault_kind::none;
    std::size_t after = 0;
    std::string error_type = "server_error"; // llama-server's error "type"
    std::optional<int> code;                 // HTTP status; derived from error_type when absent
    std::string message = "scripted failure";
    std::optional<std::chrono::milliseconds> stall;
};

// A ranked choice in a rule's tokens ({"choose": [A, B, ...]}): tokens[at, at + length) is the
// first preference A; `others` are B, ... in order. A grammar or a banned token can make the
// scripted model take a later one (completion_io: the first whose every token is allowed).
struct choice_point
{
    std::size_t at = 0;
    std::size_t length = 0;
    std::vector<std::vector<token_id>> others;
};

struct rule
{
    std::string name; // "rules[3]" unless the script names it
    std::size_t line = 0;
    match_rule match;
    std::optional<std::size_t> times;          // how many requests the rule may answer
    std::vector<token_id> tokens;              // the sampled ids, in order (first preferences)
    std::vector<choice_point> choices;         // ranked alternatives, by position in `tokens`
    std::chrono::milliseconds delay{0};        // before each token
    std::chrono::milliseconds prompt_delay{0}; // before the first token (prompt processing)
    std::chrono::milliseconds ping{0};         // SSE ":" ping after this much idle time; 0 = never
    end_spec end;
    fault_spec fault;
};

struct script
{
    std::string source; // the file name, for messages
    std::vector<rule> rules;
    // Prompt processing time of a prompt-only request (n_predict 0: a warm-up), which no rule
    // answers.
    std::chrono::milliseconds warmup_delay{0};
};

struct script_error
{
    std::string message; // "FILE:LINE:COL: $.rules[0].tokens[2]: problem"
};

// Parses script text. `source` names it in messages. Strings inside token lists are tokenized
// with special parsing ON, so "<|call|>" in a script means token 200012.
boost::system::result<script, script_error> parse_script(std::string_view text, std::string_view source,
                                                         vocab const& v);

boost::system::result<script, script_error> load_script(std::filesystem::path const& path, vocab const& v);

// The facts a rule can match on.
struct request_view
{
    std::size_t index = 0; // 1-based completion request number
    std::vector<token_id> const* prompt = nullptr;
    std::int64_t id_slot = -1;
};

// Picks the first rule, in file order, whose match holds and whose `times` is not used up, and
// counts the use. `uses` has one counter per rule (resized on demand). nullptr: no rule matches.
rule const* select_rule(script const& s, std::vector<std::size_t>& uses, request_view const& req);

// The HTTP status llama-server pairs with an error type (format_error_response).
int status_for_error_type(std::string_view error_type);

// "line:column" (1-based) of byte `offset` in `text`.
std::string line_column(std::string_view text, std::size_t offset);

} // namespace hp::tools::fake_llama
