// translate/stream_parser.cpp: see stream_parser.hpp.
//
// Where this follows openai/harmony v0.0.8 (src/encoding.rs, StreamableParser) on purpose:
//   - content bytes are decoded per token like the reference: the valid prefix is emitted, then at
//     most ONE invalid subpart becomes U+FFFD, and the bytes after it wait for the next token; an
//     incomplete sequence waits too. At the end of a message what waits is flushed lossily. The
//     golden cases pin the resulting deltas byte for byte.
//   - a special token inside content decodes to its name, as the reference's decode_bytes does.
// Where it deliberately differs (both modes): an id with no bytes inside content becomes one U+FFFD
// at once (the reference holds it and everything after it, and turns all of that into a single
// U+FFFD at the end of the message, silently losing the text that followed).
#include "translate/stream_parser.hpp"

#include "translate/utf8.hpp"

namespace hp::translate {

namespace {

bool is_stop(token_id id) noexcept
{
    return id == special::end || id == special::call || id == special::return_;
}

end_reason stop_reason(token_id id) noexcept
{
    switch (id) {
    case special::call:
        return end_reason::call;
    case special::return_:
        return end_reason::return_;
    default:
        return end_reason::end;
    }
}

// Tokens that carry header text: ordinary text and the two markers the header syntax uses.
bool is_header_text(token_id id) noexcept
{
    return !is_special(id) || id == special::channel || id == special::constrain;
}

bool is_blank(std::string_view s) noexcept
{
    return s.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
}

} // namespace

std::string_view to_string(end_reason r) noexcept
{
    switch (r) {
    case end_reason::end:
        return "end";
    case end_reason::call:
        return "call";
    case end_reason::return_:
        return "return";
    case end_reason::end_of_stream:
        return "end_of_stream";
    case end_reason::interrupted:
        return "interrupted";
    }
    return "?";
}

std::string_view to_string(warning_kind k) noexcept
{
    switch (k) {
    case warning_kind::missing_start:
        return "missing_start";
    case warning_kind::stray_stop:
        return "stray_stop";
    case warning_kind::missing_message:
        return "missing_message";
    case warning_kind::missing_stop:
        return "missing_stop";
    case warning_kind::malformed_header:
        return "malformed_header";
    case warning_kind::special_in_content:
        return "special_in_content";
    case warning_kind::ignored_token:
        return "ignored_token";
    case warning_kind::invalid_token:
        return "invalid_token";
    case warning_kind::truncated_header:
        return "truncated_header";
    }
    return "?";
}

stream_parser::stream_parser(tokenizer const& tok, stream_parser_options options)
    : tok_(&tok), options_(options), state_(state::expect_start)
{
    if (options_.initial_role) begin_header(options_.initial_role);
}

std::optional<role> stream_parser::current_role() const noexcept
{
    if (state_ == state::content) return header_.author;
    if (state_ == state::header) return header_role_;
    return std::nullopt;
}

message_header const* stream_parser::current_header() const noexcept
{
    return state_ == state::content ? &header_ : nullptr;
}

void stream_parser::feed(std::span<token_id const> ids, std::vector<stream_event>& out)
{
    for (token_id id : ids)
        feed(id, out);
}

void stream_parser::feed(token_id id, std::vector<stream_event>& out)
{
    index_ = tokens_fed_++;
    last_delta_.reset();
    switch (state_) {
    case state::expect_start:
        on_expect_start(id, out);
        break;
    case state::header:
        on_header(id, out);
        break;
    case state::content:
        on_content(id, out);
        break;
    case state::failed:
        break; // strict mode stopped at its error
    }
}

void stream_parser::finish(std::vector<stream_event>& out)
{
    index_ = tokens_fed_;
    last_delta_.reset();
    switch (state_) {
    case state::content:
        end_message(end_reason::end_of_stream, out);
        break;
    case state::header:
        if (options_.strict) {
            fail("Unexpected EOS while waiting for message header to complete", true, out);
        } else if (is_blank(header_bytes_)) {
            warn(warning_kind::truncated_header, "stream ended where a message header was expected", out);
            state_ = state::expect_start;
        } else {
            warn(warning_kind::truncated_header,
                 "stream ended inside a message header; its text is kept as content", out);
            recover_header_as_message(end_reason::end_of_stream, out);
        }
        break;
    case state::expect_start:
    case state::failed:
        break;
    }
}

void stream_parser::on_expect_start(token_id id, std::vector<stream_event>& out)
{
    if (id == special::start) {
        begin_header(std::nullopt);
        return;
    }
    if (options_.strict) {
        fail("Unexpected token " + std::to_string(id) + " while expecting start token " +
                 std::to_string(special::start),
             false, out);
        return;
    }
    if (is_stop(id) || id == special::endoftext) {
        // Typically a <|return|> right after <|end|>: nothing is open, nothing to end.
        warn(warning_kind::stray_stop, describe(id) + " where <|start|> was expected; ignored", out);
    } else if (is_header_text(id) || id == special::message) {
        // The model went on without <|start|>: read what follows as a header (role to be found).
        warn(warning_kind::missing_start, describe(id) + " where <|start|> was expected; read as a header",
             out);
        begin_header(std::nullopt);
        on_header(id, out);
    } else {
        warn(warning_kind::ignored_token, describe(id) + " where <|start|> was expected; skipped", out);
    }
}

void stream_parser::on_header(token_id id, std::vector<stream_event>& out)
{
    if (id == special::message) {
        complete_header(out);
        return;
    }
    if (options_.strict) {
        // The reference keeps every other token as header text and judges it at <|message|>.
        if (auto bytes = tok_->token_bytes(id))
            header_bytes_.append(*bytes);
        else
            header_undecodable_ = true;
        return;
    }
    if (is_stop(id) || id == special::endoftext) {
        std::optional<end_reason> const reason = is_stop(id) ? stop_reason(id) : end_reason::end_of_stream;
        if (is_blank(header_bytes_)) {
            warn(warning_kind::missing_message, describe(id) + " ended an empty header; no message", out);
            state_ = state::expect_start;
            header_bytes_.clear();
        } else {
            warn(warning_kind::missing_message,
                 describe(id) + " before <|message|>; the header text is kept as the message content", out);
            recover_header_as_message(reason, out);
        }
        return;
    }
    if (id == special::start) {
        if (is_blank(header_bytes_)) {
            if (!header_bytes_.empty() || header_role_)
                warn(warning_kind::missing_message, "<|start|> inside an empty header; restarted", out);
        } else {
            warn(warning_kind::missing_message,
                 "<|start|> before <|message|>; the header text is kept as a message, then restarted", out);
            recover_header_as_message(end_reason::interrupted, out);
        }
        begin_header(std::nullopt);
        return;
    }
    if (!is_header_text(id)) {
        warn(warning_kind::ignored_token, describe(id) + " inside a message header; skipped", out);
        return;
    }
    if (auto bytes = tok_->token_bytes(id)) {
        header_bytes_.append(*bytes);
    } else {
        warn(warning_kind::ignored_token, describe(id) + " inside a message header; skipped", out);
        return;
    }
    if (header_bytes_.size() > options_.max_header_bytes) {
        warn(warning_kind::missing_message,
             "header longer than " + std::to_string(options_.max_header_bytes) +
                 " bytes without <|message|>; its text is streamed as content",
             out);
        recover_header_as_message(std::nullopt, out);
    }
}

void stream_parser::on_content(token_id id, std::vector<stream_event>& out)
{
    if (is_stop(id)) {
        end_message(stop_reason(id), out);
        return;
    }
    if (!options_.strict && id == special::start) {
        warn(warning_kind::missing_stop, "<|start|> inside a message; the message was ended there", out);
        end_message(end_reason::interrupted, out);
        begin_header(std::nullopt);
        return;
    }
    if (!options_.strict && id == special::endoftext) {
        end_message(end_reason::end_of_stream, out); // llama-server's third end-of-generation token
        return;
    }
    auto const bytes = tok_->token_bytes(id);
    if (!bytes) {
        warn(warning_kind::invalid_token, describe(id) + " inside a message; replaced by U+FFFD", out);
        std::string text;
        append_utf8_lossy(text, pending_);
        pending_.clear();
        text.append(utf8_replacement);
        emit_delta(std::move(text), out);
        return;
    }
    if (is_special(id))
        warn(warning_kind::special_in_content, describe(id) + " inside a message; kept as text", out);
    append_content_bytes(*bytes, out);
}

void stream_parser::begin_header(std::optional<role> known_role)
{
    state_ = state::header;
    header_role_ = known_role;
    header_bytes_.clear();
    header_undecodable_ = false;
}

void stream_parser::complete_header(std::vector<stream_event>& out)
{
    if (options_.strict) {
        if (header_undecodable_ || !check_utf8(header_bytes_).valid(header_bytes_.size())) {
            fail("could not decode header", false, out);
            return;
        }
        auto parsed = parse_header_strict(header_bytes_, header_role_);
        if (!parsed) {
            fail(parsed.error(), false, out);
            return;
        }
        open_message(std::move(*parsed), out);
        return;
    }
    std::string text;
    append_utf8_lossy(text, header_bytes_);
    if (text != header_bytes_)
        warn(warning_kind::malformed_header, "invalid UTF-8 in the header replaced by U+FFFD", out);
    std::vector<std::string> notes;
    message_header header = parse_header_lenient(text, header_role_, notes);
    for (auto& note : notes)
        warn(warning_kind::malformed_header, std::move(note), out);
    open_message(std::move(header), out);
}

void stream_parser::recover_header_as_message(std::optional<end_reason> reason,
                                              std::vector<stream_event>& out)
{
    // A message that stays open keeps a truncated last character for the tokens that complete it.
    std::string tail;
    utf8_check const check = check_utf8(header_bytes_);
    if (!reason && !check.error_len && check.valid_up_to < header_bytes_.size()) {
        tail = header_bytes_.substr(check.valid_up_to);
        header_bytes_.resize(check.valid_up_to);
    }
    std::string text;
    append_utf8_lossy(text, header_bytes_);
    if (text != header_bytes_)
        warn(warning_kind::malformed_header, "invalid UTF-8 in the header replaced by U+FFFD", out);
    std::vector<std::string> notes;
    recovered_header recovered = recover_header(text, header_role_, reason.has_value(), notes);
    for (auto& note : notes)
        warn(warning_kind::malformed_header, std::move(note), out);
    open_message(std::move(recovered.header), out);
    append_content_bytes(recovered.content + tail, out);
    if (reason) end_message(*reason, out);
}

void stream_parser::open_message(message_header header, std::vector<stream_event>& out)
{
    header_ = std::move(header);
    header_role_.reset();
    header_bytes_.clear();
    content_.clear();
    pending_.clear();
    state_ = state::content;
    out.emplace_back(message_started{header_, index_});
}

void stream_parser::append_content_bytes(std::string_view bytes, std::vector<stream_event>& out)
{
    if (bytes.empty()) return;
    pending_.append(bytes);
    utf8_check const check = check_utf8(pending_);
    std::string delta = pending_.substr(0, check.valid_up_to);
    std::size_t consumed = check.valid_up_to;
    if (check.error_len) {
        // One invalid subpart per token, as the reference; what follows it waits for the next token.
        delta.append(utf8_replacement);
        consumed += *check.error_len;
    }
    pending_.erase(0, consumed);
    emit_delta(std::move(delta), out);
}

void stream_parser::emit_delta(std::string text, std::vector<stream_event>& out)
{
    if (text.empty()) return;
    content_.append(text);
    if (last_delta_)
        last_delta_->append(text);
    else
        last_delta_ = text;
    out.emplace_back(content_delta{std::move(text), index_});
}

void stream_parser::end_message(end_reason reason, std::vector<stream_event>& out)
{
    std::string flushed;
    append_utf8_lossy(flushed, pending_);
    pending_.clear();
    emit_delta(std::move(flushed), out);

    message m;
    m.author = header_.author;
    m.author_name = std::move(header_.author_name);
    m.recipient = std::move(header_.recipient);
    m.channel = std::move(header_.channel);
    m.content_type = std::move(header_.content_type);
    m.content = std::move(content_);
    messages_.push_back(m);
    out.emplace_back(message_ended{reason, std::move(m), index_});

    state_ = state::expect_start;
    header_ = {};
    content_.clear();
    last_delta_.reset();
}

void stream_parser::warn(warning_kind kind, std::string what, std::vector<stream_event>& out)
{
    out.emplace_back(parse_warning{kind, std::move(what), index_});
}

void stream_parser::fail(std::string what, bool at_end_of_stream, std::vector<stream_event>& out)
{
    error_ = parse_error{std::move(what), index_, at_end_of_stream};
    state_ = state::failed;
    out.emplace_back(*error_);
}

std::string stream_parser::describe(token_id id) const
{
    if (auto name = special_token_name(id)) return *name;
    if (id < special::first) return "token " + std::to_string(id);
    return "invalid id " + std::to_string(id);
}

std::vector<message> parse_completion(tokenizer const& tok, std::span<token_id const> ids,
                                      stream_parser_options options, std::vector<stream_event>* events)
{
    stream_parser parser(tok, options);
    std::vector<stream_event> local;
    std::vector<stream_event>& out = events ? *events : local;
    for (token_id id : ids) {
        parser.feed(id, out);
        if (!events) local.clear(); // nobody reads them; keep memory flat
    }
    parser.finish(out);
    return parser.messages();
}

} // namespace hp::translate
