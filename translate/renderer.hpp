// translate/renderer.hpp: harmony messages -> o200k_harmony token ids, and the same prompt as text.
//
// The proxy prompts llama-server with ids, never text, so that nothing a user writes can turn into
// a special token (../shared/notes/harmony.md). Rendering follows openai/harmony v0.0.8 exactly:
// each header and content string is encoded on its own with the ordinary tokenizer and the
// formatting tokens (<|start|>, <|channel|>, <|constrain|>, <|message|>, <|end|>, <|call|>,
// <|return|>) are inserted as single ids. A message is
//
//     <|start|>{role or tool name}[:{name}][ to={recipient}][<|channel|>{channel}][ {content
//     type}]<|message|>{content}{end}
//
// with {end} = <|call|> for an assistant message with a recipient, else <|end|>.
//
// Append-only stability, which llama.cpp's prompt cache depends on: a message renders to the same
// ids wherever it sits, and a conversation renders to the concatenation of its messages, so the
// ids of a conversation are a prefix of the ids of any conversation that extends it, and a
// completion prompt (conversation + <|start|>assistant) is a prefix of the conversation extended
// by the assistant's next message. Two conversation-wide inputs can break that, both visible here:
//   - the system message gains the line "Calls to these tools must go to the commentary channel:
//     'functions'." when any developer message declares function tools;
//   - the analysis policy drops chain-of-thought messages depending on what follows them.
#pragma once

#include "translate/conversation.hpp"
#include "translate/special_tokens.hpp"

#include <boost/system/result.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace hp::translate {

class tokenizer;

// A rendering: the ids for llama-server and the text they decode to (for logs, captures and
// people). `tokens` stays empty when the renderer has no tokenizer (renderer::text_only()).
struct rendered
{
    std::string text;
    std::vector<token_id> tokens;
};

enum class render_errc {
    tool_without_name,           // a tool message is announced by its author name; it has none
    misplaced_system_content,    // system_content in a message whose role is not system
    misplaced_developer_content, // developer_content in a message whose role is not developer
    duplicate_tool_namespace,    // two namespaces with one name in one message
};

struct render_error
{
    render_errc code;
    std::size_t message_index = 0; // position in the conversation given (0 for a single message)
    std::string message;           // for people: "message 3: a tool message needs an author name"
};

// What happens to chain-of-thought (analysis-channel messages) of earlier turns.
enum class analysis_policy {
    // Render every message.
    keep_all,
    // openai/harmony's auto_drop_analysis: when the last assistant message is on the `final`
    // channel, drop the analysis messages that come before the first `final` message; otherwise
    // drop nothing. (Analysis between two finals is kept; an ongoing tool-call chain keeps every
    // earlier turn's analysis too.) The golden vectors are rendered with this or keep_all.
    harmony_auto_drop,
    // The gpt-oss guidance the proxy wants: drop every analysis message before the last assistant
    // `final` message (the reasoning of turns that are over) and keep the ones after it (the
    // reasoning of the ongoing tool-call chain, which the model must see again). Within a turn the
    // prompt only grows; after a final answer the next prompt drops that turn's reasoning.
    drop_completed_turns,
};

struct render_config
{
    // harmony's RenderConversationConfig::default() drops analysis; harmony given no config keeps it.
    analysis_policy analysis = analysis_policy::harmony_auto_drop;
};

// Conversation-wide facts that change how one message renders.
struct render_options
{
    // Adds the commentary-channel line to the system message's channel section.
    bool conversation_has_function_tools = false;
};

// True when a developer message declares a non-empty `functions` namespace (harmony looks at
// developer messages only).
bool has_function_tools(std::span<message const> conversation);

render_options options_for(std::span<message const> conversation);

// kept[i] is false for a message the policy drops.
std::vector<bool> kept_messages(std::span<message const> conversation, analysis_policy policy);

// The token that ends `m` when rendered: <|call|> for an assistant message with a recipient,
// <|end|> otherwise.
token_id message_end_token(message const& m) noexcept;

// Stateless apart from the borrowed tokenizer, which must outlive the renderer; safe to share
// between threads as long as the tokenizer's const members are.
class renderer
{
public:
    explicit renderer(tokenizer const& tok) noexcept : tok_(&tok) {}

    // Renders text only (`tokens` stays empty): for tools and tests without a vocabulary.
    static renderer text_only() noexcept { return renderer(nullptr); }

    bool renders_tokens() const noexcept { return tok_ != nullptr; }

    // One message, appended to `out`. On error `out` is left unchanged.
    boost::system::result<void, render_error> render_into(message const& m, render_options const& opts,
                                                          rendered& out) const;

    boost::system::result<rendered, render_error> render(message const& m,
                                                         render_options const& opts = {}) const;

    // Every message the policy keeps, appended to `out`; options from options_for(conversation).
    // On error `out` holds the messages before the failing one.
    boost::system::result<void, render_error> render_conversation_into(std::span<message const> conversation,
                                                                       render_config const& config,
                                                                       rendered& out) const;

    boost::system::result<rendered, render_error> render_conversation(std::span<message const> conversation,
                                                                      render_config const& config = {}) const;

    // The prompt for sampling the next message: the conversation, then <|start|>{next}.
    boost::system::result<rendered, render_error>
    render_conversation_for_completion(std::span<message const> conversation, role next = role::assistant,
                                       render_config const& config = {}) const;

    // The conversation as a training example: when the last message is an assistant message on
    // `final`, its end token becomes <|return|> (what the model samples to finish a turn).
    boost::system::result<rendered, render_error>
    render_conversation_for_training(std::span<message const> conversation,
                                     render_config const& config = {}) const;

    // <|start|>{role}: the tail of a completion prompt.
    void render_start_of(role next, rendered& out) const;

private:
    explicit renderer(tokenizer const* tok) noexcept : tok_(tok) {}

    tokenizer const* tok_;
};

} // namespace hp::translate
