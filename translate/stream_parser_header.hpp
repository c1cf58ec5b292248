// translate/stream_parser_header.hpp: the text between <|start|> and <|message|> of a harmony
// message, parsed into role, author name, recipient, channel and content type.
//
// Two parsers share one set of rules (openai/harmony v0.0.8, StreamableParser::
// parse_header_from_string):
//   - the channel is the text after the first `<|channel|>`, up to whitespace or `<`;
//   - `<|constrain|>` glued to a word (`to=functions.x<|constrain|>json`) is split off;
//   - the remaining whitespace-separated words are: the role (unless already known), then
//     `[recipient] [content_type]`, where the recipient is `to=X` (before or after the channel) or a
//     bare word, and the content type is the last word (`json`, `code`, `<|constrain|>json`).
// parse_header_strict() is the reference, error for error. parse_header_lenient() gives the same
// header for every header the reference accepts, and for the rest recovers what it can and says
// what it did. recover_header() handles a header that never reached <|message|>.
#pragma once

#include "translate/conversation.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::translate {

struct message_header
{
    role author = role::assistant;
    std::optional<std::string> author_name; // set for role::tool: "functions.lookup_weather"
    std::optional<std::string> recipient;
    std::optional<std::string> channel;
    std::optional<std::string> content_type;

    friend bool operator==(message_header const&, message_header const&) = default;
};

// The reference parser. `text` must be valid UTF-8. `known_role` is the role the stream already
// fixed (the first header of a completion). The error string is the reference's message, e.g.
// `unexpected tokens remaining in message header: Some("I")`.
boost::system::result<message_header, std::string> parse_header_strict(std::string_view text,
                                                                       std::optional<role> known_role);

// Never fails. Every deviation from a well-formed header appends one human-readable note to
// `notes` (duplicated `to=`, empty or unknown channel, missing or unknown role, leftover words).
// `text` must be valid UTF-8.
message_header parse_header_lenient(std::string_view text, std::optional<role> known_role,
                                    std::vector<std::string>& notes);

struct recovered_header
{
    message_header header;
    std::string content; // the header text that is not a role or a channel
};

// For a header that ended without <|message|> (a stop token, <|start|>, end of stream, or the
// size limit): the channel and a leading role word are taken as header fields and everything else
// is content, byte for byte. Recipient and content type are not parsed, as in the reference's
// non-strict mode: the words are more likely the message than a header. Leading whitespace is
// dropped, and trailing whitespace too when `trim_end` (the message is complete). An unknown or
// missing role becomes role::assistant, the only role a completion produces.
recovered_header recover_header(std::string_view text, std::optional<role> known_role, bool trim_end,
                                std::vector<std::string>& notes);

} // namespace hp::translate
