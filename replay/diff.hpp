// replay/diff.hpp: `harmony-proxy diff A B`: two captures (or a session of each) compared layer
// by layer, exchange by exchange. Sans-io.
//
// Exchanges are paired by session and order: the k-th Responses exchange of session S in A with
// the k-th of S in B (when each side holds a single session under different names, those two are
// paired). Layers, each reported at its first difference:
//   prompt            the prompt ids (harmony_prompt.tokens): the first divergent position and
//                     the tokens around it on both sides, special tokens marked;
//   upstream_request  the /completion bodies but their prompt (sampling parameters, grammar, ...);
//   generated         the ids the model produced (completion_tokens), as the prompt;
//   messages          the parsed harmony messages;
//   events            the Responses events sent to the client, ids and clocks normalized.
#pragma once

#include "capture/reader.hpp"
#include "translate/tokenizer.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::replay {

struct token_cell
{
    translate::token_id id = 0;
    std::string text;     // the token's text (a special token by its name)
    bool special = false;
};

// Tokens around a divergence: a[i] and b[i] sit at position from + i.
struct token_window
{
    std::size_t from = 0;
    std::size_t divergence = 0; // absolute position of the first difference
    std::vector<token_cell> a, b;
};

struct layer_diff
{
    std::string layer;  // prompt | upstream_request | generated | messages | events
    std::string detail; // one line for people
    std::optional<token_window> tokens;
};

struct exchange_diff
{
    std::string session;
    std::uint64_t a_exchange = 0, b_exchange = 0;
    std::vector<layer_diff> layers; // empty: identical
};

struct diff_options
{
    std::optional<std::string> session;
    std::optional<std::uint64_t> exchange; // only the pair whose A side is this exchange number
    std::size_t context = 12; // tokens shown on each side of a divergence
};

struct diff_report
{
    std::vector<exchange_diff> exchanges;
    std::vector<std::string> problems; // unpaired exchanges, unreadable lines

    bool identical() const;
};

diff_report diff_captures(capture::read_result const& a, capture::read_result const& b,
                          translate::tokenizer const& tok, diff_options const& options = {});

// For terminals; ANSI colours when `colour`.
std::string format_diff_text(diff_report const& report, bool colour);
// One self-contained HTML page: per-exchange navigation, the two sides aligned token by token,
// special tokens highlighted, divergences marked (class "divergence", the first one with id
// "first-divergence").
std::string format_diff_html(diff_report const& report, std::string const& a_name, std::string const& b_name);

} // namespace hp::replay
