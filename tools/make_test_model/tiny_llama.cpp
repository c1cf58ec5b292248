#include "tools/make_test_model/tiny_llama.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace hp::tools {
namespace {

// splitmix64: a portable, seedable generator (std distributions differ between standard libraries,
// and the model must be byte-identical everywhere for a given seed).
class splitmix64
{
public:
    explicit splitmix64(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform in [-1, 1), 24 bits of resolution: exactly representable, so portable.
    float symmetric() { return static_cast<float>(next() >> 40) / 8388608.0f - 1.0f; }

private:
    std::uint64_t state_;
};

std::vector<float> random_values(splitmix64& rng, std::size_t n, float scale, float offset = 0.0f)
{
    std::vector<float> v(n);
    for (auto& x : v)
        x = offset + scale * rng.symmetric();
    return v;
}

std::vector<std::byte> f32_bytes(std::vector<float> const& v)
{
    std::vector<std::byte> out(v.size() * sizeof(float));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

// ggml's quantize_row_q8_0_ref: per block of 32, d = max|x| / 127 and q = round(x / d).
std::vector<std::byte> q8_0_bytes(std::vector<float> const& v)
{
    std::vector<std::byte> out;
    out.reserve(v.size() / 32 * 34);
    for (std::size_t b = 0; b < v.size(); b += 32) {
        float amax = 0.0f;
        for (std::size_t i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(v[b + i]));
        float const d = amax / 127.0f;
        float const id = d != 0.0f ? 1.0f / d : 0.0f;
        auto const d16 = to_fp16_bits(d);
        out.push_back(static_cast<std::byte>(d16 & 0xff));
        out.push_back(static_cast<std::byte>(d16 >> 8));
        for (std::size_t i = 0; i < 32; ++i)
            out.push_back(static_cast<std::byte>(static_cast<std::int8_t>(std::lround(v[b + i] * id))));
    }
    return out;
}

} // namespace

std::uint16_t to_fp16_bits(float f)
{
    auto const x = std::bit_cast<std::uint32_t>(f);
    auto const sign = static_cast<std::uint16_t>((x >> 16) & 0x8000);
    std::uint32_t const abs = x & 0x7FFFFFFF;
    if (abs >= 0x7F800000) // inf or nan
        return sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0);
    if (abs >= 0x477FF000) // rounds to >= 65520: overflow to inf
        return sign | 0x7C00;
    if (abs < 0x38800000) { // subnormal half (or zero)
        // value = mant * 2^(E-150) and a half subnormal is h * 2^-24, so h = mant >> (126 - E),
        // rounded to nearest even. Below 2^-25 everything rounds to zero.
        int const shift = 126 - static_cast<int>(abs >> 23);
        if (shift > 24) return sign;
        std::uint32_t const mant = (abs & 0x7FFFFF) | 0x800000;
        std::uint32_t const half = mant >> shift;
        std::uint32_t const rest = mant & ((1u << shift) - 1);
        std::uint32_t const mid = 1u << (shift - 1);
        std::uint32_t h = half;
        if (rest > mid || (rest == mid && (half & 1))) ++h;
        return sign | static_cast<std::uint16_t>(h);
    }
    std::uint32_t const h = ((abs - 0x38000000) >> 13);
    std::uint32_t const rest = abs & 0x1FFF;
    std::uint32_t r = h;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
        ++r; // may carry into the exponent, which is the correct rounding
    return sign | static_cast<std::uint16_t>(r);
}

void add_tiny_llama(gguf_writer& gguf, tiny_llama_params const& p)
{
    if (p.n_embd % 32 != 0 || p.n_ff % 32 != 0 || p.n_head == 0 || p.n_embd % p.n_head != 0 ||
        p.n_head_kv == 0 || p.n_head % p.n_head_kv != 0 || p.n_vocab == 0)
        throw std::invalid_argument("tiny llama: inconsistent hyper-parameters");

    gguf.add_string("general.architecture", "llama");
    gguf.add_string("general.name", "harmony-proxy tiny gpt-oss-vocabulary test model");
    gguf.add_uint32("general.alignment", gguf_writer::alignment);
    gguf.add_uint32("llama.context_length", p.n_ctx_train);
    gguf.add_uint32("llama.embedding_length", p.n_embd);
    gguf.add_uint32("llama.block_count", p.n_layer);
    gguf.add_uint32("llama.feed_forward_length", p.n_ff);
    gguf.add_uint32("llama.attention.head_count", p.n_head);
    gguf.add_uint32("llama.attention.head_count_kv", p.n_head_kv);
    gguf.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf.add_float32("llama.rope.freq_base", 10000.0f);
    gguf.add_uint32("llama.vocab_size", p.n_vocab);

    std::uint64_t const n_embd = p.n_embd;
    std::uint64_t const n_ff = p.n_ff;
    std::uint64_t const n_embd_kv = n_embd / p.n_head * p.n_head_kv;
    splitmix64 rng(p.seed);

    // Embedding rows of unit-ish scale give logits that differ clearly between tokens, so sampling
    // is far from uniform and a seeded request repeats itself.
    gguf.add_tensor("token_embd.weight", {n_embd, p.n_vocab}, ggml_type::q8_0,
                    q8_0_bytes(random_values(rng, n_embd * p.n_vocab, 0.5f)));
    gguf.add_tensor("output_norm.weight", {n_embd}, ggml_type::f32,
                    f32_bytes(random_values(rng, n_embd, 0.1f, 1.0f)));

    auto matrix = [&](std::string const& name, std::uint64_t n_in, std::uint64_t n_out) {
        float const scale = 1.0f / std::sqrt(static_cast<float>(n_in));
        gguf.add_tensor(name, {n_in, n_out}, ggml_type::f32,
                        f32_bytes(random_values(rng, n_in * n_out, scale)));
    };
    for (std::uint32_t i = 0; i < p.n_layer; ++i) {
        std::string const blk = "blk." + std::to_string(i) + ".";
        gguf.add_tensor(blk + "attn_norm.weight", {n_embd}, ggml_type::f32,
                        f32_bytes(random_values(rng, n_embd, 0.1f, 1.0f)));
        matrix(blk + "attn_q.weight", n_embd, n_embd);
        matrix(blk + "attn_k.weight", n_embd, n_embd_kv);
        matrix(blk + "attn_v.weight", n_embd, n_embd_kv);
        matrix(blk + "attn_output.weight", n_embd, n_embd);
        gguf.add_tensor(blk + "ffn_norm.weight", {n_embd}, ggml_type::f32,
                        f32_bytes(random_values(rng, n_embd, 0.1f, 1.0f)));
        matrix(blk + "ffn_gate.weight", n_embd, n_ff);
        matrix(blk + "ffn_up.weight", n_embd, n_ff);
        matrix(blk + "ffn_down.weight", n_ff, n_embd);
    }
}

} // namespace hp::tools
