// tools/fake_llama/completion.hpp: the JSON of llama-server's native /completion route: request
// fields in, chunks, final result and error bodies out. Sans-io.
//
// Field names and order follow llama.cpp tools/server/server-task.cpp
// (server_task_result_cmpl_partial/final::to_json_non_oaicompat, server_slot_stats::to_json) and
// server-common.cpp (format_error_response, json_get_nested_values).
#pragma once

#include "tools/fake_llama/generation.hpp"
#include "tools/fake_llama/vocab.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hp::tools::fake_llama {

// An HTTP error as llama-server sends it: status and the inner object of {"error": {...}}.
struct http_error
{
    int status = 500;
    boost::json::object error;
};

// {"code","message","type"} with the code llama-server pairs with the type.
boost::json::object error_object(std::string_view message, std::string_view type);
http_error make_http_error(std::string_view message, std::string_view type);

// {"error":{"code":400,...,"type":"exceed_context_size_error","n_prompt_tokens":N,"n_ctx":C}}
http_error context_overflow_error(std::size_t n_prompt, std::size_t n_ctx);

struct completion_request
{
    std::vector<token_id> prompt;
    bool stream = false;
    std::int64_t n_predict = -1;
    std::vector<std::string> stop;
    std::int64_t id_slot = -1;
    bool return_tokens = false;
    bool timings_per_token = false;
    std::vector<std::string> response_fields;
    std::string grammar;
    std::vector<token_id> banned; // logit_bias entries [id, false] (or a bias of -inf / <= -100)
    boost::json::object body;     // as sent, for generation_settings
};

// Reads the fields llama-server reads. String prompt pieces are tokenized with special parsing on
// (there is no switch on /completion); ids outside the vocabulary are the 400 "Prompt contains
// invalid tokens". `add_bos` mirrors the vocabulary's add_bos_token for string prompts.
boost::system::result<completion_request, http_error> parse_completion_request(boost::json::value const& body,
                                                                               vocab const& v, bool add_bos);

// A coarse GBNF syntax check: a non-blank grammar must define `root ::=`. llama-server answers a
// grammar it cannot parse with 400 "Failed to initialize samplers: failed to parse grammar".
bool grammar_parses(std::string_view grammar);

struct timings
{
    std::size_t cache_n = 0;
    std::size_t prompt_n = 0;
    double prompt_ms = 0;
    std::int64_t predicted_n = 0;
    double predicted_ms = 0;
};

boost::json::object timings_json(timings const& t);

// {"index","content","tokens":[id],"stop":false,"id_slot","tokens_predicted","tokens_evaluated"}
// plus "timings" when given.
boost::json::object partial_chunk(token_step const& step, std::size_t id_slot, std::size_t n_prompt,
                                  std::optional<timings> const& t);

struct final_info
{
    std::size_t id_slot = 0;
    std::size_t n_prompt = 0;
    std::size_t tokens_cached = 0;
    timings t;
    std::string prompt_text; // the prompt detokenized with specials
    std::string model;
};

// The stop:true result. Streaming: content "" and tokens [] (they went out in the chunks).
// Non-streaming: the whole text, and the ids when return_tokens. response_fields trims it to
// the listed paths ("timings/cache_n" keeps that key spelled with the slash).
boost::json::object final_result(generation const& g, completion_request const& req, final_info const& info);

} // namespace hp::tools::fake_llama
