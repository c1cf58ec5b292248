// Shared helpers of the response_builder tests: the real tokenizer, completions written as harmony
// token ids, a run through the real stream_parser, and a checker of the stream-wide invariants
// Codex depends on (../shared/notes/codex.md "The response stream Codex needs").
#pragma once

#include "support/vocab.hpp"
#include "translate/responses_events.hpp"
#include "translate/stream_parser.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace hp::translate::test {

namespace json = boost::json;

using hp::test::vocab;

// A model completion as ids, written the way the model samples it: ordinary text through the
// tokenizer, formatting tokens as single special ids.
class completion
{
public:
    completion& text(std::string_view s)
    {
        vocab().encode(s, ids_);
        return *this;
    }
    completion& special(token_id id)
    {
        ids_.push_back(id);
        return *this;
    }
    // `<|start|>assistant` begins every message but the first (the prompt opened that one).
    completion& next_message() { return special(special::start).text("assistant"); }
    // `<|channel|>NAME<|message|>CONTENT` + stop.
    completion& message(std::string_view channel, std::string_view content, token_id stop)
    {
        return special(special::channel).text(channel).special(special::message).text(content).special(stop);
    }
    std::vector<token_id> const& ids() const noexcept { return ids_; }

private:
    std::vector<token_id> ids_;
};

// Feeds every id through a real stream_parser into `b` one token at a time, then finish() unless
// `finish` is false. Returns the events emitted so far (the caller adds the terminal event).
inline void drive(response_builder& b, std::vector<token_id> const& ids, std::vector<json::object>& out,
                  bool finish = true)
{
    stream_parser parser(vocab());
    std::vector<stream_event> evs;
    for (token_id id : ids) {
        parser.feed(id, evs);
        b.on_events(evs, out);
        evs.clear();
    }
    if (finish) {
        parser.finish(evs);
        b.on_events(evs, out);
    }
}

inline std::vector<std::string> types_of(std::vector<json::object> const& events)
{
    std::vector<std::string> types;
    for (auto const& e : events)
        types.emplace_back(e.at("type").as_string());
    return types;
}

inline std::string str(json::value const& v)
{
    return std::string(v.as_string());
}

// A resolver for a typical Codex tool set: exec_command (function), apply_patch (custom) and a
// namespace `mcp__fs` with read_file.
inline tool_resolver codex_tools()
{
    return [](std::string_view recipient) -> std::optional<resolved_call> {
        if (recipient == "functions.exec_command") return resolved_call{call_kind::function, "exec_command", {}};
        if (recipient == "functions.apply_patch") return resolved_call{call_kind::custom, "apply_patch", {}};
        if (recipient == "mcp__fs.read_file") return resolved_call{call_kind::function, "read_file", "mcp__fs"};
        return std::nullopt;
    };
}

inline response_builder_options test_options(bool custom_json = false)
{
    response_builder_options o;
    o.response_id = "resp_test";
    o.model = "gpt-oss-20b";
    o.created_at = 1764028800;
    o.tools = codex_tools();
    o.ids = counting_id_generator();
    o.custom_tools_json = custom_json;
    return o;
}

