// Loading the o200k_base byte-pair ranks from tiktoken's npm package (encoders/o200k_base.json).
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hp::tools {

/// A loading failure, with a message naming the file and the problem.
struct load_error
{
    load_error() = default;
    explicit load_error(std::string m) : message(std::move(m)) {}
    std::string message;
};

/// The mergeable ranks: tokens[r] holds the bytes of the token of rank r (also its id).
struct o200k_ranks
{
    std::vector<std::string> tokens;
};

/// Parses the JSON text of tiktoken's o200k_base.json. Its `bpe_ranks` field is tiktoken's compressed
/// form: whitespace-separated `<ignored> <first rank> <base64 token> <base64 token> ...` where the
/// tokens take consecutive ranks from <first rank> (o200k_base is one such line starting at rank 0).
/// Ranks must come out dense (0..n-1) and the tokens distinct: the GGUF vocabulary depends on both.
boost::system::result<o200k_ranks, load_error> parse_o200k_ranks(std::string_view json_text);

/// Reads and parses the file at `path`.
boost::system::result<o200k_ranks, load_error> load_o200k_ranks(std::string const& path);

/// Decodes standard base64 (RFC 4648, with padding); an error names malformed input.
boost::system::result<std::string, load_error> decode_base64(std::string_view text);

} // namespace hp::tools
