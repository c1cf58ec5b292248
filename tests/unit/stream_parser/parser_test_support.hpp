// Shared helpers of the stream parser tests: the real o200k_harmony tokenizer, a run of the parser
// that records every observable, and the golden message form.
#pragma once

#include "support/vocab.hpp"
#include "fuzz/stream_parser/stream_parser_invariants.hpp"
#include "translate/stream_parser.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace hp::translate::test {

using hp::test::vocab;

// The golden message form: {"role", "name"?, "recipient"?, "channel"?, "content_type"?, "content"}.
inline boost::json::object to_golden(message const& m)
{
    boost::json::object o;
    o["role"] = role_name(m.author);
    if (m.author_name) o["name"] = *m.author_name;
    if (m.recipient) o["recipient"] = *m.recipient;
    if (m.channel) o["channel"] = *m.channel;
    if (m.content_type) o["content_type"] = *m.content_type;
    if (auto const* s = std::get_if<std::string>(&m.content)) o["content"] = *s;
    return o;
}

inline boost::json::array to_golden(std::vector<message> const& ms)
{
    boost::json::array a;
    for (auto const& m : ms)
        a.push_back(to_golden(m));
    return a;
}

inline std::string const& text_of(message const& m)
{
    return std::get<std::string>(m.content);
}

using fuzz::check_event_invariants;
using fuzz::describe_events;

inline std::vector<token_id> ids_from_json(boost::json::value const& v)
{
    std::vector<token_id> ids;
    for (auto const& x : v.as_array())
        ids.push_back(static_cast<token_id>(x.to_number<std::uint64_t>()));
    return ids;
}

// Token ids of `text`, where every `<|name|>` that names a special token becomes that token and
// the rest is encoded as ordinary text (the way the golden cases encode "with specials allowed").
inline std::vector<token_id> ids_of(std::string_view text)
{
    std::vector<token_id> ids;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t const open = text.find("<|", pos);
        std::size_t const close = open == std::string_view::npos ? open : text.find("|>", open);
        std::optional<token_id> special;
        if (close != std::string_view::npos) special = special_token_id(text.substr(open, close + 2 - open));
        if (!special) {
            std::size_t const end = close == std::string_view::npos ? text.size() : close + 2;
            vocab().encode(text.substr(pos, end - pos), ids);
            pos = end;
            continue;
        }
        vocab().encode(text.substr(pos, open - pos), ids);
        ids.push_back(*special);
        pos = close + 2;
    }
    return ids;
}

// Runs `ids` through a parser, then finish(); returns the events (the parser is left for queries).
inline std::vector<stream_event> run(stream_parser& p, std::vector<token_id> const& ids, bool finish = true)
{
    std::vector<stream_event> events;
    for (token_id id : ids)
        p.feed(id, events);
    if (finish) p.finish(events);
    return events;
}

template <class T>
std::vector<T> events_of(std::vector<stream_event> const& events)
{
    std::vector<T> out;
    for (auto const& e : events)
        if (auto const* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
}

} // namespace hp::translate::test
