#include "tools/make_test_model/o200k_ranks.hpp"

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace hp::tools {
namespace {

constexpr std::array<std::int8_t, 256> make_base64_table()
{
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}
constexpr auto base64_table = make_base64_table();

load_error error(std::string message)
{
    return load_error{std::move(message)};
}

} // namespace

boost::system::result<std::string, load_error> decode_base64(std::string_view text)
{
    if (text.size() % 4 != 0)
        return error("base64 length is not a multiple of 4: '" + std::string(text) + "'");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t group = 0;
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            char const c = text[i + j];
            // Padding only in the last two places of the last group.
            if (c == '=' && i + 4 == text.size() && j >= 2 && (j == 3 || text[i + 3] == '=')) {
                ++padding;
                group <<= 6;
                continue;
            }
            auto const v = base64_table[static_cast<unsigned char>(c)];
            if (v < 0 || padding > 0) return error("malformed base64: '" + std::string(text) + "'");
            group = (group << 6) | static_cast<std::uint32_t>(v);
        }
        out.push_back(static_cast<char>((group >> 16) & 0xff));
        if (padding < 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
        if (padding < 1) out.push_back(static_cast<char>(group & 0xff));
    }
    // In place: a string would also construct a load_error.
    return {boost::system::in_place_value, std::move(out)};
}

boost::system::result<o200k_ranks, load_error> parse_o200k_ranks(std::string_view json_text)
{
    boost::system::error_code ec;
    auto const doc = boost::json::parse(json_text, ec);
    if (ec) return error("not JSON: " + ec.message());
    auto const* root = doc.if_object();
    auto const* field = root ? root->if_contains("bpe_ranks") : nullptr;
    auto const* compressed = field ? field->if_string() : nullptr;
    if (!compressed) return error("no string field 'bpe_ranks'");

    // Lines, then fields: "<ignored> <first rank> <token> <token> ...".
    o200k_ranks out;
    std::unordered_set<std::string_view> seen;
    std::string_view rest(compressed->data(), compressed->size());
    std::size_t line_no = 0;
    while (!rest.empty()) {
        auto const eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
        ++line_no;
        std::vector<std::string_view> fields;
        while (!line.empty()) {
            auto const sp = line.find(' ');
            auto const f = line.substr(0, sp);
            if (!f.empty()) fields.push_back(f);
            line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
        }
        if (fields.empty()) continue;
        if (fields.size() < 2) return error("bpe_ranks line " + std::to_string(line_no) + ": no first rank");
        std::size_t first = 0;
        auto const [ptr, rc] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), first);
        if (rc != std::errc{} || ptr != fields[1].data() + fields[1].size())
            return error("bpe_ranks line " + std::to_string(line_no) + ": bad rank '" +
                         std::string(fields[1]) + "'");
        if (first != out.tokens.size())
            return error("bpe_ranks line " + std::to_string(line_no) + ": ranks are not dense (expected " +
                         std::to_string(out.tokens.size()) + ", got " + std::to_string(first) + ")");
        for (std::size_t i = 2; i < fields.size(); ++i) {
            auto bytes = decode_base64(fields[i]);
            if (!bytes)
                return error("bpe_ranks rank " + std::to_string(out.tokens.size()) + ": " +
                             bytes.error().message);
            out.tokens.push_back(std::move(*bytes));
        }
    }
    if (out.tokens.empty()) return error("bpe_ranks is empty");
    for (auto const& t : out.tokens)
        if (t.empty() || !seen.insert(t).second) return error("bpe_ranks holds an empty or duplicate token");
    return out;
}

boost::system::result<o200k_ranks, load_error> load_o200k_ranks(std::string const& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    auto r = parse_o200k_ranks(text.view());
    if (!r) return error(path + ": " + r.error().message);
    return r;
}

} // namespace hp::tools
