// tests/unit/grammar/gbnf_matcher.hpp: a small GBNF interpreter for tests. It decides whether a
// whole UTF-8 text is in a grammar's language (code point semantics, as llama.cpp), so tests can
// compare the converters' grammars with the source languages on sampled strings. Token references
// match the token's text given in `tokens` (e.g. 200008 -> "<|message|>").
// Sets of end positions with memoized rules: fine for short texts, and left recursion is excluded
// by parse_gbnf, so recursion at one position terminates.
#pragma once

#include "translate/gbnf.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace hp::test {

class gbnf_matcher
{
public:
    explicit gbnf_matcher(translate::gbnf_document doc, std::map<std::int64_t, std::string> tokens = {})
        : doc_(std::move(doc)), tokens_(std::move(tokens))
    {
    }

    bool matches(std::string_view utf8)
    {
        text_ = translate::decode_utf8(utf8);
        memo_.clear();
        auto const ends = rule("root", 0);
        return ends.contains(text_.size());
    }

private:
    using positions = std::set<std::size_t>;

    positions rule(std::string const& name, std::size_t pos)
    {
        auto key = std::make_pair(name, pos);
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        memo_[key] = {}; // in progress: no left recursion, so this is never needed for a result
        auto out = alternatives(*doc_.find(name), pos);
        memo_[key] = out;
        return out;
    }

    positions alternatives(translate::gbnf_alternatives const& alts, std::size_t pos)
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

    positions repeated(translate::gbnf_element const& el, std::size_t pos)
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
        return out;
    }

    positions once(translate::gbnf_element const& el, std::size_t pos)
    {
        using k = translate::gbnf_element::kind;
        switch (el.type) {
        case k::literal:
            return literal(el.text, pos);
        case k::chars:
            if (pos < text_.size() && el.set.contains(text_[pos])) return {pos + 1};
            return {};
        case k::rule:
            return rule(el.name, pos);
        case k::group:
            return alternatives(el.group, pos);
        case k::token: {
            auto it = tokens_.find(el.token_id);
            if (it == tokens_.end()) return {};
            return literal(translate::decode_utf8(it->second), pos);
        }
        case k::not_token:
            return {};
        }
        return {};
    }

    positions literal(std::u32string const& lit, std::size_t pos) const
    {
        if (std::u32string_view(text_).substr(pos).starts_with(lit)) return {pos + lit.size()};
        return {};
    }

    translate::gbnf_document doc_; // owned: callers often pass a temporary
    std::map<std::int64_t, std::string> tokens_;
    std::u32string text_;
    std::map<std::pair<std::string, std::size_t>, positions> memo_;
};

} // namespace hp::test
