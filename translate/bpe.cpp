#include "translate/bpe.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace hp::translate {
namespace {

std::uint64_t load64(char const* p) noexcept
{
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

std::uint32_t load32(char const* p) noexcept
{
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept
{
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

// Keys are short (most tokens are 2..8 bytes): read them with at most two loads, no byte loop.
// The length goes into the seed, so overlapping reads of different lengths do not collide.
std::uint64_t hash_bytes(std::string_view s) noexcept
{
    char const* p = s.data();
    std::size_t const n = s.size();
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    if (n >= 8) {
        std::size_t i = 0;
        for (; i + 8 <= n; i += 8)
            h = mix(h, load64(p + i));
        if (i < n) h = mix(h, load64(p + n - 8));
    } else if (n >= 4) {
        h = mix(h, std::uint64_t(load32(p)) << 32 | load32(p + n - 4));
    } else if (n > 0) {
        auto const* u = reinterpret_cast<unsigned char const*>(p);
        h = mix(h, std::uint64_t(u[0]) << 16 | std::uint64_t(u[n >> 1]) << 8 | u[n - 1]);
    }
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 32);
}

} // namespace

bool bpe_ranks::assign(std::string arena, std::vector<std::uint32_t> offsets, std::string& error)
{
    arena_ = std::move(arena);
    offsets_ = std::move(offsets);
    std::size_t const count = size();
    if (count == 0 || count > rank_mask) {
        error = "rank table has " + std::to_string(count) + " tokens";
        return false;
    }
    std::size_t const capacity = std::bit_ceil(count * 5 / 2);
    slots_.assign(capacity, empty_slot);
    slot_mask_ = capacity - 1;
    for (token_id r = 0; r < count; ++r) {
        std::string_view const key = bytes(r);
        if (key.empty()) {
            error = "token " + std::to_string(r) + " is empty";
            return false;
        }
        std::uint64_t const h = hash_bytes(key);
        std::uint32_t const tag = static_cast<std::uint32_t>(h >> 50) << rank_bits;
        for (std::uint64_t i = h & slot_mask_;; i = (i + 1) & slot_mask_) {
            std::uint32_t const s = slots_[i];
            if (s == empty_slot) {
                slots_[i] = tag | r;
                break;
            }
            if (bytes(s & rank_mask) == key) {
                error = "tokens " + std::to_string(s & rank_mask) + " and " + std::to_string(r) +
                        " have the same bytes";
                return false;
            }
        }
    }
    for (unsigned b = 0; b < 256; ++b) {
        char const c = static_cast<char>(b);
        byte_rank_[b] = find(std::string_view(&c, 1));
        if (byte_rank_[b] == none) {
            error = "byte " + std::to_string(b) + " has no token (byte-level BPE needs all 256)";
            return false;
        }
    }
    return true;
}

token_id bpe_ranks::find(std::string_view key) const noexcept
{
    std::uint64_t const h = hash_bytes(key);
    std::uint32_t const tag = static_cast<std::uint32_t>(h >> 50) << rank_bits;
    for (std::uint64_t i = h & slot_mask_;; i = (i + 1) & slot_mask_) {
        std::uint32_t const s = slots_[i];
        if (s == empty_slot) return none;
        if ((s & ~rank_mask) == tag && bytes(s & rank_mask) == key) return s & rank_mask;
    }
}

void bpe_ranks::encode_piece(std::string_view piece, std::vector<token_id>& out, scratch& s) const
{
    if (piece.size() == 1) {
        out.push_back(byte_rank_[static_cast<unsigned char>(piece[0])]);
        return;
    }
    // tiktoken looks the whole piece up first; most words of prose and code are one token.
    if (token_id const whole = find(piece); whole != none) {
        out.push_back(whole);
        return;
    }
    if (piece.size() <= small_piece_limit)
        merge_small(piece, out);
    else
        merge_heap(piece, out, s);
}

// tiktoken's _byte_pair_merge, with each part also remembering which token it is.
void bpe_ranks::merge_small(std::string_view piece, std::vector<token_id>& out) const
{
    struct part
    {
        std::uint32_t start;
        token_id rank; // of this part joined with the next one
        token_id token;
    };
    std::size_t const n = piece.size();
    part parts[small_piece_limit + 1];
    std::size_t count = n + 1; // parts[n] only marks the end
    token_id min_rank = none;
    std::size_t min_i = 0;
    for (std::size_t i = 0; i < n; ++i) {
        token_id const r = i + 1 < n ? find(piece.substr(i, 2)) : none;
        parts[i] = {static_cast<std::uint32_t>(i), r, byte_rank_[static_cast<unsigned char>(piece[i])]};
        if (r < min_rank) {
            min_rank = r;
            min_i = i;
        }
    }
    parts[n] = {static_cast<std::uint32_t>(n), none, none};

    // Rank of parts[i] joined with parts[i + 1] and parts[i + 2], i.e. after the pending merge.
    auto rank_after = [&](std::size_t i) {
        return i + 3 < count ? find(piece.substr(parts[i].start, parts[i + 3].start - parts[i].start)) : none;
    };
    while (min_rank != none) {
        std::size_t const i = min_i;
        parts[i].token = min_rank;
        if (i > 0) parts[i - 1].rank = rank_after(i - 1);
        parts[i].rank = rank_after(i);
        std::memmove(&parts[i + 1], &parts[i + 2], (count - i - 2) * sizeof(part));
        --count;
        min_rank = none;
        for (std::size_t k = 0; k + 1 < count; ++k)
            if (parts[k].rank < min_rank) {
                min_rank = parts[k].rank;
                min_i = k;
            }
    }
    for (std::size_t k = 0; k + 1 < count; ++k)
        out.push_back(parts[k].token);
}

// The same merges in the same order: the heap pops the lowest rank, and on equal ranks the lowest
// start, which is the leftmost part, as tiktoken's linear scan finds it. Entries go stale when a
// part's pair changes; a pair's rank names its bytes, so a stale entry never equals the current one.
// Positions are 32-bit: a piece is part of one request's text, far below 4 GiB.
void bpe_ranks::merge_heap(std::string_view piece, std::vector<token_id>& out, scratch& s) const
{
    using node = scratch::node;
    auto const n = static_cast<std::uint32_t>(piece.size());
    constexpr std::uint32_t no_prev = 0xFFFFFFFF;
    s.nodes.resize(n);
    s.heap.clear();
    auto end_of = [&](std::uint32_t i) { return s.nodes[i].next == n ? n : s.nodes[s.nodes[i].next].start; };
    auto pair_rank = [&](std::uint32_t i) {
        std::uint32_t const nx = s.nodes[i].next;
        if (nx == n) return none;
        std::uint32_t const st = s.nodes[i].start;
        return find(piece.substr(st, end_of(nx) - st));
    };
    auto push = [&](std::uint32_t i) {
        if (s.nodes[i].pair_rank == none) return;
        s.heap.push_back(std::uint64_t(s.nodes[i].pair_rank) << 32 | s.nodes[i].start);
        std::push_heap(s.heap.begin(), s.heap.end(), std::greater<>{});
    };
    for (std::uint32_t i = 0; i < n; ++i)
        s.nodes[i] =
            node{i, i + 1, i == 0 ? no_prev : i - 1, byte_rank_[static_cast<unsigned char>(piece[i])], none};
    for (std::uint32_t i = 0; i + 1 < n; ++i) {
        s.nodes[i].pair_rank = find(piece.substr(i, 2));
        push(i);
    }
    while (!s.heap.empty()) {
        std::pop_heap(s.heap.begin(), s.heap.end(), std::greater<>{});
        std::uint64_t const e = s.heap.back();
        s.heap.pop_back();
        auto const rank = static_cast<token_id>(e >> 32);
        auto const i = static_cast<std::uint32_t>(e); // start == node index: nodes never move
        node& a = s.nodes[i];
        if (a.pair_rank != rank) continue; // stale
        node& b = s.nodes[a.next];
        a.token = rank;
        a.next = b.next;
        if (b.next != n) s.nodes[b.next].prev = i;
        b.pair_rank = none;
        a.pair_rank = pair_rank(i);
        push(i);
        if (a.prev != no_prev) {
            s.nodes[a.prev].pair_rank = pair_rank(a.prev);
            push(a.prev);
        }
    }
    for (std::uint32_t i = 0; i != n; i = s.nodes[i].next)
        out.push_back(s.nodes[i].token);
}

} // namespace hp::translate
