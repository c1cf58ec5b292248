#include "proxy/metrics.hpp"

#include <fmt/format.h>

namespace hp::proxy {

std::string_view to_string(reprocess_cause c) noexcept
{
    switch (c) {
    case reprocess_cause::none: return "none";
    case reprocess_cause::history_changed: return "history_changed";
    case reprocess_cause::slot_taken: return "slot_taken";
    case reprocess_cause::warmup_missed: return "warmup_missed";
    case reprocess_cause::cache_dropped: return "cache_dropped";
    }
    return "none";
}

namespace {

void write_counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value)
{
    fmt::format_to(std::back_inserter(out), "# HELP harmony_proxy_{0} {1}\n# TYPE harmony_proxy_{0} counter\n"
                                            "harmony_proxy_{0} {2}\n",
                   name, help, value);
}

} // namespace

std::string proxy_metrics::render() const
{
    std::string out;
    auto get = [](counter const& c) { return c.load(std::memory_order_relaxed); };
    write_counter(out, "responses_total", "Responses exchanges answered.", get(responses));
    write_counter(out, "completions_total", "llama-server /completion requests that ran to their final chunk.",
                  get(completions));
    write_counter(out, "tool_call_continuations_total",
                  "Continuations of a tool call under the tool-call grammar.", get(tool_continuations));
    write_counter(out, "resumes_total", "Continuations after \"to=\" outside a message header.", get(resumes));
    write_counter(out, "prompt_tokens_total", "Prompt tokens of the Responses exchanges.", get(prompt_tokens));
    write_counter(out, "cached_prompt_tokens_total", "Prompt tokens llama-server reused from its KV cache.",
                  get(cached_tokens));
    write_counter(out, "processed_prompt_tokens_total", "Prompt tokens llama-server processed.",
                  get(processed_tokens));
    write_counter(out, "output_tokens_total", "Tokens the model generated.", get(output_tokens));
    out += "# HELP harmony_proxy_reprocessed_tokens_total Prompt tokens processed beyond an exchange's new input, "
           "by cause.\n# TYPE harmony_proxy_reprocessed_tokens_total counter\n";
    for (int c = 1; c < reprocess_cause_count; ++c)
        fmt::format_to(std::back_inserter(out), "harmony_proxy_reprocessed_tokens_total{{cause=\"{}\"}} {}\n",
                       to_string(static_cast<reprocess_cause>(c)), get(reprocessed_tokens[c]));
    out += "# HELP harmony_proxy_warmups_total Warm-ups of a slot after a final answer, by how they ended.\n"
           "# TYPE harmony_proxy_warmups_total counter\n";
    fmt::format_to(std::back_inserter(out),
                   "harmony_proxy_warmups_total{{state=\"started\"}} {}\n"
                   "harmony_proxy_warmups_total{{state=\"completed\"}} {}\n"
                   "harmony_proxy_warmups_total{{state=\"cancelled\"}} {}\n"
                   "harmony_proxy_warmups_total{{state=\"failed\"}} {}\n",
                   get(warmups_started), get(warmups_completed), get(warmups_cancelled), get(warmups_failed));
    write_counter(out, "warmup_processed_tokens_total", "Prompt tokens llama-server processed for warm-ups.",
                  get(warmup_processed_tokens));
    return out;
}

} // namespace hp::proxy
