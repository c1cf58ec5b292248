// translate/bpe.hpp: tiktoken's byte-pair encoding over a rank table (o200k_base's 199,998 ranks).
//
// A token's rank is its id. Merging follows tiktoken's byte_pair_merge exactly: start from single
// bytes, repeatedly merge the adjacent pair whose concatenation has the lowest rank, the leftmost
// one on ties, until no adjacent pair is a token. Short pieces use tiktoken's own O(n*m) scan over
// a stack array; long pieces (runs of spaces, minified text, base64) use a heap with the same
// (rank, position) order, so the result is identical and the cost O(n log n).
#pragma once

#include "translate/special_tokens.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

class bpe_ranks
{
public:
    static constexpr token_id none = 0xFFFFFFFF;

    // Reusable buffers for long pieces, so encoding a text allocates once, not per piece.
    struct scratch
    {
        struct node
        {
            std::uint32_t start;
            std::uint32_t next;
            std::uint32_t prev;
            token_id token;     // the token this part currently is
            token_id pair_rank; // rank of this part joined with the next one, or none
        };
        std::vector<node> nodes;
        std::vector<std::uint64_t> heap; // (rank << 32 | start), a min-heap
    };

    // `arena` holds every token's bytes back to back; token r spans [offsets[r], offsets[r + 1]).
    // Fails (returns false, `error` set) on a duplicate token or a missing single byte.
    bool assign(std::string arena, std::vector<std::uint32_t> offsets, std::string& error);

    std::size_t size() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }

    std::string_view bytes(token_id rank) const noexcept
    {
        return {arena_.data() + offsets_[rank], offsets_[rank + 1] - offsets_[rank]};
    }

    // The rank of exactly these bytes, or `none`.
    token_id find(std::string_view bytes) const noexcept;

    // Appends the tokens of one pre-tokenized piece (non-empty).
    void encode_piece(std::string_view piece, std::vector<token_id>& out, scratch& s) const;

    // The two merge strategies, public so tests can check they agree on any input.
    void merge_small(std::string_view piece, std::vector<token_id>& out) const;
    void merge_heap(std::string_view piece, std::vector<token_id>& out, scratch& s) const;

    static constexpr std::size_t small_piece_limit = 128;

private:
    // Open addressing, linear probing. A slot is rank (low 18 bits) | hash tag (high 14 bits), so
    // a probe that meets another key is rejected without touching the arena in most cases.
    static constexpr std::uint32_t empty_slot = 0xFFFFFFFF;
    static constexpr unsigned rank_bits = 18;
    static constexpr std::uint32_t rank_mask = (1u << rank_bits) - 1;

    std::string arena_;
    std::vector<std::uint32_t> offsets_;
    std::vector<std::uint32_t> slots_;
    std::uint64_t slot_mask_ = 0;
    token_id byte_rank_[256] = {};
};

// Reads the rank text of tiktoken's JS encoders (the `bpe_ranks` field of o200k_base.json).
// Its lines are `! FIRST_RANK TOKEN TOKEN ...`: the first field is ignored, then the rank of the
// first token, then standard base64 tokens with consecutive ranks (tiktoken's lib.rs,
// CoreBPEConstructor). Ranks must run from 0 without gaps. On failure returns false with `error`.
bool parse_compressed_ranks(std::string_view text, bpe_ranks& out, std::string& error);

// SHA-256 (lowercase hex) of the table written as a .tiktoken file: one `base64(bytes) rank\n`
// line per rank. openai/harmony pins o200k_base.tiktoken by this hash.
std::string tiktoken_file_sha256(bpe_ranks const& ranks);

} // namespace hp::translate
