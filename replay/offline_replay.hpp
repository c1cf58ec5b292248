// replay/offline_replay.hpp: offline replay of recorded Responses exchanges (issue 7 item 1).
//
// For each exchange the current translation is run again on what the proxy received, and every
// layer is compared with what the proxy produced then:
//   request           the recorded client request still parses and converts;
//   prompt            the rendered prompt ids equal the recorded upstream_request's `prompt`
//                     (the first divergent position is reported with decoded text around it);
//   upstream_request  every other /completion field (sampling parameters, n_predict, ...);
//   events            the recorded upstream body bytes, fed in their recorded grouping through
//                     translate::responses_pipeline, give the recorded client events (streaming);
//   response          ... or the recorded JSON answer (non-streaming).
// Ids and clocks are normalized (replay/exchanges.hpp). No sockets, no llama-server.
#pragma once

#include "capture/reader.hpp"
#include "replay/exchanges.hpp"
#include "translate/renderer.hpp"
#include "translate/tokenizer.hpp"

#include <filesystem>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hp::replay {

// Test-only perturbations of the translation: replay of a clean capture must then fail, which
// proves replay would notice a real rendering change. Never reachable from the proxy.
enum class perturbation {
    none,
    drop_date_line, // render the system message without its "Current date:" line
};

struct replay_options
{
    std::optional<std::string> session;
    std::optional<std::uint64_t> exchange;
    perturbation perturb = perturbation::none;
};

struct replay_difference
{
    std::string session;
    std::uint64_t exchange = 0;
    std::string layer;  // request | prompt | upstream_request | events | response
    std::string detail; // multi-line, for people
};

struct replay_report
{
    std::size_t exchanges = 0;       // Responses exchanges replayed
    std::size_t skipped = 0;         // other exchanges (pass-through paths, rejected requests)
    std::vector<replay_difference> differences; // at most one per exchange: its first
    std::vector<std::string> problems;          // unreadable lines, selections matching nothing

    bool ok() const { return differences.empty() && problems.empty() && exchanges > 0; }
};

// Replays one exchange; nullopt when every layer matches.
// `replayed_prompt`, when given, receives the prompt the current translation renders (for
// writing the replayed exchange as a capture, replay --out).
std::optional<replay_difference> replay_exchange(exchange_records const& ex, translate::tokenizer const& tok,
                                                 perturbation perturb = perturbation::none,
                                                 translate::rendered* replayed_prompt = nullptr);

// Writes the selected Responses exchanges of `capture` as replayed into `directory` (one .jsonl
// per session): every record as recorded, the harmony_prompt with the replayed prompt. For
// `diff RECORDED DIRECTORY`. Returns the number of exchanges written.
std::size_t write_replayed_capture(capture::read_result const& capture, translate::tokenizer const& tok,
                                   replay_options const& options, std::filesystem::path const& directory);

// Replays every selected Responses exchange of a capture. `progress(done, total)` is called after
// each exchange when set.
replay_report replay_capture(capture::read_result const& capture, translate::tokenizer const& tok,
                             replay_options const& options,
                             std::function<void(std::size_t, std::size_t)> const& progress = {});

// The report for people: one summary line, then each difference naming session, exchange, layer.
std::string format_report(replay_report const& report);

} // namespace hp::replay
