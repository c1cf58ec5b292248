#include "tools/fake_llama/constrained.hpp"

#include <algorithm>

namespace hp::tools::fake_llama {

namespace {

bool is_end(token_id id) noexcept
{
    return id == translate::special::return_ || id == translate::special::call || id == translate::special::endoftext;
}

} // namespace

constrained_tokens constrain(rule const& r, std::span<token_id const> script, std::size_t offset,
                             translate::gbnf_recognizer const* grammar, std::span<token_id const> banned,
                             vocab const& voc)
{
    constrained_tokens out;
    auto const& tok = voc.tokenizer();
    auto is_banned = [&](token_id id) { return std::ranges::find(banned, id) != banned.end(); };
    // Every token of `more`, appended to what was sampled, stays allowed.
    auto allowed = [&](std::span<token_id const> more) {
        if (std::ranges::any_of(more, is_banned)) return false;
        if (!grammar) return true;
        std::vector<token_id> trial = out.tokens;
        trial.insert(trial.end(), more.begin(), more.end());
        return grammar->viable(tok, trial);
    };
    auto can_end = [&] { return !grammar || grammar->complete(tok, out.tokens); };
    auto end_with = [&](token_id preferred) {
        for (token_id id : {preferred, translate::special::call, translate::special::return_, translate::special::endoftext})
            if (!is_banned(id)) {
                out.tokens.push_back(id);
                out.script_next.push_back(script.size());
                return;
            }
        out.violation = "every end-of-generation token is banned";
    };
    auto describe = [&](token_id id) {
        return std::to_string(id) + " (\"" + voc.piece(id, true) + "\")";
    };

    std::size_t i = offset;
    while (i < script.size()) {
        auto const choice = std::ranges::find_if(r.choices, [&](choice_point const& c) { return c.at == i; });
        if (choice != r.choices.end() && choice->at + choice->length <= script.size()) {
            std::vector<std::span<token_id const>> candidates{script.subspan(i, choice->length)};
            for (auto const& other : choice->others) candidates.emplace_back(other);
            auto const pick = std::ranges::find_if(candidates, allowed);
            if (pick == candidates.end()) {
                if (grammar && can_end()) return end_with(r.end.eog), out;
                out.violation = "no choice at script token " + std::to_string(i) + " is allowed by the grammar" +
                                " and the banned tokens at generated token " + std::to_string(out.tokens.size());
                return out;
            }
            for (auto id : *pick) {
                out.tokens.push_back(id);
                out.script_next.push_back(i + choice->length);
            }
            i += choice->length;
            continue;
        }
        auto const id = script[i];
        if (is_end(id)) {
            if (!can_end()) {
                out.violation = "scripted end of generation " + describe(id) +
                                " is not allowed by the grammar at generated token " + std::to_string(out.tokens.size());
                return out;
            }
            end_with(id);
            return out;
        }
        if (!allowed(std::span(&id, 1))) {
            if (grammar && can_end()) return end_with(r.end.eog), out; // only end of generation is left
            out.violation = "scripted token " + describe(id) + " is not allowed by the " +
                            (is_banned(id) ? std::string("logit_bias") : std::string("grammar")) +
                            " at generated token " + std::to_string(out.tokens.size());
            return out;
        }
        out.tokens.push_back(id);
        out.script_next.push_back(++i);
    }
    return out;
}

} // namespace hp::tools::fake_llama
