// The harmony renderer. Piece by piece as openai/harmony v0.0.8 src/encoding.rs renders: the
// role, each header string and each content string is encoded on its own, so token boundaries
// never straddle two pieces, which is what makes a rendered message independent of its neighbours.
#include "translate/renderer.hpp"

#include "translate/schema_to_typescript.hpp"
#include "translate/tokenizer.hpp"

#include <algorithm>
#include <string_view>

namespace hp::translate {
namespace {

using boost::system::result;

constexpr std::string_view constrain_marker = "<|constrain|>";

// Appends text pieces and formatting tokens to a rendering, keeping text and ids in step.
class piece_writer
{
public:
    piece_writer(tokenizer const* tok, rendered& out) : tok_(tok), out_(out) {}

    void special(token_id id)
    {
        // Every formatting token the renderer uses has a name; a missing one is a bug.
        out_.text += special_token_name(id).value();
        if (tok_) out_.tokens.push_back(id);
    }

    void text(std::string_view piece)
    {
        out_.text += piece;
        if (tok_) tok_->encode(piece, out_.tokens);
    }

private:
    tokenizer const* tok_;
    rendered& out_;
};

render_error make_error(render_errc code, std::string what)
{
    return render_error{code, 0, std::move(what)};
}

void append_joined(std::string& out, std::vector<std::string> const& parts, std::string_view sep)
{
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
}

// Namespaces in ascending byte order of their name (harmony keeps them in a BTreeMap, which also
// makes a name unique: a second namespace with the same name is an error here, not a silent merge).
result<std::vector<tool_namespace const*>, render_error>
sorted_namespaces(std::vector<tool_namespace> const& tools)
{
    std::vector<tool_namespace const*> sorted;
    sorted.reserve(tools.size());
    for (auto const& ns : tools)
        sorted.push_back(&ns);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (std::size_t i = 1; i < sorted.size(); ++i)
        if (sorted[i - 1]->name == sorted[i]->name)
            return make_error(render_errc::duplicate_tool_namespace,
                              "tool namespace '" + sorted[i]->name + "' is declared twice");
    return sorted;
}

result<std::string, render_error> system_text(system_content const& sys, render_options const& opts)
{
    std::vector<std::string> sections;

    std::vector<std::string> top;
    if (sys.model_identity) top.push_back(*sys.model_identity);
    if (sys.knowledge_cutoff) top.push_back("Knowledge cutoff: " + *sys.knowledge_cutoff);
    if (sys.conversation_start_date) top.push_back("Current date: " + *sys.conversation_start_date);
    if (!top.empty()) {
        sections.emplace_back();
        append_joined(sections.back(), top, "\n");
    }

    if (sys.effort) sections.push_back("Reasoning: " + std::string(effort_name(*sys.effort)));

    if (sys.tools && !sys.tools->empty()) {
        auto sorted = sorted_namespaces(*sys.tools);
        if (!sorted) return sorted.error();
        sections.push_back(render_tools_section(*sorted));
    }

    if (sys.channels && !sys.channels->valid_channels.empty()) {
        std::string header = "# Valid channels: ";
        append_joined(header, sys.channels->valid_channels, ", ");
        header += '.';
        if (sys.channels->channel_required) header += " Channel must be included for every message.";
        // Only function tools get this line; builtin tools (browser, python) say nothing of channels.
        if (opts.conversation_has_function_tools)
            header += "\nCalls to these tools must go to the commentary channel: 'functions'.";
        sections.push_back(std::move(header));
    }

    std::string out;
    append_joined(out, sections, "\n\n");
    return out;
}

result<std::string, render_error> developer_text(developer_content const& dev)
{
    std::vector<std::string> sections;
    if (dev.instructions) {
        sections.emplace_back("# Instructions");
        sections.push_back(*dev.instructions);
    }
    if (dev.tools && !dev.tools->empty()) {
        auto sorted = sorted_namespaces(*dev.tools);
        if (!sorted) return sorted.error();
        sections.push_back(render_tools_section(*sorted));
    }
    std::string out;
    append_joined(out, sections, "\n\n");
    return out;
}

result<std::string, render_error> content_text(message const& m, render_options const& opts)
{
    if (auto const* text = std::get_if<std::string>(&m.content)) return *text;
    if (auto const* sys = std::get_if<system_content>(&m.content)) {
        if (m.author != role::system)
            return make_error(render_errc::misplaced_system_content,
                              "system content in a " + std::string(role_name(m.author)) + " message");
        return system_text(*sys, opts);
    }
    auto const& dev = std::get<developer_content>(m.content);
    if (m.author != role::developer)
        return make_error(render_errc::misplaced_developer_content,
                          "developer content in a " + std::string(role_name(m.author)) + " message");
    return developer_text(dev);
}

bool is_on(message const& m, std::string_view channel)
{
    return m.channel && *m.channel == channel;
}

} // namespace

bool has_function_tools(std::span<message const> conversation)
{
    return std::ranges::any_of(conversation, [](message const& m) {
        auto const* dev = std::get_if<developer_content>(&m.content);
        if (!dev || !dev->tools) return false;
        return std::ranges::any_of(*dev->tools, [](tool_namespace const& ns) {
            return ns.name == "functions" && !ns.tools.empty();
        });
    });
}

render_options options_for(std::span<message const> conversation)
{
    return render_options{has_function_tools(conversation)};
}

std::vector<bool> kept_messages(std::span<message const> conversation, analysis_policy policy)
{
    std::vector<bool> kept(conversation.size(), true);
    // Analysis messages at indices below `drop_before` are dropped.
    std::size_t drop_before = 0;
    switch (policy) {
    case analysis_policy::keep_all:
        break;
    case analysis_policy::harmony_auto_drop: {
        // Exactly harmony's rule: the condition looks at the last assistant message, the cut at the
        // first message of any role on `final`.
        auto last_assistant =
            std::ranges::find_if(conversation.rbegin(), conversation.rend(),
                                 [](message const& m) { return m.author == role::assistant; });
        bool const last_is_final = last_assistant != conversation.rend() && is_on(*last_assistant, "final");
        if (!last_is_final) break;
        auto first_final =
            std::ranges::find_if(conversation, [](message const& m) { return is_on(m, "final"); });
        drop_before = static_cast<std::size_t>(first_final - conversation.begin());
        break;
    }
    case analysis_policy::drop_completed_turns: {
        for (std::size_t i = conversation.size(); i-- > 0;) {
            if (conversation[i].author == role::assistant && is_on(conversation[i], "final")) {
                drop_before = i;
                break;
            }
        }
        break;
    }
    }
    for (std::size_t i = 0; i < drop_before; ++i)
        if (is_on(conversation[i], "analysis")) kept[i] = false;
    return kept;
}

token_id message_end_token(message const& m) noexcept
{
    // A recipient of "all" is not written into the header, yet it still ends the message with
    // <|call|>: harmony tests recipient.is_some().
    return m.author == role::assistant && m.recipient ? special::call : special::end;
}

result<void, render_error> renderer::render_into(message const& m, render_options const& opts,
                                                 rendered& out) const
{
    // Every check comes before the first piece is written: on error `out` is left as it was.
    if (m.author == role::tool && !m.author_name)
        return make_error(render_errc::tool_without_name, "a tool message needs an author name");
    auto content = content_text(m, opts);
    if (!content) return content.error();

    piece_writer w(tok_, out);
    w.special(special::start);
    if (m.author == role::tool) {
        // A tool message is announced by its name alone ("functions.lookup_weather").
        w.text(*m.author_name);
    } else {
        w.text(role_name(m.author));
        if (m.author_name) w.text(":" + *m.author_name);
    }
    if (m.recipient && *m.recipient != "all") w.text(" to=" + *m.recipient);
    if (m.channel) {
        w.special(special::channel);
        w.text(*m.channel);
    }
    if (m.content_type) {
        std::string_view type = *m.content_type;
        if (type.starts_with(constrain_marker)) {
            // "<|constrain|>json": the marker is a special token, never text.
            w.text(" ");
            w.special(special::constrain);
            type.remove_prefix(constrain_marker.size());
            if (!type.empty()) w.text(type);
        } else {
            w.text(" " + std::string(type));
        }
    }
    w.special(special::message);
    w.text(*content);
    w.special(message_end_token(m));
    return {};
}

result<rendered, render_error> renderer::render(message const& m, render_options const& opts) const
{
    rendered out;
    if (auto r = render_into(m, opts, out); !r) return r.error();
    return out;
}

result<void, render_error> renderer::render_conversation_into(std::span<message const> conversation,
                                                              render_config const& config,
                                                              rendered& out) const
{
    auto const opts = options_for(conversation);
    auto const kept = kept_messages(conversation, config.analysis);
    for (std::size_t i = 0; i < conversation.size(); ++i) {
        if (!kept[i]) continue;
        if (auto r = render_into(conversation[i], opts, out); !r) {
            auto err = r.error();
            err.message_index = i;
            err.message = "message " + std::to_string(i) + ": " + err.message;
            return err;
        }
    }
    return {};
}

result<rendered, render_error> renderer::render_conversation(std::span<message const> conversation,
                                                             render_config const& config) const
{
    rendered out;
    if (auto r = render_conversation_into(conversation, config, out); !r) return r.error();
    return out;
}

result<rendered, render_error>
renderer::render_conversation_for_completion(std::span<message const> conversation, role next,
                                             render_config const& config) const
{
    rendered out;
    if (auto r = render_conversation_into(conversation, config, out); !r) return r.error();
    render_start_of(next, out);
    return out;
}

result<rendered, render_error>
renderer::render_conversation_for_training(std::span<message const> conversation,
                                           render_config const& config) const
{
    rendered out;
    if (auto r = render_conversation_into(conversation, config, out); !r) return r.error();
    if (conversation.empty()) return out;
    message const& last = conversation.back();
    if (last.author == role::assistant && is_on(last, "final")) {
        // The last piece written is the last message's end token (a kept message: only analysis
        // messages are ever dropped). Swap it for <|return|>, in the ids and in the text.
        auto const end_name = special_token_name(message_end_token(last)).value();
        out.text.resize(out.text.size() - end_name.size());
        out.text += special_token_name(special::return_).value();
        if (!out.tokens.empty()) out.tokens.back() = special::return_;
    }
    return out;
}

void renderer::render_start_of(role next, rendered& out) const
{
    piece_writer w(tok_, out);
    w.special(special::start);
    w.text(role_name(next));
}

} // namespace hp::translate
