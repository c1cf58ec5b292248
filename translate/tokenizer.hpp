// translate/tokenizer.hpp: the o200k_harmony tokenizer, exact to tiktoken.
//
// Ordinary text is split with the o200k pre-tokenizer pattern and merged with tiktoken's
// rank-based byte-pair algorithm. encode() NEVER yields a special token, whatever the text holds:
// "<|end|>" in user text becomes 27, 91, 419, 91, 29. Special tokens enter a prompt only through
// the renderer. That is the reason the proxy tokenizes at all (llama-server parses five harmony
// markers out of any text it tokenizes; ../shared/notes/llama-server.md).
#pragma once

#include "translate/special_tokens.hpp"

#include <boost/system/result.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

// Only o200k_base is accepted: load() checks the pre-tokenizer pattern (the scanner implements that
// one pattern) and the SHA-256 openai/harmony pins for o200k_base.tiktoken, so the ids are the
// ones the model was trained on.

// Why loading a vocabulary failed, in words fit for a startup error message.
struct tokenizer_load_error
{
    std::string message;
};

class tokenizer
{
public:
    // Reads tiktoken's o200k_base.json (npm tiktoken@1.0.22, encoders/o200k_base.json). A missing,
    // unreadable or corrupt file is an error value naming the path and the problem.
    static boost::system::result<tokenizer, tokenizer_load_error> load(std::filesystem::path const& path);

    // The path compiled in as the default (the setup command's npm cache), overridable with the
    // HP_VOCAB environment variable.
    static std::filesystem::path default_path();

    tokenizer(tokenizer&&) noexcept;
    tokenizer& operator=(tokenizer&&) noexcept;
    ~tokenizer();

    // Ordinary text to ids (tiktoken encode_ordinary), identical to tiktoken@1.0.22 for any valid
    // UTF-8. Invalid UTF-8 (which tiktoken never sees: JS strings are valid) is encoded
    // deterministically: each byte that does not start a well-formed sequence counts as one
    // character of the class U+FFFD has, and its byte is kept, so decode(encode(x)) == x for any
    // bytes (translate/pretokenizer.hpp). All const members are safe to call from many threads.
    std::vector<token_id> encode(std::string_view text) const;
    void encode(std::string_view text, std::vector<token_id>& out) const; // appends

    // Byte-exact concatenation of every id's bytes; specials decode to their names ("<|end|>").
    // Unknown ids (>= 201089) decode to nothing and make `ok` false when given.
    std::string decode(std::span<const token_id> ids, bool* ok = nullptr) const;

    // The exact bytes of one ordinary token, or a special token's name; nullopt for unknown ids.
    std::optional<std::string_view> token_bytes(token_id id) const;

    // The ordinary token whose bytes are exactly `bytes`, if one exists.
    std::optional<token_id> token_for_bytes(std::string_view bytes) const;

    std::size_t ordinary_count() const; // 199998 for o200k_base

private:
    struct impl;
    explicit tokenizer(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace hp::translate
