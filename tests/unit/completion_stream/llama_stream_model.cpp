#include "tools/fake_llama/vocab.hpp"
#include "llama_stream_model.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace hp::translate::test {

std::size_t llama_validate_utf8(std::string const& text)
{
    // The scripted server implements llama.cpp's validate_utf8(); the model uses the same code.
    return tools::fake_llama::valid_utf8_prefix(text);
}

namespace {

bool is_eog(token_id id)
{
    return id == special::return_ || id == special::call || id == special::endoftext;
}

std::string render(tokenizer const& tok, token_id id, bool specials)
{
    if (is_special(id)) {
        bool const user_defined = id == special::channel || id == special::constrain ||
                                  id == special::message || id == special::start || id == special::end;
        return specials || user_defined ? *special_token_name(id) : std::string();
    }
    return std::string(*tok.token_bytes(id));
}

// common.cpp string_find_partial_stop: where a suffix of `text` is a prefix of `stop`.
std::size_t find_partial_stop(std::string const& text, std::string const& stop)
{
    if (text.empty() || stop.empty()) return std::string::npos;
    char const last = text.back();
    for (std::size_t i = stop.size(); i-- > 0;) {
        if (stop[i] == last) {
            std::string const current = stop.substr(0, i + 1);
            if (text.size() >= current.size() &&
                text.compare(text.size() - current.size(), current.size(), current) == 0)
                return text.size() - current.size();
        }
    }
    return std::string::npos;
}

} // namespace

llama_stream make_llama_stream(tokenizer const& tok, std::vector<token_id> const& ids,
                               llama_stream_options const& opts)
{
    llama_stream out;
    std::string const nl = opts.line_end;
    auto emit = [&](boost::json::object o) {
        if (opts.with_pings) out.body += ": ping" + nl;
        out.body += "data: " + boost::json::serialize(o) + nl + nl;
    };
    std::string generated;
    std::size_t n_sent = 0;
    std::string stopping_word;
    out.stop_type = "limit";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        token_id const id = ids[i];
        std::string const token_str = render(tok, id, opts.render_specials);
        generated += token_str;
        ++out.tokens_predicted;
        bool const incomplete = llama_validate_utf8(generated) < generated.size();
        bool stop_now = false;
        if (!incomplete) {
            std::size_t pos = std::min(n_sent, generated.size());
            std::string const str_test = generated.substr(pos);
            bool send_text = true;
            std::size_t stop_pos = std::string::npos;
            for (auto const& word : opts.stop) { // full stop
                std::size_t const tmp = word.size() + token_str.size();
                std::size_t const from = str_test.size() > tmp ? str_test.size() - tmp : 0;
                std::size_t const p = str_test.find(word, from);
                if (p != std::string::npos && (stop_pos == std::string::npos || p < stop_pos)) {
                    stop_pos = p;
                    stopping_word = word;
                }
            }
            if (stop_pos != std::string::npos) {
                generated.erase(pos + stop_pos);
                pos = std::min(n_sent, generated.size());
                stop_now = true;
            } else if (!is_eog(id)) {
                for (auto const& word : opts.stop) {
                    if (find_partial_stop(str_test, word) != std::string::npos) send_text = false;
                }
            }
            std::string text_to_send;
            if (send_text) {
                text_to_send = generated.substr(pos);
                n_sent += text_to_send.size();
            }
            boost::json::object chunk;
            chunk["index"] = 0;
            chunk["content"] = text_to_send;
            chunk["tokens"] = boost::json::array{id};
            chunk["stop"] = false;
            chunk["id_slot"] = -1;
            chunk["tokens_predicted"] = out.tokens_predicted;
            chunk["tokens_evaluated"] = 12;
            emit(std::move(chunk));
            ++out.partial_chunks;
        }
        if (stop_now) {
            out.stop_type = "word";
            break;
        }
        if (is_eog(id)) {
            out.stop_type = "eos";
            break;
        }
    }
    boost::json::object fin;
    fin["index"] = 0;
    fin["content"] = "";
    fin["tokens"] = boost::json::array{};
    fin["id_slot"] = 0;
    fin["stop"] = true;
    fin["model"] = "gpt-oss";
    fin["tokens_predicted"] = out.tokens_predicted;
    fin["tokens_evaluated"] = 12;
    fin["prompt"] = "<|start|>user<|message|>hi<|end|><|start|>assistant";
    fin["has_new_line"] = false;
    fin["truncated"] = false;
    fin["stop_type"] = out.stop_type;
    fin["stopping_word"] = stopping_word;
    fin["tokens_cached"] = 12 + out.tokens_predicted - 1;
    fin["timings"] = boost::json::object{{"cache_n", 4},
                                         {"prompt_n", 8},
                                         {"prompt_ms", 12.5},
                                         {"prompt_per_token_ms", 1.5625},
                                         {"prompt_per_second", 640.0},
                                         {"predicted_n", out.tokens_predicted},
                                         {"predicted_ms", 33.25},
                                         {"predicted_per_token_ms", 1.0},
                                         {"predicted_per_second", 1000.0}};
    emit(std::move(fin));
    return out;
}

} // namespace hp::translate::test
