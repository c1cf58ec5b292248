#include "tools/fake_llama/vocab.hpp"

namespace hp::tools::fake_llama {

namespace sp = translate::special;

bool is_eog(token_id id) noexcept
{
    return id == sp::return_ || id == sp::call || id == sp::endoftext;
}

bool is_user_defined(token_id id) noexcept
{
    return id == sp::channel || id == sp::message || id == sp::start || id == sp::constrain || id == sp::end;
}

bool is_valid_token(std::int64_t id) noexcept
{
    return id >= 0 && id < static_cast<std::int64_t>(sp::vocab_size);
}

void vocab::tokenize(std::string_view text, bool parse_special, std::vector<token_id>& out) const
{
    // llama.cpp partitions the text at special-token spellings first, then BPE-encodes each
    // remaining fragment on its own, as tiktoken does around allowed specials.
    std::size_t plain_from = 0;
    std::size_t pos = 0;
    while ((pos = text.find("<|", pos)) != std::string_view::npos) {
        auto close = text.find("|>", pos + 2);
        if (close == std::string_view::npos) break;
        auto name = text.substr(pos, close + 2 - pos);
        auto id = translate::special_token_id(name);
        if (id && is_valid_token(*id) && (parse_special || is_user_defined(*id))) {
            tok_->encode(text.substr(plain_from, pos - plain_from), out);
            out.push_back(*id);
            pos = close + 2;
            plain_from = pos;
        } else {
            pos += 2;
        }
    }
    tok_->encode(text.substr(plain_from), out);
}

std::vector<token_id> vocab::tokenize(std::string_view text, bool parse_special) const
{
    std::vector<token_id> out;
    tokenize(text, parse_special, out);
    return out;
}

std::string vocab::piece(token_id id, bool special) const
{
    if (translate::is_special(id)) {
        if (!is_valid_token(id)) return {};
        if (!special && !is_user_defined(id)) return {}; // CONTROL tokens render empty
        return translate::special_token_name(id).value_or(std::string{});
    }
    auto bytes = tok_->token_bytes(id);
    return bytes ? std::string(*bytes) : std::string{};
}

std::string vocab::detokenize(std::span<const token_id> ids) const
{
    std::string out;
    for (auto id : ids)
        out += piece(id, true);
    return out;
}

std::size_t valid_utf8_prefix(std::string_view s) noexcept
{
    // Same rule as llama.cpp's validate_utf8(): look at the last 1..4 bytes for a lead byte whose
    // sequence is not complete yet.
    std::size_t const len = s.size();
    for (std::size_t i = 1; i <= 4 && i <= len; ++i) {
        auto c = static_cast<unsigned char>(s[len - i]);
        if ((c & 0xE0) == 0xC0) {
            if (i < 2) return len - i;
        } else if ((c & 0xF0) == 0xE0) {
            if (i < 3) return len - i;
        } else if ((c & 0xF8) == 0xF0) {
            if (i < 4) return len - i;
        }
    }
    return len;
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], 0 when there is none.
std::size_t sequence_at(std::string_view s, std::size_t i) noexcept
{
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80             ? 1
                    : (c & 0xE0) == 0xC0 ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return n;
}

} // namespace

bool is_valid_utf8(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < s.size();) {
        auto n = sequence_at(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto n = sequence_at(s, i);
        if (n == 0) {
            // One U+FFFD for a lead byte and the continuation bytes that follow it (a truncated
            // sequence), one per stray byte otherwise: what nlohmann::json's replace mode emits.
            auto c = static_cast<unsigned char>(s[i]);
            std::size_t want = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            std::size_t k = 1;
            while (k < want && i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80)
                ++k;
            out += "\xEF\xBF\xBD";
            i += k;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

} // namespace hp::tools::fake_llama
