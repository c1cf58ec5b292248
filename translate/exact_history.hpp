// translate/exact_history.hpp: the model's own messages as the ids it sampled (issue 8 item 2,
// ../shared/DESIGN.md decision 3). Sans-io.
//
// A canonical re-rendering of what the model wrote can differ from the ids it sampled: the
// recipient before the channel (`<|start|>assistant to=functions.x<|channel|>commentary ...`, where
// harmony renders it after), a BPE split the tokenizer would not choose. Rendering the history
// with the sampled ids keeps every prompt an extension of the previous prompt and its output, so
// llama.cpp reuses its KV cache. The ids come back with the client (a reasoning item's
// encrypted_content) or from a bounded per-conversation store, and are trusted only when parsing
// them gives exactly the message being rendered (header fields and content byte for byte): then
// they decode to the item's text and the special tokens sit where harmony puts them. Anything else
// is rendered canonically.
#pragma once

#include "translate/conversation.hpp"
#include "translate/renderer.hpp"
#include "translate/tokenizer.hpp"

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// One complete assistant message as sampled: <|start|> through its end token, a final <|return|>
// replaced by <|end|> (what a history renders), <|call|> kept.
struct exact_segment
{
    message msg;
    std::vector<token_id> ids;
};

// The messages of a response's generated ids, which follow a prompt ending in <|start|>assistant.
// Only messages that parse without a warning and end with <|end|>, <|call|> or <|return|>.
std::vector<exact_segment> segments_from_generation(tokenizer const& tok, std::span<token_id const> generated);

// The segment ids as parsed messages; nullopt unless `ids` is exactly one such message.
std::optional<exact_segment> segment_from_ids(tokenizer const& tok, std::span<token_id const> ids);

// Ids as text for a reasoning item's encrypted_content: "hpx1." then base64url (no padding) of
// the ids as LEB128 varints. Decoding rejects anything else (never throws).
std::string encode_exact_ids(std::span<token_id const> ids);
std::optional<std::vector<token_id>> decode_exact_ids(std::string_view text);

// A conversation's segments, newest first on lookup, bounded by their total ids (oldest dropped).
// Not thread-safe.
class exact_history
{
public:
    explicit exact_history(std::size_t max_tokens = std::size_t{1} << 18) : max_tokens_(max_tokens) {}

    void add(exact_segment segment);
    // The ids of the newest segment whose message equals `m`.
    std::optional<std::span<token_id const>> find(message const& m) const;

    std::size_t segments() const noexcept { return segments_.size(); }
    std::size_t tokens() const noexcept { return tokens_; }

private:
    std::size_t max_tokens_;
    std::size_t tokens_ = 0;
    std::deque<exact_segment> segments_; // oldest first
};

// A response_builder_options::reasoning_encrypted_content that carries a finished analysis
// message's sampled ids (`generated` gives the response's ids so far).
std::function<std::optional<std::string>(message const&)>
exact_reasoning_content(tokenizer const& tok, std::function<std::span<token_id const>()> generated);

struct exact_render
{
    rendered prompt;
    std::size_t exact = 0;    // assistant messages rendered from sampled ids
    std::vector<std::pair<std::size_t, std::span<token_id const>>> used; // (message index, ids), in order
    std::size_t rejected = 0; // ids offered that did not parse to the message
};

// Ids for a message, or nullopt.
using exact_lookup = std::function<std::optional<std::span<token_id const>>(message const&)>;

// renderer::render_conversation_for_completion(conversation, next, keep_all), except that each
// assistant message for which `lookup` offers ids that parse to exactly that message is written
// as those ids (and their text).
boost::system::result<exact_render, render_error> render_with_exact_history(renderer const& r, tokenizer const& tok,
                                                                            std::span<message const> conversation,
                                                                            exact_lookup const& lookup,
                                                                            role next = role::assistant);

} // namespace hp::translate
