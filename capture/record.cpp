#include "capture/record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace hp::capture {
namespace json = boost::json;

json::object make_record(std::string_view kind, std::string_view session, std::uint64_t exchange,
                         std::uint64_t seq, std::int64_t t_ns)
{
    json::object rec;
    rec["v"] = format_version;
    rec["kind"] = kind;
    rec["session"] = session;
    rec["exchange"] = exchange;
    rec["seq"] = seq;
    rec["t_ns"] = t_ns;
    return rec;
}

void store_bytes(json::object& rec, std::string_view key, std::string_view bytes)
{
    if (is_valid_utf8(bytes))
        rec[key] = bytes;
    else
        rec[std::string(key) + "_b64"] = base64_encode(bytes);
}

std::string load_bytes(json::object const& rec, std::string_view key)
{
    if (auto const* s = rec.if_contains(key); s && s->is_string()) return std::string(s->get_string());
    std::string out;
    if (auto const* b = rec.if_contains(std::string(key) + "_b64"); b && b->is_string())
        base64_decode(b->get_string(), out);
    return out;
}

json::array headers_to_json(header_list const& headers)
{
    json::array arr;
    arr.reserve(headers.size());
    for (auto const& [name, value] : headers)
        arr.push_back(json::array{json::string(name), json::string(value)});
    return arr;
}

header_list headers_from_json(json::value const& v)
{
    header_list out;
    auto const* arr = v.if_array();
    if (!arr) return out;
    for (auto const& h : *arr) {
        auto const* pair = h.if_array();
        if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) continue;
        out.emplace_back(std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string()));
    }
    return out;
}

bool is_credential_header(std::string_view name)
{
    static constexpr std::array<std::string_view, 4> names{"authorization", "x-api-key", "cookie",
                                                           "proxy-authorization"};
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) {
        return n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
                   return a == std::tolower(static_cast<unsigned char>(b));
               });
    });
}

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) |
                          std::uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(b64_alphabet[(n >> shift) & 63]);
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = std::uint8_t(bytes[i]) << 16;
        if (rest == 2) n |= std::uint8_t(bytes[i + 1]) << 8;
        out.push_back(b64_alphabet[(n >> 18) & 63]);
        out.push_back(b64_alphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? b64_alphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

bool base64_decode(std::string_view text, std::string& out)
{
    out.clear();
    if (text.size() % 4 != 0) return false;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++pad;
            } else if (pad > 0 || (v[k] = value(c)) < 0) {
                return false;
            }
        }
        std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out.push_back(char((n >> 16) & 0xff));
        if (pad < 2) out.push_back(char((n >> 8) & 0xff));
        if (pad < 1) out.push_back(char(n & 0xff));
    }
    return true;
}

bool is_valid_utf8(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = std::uint8_t(s[i]);
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = std::uint8_t(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 (JSON could not hold them).
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += len;
    }
    return true;
}

} // namespace hp::capture
