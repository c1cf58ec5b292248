// Loading a rank table: tiktoken's compressed text form, and the SHA-256 that pins its content.
#include "translate/bpe.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace hp::translate {
namespace {

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> b64_values = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(b64_alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}();

// Standard base64 with padding, strict like Rust's base64 STANDARD engine.
bool b64_decode_append(std::string_view in, std::string& out)
{
    if (in.empty() || in.size() % 4 != 0) return false;
    std::size_t pad = 0;
    if (in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
    for (std::size_t i = 0; i < in.size(); i += 4) {
        bool const last = i + 4 == in.size();
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            char const c = in[i + k];
            std::int8_t d = b64_values[static_cast<unsigned char>(c)];
            if (c == '=' && last && k >= 4 - pad)
                d = 0;
            else if (d < 0)
                return false;
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        std::size_t const bytes = last ? 3 - pad : 3;
        if (last && pad == 2 && (v & 0xFFFF) != 0) return false; // non-canonical trailing bits
        if (last && pad == 1 && (v & 0xFF) != 0) return false;
        for (std::size_t k = 0; k < bytes; ++k)
            out.push_back(static_cast<char>(v >> (16 - 8 * k)));
    }
    return true;
}

void b64_encode_append(std::string_view in, std::string& out)
{
    auto const* p = reinterpret_cast<unsigned char const*>(in.data());
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t const v = std::uint32_t(p[i]) << 16 | std::uint32_t(p[i + 1]) << 8 | p[i + 2];
        for (int k = 3; k >= 0; --k)
            out.push_back(b64_alphabet[(v >> (6 * k)) & 63]);
    }
    if (std::size_t const rest = in.size() - i; rest != 0) {
        std::uint32_t v = std::uint32_t(p[i]) << 16;
        if (rest == 2) v |= std::uint32_t(p[i + 1]) << 8;
        out.push_back(b64_alphabet[(v >> 18) & 63]);
        out.push_back(b64_alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? b64_alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
}

// FIPS 180-4 SHA-256, streaming. Small and only used at load time.
class sha256
{
public:
    void update(std::string_view data)
    {
        length_ += data.size();
        while (!data.empty()) {
            std::size_t const n = std::min(data.size(), sizeof block_ - fill_);
            std::memcpy(block_ + fill_, data.data(), n);
            fill_ += n;
            data.remove_prefix(n);
            if (fill_ == sizeof block_) {
                compress();
                fill_ = 0;
            }
        }
    }

    std::string hex_digest()
    {
        std::uint64_t const bits = length_ * 8;
        update(std::string_view("\x80", 1));
        while (fill_ != 56)
            update(std::string_view("\0", 1));
        for (int k = 7; k >= 0; --k)
            block_[fill_++] = static_cast<unsigned char>(bits >> (8 * k));
        compress();
        std::string hex;
        for (std::uint32_t w : h_)
            for (int k = 28; k >= 0; k -= 4)
                hex.push_back("0123456789abcdef"[(w >> k) & 15]);
        return hex;
    }

private:
    static std::uint32_t rotr(std::uint32_t x, int n) { return x >> n | x << (32 - n); }

    void compress()
    {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t(block_[4 * i]) << 24 | std::uint32_t(block_[4 * i + 1]) << 16 |
                   std::uint32_t(block_[4 * i + 2]) << 8 | block_[4 * i + 3];
        for (int i = 16; i < 64; ++i) {
            std::uint32_t const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            std::uint32_t const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
        for (int i = 0; i < 64; ++i) {
            std::uint32_t const t1 =
                h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            std::uint32_t const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
    }

    std::uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    unsigned char block_[64] = {};
    std::size_t fill_ = 0;
    std::uint64_t length_ = 0;
};

} // namespace

bool parse_compressed_ranks(std::string_view text, bpe_ranks& out, std::string& error)
{
    std::string arena;
    std::vector<std::uint32_t> offsets{0};
    arena.reserve(text.size() * 3 / 4);
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        std::size_t const nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty()) continue;
        auto fail = [&](std::string what) {
            error = "bpe_ranks line " + std::to_string(line_no) + ": " + std::move(what);
            return false;
        };
        if (line[0] != '!') return fail("not tiktoken's compressed form (a line must start with '!')");
        std::size_t field = 0;
        while (!line.empty()) {
            std::size_t const sp = line.find(' ');
            std::string_view const f = line.substr(0, sp);
            line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
            if (field == 1) {
                std::size_t first = 0;
                auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), first);
                if (ec != std::errc{} || p != f.data() + f.size())
                    return fail("bad first rank '" + std::string(f) + "'");
                if (first != offsets.size() - 1)
                    return fail("first rank " + std::string(f) + ", expected " +
                                std::to_string(offsets.size() - 1) + " (ranks must be consecutive from 0)");
            } else if (field > 1) {
                if (!b64_decode_append(f, arena))
                    return fail("bad base64 token '" + std::string(f.substr(0, 40)) + "'");
                offsets.push_back(static_cast<std::uint32_t>(arena.size()));
            }
            ++field;
        }
        if (field < 2) return fail("missing first rank");
    }
    return out.assign(std::move(arena), std::move(offsets), error);
}

std::string tiktoken_file_sha256(bpe_ranks const& ranks)
{
    sha256 h;
    std::string line;
    for (token_id r = 0; r < ranks.size(); ++r) {
        line.clear();
        b64_encode_append(ranks.bytes(r), line);
        line.push_back(' ');
        line += std::to_string(r);
        line.push_back('\n');
        h.update(line);
    }
    return h.hex_digest();
}

} // namespace hp::translate
