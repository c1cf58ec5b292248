// A minimal writer for GGUF version 3, the file format llama.cpp loads models from.
//
// Layout (all little-endian): magic "GGUF", version u32, tensor count u64, metadata count u64; the
// metadata as (key, type u32, value); per tensor (name, n_dims u32, dims u64 from innermost, ggml type
// u32, offset u64 into the data section); padding to `general.alignment` (32); the tensor data, each
// tensor starting at a multiple of the alignment. Strings are a u64 byte length and the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::tools {

/// The ggml tensor types this writer knows the row size of.
enum class ggml_type : std::uint32_t { f32 = 0, f16 = 1, q8_0 = 8 };

/// Bytes needed by `n` elements (a multiple of the block size) of `type`.
std::size_t ggml_row_bytes(ggml_type type, std::uint64_t n);

class gguf_writer
{
public:
    static constexpr std::uint32_t alignment = 32;

    void add_string(std::string_view key, std::string_view value);
    void add_uint32(std::string_view key, std::uint32_t value);
    void add_float32(std::string_view key, float value);
    void add_bool(std::string_view key, bool value);
    void add_string_array(std::string_view key, std::span<std::string const> values);
    void add_int32_array(std::string_view key, std::span<std::int32_t const> values);

    /// `shape` lists dimensions innermost first (ggml's ne[0], ne[1], ...); `data` must hold exactly
    /// the tensor's bytes. A size mismatch is a programming error and throws std::logic_error.
    void add_tensor(std::string name, std::vector<std::uint64_t> shape, ggml_type type,
                    std::vector<std::byte> data);

    /// Writes the whole file. Output is a pure function of what was added, in order.
    void write(std::ostream& out) const;

private:
    struct tensor
    {
        std::string name;
        std::vector<std::uint64_t> shape;
        ggml_type type;
        std::vector<std::byte> data;
    };

    void begin_kv(std::string_view key, std::uint32_t type);

    std::string metadata_; // encoded key/value pairs
    std::uint64_t n_kv_ = 0;
    std::vector<tensor> tensors_;
};

} // namespace hp::tools
