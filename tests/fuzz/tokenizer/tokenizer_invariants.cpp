#include "tokenizer_invariants.hpp"

#include "translate/pretokenizer.hpp"

#include <algorithm>
#include <vector>

namespace hp::translate::test {

std::string check_tokenizer_invariants(tokenizer const& tok, std::string_view data)
{
    std::vector<token_id> const ids = tok.encode(data);
    for (token_id id : ids)
        if (id >= tok.ordinary_count()) return "encode yielded id " + std::to_string(id);
    if (tok.decode(ids) != data) return "decode(encode(x)) != x";

    std::vector<token_id> by_piece;
    std::size_t covered = 0;
    pretokenizer pieces(data);
    for (std::string_view piece = pieces.next(); !piece.empty(); piece = pieces.next()) {
        if (piece.data() != data.data() + covered) return "pieces are not contiguous";
        covered += piece.size();
        tok.encode(piece, by_piece); // a piece is its own only piece: the split is stable
    }
    if (covered != data.size()) return "pieces do not cover the input";
    if (by_piece != ids) return "piece-wise encoding differs";

    std::vector<token_id> appended{0, 1};
    tok.encode(data, appended);
    if (appended.size() != ids.size() + 2 || !std::equal(ids.begin(), ids.end(), appended.begin() + 2))
        return "appending encode differs";
    return {};
}

} // namespace hp::translate::test
