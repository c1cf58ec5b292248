#include "tools/make_test_model/gguf_writer.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace hp::tools {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF is written little-endian");

// gguf_type values (ggml/include/gguf.h).
constexpr std::uint32_t gguf_uint32 = 4;
constexpr std::uint32_t gguf_int32 = 5;
constexpr std::uint32_t gguf_float32 = 6;
constexpr std::uint32_t gguf_bool = 7;
constexpr std::uint32_t gguf_string = 8;
constexpr std::uint32_t gguf_array = 9;

template <class T>
void put(std::string& out, T value)
{
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

void put_string(std::string& out, std::string_view s)
{
    put<std::uint64_t>(out, s.size());
    out.append(s);
}

std::uint64_t align_up(std::uint64_t n, std::uint64_t a)
{
    return (n + a - 1) / a * a;
}

} // namespace

std::size_t ggml_row_bytes(ggml_type type, std::uint64_t n)
{
    switch (type) {
    case ggml_type::f32:
        return n * 4;
    case ggml_type::f16:
        return n * 2;
    case ggml_type::q8_0:
        // block_q8_0: an f16 scale and 32 int8 quants.
        if (n % 32 != 0) throw std::logic_error("q8_0 rows must be a multiple of 32 elements");
        return n / 32 * 34;
    }
    throw std::logic_error("unknown ggml type");
}

void gguf_writer::begin_kv(std::string_view key, std::uint32_t type)
{
    put_string(metadata_, key);
    put<std::uint32_t>(metadata_, type);
    ++n_kv_;
}

void gguf_writer::add_string(std::string_view key, std::string_view value)
{
    begin_kv(key, gguf_string);
    put_string(metadata_, value);
}

void gguf_writer::add_uint32(std::string_view key, std::uint32_t value)
{
    begin_kv(key, gguf_uint32);
    put(metadata_, value);
}

void gguf_writer::add_float32(std::string_view key, float value)
{
    begin_kv(key, gguf_float32);
    put(metadata_, value);
}

void gguf_writer::add_bool(std::string_view key, bool value)
{
    begin_kv(key, gguf_bool);
    put<std::uint8_t>(metadata_, value ? 1 : 0);
}

void gguf_writer::add_string_array(std::string_view key, std::span<std::string const> values)
{
    begin_kv(key, gguf_array);
    put<std::uint32_t>(metadata_, gguf_string);
    put<std::uint64_t>(metadata_, values.size());
    for (auto const& v : values)
        put_string(metadata_, v);
}

void gguf_writer::add_int32_array(std::string_view key, std::span<std::int32_t const> values)
{
    begin_kv(key, gguf_array);
    put<std::uint32_t>(metadata_, gguf_int32);
    put<std::uint64_t>(metadata_, values.size());
    for (auto v : values)
        put(metadata_, v);
}

void gguf_writer::add_tensor(std::string name, std::vector<std::uint64_t> shape, ggml_type type,
                             std::vector<std::byte> data)
{
    if (shape.empty() || shape.size() > 4) throw std::logic_error("tensor " + name + ": 1 to 4 dimensions");
    std::uint64_t rows = 1;
    for (std::size_t i = 1; i < shape.size(); ++i)
        rows *= shape[i];
    if (data.size() != ggml_row_bytes(type, shape[0]) * rows)
        throw std::logic_error("tensor " + name + ": data size does not match its shape");
    tensors_.push_back({std::move(name), std::move(shape), type, std::move(data)});
}

void gguf_writer::write(std::ostream& out) const
{
    std::string head;
    head.append("GGUF");
    put<std::uint32_t>(head, 3);
    put<std::uint64_t>(head, tensors_.size());
    put<std::uint64_t>(head, n_kv_);
    head.append(metadata_);

    std::uint64_t offset = 0;
    for (auto const& t : tensors_) {
        put_string(head, t.name);
        put<std::uint32_t>(head, static_cast<std::uint32_t>(t.shape.size()));
        for (auto d : t.shape)
            put<std::uint64_t>(head, d);
        put<std::uint32_t>(head, static_cast<std::uint32_t>(t.type));
        put<std::uint64_t>(head, offset);
        offset = align_up(offset + t.data.size(), alignment);
    }
    head.resize(align_up(head.size(), alignment), '\0');
    out.write(head.data(), static_cast<std::streamsize>(head.size()));

    static constexpr char zeros[alignment] = {};
    for (auto const& t : tensors_) {
        out.write(reinterpret_cast<char const*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
        auto const pad = align_up(t.data.size(), alignment) - t.data.size();
        out.write(zeros, static_cast<std::streamsize>(pad));
    }
}

} // namespace hp::tools
