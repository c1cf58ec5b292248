// proxy/metrics.hpp: the proxy's counters, served at GET /metrics in the Prometheus text format
// (version 0.0.4). Every counter only grows; they are atomics updated by the sessions and the
// warm-ups, read without locking (a scrape may see one exchange half counted, never a torn value).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace hp::proxy {

// The cause of prompt tokens processed again beyond an exchange's new input.
enum class reprocess_cause {
    none,
    history_changed, // the prompt does not extend the previous prompt and output (or the warmed prefix)
    slot_taken,      // another conversation had the slot in between
    warmup_missed,   // a warm-up was planned but did not complete (cancelled, failed, disabled)
    cache_dropped,   // llama-server reused less than the common prefix for a reason of its own
};
inline constexpr int reprocess_cause_count = 5;
std::string_view to_string(reprocess_cause c) noexcept; // "none", "history_changed", ...

struct proxy_metrics
{
    using counter = std::atomic<std::uint64_t>;

    counter responses{};          // Responses exchanges answered
    counter completions{};        // /completion requests that ran to their final chunk
    counter tool_continuations{}; // continuations constrained by a tool-call grammar
    counter resumes{};            // continuations after "to=" outside a header
    counter prompt_tokens{};
    counter cached_tokens{};      // timings.cache_n of each response's first request
    counter processed_tokens{};   // timings.prompt_n summed over all requests
    counter output_tokens{};
    counter reprocessed_tokens[reprocess_cause_count]{}; // beyond the new input, by cause
    counter warmups_started{};
    counter warmups_completed{};
    counter warmups_cancelled{};
    counter warmups_failed{};
    counter warmup_processed_tokens{};

    // The Prometheus exposition of every counter, names prefixed "harmony_proxy_".
    std::string render() const;
};

} // namespace hp::proxy
