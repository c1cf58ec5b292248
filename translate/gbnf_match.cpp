#include "translate/gbnf_match.hpp"

#include <utility>

namespace hp::translate {

namespace {

using positions = std::set<std::size_t>;

// One run over one text. In prefix mode, reaching the end of the text anywhere inside an element
// counts as a match up to the end: the rest of the grammar could still follow.
class matcher
{
public:
    matcher(gbnf_document const& doc, std::u32string text, bool prefix)
        : doc_(doc), text_(std::move(text)), prefix_(prefix)
    {
    }

    bool accepts() { return rule("root", 0).contains(text_.size()); }

private:
    bool at_end(std::size_t pos) const { return prefix_ && pos == text_.size(); }

    positions rule(std::string const& name, std::size_t pos)
    {
        auto key = std::make_pair(name, pos);
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        memo_[key] = {}; // in progress; never consulted for a result (no left recursion)
        auto const* alts = doc_.find(name);
        auto out = alts ? alternatives(*alts, pos) : positions{};
        memo_[key] = out;
        return out;
    }

    positions alternatives(gbnf_alternatives const& alts, std::size_t pos)
    {
        positions out;
        for (auto const& seq : alts) {
            positions cur{pos};
            for (auto const& el : seq) {
                positions next;
                for (auto p : cur)
                    for (auto e : repeated(el, p))
                        next.insert(e);
                cur = std::move(next);
                if (cur.empty()) break;
            }
            out.insert(cur.begin(), cur.end());
        }
        return out;
    }

    positions repeated(gbnf_element const& el, std::size_t pos)
    {
        positions out;
        if (el.min == 0) out.insert(pos);
        positions frontier{pos}, seen{pos};
        for (std::size_t k = 1; k <= el.max && !frontier.empty(); ++k) {
            positions next;
            for (auto p : frontier)
                for (auto e : once(el, p))
                    next.insert(e);
            if (k >= el.min) {
                out.insert(next.begin(), next.end());
                positions fresh;
                for (auto p : next)
                    if (seen.insert(p).second) fresh.insert(p);
                frontier = std::move(fresh);
            } else {
                frontier = std::move(next);
            }
        }
        // A prefix that ends before the minimum count is reached can still be completed.
        if (at_end(pos)) out.insert(pos);
        return out;
    }

    positions once(gbnf_element const& el, std::size_t pos)
    {
        using k = gbnf_element::kind;
        switch (el.type) {
        case k::literal:
            return literal(el.text, pos);
        case k::chars:
            if (pos < text_.size() && el.set.contains(text_[pos])) return {pos + 1};
            return at_end(pos) ? positions{pos} : positions{};
        case k::rule:
            return rule(el.name, pos);
        case k::group:
            return alternatives(el.group, pos);
        case k::token:
            return literal(std::u32string(1, special_code_point(static_cast<token_id>(el.token_id))), pos);
        case k::not_token:
            if (pos < text_.size() && text_[pos] != special_code_point(static_cast<token_id>(el.token_id)))
                return {pos + 1};
            return at_end(pos) ? positions{pos} : positions{};
        }
        return {};
    }

    positions literal(std::u32string const& lit, std::size_t pos) const
    {
        auto const rest = std::u32string_view(text_).substr(pos);
        if (rest.starts_with(lit)) return {pos + lit.size()};
        if (prefix_ && std::u32string_view(lit).starts_with(rest)) return {text_.size()};
        return {};
    }

    gbnf_document const& doc_;
    std::u32string text_;
    bool prefix_;
    std::map<std::pair<std::string, std::size_t>, positions> memo_;
};

} // namespace

boost::system::result<gbnf_recognizer, grammar_error> gbnf_recognizer::compile(std::string_view gbnf)
{
    auto doc = parse_gbnf(gbnf);
    if (!doc) return doc.error();
    // Token references by name become ids, so matching needs no vocabulary.
    auto resolve = [](auto& self, gbnf_alternatives& alts) -> boost::system::result<void, grammar_error> {
        for (auto& seq : alts)
            for (auto& el : seq) {
                if (el.type == gbnf_element::kind::group) {
                    if (auto r = self(self, el.group); !r) return r;
                } else if ((el.type == gbnf_element::kind::token || el.type == gbnf_element::kind::not_token) &&
                           el.token_id < 0) {
                    auto id = special_token_id(el.name);
                    if (!id) return grammar_error{"token reference " + el.name + " names no special token"};
                    el.token_id = *id;
                }
            }
        return {};
    };
    for (auto& [name, alts] : doc->rules)
        if (auto r = resolve(resolve, alts); !r) return r.error();
    return gbnf_recognizer(std::move(*doc));
}

// The length of `bytes` without a trailing UTF-8 character that is begun but not finished.
static std::size_t complete_utf8_length(std::string_view bytes)
{
    for (std::size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
        auto const b = static_cast<unsigned char>(bytes[bytes.size() - back]);
        if ((b & 0xC0) == 0x80) continue; // a continuation byte: look further back
        std::size_t const need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return need > back ? bytes.size() - back : bytes.size();
    }
    return bytes.size();
}

bool gbnf_recognizer::run(tokenizer const& tok, std::span<token_id const> ids, bool prefix) const
{
    // Ordinary tokens' bytes are decoded together, so a character split over tokens matches as
    // itself (llama.cpp's partial_utf8); a viable prefix may end inside a character.
    std::u32string text;
    std::string bytes;
    auto flush = [&](bool at_end) {
        auto const n = at_end && prefix ? complete_utf8_length(bytes) : bytes.size();
        text += decode_utf8(std::string_view(bytes).substr(0, n));
        bytes.clear();
    };
    for (auto id : ids) {
        if (is_special(id)) {
            flush(false);
            text += special_code_point(id);
        } else if (auto b = tok.token_bytes(id)) {
            bytes += *b;
        } else {
            return false;
        }
    }
    flush(true);
    return matcher(doc_, std::move(text), prefix).accepts();
}

bool gbnf_recognizer::complete(tokenizer const& tok, std::span<token_id const> ids) const
{
    return run(tok, ids, false);
}

bool gbnf_recognizer::viable(tokenizer const& tok, std::span<token_id const> ids) const
{
    return run(tok, ids, true);
}

} // namespace hp::translate
