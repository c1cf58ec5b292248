// tests/fuzz/stream_parser/stream_parser_invariants.cpp: see stream_parser_invariants.hpp.
#include "fuzz/stream_parser/stream_parser_invariants.hpp"

#include "translate/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>

namespace hp::translate::fuzz {

namespace {

constexpr std::array<token_id, 16> interesting = {
    special::start,
    special::message,
    special::channel,
    special::end,
    special::call,
    special::return_,
    special::constrain,
    special::endoftext,
    special::startoftext,
    200000,
    200013,
    201087,
    201088,
    201089,
    250000,
    0xFFFFFFFFu,
};

std::string escape(std::string_view s)
{
    std::string out;
    for (char ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7F || c == '\\' || c == '"') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

std::string opt(std::optional<std::string> const& s)
{
    return s ? "\"" + escape(*s) + "\"" : "-";
}

std::string describe_message(message const& m)
{
    auto const* text = std::get_if<std::string>(&m.content);
    return std::string(role_name(m.author)) + " name=" + opt(m.author_name) + " to=" + opt(m.recipient) +
           " channel=" + opt(m.channel) + " type=" + opt(m.content_type) +
           " content=" + (text ? "\"" + escape(*text) + "\"" : "<structured>");
}

bool same_header(message const& m, message_header const& h)
{
    return m.author == h.author && m.author_name == h.author_name && m.recipient == h.recipient &&
           m.channel == h.channel && m.content_type == h.content_type;
}

} // namespace

std::string check_event_invariants(std::vector<stream_event> const& events,
                                   std::vector<message> const& messages)
{
    std::optional<message_header> open;
    std::string content;
    std::size_t ended = 0;
    bool failed = false;
    for (std::size_t i = 0; i < events.size(); ++i) {
        std::string const at = "event " + std::to_string(i) + ": ";
        if (failed) return at + "an event after a parse_error";
        auto const& e = events[i];
        if (auto const* s = std::get_if<message_started>(&e)) {
            if (open) return at + "message_started while a message is open";
            open = s->header;
            content.clear();
        } else if (auto const* d = std::get_if<content_delta>(&e)) {
            if (!open) return at + "content_delta outside a message";
            if (d->text.empty()) return at + "empty content_delta";
            if (!check_utf8(d->text).valid(d->text.size()))
                return at + "content_delta is not valid UTF-8: " + escape(d->text);
            content += d->text;
        } else if (auto const* m = std::get_if<message_ended>(&e)) {
            if (!open) return at + "message_ended without message_started";
            auto const* text = std::get_if<std::string>(&m->msg.content);
            if (text == nullptr || *text != content)
                return at + "deltas \"" + escape(content) + "\" differ from the content of " +
                       describe_message(m->msg);
            if (!same_header(m->msg, *open))
                return at + "the ended message's header differs from message_started's";
            if (ended >= messages.size() || describe_message(messages[ended]) != describe_message(m->msg))
                return at + "ended message " + std::to_string(ended) + " is not messages()[" +
                       std::to_string(ended) + "]";
            ++ended;
            open.reset();
        } else if (std::holds_alternative<parse_error>(e)) {
            failed = true;
        }
    }
    if (ended != messages.size())
        return "messages() holds " + std::to_string(messages.size()) + " messages, events ended " +
               std::to_string(ended);
    return {};
}

std::string describe_events(std::vector<stream_event> const& events)
{
    std::string out;
    for (auto const& e : events) {
        if (auto const* s = std::get_if<message_started>(&e)) {
            message m;
            m.author = s->header.author;
            m.author_name = s->header.author_name;
            m.recipient = s->header.recipient;
            m.channel = s->header.channel;
            m.content_type = s->header.content_type;
            m.content = std::string();
            out += "start " + describe_message(m);
        } else if (auto const* d = std::get_if<content_delta>(&e)) {
            out += "delta \"" + escape(d->text) + "\"";
        } else if (auto const* m = std::get_if<message_ended>(&e)) {
            out += "end " + std::string(to_string(m->reason)) + " " + describe_message(m->msg);
        } else if (auto const* w = std::get_if<parse_warning>(&e)) {
            out += "warning " + std::string(to_string(w->kind)) + " " + escape(w->what);
        } else if (auto const* x = std::get_if<parse_error>(&e)) {
            out += "error " + escape(x->what) + (x->at_end_of_stream ? " (eos)" : "");
        }
        std::visit([&](auto const& v) { out += " @" + std::to_string(v.token_index) + "\n"; }, e);
    }
    return out;
}

fuzz_input decode_input(std::span<std::uint8_t const> data)
{
    fuzz_input in;
    in.options.initial_role = std::nullopt;
    if (data.empty()) return in;
    std::uint8_t const flags = data[0];
    in.options.strict = (flags & 1) != 0;
    if (flags & 2) in.options.initial_role = role::assistant;
    if (flags & 4) in.options.max_header_bytes = 8 + (flags >> 3); // exercise the header size limit
    for (std::size_t i = 1; i + 3 <= data.size(); i += 3) {
        std::uint32_t const v =
            (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        if (v % 8 == 0)
            in.ids.push_back(interesting[(v >> 3) % interesting.size()]);
        else
            in.ids.push_back((v >> 3) % special::first);
        in.chunks.push_back(1 + data[i] % 7);
    }
    return in;
}

std::vector<std::uint8_t> encode_input(stream_parser_options const& options, std::span<token_id const> ids)
{
    std::vector<std::uint8_t> out;
    std::uint8_t flags = (options.strict ? 1 : 0) | (options.initial_role ? 2 : 0);
    out.push_back(flags);
    for (token_id id : ids) {
        std::uint32_t v = 1; // token 0
        auto const it = std::find(interesting.begin(), interesting.end(), id);
        if (it != interesting.end())
            v = static_cast<std::uint32_t>(it - interesting.begin()) << 3;
        else if (id < special::first) // (199997 << 3) | 1 fits in 24 bits
            v = (id << 3) | 1;
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

std::string check_input(tokenizer const& tok, std::span<std::uint8_t const> data)
{
    fuzz_input const in = decode_input(data);
    try {
        // Run 1: one id at a time, checking the streaming state after each call.
        stream_parser one(tok, in.options);
        std::vector<stream_event> events;
        std::string open_content;
        for (std::size_t i = 0; i < in.ids.size(); ++i) {
            std::size_t const before = events.size();
            one.feed(in.ids[i], events);
            std::string call_text;
            for (std::size_t k = before; k < events.size(); ++k) {
                if (std::holds_alternative<message_started>(events[k])) open_content.clear();
                if (auto const* d = std::get_if<content_delta>(&events[k]))
                    open_content += d->text, call_text += d->text;
                if (std::holds_alternative<message_ended>(events[k])) open_content.clear(), call_text.clear();
            }
            std::string const at = "after id " + std::to_string(i) + ": ";
            if (one.current_state() == stream_parser::state::content) {
                if (one.current_content() != open_content)
                    return at + "current_content() differs from the deltas";
                std::optional<std::string> const expected_last =
                    call_text.empty() ? std::nullopt : std::optional<std::string>(call_text);
                if (one.last_content_delta() != expected_last)
                    return at + "last_content_delta() differs from this call's deltas";
                if (one.current_header() == nullptr) return at + "no current_header() in content state";
            } else if (!one.current_content().empty() || one.last_content_delta()) {
                return at + "content state visible outside a message";
            }
        }
        one.finish(events);
        if (one.current_state() == stream_parser::state::content)
            return "still inside a message after finish()";
        if (auto why = check_event_invariants(events, one.messages()); !why.empty()) return why;
        bool const has_error = std::any_of(events.begin(), events.end(), [](auto const& e) {
            return std::holds_alternative<parse_error>(e);
        });
        if (!in.options.strict && has_error) return "a parse_error in non-strict mode";
        if (has_error != one.error().has_value()) return "error() disagrees with the events";

        // Run 2: the same ids in chunks must give the same events.
        stream_parser chunked(tok, in.options);
        std::vector<stream_event> events2;
        std::span<token_id const> rest(in.ids);
        for (std::size_t c = 0; !rest.empty(); ++c) {
            std::size_t const n = std::min(rest.size(), in.chunks[c % in.chunks.size()]);
            chunked.feed(rest.first(n), events2);
            rest = rest.subspan(n);
        }
        chunked.finish(events2);
        if (describe_events(events) != describe_events(events2))
            return "chunked feeding gave different events";
    } catch (std::exception const& e) {
        return std::string("exception: ") + e.what();
    }
    return {};
}

} // namespace hp::translate::fuzz
