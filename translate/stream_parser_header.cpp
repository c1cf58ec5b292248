// translate/stream_parser_header.cpp: see stream_parser_header.hpp.
#include "translate/stream_parser_header.hpp"

#include "translate/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace hp::translate {

namespace {

constexpr std::string_view channel_marker = "<|channel|>";
constexpr std::string_view constrain_marker = "<|constrain|>";
constexpr std::array<std::string_view, 3> known_channels = {"analysis", "commentary", "final"};

bool is_known_channel(std::string_view c)
{
    return std::find(known_channels.begin(), known_channels.end(), c) != known_channels.end();
}

// Rust str::trim_start / trim_end: Unicode White_Space.
std::string_view trim_start(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto [c, len] = decode_utf8_at(s, i);
        if (!is_unicode_whitespace(c)) break;
        i += len;
    }
    return s.substr(i);
}

std::string_view trim_end(std::string_view s)
{
    std::size_t end = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto [c, len] = decode_utf8_at(s, i);
        i += len;
        if (!is_unicode_whitespace(c)) end = i;
    }
    return s.substr(0, end);
}

std::string_view trim(std::string_view s)
{
    return trim_end(trim_start(s));
}

// End of the channel value that starts at `from`: the first whitespace or '<'.
std::size_t channel_value_end(std::string_view s, std::size_t from)
{
    std::size_t i = from;
    while (i < s.size()) {
        auto [c, len] = decode_utf8_at(s, i);
        if (c == U'<' || is_unicode_whitespace(c)) break;
        i += len;
    }
    return i;
}

// Cuts `<|channel|>value` out of `header` at `idx` and returns the value.
std::string cut_channel(std::string& header, std::size_t idx)
{
    std::size_t const value_start = idx + channel_marker.size();
    std::size_t const value_end = channel_value_end(header, value_start);
    std::string value = header.substr(value_start, value_end - value_start);
    header.erase(idx, value_end - idx);
    return value;
}

// Trims, and puts a space before every <|constrain|> so that a content type glued to the recipient
// (`to=functions.x<|constrain|>json`) becomes a word of its own.
std::string normalise(std::string_view header)
{
    std::string out(trim(header));
    if (out.find(constrain_marker) == std::string::npos) return out;
    std::string spaced;
    for (std::size_t pos = 0;;) {
        std::size_t const hit = out.find(constrain_marker, pos);
        if (hit == std::string::npos) {
            spaced.append(out, pos);
            break;
        }
        spaced.append(out, pos, hit - pos).append(" ").append(constrain_marker);
        pos = hit + constrain_marker.size();
    }
    return std::string(trim(spaced));
}

// Rust split_ascii_whitespace: space, \t, \n, \f, \r (not \v).
std::vector<std::string_view> split_words(std::string_view s)
{
    auto const is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; };
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i]))
            ++i;
        std::size_t const start = i;
        while (i < s.size() && !is_space(s[i]))
            ++i;
        if (i > start) words.push_back(s.substr(start, i - start));
    }
    return words;
}

std::string join(std::vector<std::string_view> const& words)
{
    std::string out;
    for (auto w : words) {
        if (!out.empty()) out += ' ';
        out.append(w);
    }
    return out;
}

// Rust's `{:?}` of Some(String), for the reference's error messages.
std::string debug_some(std::string_view s)
{
    std::string out = "Some(\"";
    for (std::size_t i = 0; i < s.size();) {
        auto [c, len] = decode_utf8_at(s, i);
        switch (c) {
        case U'"':
            out += "\\\"";
            break;
        case U'\\':
            out += "\\\\";
            break;
        case U'\n':
            out += "\\n";
            break;
        case U'\r':
            out += "\\r";
            break;
        case U'\t':
            out += "\\t";
            break;
        case U'\0':
            out += "\\0";
            break;
        default:
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned>(c));
                out += buf;
            } else {
                out.append(s.substr(i, len));
            }
        }
        i += len;
    }
    return out + "\")";
}

// The role step shared by both parsers. Returns the role and the author name, and removes the
// role word(s) from `words`. nullopt means the reference fails (`error` says why).
struct role_step
{
    std::optional<role> author;
    std::optional<std::string> role_word;
    std::string error;
};

role_step take_role(std::vector<std::string_view>& words, std::optional<role> known_role)
{
    role_step step;
    if (known_role) {
        step.author = known_role;
    } else if (words.empty()) {
        step.error = "message header did not contain a role";
        return step;
    } else {
        step.role_word = std::string(words.front());
        if (auto r = role_from_name(words.front())) {
            step.author = r;
        } else if (words.size() > 1 || words.front().starts_with("to=")) {
            // An unknown author followed by more words is a tool ("functions.x to=assistant").
            words.erase(words.begin());
            step.author = role::tool;
        } else {
            step.error = "Unknown role: " + *step.role_word;
            return step;
        }
    }
    if (!words.empty() && words.front() == role_name(*step.author)) words.erase(words.begin());
    return step;
}