// Checks every invariant of a finished stream and returns the done items. Asserts:
// sequence numbers 0..n-1; created, in_progress first; exactly one terminal event, last; per item
// an output_item.added before anything else naming it, one output_item.done, a single
// output_index and item id; deltas that concatenate to the done text; the terminal response's
// output equal to the done items; usage integers with total = input + output.
inline json::array check_stream(std::vector<json::object> const& events)
{
    json::array done_items;
    EXPECT_GE(events.size(), 3u);
    if (events.size() < 3) return done_items;
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].at("sequence_number").as_uint64(), i) << "event " << i;
    }
    EXPECT_EQ(str(events[0].at("type")), "response.created");
    EXPECT_EQ(str(events[1].at("type")), "response.in_progress");
    for (int i : {0, 1}) {
        auto const& r = events[i].at("response").as_object();
        EXPECT_EQ(str(r.at("status")), "in_progress");
        EXPECT_TRUE(r.at("output").as_array().empty());
    }

    struct item_state
    {
        std::uint64_t output_index = 0;
        std::string kind;
        std::string deltas;
        bool done = false;
        bool text_done = false;
    };
    std::map<std::string, item_state> items;
    std::uint64_t next_index = 0;
    std::size_t terminals = 0;
    for (std::size_t i = 2; i < events.size(); ++i) {
        auto const& e = events[i];
        std::string const type = str(e.at("type"));
        if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
            ++terminals;
            EXPECT_EQ(i, events.size() - 1) << "terminal event " << type << " is not last";
            continue;
        }
        if (type == "response.output_item.added") {
            auto const& item = e.at("item").as_object();
            std::string const id = str(item.at("id"));
            EXPECT_FALSE(items.contains(id)) << "item added twice: " << id;
            EXPECT_EQ(e.at("output_index").as_uint64(), next_index);
            item_state st;
            st.output_index = next_index++;
            st.kind = str(item.at("type"));
            items[id] = std::move(st);
            continue;
        }
        std::string const id = type == "response.output_item.done" ? str(e.at("item").at("id")) : str(e.at("item_id"));
        EXPECT_TRUE(items.contains(id)) << type << " before output_item.added of " << id;
        if (!items.contains(id)) continue;
        auto& st = items[id];
        EXPECT_EQ(e.at("output_index").as_uint64(), st.output_index) << type;
        EXPECT_FALSE(st.done) << type << " after output_item.done of " << id;
        if (type.ends_with(".delta")) {
            EXPECT_FALSE(st.text_done) << type << " after its .done";
            st.deltas += str(e.at("delta"));
        } else if (type == "response.output_text.done" || type == "response.reasoning_text.done") {
            EXPECT_EQ(str(e.at("text")), st.deltas);
            st.text_done = true;
        } else if (type == "response.function_call_arguments.done") {
            EXPECT_EQ(str(e.at("arguments")), st.deltas);
            st.text_done = true;
        } else if (type == "response.custom_tool_call_input.done") {
            EXPECT_EQ(str(e.at("input")), st.deltas);
            st.text_done = true;
        } else if (type == "response.output_item.done") {
            auto const& item = e.at("item").as_object();
            EXPECT_EQ(str(item.at("type")), st.kind);
            EXPECT_TRUE(st.text_done) << "output_item.done without the item's text .done";
            if (st.kind == "message" || st.kind == "reasoning") {
                EXPECT_EQ(str(item.at("content").at(0).at("text")), st.deltas);
            } else if (st.kind == "function_call") {
                EXPECT_EQ(str(item.at("arguments")), st.deltas);
            } else if (st.kind == "custom_tool_call") {
                EXPECT_EQ(str(item.at("input")), st.deltas);
            }
            st.done = true;
            done_items.push_back(item);
        }
    }
    EXPECT_EQ(terminals, 1u);

    auto const& last = events.back();
    auto const& r = last.at("response").as_object();
    std::string const type = str(last.at("type"));
    EXPECT_TRUE(r.at("id").is_string());
    EXPECT_EQ(str(r.at("object")), "response");
    EXPECT_EQ(r.at("output").as_array(), done_items);
    if (type != "response.failed") {
        auto const& u = r.at("usage").as_object();
        for (auto key : {"input_tokens", "output_tokens", "total_tokens"})
            EXPECT_TRUE(u.at(key).is_uint64() || u.at(key).is_int64()) << key;
        EXPECT_TRUE(u.at("input_tokens_details").at("cached_tokens").is_number());
        EXPECT_TRUE(u.at("output_tokens_details").at("reasoning_tokens").is_number());
        EXPECT_EQ(u.at("total_tokens").to_number<std::uint64_t>(),
                  u.at("input_tokens").to_number<std::uint64_t>() + u.at("output_tokens").to_number<std::uint64_t>());
    }
    return done_items;
}

} // namespace hp::translate::test
