#include "translate/responses_pipeline.hpp"

#include "translate/golden_messages.hpp"

#include <algorithm>

namespace hp::translate {

responses_pipeline::responses_pipeline(tokenizer const& tok, response_builder_options builder_options,
                                       std::uint64_t prompt_tokens, pipeline_observer observer)
    : completion_(tok), parser_(tok, stream_parser_options{}), builder_(std::move(builder_options)),
      observer_(std::move(observer)), prompt_tokens_(prompt_tokens)
{
}

void responses_pipeline::begin(std::vector<boost::json::object>& out) { builder_.begin(out); }

void responses_pipeline::feed(std::string_view bytes, std::vector<boost::json::object>& out)
{
    completion_.feed(bytes, completion_events_);
    on_completion_events(out);
}

void responses_pipeline::end_of_body(std::vector<boost::json::object>& out)
{
    observe(pipeline_record::upstream_end, {{"input", "end_of_body"}});
    completion_.finish(completion_events_);
    on_completion_events(out);
    if (!builder_.finished())
        terminate_with({failure_kind::upstream_error, "llama-server's stream ended without a final chunk"}, out);
}

void responses_pipeline::fail(failure const& f, std::vector<boost::json::object>& out)
{
    if (builder_.finished()) return;
    // Recorded because it comes from the caller's I/O, not from the bytes: replay re-applies it.
    observe(pipeline_record::upstream_end,
            {{"input", "fail"}, {"failure", to_string(f.kind)}, {"message", f.message}});
    terminate_with(f, out);
}

void responses_pipeline::terminate_with(failure const& f, std::vector<boost::json::object>& out)
{
    if (builder_.finished()) return;
    failure_ = f;
    builder_.fail(to_response_error(f), out);
}

void responses_pipeline::on_parser_events(std::vector<boost::json::object>& out)
{
    for (auto const& ev : parser_events_) {
        if (auto const* w = std::get_if<parse_warning>(&ev)) {
            warnings_.push_back(w->what);
        } else if (auto const* ended = std::get_if<message_ended>(&ev); ended && observer_) {
            observe(pipeline_record::harmony_message, {{"message", message_to_json(ended->msg)},
                                                       {"end", static_cast<int>(ended->reason)},
                                                       {"token_index", ended->token_index}});
        }
    }
    builder_.on_events(parser_events_, out);
    parser_events_.clear();
}

void responses_pipeline::on_completion_events(std::vector<boost::json::object>& out)
{
    for (auto& ev : completion_events_) {
        if (builder_.finished()) break;
        if (auto* chunk = std::get_if<token_chunk>(&ev)) {
            output_tokens_ += chunk->ids.size();
            if (observer_) {
                boost::json::object r;
                boost::json::array ids;
                for (auto id : chunk->ids) ids.push_back(id);
                r["ids"] = std::move(ids);
                if (chunk->rebuilt) r["rebuilt"] = chunk->rebuilt;
                r["tokens_predicted"] = chunk->tokens_predicted;
                observe(pipeline_record::completion_tokens, std::move(r));
            }
            parser_.feed(chunk->ids, parser_events_);
            on_parser_events(out);
        } else if (auto* fin = std::get_if<final_chunk>(&ev)) {
            parser_.finish(parser_events_);
            on_parser_events(out);
            response_usage usage;
            usage.input_tokens = prompt_tokens_;
            usage.cached_tokens = static_cast<std::uint64_t>(std::max<std::int64_t>(0, fin->timings.cache_n));
            usage.output_tokens = output_tokens_;
            observe(pipeline_record::completion_final,
                    {{"stop_type", fin->stop == stop_type::eos ? "eos" : fin->stop == stop_type::limit ? "limit" : "word"},
                     {"cache_n", fin->timings.cache_n},
                     {"prompt_n", fin->timings.prompt_n},
                     {"predicted_n", fin->timings.predicted_n},
                     {"truncated", fin->truncated}});
            if (fin->stop == stop_type::limit && fin->truncated)
                terminate_with({failure_kind::context_length_exceeded,
                                "the conversation filled the model's context window while the model was writing"},
                               out);
            else if (fin->stop == stop_type::limit)
                builder_.incomplete_max_output_tokens(usage, out);
            else
                builder_.complete(usage, out);
        } else if (auto* err = std::get_if<upstream_error>(&ev)) {
            boost::json::object e{{"code", err->code}, {"message", err->message}, {"type", err->type}};
            terminate_with(classify_upstream_stream_error(boost::json::value{{"error", std::move(e)}}), out);
        } else if (auto* problem = std::get_if<stream_problem>(&ev)) {
            terminate_with({failure_kind::upstream_error, "malformed llama-server stream: " + problem->message}, out);
        }
    }
    completion_events_.clear();
}

std::optional<failure_kind> failure_kind_from_string(std::string_view name) noexcept
{
    for (int k = 0; k <= static_cast<int>(failure_kind::internal_error); ++k)
        if (to_string(static_cast<failure_kind>(k)) == name) return static_cast<failure_kind>(k);
    return std::nullopt;
}

} // namespace hp::translate
