// gpt-oss's Jinja chat template, embedded at build time from gpt_oss_chat_template.jinja.
#pragma once

#include <string_view>

namespace hp::tools {

/// The template text, byte for byte as in gpt-oss's chat_template.jinja; stored in the GGUF as
/// tokenizer.chat_template so llama-server's own chat and /v1/responses routes render like the real model.
std::string_view gpt_oss_chat_template();

} // namespace hp::tools
