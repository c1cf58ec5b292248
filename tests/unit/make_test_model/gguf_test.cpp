#include "tools/make_test_model/gguf_writer.hpp"
#include "tools/make_test_model/tiny_llama.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace hp::tools {
namespace {

template <class T>
T read_at(std::string const& s, std::size_t offset)
{
    T v;
    std::memcpy(&v, s.data() + offset, sizeof(T));
    return v;
}

TEST(make_test_model_fp16, rounds_like_ieee)
{
    EXPECT_EQ(to_fp16_bits(0.0f), 0x0000);
    EXPECT_EQ(to_fp16_bits(-0.0f), 0x8000);
    EXPECT_EQ(to_fp16_bits(1.0f), 0x3C00);
    EXPECT_EQ(to_fp16_bits(-2.0f), 0xC000);
    EXPECT_EQ(to_fp16_bits(0.1f), 0x2E66);
    EXPECT_EQ(to_fp16_bits(65504.0f), 0x7BFF);
    EXPECT_EQ(to_fp16_bits(65520.0f), 0x7C00);                 // rounds up to infinity
    EXPECT_EQ(to_fp16_bits(6.103515625e-05f), 0x0400);         // smallest normal
    EXPECT_EQ(to_fp16_bits(5.9604644775390625e-08f), 0x0001);  // smallest subnormal
    EXPECT_EQ(to_fp16_bits(2.98023223876953125e-08f), 0x0000); // half of it: ties to even
    EXPECT_EQ(to_fp16_bits(1.0f + 1.0f / 2048), 0x3C00);       // tie between 1 and 1+2^-10: even
    EXPECT_EQ(to_fp16_bits(1.0f + 3.0f / 2048), 0x3C02);
    EXPECT_EQ(to_fp16_bits(__builtin_inff()), 0x7C00);
    EXPECT_EQ(to_fp16_bits(__builtin_nanf("")) & 0x7E00, 0x7E00);
}

TEST(make_test_model_gguf, writes_the_v3_layout)
{
    gguf_writer g;
    g.add_string("general.architecture", "llama");
    g.add_uint32("n", 7);
    std::vector<std::string> const tokens = {"a", "bc"};
    g.add_string_array("tokens", tokens);
    std::vector<std::byte> data(3 * 4, std::byte{1});
    g.add_tensor("t", {3}, ggml_type::f32, data);
    g.add_tensor("u", {32, 2}, ggml_type::q8_0, std::vector<std::byte>(68, std::byte{2}));
    std::ostringstream out;
    g.write(out);
    auto const s = out.str();

    EXPECT_EQ(s.substr(0, 4), "GGUF");
    EXPECT_EQ(read_at<std::uint32_t>(s, 4), 3u);
    EXPECT_EQ(read_at<std::uint64_t>(s, 8), 2u);  // tensors
    EXPECT_EQ(read_at<std::uint64_t>(s, 16), 3u); // key/value pairs
    // First pair: key length, key, type 8 (string), value length, value.
    EXPECT_EQ(read_at<std::uint64_t>(s, 24), 20u);
    EXPECT_EQ(s.substr(32, 20), "general.architecture");
    EXPECT_EQ(read_at<std::uint32_t>(s, 52), 8u);
    EXPECT_EQ(read_at<std::uint64_t>(s, 56), 5u);
    EXPECT_EQ(s.substr(64, 5), "llama");
    // The data section starts aligned; "t" (12 bytes) is padded to 32, so "u" starts 32 bytes later.
    // Data section: "t" padded to 32 bytes, then "u" (68 bytes) padded to 96.
    ASSERT_GE(s.size(), 128u);
    auto const data_start = s.size() - 128;
    EXPECT_EQ(data_start % 32, 0u);
    EXPECT_EQ(static_cast<unsigned char>(s[data_start]), 1);
    EXPECT_EQ(static_cast<unsigned char>(s[data_start + 12]), 0); // padding
    EXPECT_EQ(static_cast<unsigned char>(s[data_start + 32]), 2);
    EXPECT_EQ(s.size() % 32, 0u);
}

TEST(make_test_model_gguf, tensor_size_must_match_its_shape)
{
    gguf_writer g;
    EXPECT_THROW(g.add_tensor("t", {3}, ggml_type::f32, std::vector<std::byte>(8)), std::logic_error);
    EXPECT_THROW(g.add_tensor("q", {16}, ggml_type::q8_0, std::vector<std::byte>(17)), std::logic_error);
    EXPECT_THROW(g.add_tensor("h", {4, 2}, ggml_type::f16, std::vector<std::byte>(8)), std::logic_error);
}

TEST(make_test_model_tiny_llama, same_seed_same_bytes)
{
    auto write = [](std::uint64_t seed) {
        gguf_writer g;
        tiny_llama_params p;
        p.n_vocab = 64;
        p.seed = seed;
        add_tiny_llama(g, p);
        std::ostringstream out;
        g.write(out);
        return out.str();
    };
    EXPECT_EQ(write(1), write(1));
    EXPECT_NE(write(1), write(2));
}

} // namespace
} // namespace hp::tools
