// tools/fake_llama/routes.hpp: the small routes' JSON (/health, /props, /tokenize, /detokenize).
// Sans-io: request JSON in, response JSON out.
#pragma once

#include "tools/fake_llama/completion.hpp"
#include "tools/fake_llama/options.hpp"
#include "tools/fake_llama/vocab.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

namespace hp::tools::fake_llama {

// The 503 every route answers while the model loads.
http_error loading_error();

// GET /props: default_generation_settings.n_ctx, total_slots, model_path, bos/eos token, build_info.
boost::json::object props_json(server_options const& o);

// POST /tokenize {content, add_special, parse_special, with_pieces}. The five USER_DEFINED harmony
// markers become special ids even with parse_special:false (the quirk). Pieces render specials by
// name; a piece that is not valid UTF-8 is an array of byte values.
boost::system::result<boost::json::object, http_error> tokenize_json(boost::json::value const& body,
                                                                     vocab const& v, bool add_bos);

// POST /detokenize {tokens}: pieces with specials rendered by name.
boost::system::result<boost::json::object, http_error> detokenize_json(boost::json::value const& body,
                                                                       vocab const& v);

// The "model" field llama-server fills from the model file name.
std::string model_alias(server_options const& o);

} // namespace hp::tools::fake_llama
