// A model of llama-server's streaming /completion for a given id sequence, written from
// tools/server/server-context.cpp (process_token, send_partial_response, send_final_response) of
// the llama.cpp the project builds (node-llama-cpp@3.21.1's bundle). It reproduces what the
// decoder has to undo: no chunk for a token that leaves generated_text ending inside a UTF-8
// character (the server's validate_utf8 only looks at the last four bytes), text held back while
// it may be the start of a stop string, the stop string cut from the text, EOG handling.
#pragma once

#include "translate/tokenizer.hpp"

#include <string>
#include <vector>

namespace hp::translate::test {

struct llama_stream_options
{
    std::vector<std::string> stop;
    bool render_specials = false; // --special
    bool with_pings = false;      // a ": ping" comment before every chunk
    std::string line_end = "\n";
};

struct llama_stream
{
    std::string body;               // the SSE body
    std::size_t partial_chunks = 0; // token chunks sent
    std::size_t tokens_predicted = 0;
    std::string stop_type; // "eos", "limit", "word"
};

// Streams `ids` as the server would sample them, stopping at the first EOG id or stop string.
llama_stream make_llama_stream(tokenizer const& tok, std::vector<token_id> const& ids,
                               llama_stream_options const& opts = {});

// The server's validate_utf8: the length of `text` without an incomplete multi-byte character at
// its end (server-common.cpp).
std::size_t llama_validate_utf8(std::string const& text);

} // namespace hp::translate::test
