// translate/gbnf_match.hpp: decides whether a token sequence is in a GBNF grammar's language, or
// can still be completed into one (a viable prefix), with llama.cpp's semantics: literals and
// classes match Unicode code points of the tokens' text, a token reference `<[id]>` matches that
// special token. What the scripted llama-server uses to sample "under a grammar" and what tests
// use to check the grammars the proxy sends.
//
// Method: sets of end positions per (rule, position), memoized; left recursion is excluded by
// parse_gbnf, so recursion at one position never needs its own result. Each special token is one
// private-use code point in the matched text (U+F0000 + its offset from 199998), so it can only be
// matched by its reference or by a negated class, as llama.cpp's pieces would. Ordinary tokens'
// bytes are decoded together, so a character split over tokens matches as itself (llama.cpp's
// partial_utf8); a viable prefix may end inside a character (not checked against the grammar
// until it is complete), a complete sentence may not. Cost: about text length x grammar size per check; meant for the few
// hundred tokens of a tool call, not for long documents.
#pragma once

#include "translate/gbnf.hpp"
#include "translate/special_tokens.hpp"
#include "translate/tokenizer.hpp"

#include <boost/system/result.hpp>

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace hp::translate {

class gbnf_recognizer
{
public:
    // Parses `gbnf` (parse_gbnf's checks). A token reference by name (`<|message|>`) is resolved
    // through the special token names.
    static boost::system::result<gbnf_recognizer, grammar_error> compile(std::string_view gbnf);

    // The sequence is a sentence of the grammar (generation may end here).
    bool complete(tokenizer const& tok, std::span<token_id const> ids) const;
    // The sequence can still be continued into a sentence (every token so far was allowed).
    bool viable(tokenizer const& tok, std::span<token_id const> ids) const;

private:
    explicit gbnf_recognizer(gbnf_document doc) : doc_(std::move(doc)) {}
    bool run(tokenizer const& tok, std::span<token_id const> ids, bool prefix) const;

    gbnf_document doc_;
};

// The code point a special token stands for in the matched text.
constexpr char32_t special_code_point(token_id id) noexcept
{
    return U'\U000F0000' + static_cast<char32_t>(id - special::first);
}

} // namespace hp::translate
