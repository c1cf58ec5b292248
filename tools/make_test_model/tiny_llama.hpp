// A tiny `llama`-architecture network with seeded random weights, as GGUF tensors and metadata.
//
// What llama.cpp requires for LLM_ARCH_LLAMA (src/models/llama.cpp, llama-model.cpp): the keys
// llama.{context_length, embedding_length, block_count, feed_forward_length, attention.head_count,
// attention.head_count_kv, attention.layer_norm_rms_epsilon}; tensors token_embd {n_embd, n_vocab},
// output_norm {n_embd}, and per layer blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output,
// ffn_norm, ffn_gate, ffn_up, ffn_down}. `output` is optional: without it the output projection is
// tied to token_embd, which halves the file (the 201,088-row tables dominate its size).
#pragma once

#include "tools/make_test_model/gguf_writer.hpp"

#include <cstdint>

namespace hp::tools {

struct tiny_llama_params
{
    std::uint32_t n_vocab = 0;
    std::uint32_t n_embd = 64;
    std::uint32_t n_layer = 2;
    std::uint32_t n_head = 4;
    std::uint32_t n_head_kv = 4;
    std::uint32_t n_ff = 128;
    std::uint32_t n_ctx_train = 8192;
    std::uint64_t seed = 1;
};

/// Adds general.architecture, the llama.* hyper-parameters and every tensor. The embedding table is
/// q8_0 (ggml's CPU backend supports it for both get_rows and the tied output matmul); the small
/// per-layer matrices stay f32. n_embd and n_ff must be multiples of 32, n_embd of n_head.
void add_tiny_llama(gguf_writer& gguf, tiny_llama_params const& p);

/// IEEE half-precision bits of `f`, round to nearest even (what ggml stores as ggml_half).
std::uint16_t to_fp16_bits(float f);

} // namespace hp::tools
