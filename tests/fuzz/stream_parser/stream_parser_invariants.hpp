// tests/fuzz/stream_parser/stream_parser_invariants.hpp: what must hold for ANY token id sequence
// fed to hp::translate::stream_parser. Shared by the libFuzzer target, its seed-corpus gtest and
// the unit tests; no gtest here, so the fuzz target links without it.
#pragma once

#include "translate/stream_parser.hpp"
#include "translate/tokenizer.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hp::translate::fuzz {

// Returns "" or the first violation: message_started/message_ended pair up; content deltas are
// non-empty valid UTF-8 and concatenate to the ended message's content; the ended messages are
// exactly `messages`; a parse_error comes at most once and nothing follows it.
std::string check_event_invariants(std::vector<stream_event> const& events,
                                   std::vector<message> const& messages);

// One line per event, exact (bytes escaped), for comparing two runs.
std::string describe_events(std::vector<stream_event> const& events);

// A fuzz input: one flags byte (strict, initial role, a small header limit), then 3 bytes per id.
// One id in eight is drawn from the interesting specials and out-of-range ids (201088, 201089,
// u32::MAX ...), the rest from the whole ordinary range.
struct fuzz_input
{
    stream_parser_options options;
    std::vector<token_id> ids;
    std::vector<std::size_t> chunks; // a second run feeds spans of these sizes
};

fuzz_input decode_input(std::span<std::uint8_t const> data);
// The inverse for ids it can express (used to write seed files); unrepresentable ids map to 0.
std::vector<std::uint8_t> encode_input(stream_parser_options const& options, std::span<token_id const> ids);

// Runs one input through the parser twice (one id at a time with per-call state checks, then in
// chunks), and checks every invariant. Returns "" or what failed.
std::string check_input(tokenizer const& tok, std::span<std::uint8_t const> data);

} // namespace hp::translate::fuzz
