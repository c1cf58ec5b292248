// serde_json's compact Display, reproduced for the defaults harmony writes into tool signatures.
#include "translate/json_display.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace hp::translate {
namespace {

namespace json = boost::json;

// ryu's "pretty" format64, which serde_json uses for f64: shortest round-trip digits, plain
// notation for magnitudes in [1e-5, 1e16), scientific (`1e21`, `1.5e-7`) outside.
std::string display_double(double d)
{
    if (!std::isfinite(d)) return "null";
    if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    if (ec != std::errc{}) return "null";                           // cannot happen with a 64-byte buffer
    std::string_view sci(buf, static_cast<std::size_t>(end - buf)); // "-1.234e+33"
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    auto const e_pos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e_pos))
        if (c != '.') digits += c;
    int exp10 = 0;
    auto exp_text = sci.substr(e_pos + 1);
    if (exp_text.front() == '+') exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);

    int const length = static_cast<int>(digits.size());
    int const kk = exp10 + 1; // 10^(kk-1) <= |d| < 10^kk
    int const k = kk - length;
    if (k >= 0 && kk <= 16) {
        out += digits;
        out.append(static_cast<std::size_t>(k), '0');
        out += ".0";
    } else if (kk > 0 && kk <= 16) {
        out += digits.substr(0, static_cast<std::size_t>(kk));
        out += '.';
        out += digits.substr(static_cast<std::size_t>(kk));
    } else if (kk > -5 && kk <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-kk), '0');
        out += digits;
    } else {
        out += digits.front();
        if (length > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += 'e';
        out += std::to_string(kk - 1);
    }
    return out;
}

// serde_json's string escaping: the two mandatory escapes, short forms for \b \t \n \f \r, and
// \u00xx (lowercase hex) for the other control characters. Everything else, non-ASCII included,
// is copied.
void display_string(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        auto const u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (u < 0x20) {
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void display_into(std::string& out, json::value const& v)
{
    switch (v.kind()) {
    case json::kind::null:
        out += "null";
        break;
    case json::kind::bool_:
        out += v.get_bool() ? "true" : "false";
        break;
    case json::kind::int64:
        out += std::to_string(v.get_int64());
        break;
    case json::kind::uint64:
        out += std::to_string(v.get_uint64());
        break;
    case json::kind::double_:
        out += display_double(v.get_double());
        break;
    case json::kind::string:
        display_string(out, v.get_string());
        break;
    case json::kind::array: {
        out += '[';
        bool first = true;
        for (auto const& e : v.get_array()) {
            if (!first) out += ',';
            first = false;
            display_into(out, e);
        }
        out += ']';
        break;
    }
    case json::kind::object: {
        out += '{';
        bool first = true;
        for (auto const& [k, e] : v.get_object()) {
            if (!first) out += ',';
            first = false;
            display_string(out, k);
            out += ':';
            display_into(out, e);
        }
        out += '}';
        break;
    }
    }
}

} // namespace

std::string json_display(json::value const& v)
{
    std::string out;
    display_into(out, v);
    return out;
}

} // namespace hp::translate
