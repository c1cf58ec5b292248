#include "tools/fake_llama/generation.hpp"

#include <algorithm>

namespace hp::tools::fake_llama {

std::string_view to_string(stop_type t) noexcept
{
    switch (t) {
    case stop_type::eos:
        return "eos";
    case stop_type::limit:
        return "limit";
    case stop_type::word:
        return "word";
    case stop_type::none:
        break;
    }
    return "none";
}

std::size_t find_partial_stop(std::string_view text, std::string_view word) noexcept
{
    if (text.empty() || word.empty()) return std::string_view::npos;
    for (std::size_t len = std::min(text.size(), word.size()); len > 0; --len)
        if (text.ends_with(word.substr(0, len))) return text.size() - len;
    return std::string_view::npos;
}

namespace {

struct stop_hit
{
    std::size_t pos = std::string_view::npos;
    std::string_view word;
};

// Full-stop search as llama.cpp does it: only the tail that the last token could have completed
// (word length + last piece length) is searched; the earliest match among the words wins.
stop_hit find_full_stop(std::string_view text, std::size_t last_piece, std::vector<std::string> const& words)
{
    stop_hit best;
    for (auto const& w : words) {
        auto span = w.size() + last_piece;
        auto from = text.size() > span ? text.size() - span : 0;
        auto pos = text.find(w, from);
        if (pos != std::string_view::npos && pos < best.pos) best = {pos, w};
    }
    return best;
}

} // namespace

generation simulate(vocab const& v, std::span<const token_id> script_tokens, generation_limits const& lim)
{
    generation g;
    std::size_t n_sent_text = 0;
    std::int64_t n_gen = 0;

    for (auto id : script_tokens) {
        ++n_gen;
        g.sampled.push_back(id);
        auto const piece = v.piece(id, false);
        g.text += piece;

        token_step step;
        step.id = id;
        step.n_decoded = n_gen;
        bool has_next = true;

        bool const incomplete = valid_utf8_prefix(g.text) < g.text.size();
        if (!incomplete) {
            auto pos = std::min(n_sent_text, g.text.size());
            std::string_view const tail = std::string_view(g.text).substr(pos);
            bool send_text = true;
            auto hit = find_full_stop(tail, piece.size(), lim.stop);
            if (hit.pos != std::string_view::npos) {
                g.stop = stop_type::word;
                g.stopping_word = std::string(hit.word);
                has_next = false;
                step.stopped_here = true;
                g.text.erase(pos + hit.pos);
                pos = std::min(n_sent_text, g.text.size());
            } else if (!is_eog(id)) {
                for (auto const& w : lim.stop)
                    if (find_partial_stop(tail, w) != std::string_view::npos) send_text = false;
            }
            if (send_text) {
                step.content = g.text.substr(pos);
                n_sent_text += step.content.size();
            }
            step.sent = true;
        } else if (!lim.lose_split_utf8) {
            step.sent = true; // a fixed server would at least report the id
        }

        // Context: the slot holds prompt + all but the newest token; one more must fit.
        if (lim.n_ctx > 0 && lim.n_prompt + static_cast<std::size_t>(n_gen) >= lim.n_ctx) {
            g.truncated = true;
            g.stop = stop_type::limit;
            has_next = false;
        }
        if (has_next && lim.n_predict >= 0 && n_gen >= lim.n_predict) {
            g.stop = stop_type::limit;
            has_next = false;
        }
        if (step.content.find('\n') != std::string::npos) g.has_new_line = true;
        if (is_eog(id)) {
            g.stop = stop_type::eos;
            has_next = false;
        }
        g.steps.push_back(std::move(step));
        if (!has_next) return g;
    }
    // The script ran out before any stop condition: report it as a length limit.
    g.stop = stop_type::limit;
    return g;
}

} // namespace hp::tools::fake_llama
