// proxy/responses_stream.hpp: the proxy's side of translate::responses_pipeline (body bytes ->
// Responses events): the same pipeline offline replay runs, with its records sent to the
// exchange's capture. Both the streaming and the non-streaming answer use it.
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "translate/responses_pipeline.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::proxy {

class responses_stream
{
public:
    responses_stream(translate::tokenizer const& tok, translate::response_builder_options builder_options,
                     std::uint64_t prompt_tokens, exchange_recorder& recorder,
                     translate::pipeline_control control = {});

    void begin(std::vector<boost::json::object>& out) { pipeline_.begin(out); }
    // Records the bytes (upstream_chunk, in arrival grouping: replay feeds them back the same way).
    void feed(std::string_view bytes, std::vector<boost::json::object>& out);
    void end_of_body(std::vector<boost::json::object>& out) { pipeline_.end_of_body(out); }
    void fail(translate::failure const& f, std::vector<boost::json::object>& out) { pipeline_.fail(f, out); }

    bool finished() const { return pipeline_.finished(); }
    translate::response_builder const& builder() const { return pipeline_.builder(); }
    std::optional<translate::failure> const& failure() const { return pipeline_.failure_reason(); }
    std::uint64_t output_tokens() const { return pipeline_.output_tokens(); }
    std::uint64_t processed_tokens() const { return pipeline_.processed_tokens(); }
    std::size_t completions() const { return pipeline_.completions(); }
    std::optional<translate::continuation> const& pending_continuation() const { return pipeline_.pending_continuation(); }
    void resume() { pipeline_.resume(); }
    std::optional<translate::end_reason> last_message_end() const { return pipeline_.last_message_end(); }
    std::vector<translate::token_id> const& generated() const { return pipeline_.generated(); }
    std::vector<std::string> const& parse_warnings() const { return pipeline_.parse_warnings(); }

private:
    exchange_recorder& recorder_;
    translate::responses_pipeline pipeline_;
};

} // namespace hp::proxy
