// tools/fake_llama/constrained.hpp: what a scripted model samples when the request constrains it
// (a GBNF grammar, banned tokens). Sans-io.
//
// The script is the model's first preference; a choice point lists its next preferences. At each
// step the scripted model takes its first preference that is allowed: every token of it keeps the
// generation a viable prefix of the grammar and none is banned. An end-of-generation token is
// allowed only where the grammar is complete; a banned one gives way to the next allowed of
// <|call|>, <|return|>, <|endoftext|> (what the real server samples when logit_bias bans
// <|return|>: verified <|call|>). Where the grammar is complete and the scripted next token does
// not fit, only end-of-generation is left, and the model ends there. A scripted token with no
// allowed alternative is a script error, reported with the position.
#pragma once

#include "tools/fake_llama/script.hpp"
#include "translate/gbnf_match.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hp::tools::fake_llama {

struct constrained_tokens
{
    std::vector<token_id> tokens;         // what is sampled, in order
    std::vector<std::size_t> script_next; // per sampled token: the script position after it
    std::optional<std::string> violation; // set: the script cannot go on from there
};

// `script` is the rule's tokens plus its end token; sampling starts at `offset`.
constrained_tokens constrain(rule const& r, std::span<token_id const> script, std::size_t offset,
                             translate::gbnf_recognizer const* grammar, std::span<token_id const> banned,
                             vocab const& voc);

} // namespace hp::tools::fake_llama
