#include "translate/tokenizer.hpp"

#include "translate/bpe.hpp"
#include "translate/pretokenizer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>

namespace hp::translate {
namespace {

// The only pattern the hand-written pretokenizer implements (o200k_base, o200k_harmony).
// clang-format off
constexpr std::string_view o200k_pattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
    "|\\s*[\\r\\n]+"
    "|\\s+(?!\\S)"
    "|\\s+";
// clang-format on

// openai/harmony checks o200k_base.tiktoken against this hash (harmony-golden/tokens/encoding.json).
constexpr std::string_view o200k_sha256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d";
constexpr std::size_t o200k_count = 199998;
constexpr std::uintmax_t max_file_size = 64u << 20; // the real file is 2.3 MB

} // namespace

struct tokenizer::impl
{
    bpe_ranks ranks;
    std::vector<std::string> special_names; // index id - special::first
};

tokenizer::tokenizer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tokenizer::tokenizer(tokenizer&&) noexcept = default;
tokenizer& tokenizer::operator=(tokenizer&&) noexcept = default;
tokenizer::~tokenizer() = default;

std::filesystem::path tokenizer::default_path()
{
    if (char const* env = std::getenv("HP_VOCAB"); env != nullptr && *env != '\0') return env;
    return HP_DEFAULT_VOCAB;
}

boost::system::result<tokenizer, tokenizer_load_error> tokenizer::load(std::filesystem::path const& path)
{
    auto fail = [&](std::string what) {
        return tokenizer_load_error{"cannot load the o200k vocabulary " + path.string() + ": " +
                                    std::move(what)};
    };
    std::error_code ec;
    auto const size = std::filesystem::file_size(path, ec);
    if (ec) return fail(ec.message());
    if (size > max_file_size)
        return fail("file is " + std::to_string(size) + " bytes, too large for o200k_base.json");
    std::string text(size, '\0');
    {
        std::ifstream in(path, std::ios::binary);
        if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) return fail("read failed");
    }

    boost::system::error_code jec;
    boost::json::value doc = boost::json::parse(text, jec);
    if (jec) return fail("not JSON (" + jec.message() + ")");
    auto const* obj = doc.if_object();
    if (obj == nullptr) return fail("not a JSON object");
    auto const* pat = obj->if_contains("pat_str");
    auto const* ranks_text = obj->if_contains("bpe_ranks");
    if (pat == nullptr || !pat->is_string()) return fail("no string field 'pat_str'");
    if (ranks_text == nullptr || !ranks_text->is_string()) return fail("no string field 'bpe_ranks'");
    if (std::string_view(pat->get_string()) != o200k_pattern)
        return fail("'pat_str' is not the o200k pattern (only o200k_base is supported)");
    // `special_tokens` of o200k_base (<|endoftext|>, <|endofprompt|>) is ignored on purpose:
    // o200k_harmony's specials are translate/special_tokens.hpp, and encode() never yields one.

    auto p = std::make_unique<impl>();
    std::string error;
    if (!parse_compressed_ranks(ranks_text->get_string(), p->ranks, error)) return fail(error);
    if (p->ranks.size() != o200k_count)
        return fail("has " + std::to_string(p->ranks.size()) + " ranks, o200k_base has " +
                    std::to_string(o200k_count));
    // 2.4 MB hashed once at startup (a few ms) buys the certainty that ids mean what the model saw.
    if (std::string const sha = tiktoken_file_sha256(p->ranks); sha != o200k_sha256)
        return fail("ranks differ from o200k_base (SHA-256 " + sha + ")");

    p->special_names.reserve(special::last - special::first + 1);
    for (token_id id = special::first; id <= special::last; ++id)
        p->special_names.push_back(*special_token_name(id));
    return tokenizer(std::move(p));
}

std::vector<token_id> tokenizer::encode(std::string_view text) const
{
    std::vector<token_id> out;
    encode(text, out);
    return out;
}

void tokenizer::encode(std::string_view text, std::vector<token_id>& out) const
{
    // About 4 bytes per token for code and prose. Grow geometrically: the renderer appends many
    // short pieces, and reserving exactly each time would copy the whole vector every call.
    std::size_t const wanted = out.size() + text.size() / 4 + 1;
    if (wanted > out.capacity()) out.reserve(std::max(wanted, out.capacity() * 2));
    bpe_ranks::scratch scratch;
    pretokenizer pieces(text);
    for (std::string_view piece = pieces.next(); !piece.empty(); piece = pieces.next())
        impl_->ranks.encode_piece(piece, out, scratch);
}

std::string tokenizer::decode(std::span<const token_id> ids, bool* ok) const
{
    std::string out;
    bool all_known = true;
    for (token_id id : ids) {
        if (auto b = token_bytes(id))
            out += *b;
        else
            all_known = false;
    }
    if (ok != nullptr) *ok = all_known;
    return out;
}

std::optional<std::string_view> tokenizer::token_bytes(token_id id) const
{
    if (id < impl_->ranks.size()) return impl_->ranks.bytes(id);
    if (is_special(id)) return std::string_view(impl_->special_names[id - special::first]);
    return std::nullopt;
}

std::optional<token_id> tokenizer::token_for_bytes(std::string_view bytes) const
{
    if (bytes.empty()) return std::nullopt;
    token_id const r = impl_->ranks.find(bytes);
    if (r == bpe_ranks::none) return std::nullopt;
    return r;
}

std::size_t tokenizer::ordinary_count() const
{
    return impl_->ranks.size();
}

} // namespace hp::translate
