#include "translate/responses_pipeline.hpp"

#include "translate/golden_messages.hpp"

#include <algorithm>

namespace hp::translate {

responses_pipeline::responses_pipeline(tokenizer const& tok, response_builder_options builder_options,
                                       std::uint64_t prompt_tokens, pipeline_observer observer,
                                       pipeline_control control)
    : tok_(tok), control_(std::move(control)), completion_(tok), parser_(tok, stream_parser_options{}), builder_(std::move(builder_options)),
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
    if (pending_) return;
    observe(pipeline_record::upstream_end, {{"input", "end_of_body"}});
    completion_.finish(completion_events_);
    on_completion_events(out);
    if (!builder_.finished())
        terminate_with({failure_kind::upstream_error, "llama-server's stream ended without a final chunk"}, out);
}

void responses_pipeline::fail(failure const& f, std::vector<boost::json::object>& out)
{
    if (builder_.finished() || pending_) return;
    // Recorded because it comes from the caller's I/O, not from the bytes: replay re-applies it.
    observe(pipeline_record::upstream_end,
            {{"input", "fail"}, {"failure", to_string(f.kind)}, {"message", f.message}});
    terminate_with(f, out);
}

void responses_pipeline::resume()
{
    pending_.reset();
    completion_ = completion_stream(tok_);
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
        } else if (auto const* ended = std::get_if<message_ended>(&ev)) {
            last_end_ = ended->reason;
            if (observer_)
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
        if (builder_.finished() || pending_) break;
        if (auto* chunk = std::get_if<token_chunk>(&ev)) {
            output_tokens_ += chunk->ids.size();
            generated_.insert(generated_.end(), chunk->ids.begin(), chunk->ids.end());
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
            on_final(*fin, out);
        } else if (auto* err = std::get_if<upstream_error>(&ev)) {
            boost::json::object e{{"code", err->code}, {"message", err->message}, {"type", err->type}};
            terminate_with(classify_upstream_stream_error(boost::json::value{{"error", std::move(e)}}), out);
        } else if (auto* problem = std::get_if<stream_problem>(&ev)) {
            terminate_with({failure_kind::upstream_error, "malformed llama-server stream: " + problem->message}, out);
        }
    }
    completion_events_.clear();
}

void responses_pipeline::on_final(final_chunk const& fin, std::vector<boost::json::object>& out)
{
    if (!first_cache_n_) first_cache_n_ = fin.timings.cache_n;
    ++completions_;
    processed_tokens_ += static_cast<std::uint64_t>(std::max<std::int64_t>(0, fin.timings.prompt_n));
    observe(pipeline_record::completion_final,
            {{"stop_type", fin.stop == stop_type::eos ? "eos" : fin.stop == stop_type::limit ? "limit" : "word"},
             {"cache_n", fin.timings.cache_n},
             {"prompt_n", fin.timings.prompt_n},
             {"predicted_n", fin.timings.predicted_n},
             {"truncated", fin.truncated}});
    bool const budget_left = control_.n_predict < 0 || static_cast<std::int64_t>(generated_.size()) < control_.n_predict;
    bool const header_stop = fin.stop == stop_type::word && !control_.header_stop.empty() &&
                             fin.stopping_word == control_.header_stop;
    if (header_stop && budget_left) {
        auto const in_header = parser_.current_state() == stream_parser::state::header
                                   ? std::optional<std::string_view>(parser_.current_header_text())
                                   : std::nullopt;
        pending_ = plan_continuation(in_header, resumes_, generated_.size());
        if (pending_->type == continuation::kind::resume) ++resumes_;
        observe(pipeline_record::completion_continue, {{"type", to_string(pending_->type)},
                                                       {"position", to_string(pending_->position)},
                                                       {"written", pending_->written},
                                                       {"keep_stop", pending_->keep_stop},
                                                       {"generated", pending_->generated}});
        return;
    }

    parser_.finish(parser_events_);
    on_parser_events(out);
    response_usage usage;
    usage.input_tokens = prompt_tokens_;
    usage.cached_tokens = static_cast<std::uint64_t>(std::max<std::int64_t>(0, *first_cache_n_));
    usage.output_tokens = output_tokens_;
    if (fin.stop == stop_type::limit && fin.truncated)
        terminate_with({failure_kind::context_length_exceeded,
                        "the conversation filled the model's context window while the model was writing"},
                       out);
    else if (fin.stop == stop_type::limit || (header_stop && !budget_left))
        builder_.incomplete_max_output_tokens(usage, out);
    else
        builder_.complete(usage, out);
}

std::optional<failure_kind> failure_kind_from_string(std::string_view name) noexcept
{
    for (int k = 0; k <= static_cast<int>(failure_kind::internal_error); ++k)
        if (to_string(static_cast<failure_kind>(k)) == name) return static_cast<failure_kind>(k);
    return std::nullopt;
}

} // namespace hp::translate
