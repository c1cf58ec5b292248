#include "translate/special_tokens.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace hp::translate {
namespace {

constexpr std::array<std::pair<token_id, std::string_view>, 9> named{{
    {special::startoftext, "<|startoftext|>"},
    {special::endoftext, "<|endoftext|>"},
    {special::return_, "<|return|>"},
    {special::constrain, "<|constrain|>"},
    {special::channel, "<|channel|>"},
    {special::start, "<|start|>"},
    {special::end, "<|end|>"},
    {special::message, "<|message|>"},
    {special::call, "<|call|>"},
}};

constexpr std::string_view reserved_prefix = "<|reserved_";

} // namespace

std::optional<std::string> special_token_name(token_id id)
{
    if (!is_special(id)) return std::nullopt;
    for (auto const& [nid, name] : named)
        if (nid == id) return std::string(name);
    return std::string(reserved_prefix) + std::to_string(id) + "|>";
}

std::optional<token_id> special_token_id(std::string_view name)
{
    for (auto const& [nid, n] : named)
        if (n == name) return nid;
    if (!name.starts_with(reserved_prefix) || !name.ends_with("|>")) return std::nullopt;
    auto digits = name.substr(reserved_prefix.size(), name.size() - reserved_prefix.size() - 2);
    if (digits.empty() || digits[0] == '0') return std::nullopt; // one spelling per id: no leading zeros
    token_id id = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc{} || p != digits.data() + digits.size() || !is_special(id)) return std::nullopt;
    for (auto const& [nid, n] : named)
        if (nid == id) return std::nullopt; // named ids have no reserved spelling
    return id;
}

} // namespace hp::translate
