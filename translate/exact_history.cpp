#include "translate/exact_history.hpp"

#include "translate/special_tokens.hpp"
#include "translate/stream_parser.hpp"

#include <array>

namespace hp::translate {

namespace {

constexpr std::string_view exact_prefix = "hpx1.";
constexpr std::string_view base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool ends_cleanly(end_reason r) noexcept
{
    return r == end_reason::end || r == end_reason::call || r == end_reason::return_;
}

// Parses `ids` (starting with <|start|>) and calls `on_message(start, end, msg)` for each message
// that ended cleanly with no warning in between.
template <class F>
void parse_messages(tokenizer const& tok, std::span<token_id const> ids, F&& on_message)
{
    stream_parser parser(tok, stream_parser_options{std::nullopt, false});
    std::vector<stream_event> events;
    std::size_t start = 0;
    bool clean = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == special::start) {
            start = i;
            clean = true;
        }
        parser.feed(ids[i], events);
        for (auto const& ev : events) {
            if (std::holds_alternative<parse_warning>(ev)) clean = false;
            if (auto const* ended = std::get_if<message_ended>(&ev); ended && clean && ends_cleanly(ended->reason))
                on_message(start, i, ended->msg);
        }
        events.clear();
    }
}

std::optional<token_id> assistant_id(tokenizer const& tok)
{
    return tok.token_for_bytes("assistant");
}

} // namespace

std::vector<exact_segment> segments_from_generation(tokenizer const& tok, std::span<token_id const> generated)
{
    std::vector<exact_segment> out;
    auto const assistant = assistant_id(tok);
    if (!assistant) return out;
    std::vector<token_id> seq{special::start, *assistant};
    seq.insert(seq.end(), generated.begin(), generated.end());
    parse_messages(tok, seq, [&](std::size_t start, std::size_t end, message const& msg) {
        exact_segment s{msg, std::vector<token_id>(seq.begin() + static_cast<std::ptrdiff_t>(start),
                                                   seq.begin() + static_cast<std::ptrdiff_t>(end) + 1)};
        if (s.ids.back() == special::return_) s.ids.back() = special::end;
        out.push_back(std::move(s));
    });
    return out;
}

std::optional<exact_segment> segment_from_ids(tokenizer const& tok, std::span<token_id const> ids)
{
    if (ids.size() < 3 || ids.front() != special::start) return std::nullopt;
    std::optional<exact_segment> out;
    std::size_t found = 0;
    parse_messages(tok, ids, [&](std::size_t start, std::size_t end, message const& msg) {
        ++found;
        if (start == 0 && end + 1 == ids.size()) out = exact_segment{msg, {ids.begin(), ids.end()}};
    });
    if (found != 1) return std::nullopt;
    return out;
}

std::string encode_exact_ids(std::span<token_id const> ids)
{
    std::string bytes;
    for (token_id id : ids) {
        do {
            unsigned char b = id & 0x7f;
            id >>= 7;
            bytes.push_back(static_cast<char>(id ? b | 0x80 : b));
        } while (id);
    }
    std::string out(exact_prefix);
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(base64url[(acc >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(base64url[(acc << (6 - bits)) & 63]);
    return out;
}

std::optional<std::vector<token_id>> decode_exact_ids(std::string_view text)
{
    if (!text.starts_with(exact_prefix)) return std::nullopt;
    text.remove_prefix(exact_prefix.size());
    std::string bytes;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        auto const v = base64url.find(c);
        if (v == std::string_view::npos) return std::nullopt;
        acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt; // not a canonical encoding
    std::vector<token_id> ids;
    std::uint64_t value = 0;
    int shift = 0;
    for (unsigned char b : bytes) {
        if (shift > 28) return std::nullopt;
        value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (b & 0x80) {
            shift += 7;
            continue;
        }
        if (value >= special::vocab_size) return std::nullopt;
        ids.push_back(static_cast<token_id>(value));
        value = 0;
        shift = 0;
    }
    if (shift != 0) return std::nullopt; // a varint cut short
    return ids;
}

std::function<std::optional<std::string>(message const&)>
exact_reasoning_content(tokenizer const& tok, std::function<std::span<token_id const>()> generated)
{
    return [&tok, generated = std::move(generated)](message const& analysis) -> std::optional<std::string> {
        auto const segments = segments_from_generation(tok, generated());
        for (auto it = segments.rbegin(); it != segments.rend(); ++it)
            if (it->msg == analysis) return encode_exact_ids(it->ids);
        return std::nullopt;
    };
}

void exact_history::add(exact_segment segment)
{
    tokens_ += segment.ids.size();
    segments_.push_back(std::move(segment));
    while (tokens_ > max_tokens_ && segments_.size() > 1) {
        tokens_ -= segments_.front().ids.size();
        segments_.pop_front();
    }
}

std::optional<std::span<token_id const>> exact_history::find(message const& m) const
{
    for (auto it = segments_.rbegin(); it != segments_.rend(); ++it)
        if (it->msg == m) return std::span<token_id const>(it->ids);
    return std::nullopt;
}

boost::system::result<exact_render, render_error> render_with_exact_history(renderer const& r, tokenizer const& tok,
                                                                            std::span<message const> conversation,
                                                                            exact_lookup const& lookup, role next)
{
    exact_render out;
    auto const opts = options_for(conversation);
    for (std::size_t index = 0; index < conversation.size(); ++index) {
        auto const& m = conversation[index];
        if (lookup && m.author == role::assistant) {
            if (auto ids = lookup(m)) {
                auto parsed = segment_from_ids(tok, *ids);
                if (parsed && parsed->msg == m) {
                    out.prompt.tokens.insert(out.prompt.tokens.end(), ids->begin(), ids->end());
                    out.prompt.text += tok.decode(*ids);
                    ++out.exact;
                    out.used.emplace_back(index, *ids);
                    continue;
                }
                ++out.rejected;
            }
        }
        if (auto ok = r.render_into(m, opts, out.prompt); !ok) return ok.error();
    }
    r.render_start_of(next, out.prompt);
    return out;
}

} // namespace hp::translate
