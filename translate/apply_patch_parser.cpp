// translate/apply_patch_parser.cpp
#include "translate/apply_patch_parser.hpp"

#include <optional>
#include <span>

namespace hp::translate {
namespace {

// One kind of line: a fixed head, then nothing, at least one character, or anything (never LF).
struct line_kind
{
    enum class tail { none, some, any };
    std::string_view head;
    tail rest;

    bool matches(std::string_view line) const
    {
        if (!line.starts_with(head)) return false;
        return rest == tail::none   ? line.size() == head.size()
               : rest == tail::some ? line.size() > head.size()
                                    : true;
    }
    // Some line of this kind starts with `partial`.
    bool extends(std::string_view partial) const
    {
        return head.starts_with(partial) || (partial.starts_with(head) && rest != tail::none);
    }
};

enum class kind {
    begin,
    end,
    add_header,
    delete_header,
    update_header,
    move,
    context_bare,
    context,
    change,
    add_line,
    eof
};

line_kind const& spec(kind k)
{
    using t = line_kind::tail;
    static line_kind const table[] = {
        {"*** Begin Patch", t::none},
        {"*** End Patch", t::none},
        {"*** Add File: ", t::some},
        {"*** Delete File: ", t::some},
        {"*** Update File: ", t::some},
        {"*** Move to: ", t::some},
        {"@@", t::none},
        {"@@ ", t::some},
        {"", t::any}, // change: see below
        {"+", t::any},
        {"*** End of File", t::none},
    };
    return table[static_cast<int>(k)];
}

// change_line is ("+" | "-" | " ") /(.*)/: three heads.
bool change_matches(std::string_view line)
{
    return !line.empty() && (line[0] == '+' || line[0] == '-' || line[0] == ' ');
}
bool change_extends(std::string_view partial)
{
    return partial.empty() || change_matches(partial);
}

enum class state {
    begin,
    first_hunk,
    add_first,
    add_more,
    after_update,
    after_move,
    in_change,
    after_hunk,
    done
};

std::span<kind const> allowed(state s)
{
    using enum kind;
    static constexpr kind begin_[] = {begin};
    static constexpr kind hunk_[] = {add_header, delete_header, update_header};
    static constexpr kind add_first_[] = {add_line};
    static constexpr kind add_more_[] = {add_line, add_header, delete_header, update_header, end};
    static constexpr kind after_update_[] = {move,       context_bare,  context,       change,
                                             add_header, delete_header, update_header, end};
    static constexpr kind after_move_[] = {context_bare,  context,       change, add_header,
                                           delete_header, update_header, end};
    static constexpr kind in_change_[] = {context_bare, context,       change,        eof,
                                          add_header,   delete_header, update_header, end};
    static constexpr kind after_hunk_[] = {add_header, delete_header, update_header, end};
    switch (s) {
    case state::begin:
        return begin_;
    case state::first_hunk:
        return hunk_;
    case state::add_first:
        return add_first_;
    case state::add_more:
        return add_more_;
    case state::after_update:
        return after_update_;
    case state::after_move:
        return after_move_;
    case state::in_change:
        return in_change_;
    case state::after_hunk:
        return after_hunk_;
    case state::done:
        break;
    }
    return {};
}

bool line_matches(kind k, std::string_view line)
{
    return k == kind::change ? change_matches(line) : spec(k).matches(line);
}
bool line_extends(kind k, std::string_view partial)
{
    return k == kind::change ? change_extends(partial) : spec(k).extends(partial);
}

// Hunk headers and context/change lines have fixed, distinct heads, so at most one allowed kind
// matches a line: the first match is the parse.
std::optional<kind> classify(state s, std::string_view line)
{
    for (kind k : allowed(s))
        if (line_matches(k, line)) return k;
    return std::nullopt;
}

} // namespace

grammar_result<std::vector<patch_hunk>> parse_apply_patch(std::string_view text, patch_mode mode)
{
    std::vector<patch_hunk> hunks;
    state s = state::begin;
    std::size_t line_no = 0;
    auto bad = [&](std::string what) {
        return grammar_error{"apply_patch line " + std::to_string(line_no) + ": " + std::move(what)};
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto const lf = text.find('\n', pos);
        if (lf == std::string_view::npos) break;
        auto const line = text.substr(pos, lf - pos);
        pos = lf + 1;
        ++line_no;
        auto const k = classify(s, line);
        if (!k) {
            if (s == state::done) return bad("text after *** End Patch");
            return bad("unexpected line \"" + std::string(line.substr(0, 60)) + "\"");
        }
        auto head_len = spec(*k).head.size();
        switch (*k) {
        case kind::begin:
            s = state::first_hunk;
            break;
        case kind::end:
            s = state::done;
            break;
        case kind::add_header:
            hunks.push_back({patch_hunk::kind::add, std::string(line.substr(head_len)), {}, {}});
            s = state::add_first;
            break;
        case kind::delete_header:
            hunks.push_back({patch_hunk::kind::remove, std::string(line.substr(head_len)), {}, {}});
            s = state::after_hunk;
            break;
        case kind::update_header:
            hunks.push_back({patch_hunk::kind::update, std::string(line.substr(head_len)), {}, {}});
            s = state::after_update;
            break;
        case kind::move:
            hunks.back().move_to = std::string(line.substr(head_len));
            s = state::after_move;
            break;
        case kind::add_line:
            hunks.back().lines.emplace_back(line.substr(1));
            s = state::add_more;
            break;
        case kind::context_bare:
        case kind::context:
        case kind::change:
            hunks.back().lines.emplace_back(line);
            s = state::in_change;
            break;
        case kind::eof:
            hunks.back().lines.emplace_back(line);
            s = state::after_hunk;
            break;
        }
    }
    auto const rest = text.substr(pos); // the last line, without LF (possibly empty)
    ++line_no;
    if (mode == patch_mode::prefix) {
        if (s == state::done) {
            if (!rest.empty()) return bad("text after *** End Patch");
            return hunks;
        }
        for (kind k : allowed(s))
            if (line_extends(k, rest)) return hunks;
        return bad("no valid line starts with \"" + std::string(rest.substr(0, 60)) + "\"");
    }
    if (s == state::done && rest.empty()) return hunks;
    // end_patch: "*** End Patch" LF?  (the LF is optional at the very end)
    if (rest == spec(kind::end).head) {
        for (kind k : allowed(s))
            if (k == kind::end) return hunks;
    }
    if (s == state::done) return bad("text after *** End Patch");
    return bad(rest.empty() ? "missing *** End Patch"
                            : "incomplete line \"" + std::string(rest.substr(0, 60)) + "\"");
}

} // namespace hp::translate
