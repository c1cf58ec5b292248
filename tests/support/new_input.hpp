// tests/support/new_input.hpp: the tokens of a Responses request's NEW input items (those after
// the last item the model produced: the user's message, tool outputs), rendered by the canonical
// renderer, plus the <|start|>assistant that ends every prompt. What a turn must process at
// least; prompt tokens processed beyond it are re-processing. Independent of the proxy's own
// cache accounting.
#pragma once

#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_request.hpp"
#include "translate/responses_to_harmony.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>
#include <string_view>

namespace hp::test {

namespace new_input_detail {
namespace tr = hp::translate;

inline bool produced_by_model(tr::responses::input_item const& item)
{
    if (auto const* m = std::get_if<tr::responses::message_item>(&item)) return m->role == tr::responses::message_role::assistant;
    return std::holds_alternative<tr::responses::reasoning_item>(item) ||
           std::holds_alternative<tr::responses::function_call_item>(item) ||
           std::holds_alternative<tr::responses::custom_tool_call_item>(item);
}

// The tokens of the items after the last one the model produced, as the canonical renderer
// writes them, plus the <|start|>assistant that ends every prompt.
inline std::uint64_t new_input_tokens(tr::tokenizer const& tok, std::string_view body)
{
    auto request = tr::responses::parse_request(body);
    EXPECT_TRUE(request);
    if (!request) return 0;
    std::size_t first_new = 0;
    for (std::size_t i = 0; i < request->input.size(); ++i)
        if (produced_by_model(request->input[i])) first_new = i + 1;
    auto harmony = tr::responses::to_harmony(*request, {});
    EXPECT_TRUE(harmony);
    if (!harmony) return 0;
    tr::renderer renderer(tok);
    auto const opts = tr::options_for(harmony->messages);
    std::uint64_t n = 2;
    for (std::size_t m = 0; m < harmony->messages.size(); ++m) {
        auto const& source = harmony->sources[m];
        if (!source || *source < first_new) continue;
        auto r = renderer.render(harmony->messages[m], opts);
        EXPECT_TRUE(r);
        if (r) n += r->tokens.size();
    }
    return n;
}

} // namespace new_input_detail

using new_input_detail::new_input_tokens;

// One client request of a capture: its prompt, the prompt tokens llama-server processed for it
// (timings.prompt_n over its /completions), and its new input.
struct turn_figures
{
    std::string session;
    std::uint64_t prompt = 0;
    std::uint64_t processed = 0;
    std::uint64_t new_input = 0;
    std::int64_t reprocessed() const { return static_cast<std::int64_t>(processed) - static_cast<std::int64_t>(new_input); }
};

// Per turn request (warm-ups and continuations are not requests of the client), from the capture.
inline std::vector<turn_figures> figures_of(translate::tokenizer const& tok, std::filesystem::path const& capture_dir)
{
    auto records = capture::read_capture(capture_dir);
    std::map<std::uint64_t, turn_figures> by_exchange;
    for (auto const& r : records.records) {
        auto const kind = r.at("kind").as_string();
        auto const exchange = r.at("exchange").to_number<std::uint64_t>();
        if (kind == "client_request" && r.at("target") == "/v1/responses") {
            by_exchange[exchange].new_input = new_input_tokens(tok, capture::load_bytes(r, "body"));
            by_exchange[exchange].session = std::string(r.at("session").as_string());
        } else if (kind == "completion_final" && by_exchange.contains(exchange)) {
            by_exchange[exchange].processed += r.at("prompt_n").to_number<std::uint64_t>();
        } else if (kind == "harmony_prompt" && by_exchange.contains(exchange)) {
            by_exchange[exchange].prompt = r.at("tokens").as_array().size();
        }
    }
    std::vector<turn_figures> out;
    for (auto const& [_, f] : by_exchange) out.push_back(f);
    return out;
}

} // namespace hp::test
