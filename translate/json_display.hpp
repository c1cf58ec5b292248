// translate/json_display.hpp: a JSON value written exactly as Rust's serde_json writes it.
//
// openai/harmony prints non-string defaults of tool parameters with serde_json's Display
// (`// default: {"a":1}`), so the prompt the model was trained on depends on serde's spelling:
// compact, object keys in document order, integers as written, floats in ryu's shortest form
// (`1.0`, `0.00001`, `1e16`, `1.5e-7`), strings with serde's escapes (`\n`, `\u001f`, non-ASCII
// copied). boost::json::serialize differs on floats (`1E0`), hence this function.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace hp::translate {

std::string json_display(boost::json::value const& v);

} // namespace hp::translate
