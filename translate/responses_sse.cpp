// translate/responses_sse.cpp: see responses_sse.hpp.
#include "translate/responses_sse.hpp"

#include <boost/json/serialize.hpp>

namespace hp::translate {

namespace {

bool is_line_break(char c) noexcept
{
    return c == '\n' || c == '\r';
}

} // namespace

void encode_sse(boost::json::object const& event, std::string& out)
{
    if (auto const* t = event.if_contains("type"); t && t->is_string()) {
        std::string_view type = t->get_string();
        out += "event: ";
        for (char c : type)
            out += is_line_break(c) ? ' ' : c;
        out += '\n';
    }
    out += "data: ";
    out += boost::json::serialize(event);
    out += "\n\n";
}

std::string encode_sse(boost::json::object const& event)
{
    std::string out;
    encode_sse(event, out);
    return out;
}

std::string encode_sse_comment(std::string_view text)
{
    std::string out = ": ";
    for (char c : text)
        out += is_line_break(c) ? ' ' : c;
    out += "\n\n";
    return out;
}

} // namespace hp::translate
