#include "tools/make_test_model/gpt_oss_vocab.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace hp::tools {
namespace {

// Code point for each byte in GPT-2's bytes_to_unicode().
constexpr std::array<std::uint32_t, 256> make_byte_to_code_point()
{
    std::array<std::uint32_t, 256> map{};
    std::uint32_t next = 256;
    for (std::uint32_t b = 0; b < 256; ++b) {
        bool const printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        map[b] = printable ? b : next++;
    }
    return map;
}
constexpr auto byte_to_code_point = make_byte_to_code_point();

void append_utf8(std::string& out, std::uint32_t cp)
{
    // Only code points below U+0800 occur in the byte-level alphabet.
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

} // namespace

std::string gpt_oss_special_text(std::uint32_t id)
{
    switch (id) {
    case 199'998:
        return "<|startoftext|>";
    case 199'999:
        return "<|endoftext|>";
    case 200'002:
        return "<|return|>";
    case 200'003:
        return "<|constrain|>";
    case 200'005:
        return "<|channel|>";
    case 200'006:
        return "<|start|>";
    case 200'007:
        return "<|end|>";
    case 200'008:
        return "<|message|>";
    case 200'012:
        return "<|call|>";
    default:
        return "<|reserved_" + std::to_string(id) + "|>";
    }
}

std::string byte_level_encode(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes)
        append_utf8(out, byte_to_code_point[static_cast<unsigned char>(c)]);
    return out;
}

std::vector<merge_pair> derive_merges(o200k_ranks const& ranks)
{
    std::unordered_map<std::string_view, std::uint32_t> rank_of;
    rank_of.reserve(ranks.tokens.size());
    for (std::uint32_t r = 0; r < ranks.tokens.size(); ++r)
        rank_of.emplace(ranks.tokens[r], r);

    std::vector<merge_pair> merges;
    std::vector<merge_pair> local;
    for (auto const& token : ranks.tokens) {
        std::string_view const t = token;
        local.clear();
        for (std::size_t split = 1; split < t.size(); ++split) {
            auto const left = rank_of.find(t.substr(0, split));
            auto const right = rank_of.find(t.substr(split));
            if (left != rank_of.end() && right != rank_of.end())
                local.emplace_back(left->second, right->second);
        }
        // Tokens are visited in rank order, so only the order within one token needs sorting.
        std::sort(local.begin(), local.end());
        merges.insert(merges.end(), local.begin(), local.end());
    }
    return merges;
}

boost::system::result<gguf_vocab, load_error> make_gpt_oss_vocab(o200k_ranks const& ranks)
{
    if (ranks.tokens.size() != gpt_oss_first_special)
        return load_error("expected " + std::to_string(gpt_oss_first_special) + " o200k ranks, got " +
                          std::to_string(ranks.tokens.size()));
    gguf_vocab v;
    v.tokens.reserve(gpt_oss_n_vocab);
    v.types.reserve(gpt_oss_n_vocab);
    for (auto const& t : ranks.tokens) {
        v.tokens.push_back(byte_level_encode(t));
        v.types.push_back(static_cast<std::int32_t>(token_type::normal));
    }
    // Every added token of gpt-oss's tokenizer is `special`, which llama.cpp's converter stores as
    // CONTROL. The loader itself then demotes <|channel|>, <|message|>, <|start|>, <|constrain|> and
    // <|end|> to USER_DEFINED (matched in text even without parse_special), as with the real GGUFs.
    for (std::uint32_t id = gpt_oss_first_special; id < gpt_oss_n_vocab; ++id) {
        v.tokens.push_back(gpt_oss_special_text(id));
        v.types.push_back(static_cast<std::int32_t>(token_type::control));
    }
    auto const merges = derive_merges(ranks);
    v.merges.reserve(merges.size());
    for (auto const& [l, r] : merges)
        v.merges.push_back(v.tokens[l] + ' ' + v.tokens[r]);
    return v;
}

} // namespace hp::tools
