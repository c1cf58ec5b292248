// replay/check.hpp: bug detectors over captures (`harmony-proxy check CAPTURE`).
//
// A capture records every layer of every /v1/responses exchange (capture/FORMAT.md and the kinds
// proxy/responses_service.cpp adds). The detectors read those layers back and flag the bugs this
// proxy exists to prevent, each naming the session, the exchange and a short excerpt of evidence:
//   escaping:  tool arguments that are not JSON or break the declared schema, apply_patch inputs
//              outside Codex's patch language, patch lines whose backslashes are doubled relative to
//              file text a tool output showed, Codex reporting a failed patch;
//   reasoning: analysis dropped inside a tool chain, analysis carried past a final answer,
//              reasoning items the client did not send back, an effort other than the configured one;
//   cache:     a tool-chain prompt that does not extend the previous prompt plus its output;
//   injection: special tokens inside text that came from the client.
// Sans-io: records in, findings out. The tokenizer is optional; without it the checks that need
// text <-> ids (injection of marker text, decoded cache evidence) are skipped or less detailed.
#pragma once

#include "translate/tokenizer.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace hp::replay {

struct check_options
{
    // The proxy's configured reasoning effort (serve --reasoning-effort): what a harmony prompt
    // must carry when the client request named none.
    std::string effort = "high";
};

struct finding
{
    std::string session;
    std::uint64_t exchange = 0;
    std::string detector; // "escaping", "reasoning", "cache", "injection"
    std::string what;     // one sentence
    std::string evidence; // a short excerpt, one line
};

struct check_report
{
    std::vector<finding> findings;
    std::size_t sessions = 0;
    std::size_t exchanges = 0; // /v1/responses exchanges examined
};

// Runs every detector over the records of a capture (any order; grouped by session and exchange).
check_report check_capture(std::vector<boost::json::object> const& records, check_options const& options,
                           translate::tokenizer const* tok);

// "session S exchange N [detector] what: evidence"
std::string format_finding(finding const& f);
std::string format_summary(check_report const& r);
boost::json::object finding_to_json(finding const& f);

} // namespace hp::replay