// `[recipient] [content_type]` from the end of `words`; what remains in `words` is left over.
void take_recipient_and_type(std::vector<std::string_view>& words, message_header& h)
{
    if (words.empty()) return;
    std::size_t const count = words.size();
    std::string_view const last = words.back();
    words.pop_back();
    if (last.starts_with("to=")) {
        h.recipient = std::string(last.substr(3));
    } else if (count == 1 && !last.starts_with(constrain_marker)) {
        h.recipient = std::string(last); // a lone bare word is a recipient
    } else {
        h.content_type = std::string(last);
        if (!words.empty()) {
            std::string_view r = words.back();
            words.pop_back();
            if (r.starts_with("to=")) r.remove_prefix(3);
            h.recipient = std::string(r);
        }
    }
}

// Lenient channel step: cuts every <|channel|>value and picks one.
std::optional<std::string> take_channels(std::string& header, std::vector<std::string>& notes)
{
    std::vector<std::string> values;
    for (std::size_t idx = header.find(channel_marker); idx != std::string::npos;
         idx = header.find(channel_marker, idx)) {
        std::string v = cut_channel(header, idx);
        if (v.empty())
            notes.push_back("<|channel|> without a value ignored");
        else
            values.push_back(std::move(v));
    }
    if (values.empty()) return std::nullopt;
    // Prefer the last valid channel (a model that repeats the marker corrects itself), else the first.
    auto known =
        std::find_if(values.rbegin(), values.rend(), [](auto const& v) { return is_known_channel(v); });
    std::string chosen = known != values.rend() ? *known : values.front();
    if (values.size() > 1) {
        std::string all;
        for (auto const& v : values)
            all += (all.empty() ? "" : ", ") + v;
        notes.push_back("several channels (" + all + "); kept " + chosen);
    }
    if (!is_known_channel(chosen)) notes.push_back("unknown channel '" + chosen + "'");
    return chosen;
}

} // namespace

boost::system::result<message_header, std::string> parse_header_strict(std::string_view text,
                                                                       std::optional<role> known_role)
{
    message_header h;
    std::string header(text);
    if (std::size_t const idx = header.find(channel_marker); idx != std::string::npos) {
        std::string value = cut_channel(header, idx);
        if (value.empty()) return std::string("channel marker present but no channel value found in header");
        h.channel = std::move(value);
    }
    std::string const normal = normalise(header);
    std::vector<std::string_view> words = split_words(normal);
    role_step step = take_role(words, known_role);
    if (!step.author) return std::move(step.error);
    h.author = *step.author;
    if (h.author == role::tool) h.author_name = std::move(step.role_word);
    take_recipient_and_type(words, h);
    if (!words.empty()) return "unexpected tokens remaining in message header: " + debug_some(join(words));
    return h;
}

message_header parse_header_lenient(std::string_view text, std::optional<role> known_role,
                                    std::vector<std::string>& notes)
{
    message_header h;
    std::string header(text);
    h.channel = take_channels(header, notes);
    std::string const normal = normalise(header);
    std::vector<std::string_view> words = split_words(normal);

    role_step step = take_role(words, known_role);
    if (step.author) {
        h.author = *step.author;
        if (h.author == role::tool) h.author_name = std::move(step.role_word);
    } else {
        // No role, or one unknown word: a completion only ever produces the assistant's messages.
        h.author = role::assistant;
        notes.push_back(words.empty()
                            ? "no role in header; assistant assumed"
                            : "unknown role '" + std::string(words.front()) + "'; assistant assumed");
        if (!words.empty()) words.erase(words.begin());
    }

    // A duplicated `to=` (before and after the channel, or twice in a row): keep the last, which is
    // the one the reference would read as the recipient.
    std::vector<std::string_view> recipients;
    for (auto w : words)
        if (w.starts_with("to=")) recipients.push_back(w);
    if (recipients.size() > 1) {
        notes.push_back("duplicated recipient (" + join(recipients) + "); kept " +
                        std::string(recipients.back()));
        std::string_view const kept = recipients.back();
        std::erase_if(words,
                      [&](std::string_view w) { return w.starts_with("to=") && w.data() != kept.data(); });
    }
    take_recipient_and_type(words, h);
    if (h.recipient && h.recipient->empty()) {
        notes.push_back("empty recipient ignored");
        h.recipient.reset();
    }
    if (!words.empty()) notes.push_back("unexpected header words ignored: " + join(words));
    return h;
}

recovered_header recover_header(std::string_view text, std::optional<role> known_role, bool trim_end_too,
                                std::vector<std::string>& notes)
{
    recovered_header out;
    std::string header(text);
    out.header.channel = take_channels(header, notes);
    std::string_view rest = trim_start(header);

    // A leading role word is header, not content.
    auto const first_word_end = [&] {
        std::size_t i = 0;
        while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\n' && rest[i] != '\r' &&
               rest[i] != '\f')
            ++i;
        return i;
    }();
    std::string_view const first = rest.substr(0, first_word_end);
    if (known_role) {
        out.header.author = *known_role;
        if (first == role_name(*known_role)) rest = trim_start(rest.substr(first_word_end));
    } else if (auto r = role_from_name(first)) {
        out.header.author = *r;
        rest = trim_start(rest.substr(first_word_end));
    } else {
        out.header.author = role::assistant;
        notes.push_back("no role in header; assistant assumed");
    }
    if (out.header.author == role::tool && !known_role) out.header.author_name = std::string(first);
    out.content = std::string(trim_end_too ? trim_end(rest) : rest);
    return out;
}

} // namespace hp::translate
