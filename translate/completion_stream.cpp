// translate/completion_stream.cpp: see completion_stream.hpp.
#include "translate/completion_stream.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <utility>

namespace hp::translate {

namespace json = boost::json;

namespace {

std::string hex(std::string_view bytes)
{
    static char const digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : bytes) {
        if (!out.empty()) out += ' ';
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// The special tokens the gpt-oss vocabulary marks USER_DEFINED: llama.cpp renders those as text
// even without --special (which is also why it parses them out of prompt text).
bool renders_as_text(token_id id) noexcept
{
    return id == special::channel || id == special::constrain || id == special::message ||
           id == special::start || id == special::end;
}

// Field readers: nullopt when the field is missing or has the wrong type.
json::value const* field(json::object const& o, std::string_view key)
{
    return o.if_contains(key);
}

std::optional<std::int64_t> get_int(json::object const& o, std::string_view key)
{
    auto const* v = field(o, key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->get_uint64());
    return std::nullopt;
}

std::optional<double> get_double(json::object const& o, std::string_view key)
{
    auto const* v = field(o, key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

std::optional<std::string> get_string(json::object const& o, std::string_view key)
{
    auto const* v = field(o, key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

std::optional<bool> get_bool(json::object const& o, std::string_view key)
{
    auto const* v = field(o, key);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->get_bool();
}

std::optional<std::vector<token_id>> get_ids(json::object const& o, std::string_view key)
{
    auto const* v = field(o, key);
    if (!v || !v->is_array()) return std::nullopt;
    std::vector<token_id> ids;
    for (auto const& e : v->get_array()) {
        std::int64_t id = -1;
        if (e.is_int64())
            id = e.get_int64();
        else if (e.is_uint64() && e.get_uint64() <= 0xFFFFFFFFu)
            id = static_cast<std::int64_t>(e.get_uint64());
        if (id < 0 || id > 0xFFFFFFFF) return std::nullopt;
        ids.push_back(static_cast<token_id>(id));
    }
    return ids;
}

std::optional<stop_type> parse_stop_type(std::string_view s)
{
    if (s == "eos") return stop_type::eos;
    if (s == "limit") return stop_type::limit;
    if (s == "word") return stop_type::word;
    return std::nullopt; // "none" never ends a stream
}

} // namespace

std::optional<std::vector<token_id>> split_into_tokens(tokenizer const& tok, std::string_view bytes,
                                                       std::size_t count)
{
    if (bytes.empty() || count == 0) {
        if (bytes.empty() && count == 0) return std::vector<token_id>{};
        return std::nullopt;
    }
    if (count > bytes.size() || bytes.size() > max_rebuild_bytes) return std::nullopt;
    if (count == 1) {
        auto const id = tok.token_for_bytes(bytes);
        if (!id) return std::nullopt;
        return std::vector<token_id>{*id};
    }
    // The tokenizer's own split is the likeliest to be what the model produced.
    if (auto enc = tok.encode(bytes); enc.size() == count) return enc;

    // pieces[i]: the lengths L with bytes[i, i+L) a vocabulary token.
    std::size_t const n = bytes.size();
    std::vector<std::vector<std::uint16_t>> pieces(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t len = 1; i + len <= n; ++len) {
            if (tok.token_for_bytes(bytes.substr(i, len)))
                pieces[i].push_back(static_cast<std::uint16_t>(len));
        }
    }
    // ok[j * (n + 1) + i]: bytes[i, n) splits into exactly j tokens.
    std::vector<char> ok((count + 1) * (n + 1), 0);
    auto at = [&](std::size_t j, std::size_t i) -> char& { return ok[j * (n + 1) + i]; };
    at(0, n) = 1;
    for (std::size_t j = 1; j <= count; ++j) {
        for (std::size_t i = n; i-- > 0;) {
            for (auto len : pieces[i]) {
                if (at(j - 1, i + len)) {
                    at(j, i) = 1;
                    break;
                }
            }
        }
    }
    if (!at(count, 0)) return std::nullopt;
    // Deterministic choice among the splits: the longest first piece that keeps the rest feasible.
    std::vector<token_id> out;
    std::size_t i = 0;
    for (std::size_t j = count; j > 0; --j) {
        auto const& p = pieces[i];
        auto it =
            std::find_if(p.rbegin(), p.rend(), [&](std::uint16_t len) { return at(j - 1, i + len) != 0; });
        out.push_back(*tok.token_for_bytes(bytes.substr(i, *it)));
        i += *it;
    }
    return out;
}

completion_stream::completion_stream(tokenizer const& tok, completion_stream_options opts)
    : tok_(&tok), opts_(opts), sse_(opts.max_event_bytes)
{
}

void completion_stream::fail(stream_problem_kind kind, std::string message,
                             std::vector<completion_event>& out)
{
    state_ = state::failed;
    out.push_back(stream_problem{kind, std::move(message)});
}

void completion_stream::feed(std::string_view bytes, std::vector<completion_event>& out)
{
    if (state_ == state::failed) return;
    events_.clear();
    auto const r = sse_.feed(bytes, events_);
    for (auto const& ev : events_) {
        if (state_ == state::failed) return;
        on_event(ev, out);
    }
    if (!r && state_ != state::failed) fail(stream_problem_kind::sse_framing, r.error().message, out);
}

void completion_stream::finish(std::vector<completion_event>& out)
{
    if (state_ != state::streaming) return;
    std::string msg = "the stream ended before the final chunk, after " + std::to_string(chunks_) +
                      " chunks and " + std::to_string(ids_.size()) + " tokens";
    if (sse_.mid_event()) msg += ", in the middle of an event";
    fail(stream_problem_kind::truncated, std::move(msg), out);
}

std::optional<std::string> completion_stream::rendered(token_id id) const
{
    if (id >= special::vocab_size) return std::nullopt;
    if (is_special(id)) {
        if (opts_.server_renders_specials || renders_as_text(id)) return special_token_name(id);
        return std::string();
    }
    auto const b = tok_->token_bytes(id);
    if (!b) return std::nullopt;
    return std::string(*b);
}

void completion_stream::on_event(sse_event const& ev, std::vector<completion_event>& out)
{
    ++chunks_;
    std::string const where = "chunk " + std::to_string(chunks_);
    if (state_ == state::ended) {
        fail(stream_problem_kind::chunk_after_end, where + " came after the end of the stream", out);
        return;
    }
    boost::system::error_code ec;
    json::value const doc = json::parse(ev.data, ec);
    if (ec) {
        fail(stream_problem_kind::malformed_json, where + " is not JSON (" + ec.message() + ")", out);
        return;
    }
    if (!doc.is_object()) {
        fail(stream_problem_kind::unexpected_shape, where + " is not a JSON object", out);
        return;
    }
    json::object const& o = doc.get_object();

    if (auto const* err = o.if_contains("error")) {
        // {"error":{"code":500,"message":"...","type":"server_error"}}, then the stream closes.
        auto const* eo = err->if_object();
        auto const code = eo ? get_int(*eo, "code") : std::nullopt;
        auto message = eo ? get_string(*eo, "message") : std::nullopt;
        auto type = eo ? get_string(*eo, "type") : std::nullopt;
        if (!code || !message || !type) {
            fail(stream_problem_kind::unexpected_shape, where + ": an error without code, message and type",
                 out);
            return;
        }
        state_ = state::ended;
        out.push_back(upstream_error{*code, std::move(*message), std::move(*type)});
        return;
    }

    auto const stop = get_bool(o, "stop");
    if (!stop) {
        fail(stream_problem_kind::unexpected_shape, where + ": `stop` is missing or not a boolean", out);
        return;
    }
    auto ids = get_ids(o, "tokens");
    auto content = get_string(o, "content");
    auto const predicted = get_int(o, "tokens_predicted");
    if (!*stop) {
        if (!ids || !content || !predicted || *predicted < 0) {
            fail(stream_problem_kind::unexpected_shape,
                 where + ": a partial chunk needs `tokens` (ids), `content` and `tokens_predicted`", out);
            return;
        }
        on_tokens(std::move(*ids), std::move(*content), static_cast<std::uint64_t>(*predicted), out);
        return;
    }

    // The final chunk. In stream mode its tokens and content are empty (they came in the partial
    // chunks); anything it does carry goes through the same accounting.
    if (!predicted || *predicted < 0) {
        fail(stream_problem_kind::unexpected_shape, where + ": the final chunk has no `tokens_predicted`",
             out);
        return;
    }
    if ((ids && !ids->empty()) || (content && !content->empty())) {
        on_tokens(ids ? std::move(*ids) : std::vector<token_id>{},
                  content ? std::move(*content) : std::string(), static_cast<std::uint64_t>(*predicted), out);
        if (state_ == state::failed) return;
    }
    final_chunk f;
    auto const st = get_string(o, "stop_type");
    auto const stype = st ? parse_stop_type(*st) : std::nullopt;
    auto word = get_string(o, "stopping_word");
    auto const* timings = field(o, "timings");
    auto const* to = timings ? timings->if_object() : nullptr;
    auto const cached = get_int(o, "tokens_cached");
    auto const truncated = get_bool(o, "truncated");
    auto const evaluated = get_int(o, "tokens_evaluated");
    std::optional<std::int64_t> cache_n, prompt_n, predicted_n;
    std::optional<double> prompt_ms, predicted_ms;
    if (to) {
        cache_n = get_int(*to, "cache_n");
        prompt_n = get_int(*to, "prompt_n");
        predicted_n = get_int(*to, "predicted_n");
        prompt_ms = get_double(*to, "prompt_ms");
        predicted_ms = get_double(*to, "predicted_ms");
    }
    if (!stype || !word || !cached || !truncated || !evaluated || !cache_n || !prompt_n || !predicted_n ||
        !prompt_ms || !predicted_ms) {
        fail(stream_problem_kind::unexpected_shape,
             where + ": the final chunk needs stop_type (eos|limit|word), stopping_word, tokens_cached, "
                     "truncated, tokens_evaluated and timings {cache_n, prompt_n, prompt_ms, predicted_n, "
                     "predicted_ms}",
             out);
        return;
    }
    if (static_cast<std::uint64_t>(*predicted) != ids_.size()) {
        // Typically a token that ended inside a UTF-8 character right before the end: the server
        // never sent a chunk for it, and no later chunk carried its bytes.
        fail(stream_problem_kind::token_count_mismatch,
             where + ": the server generated " + std::to_string(*predicted) + " tokens but " +
                 std::to_string(ids_.size()) + " ids were streamed or rebuilt",
             out);
        return;
    }
    f.stop = *stype;
    f.stopping_word = std::move(*word);
    f.timings = completion_timings{*cache_n, *prompt_n, *prompt_ms, *predicted_n, *predicted_ms};
    f.tokens_cached = *cached;
    f.truncated = *truncated;
    f.tokens_evaluated = *evaluated;
    f.tokens_predicted = static_cast<std::uint64_t>(*predicted);
    state_ = state::ended;
    out.push_back(std::move(f));
}

void completion_stream::on_tokens(std::vector<token_id> listed, std::string content, std::uint64_t predicted,
                                  std::vector<completion_event>& out)
{
    std::string const where = "chunk " + std::to_string(chunks_);
    if (listed.empty()) {
        // Prompt-progress and similar chunks carry neither ids nor text.
        if (!content.empty())
            fail(stream_problem_kind::unexpected_shape,
                 where + ": text without token ids (was the request sent with return_tokens?)", out);
        return;
    }
    if (saw_eog_) {
        fail(stream_problem_kind::token_after_eog, where + ": token ids after an end-of-generation token",
             out);
        return;
    }
    std::uint64_t const known = ids_.size() + listed.size();
    if (predicted < known) {
        fail(stream_problem_kind::token_count_mismatch,
             where + ": tokens_predicted " + std::to_string(predicted) + " is below the " +
                 std::to_string(known) + " ids streamed so far",
             out);
        return;
    }
    std::string text; // the listed ids' text, as the server renders it
    for (token_id id : listed) {
        auto r = rendered(id);
        if (!r) {
            fail(stream_problem_kind::unknown_token,
                 where + ": token id " + std::to_string(id) + " is not in the vocabulary", out);
            return;
        }
        text += *r;
    }

    std::size_t const missing = static_cast<std::size_t>(predicted - known);
    token_chunk chunk;
    chunk.tokens_predicted = predicted;
    if (missing == 0) {
        // content is either "" (the server holds text back: a stop string may be starting, or the
        // token renders as nothing) or everything generated and not yet sent.
        if (content.empty())
            owed_ += text;
        else
            owed_.clear();
        chunk.ids = std::move(listed);
    } else {
        // content == owed_ + (bytes of the `missing` ids the server never sent) + text.
        std::string const gap_of =
            std::to_string(missing) + " id(s) missing before id " + std::to_string(listed.front());
        if (content.empty()) {
            fail(stream_problem_kind::rebuild_failed,
                 where + ": " + gap_of +
                     ", and the server held their text back (a partial stop-string match)",
                 out);
            return;
        }
        if (content.size() < owed_.size() + text.size() || !content.starts_with(owed_) ||
            !content.ends_with(text)) {
            fail(stream_problem_kind::rebuild_failed,
                 where + ": " + gap_of + ", but the content [" + hex(content) +
                     "] does not end with that id's bytes (text cut at a stop string, or invalid UTF-8 "
                     "replaced)",
                 out);
            return;
        }
        std::string_view const gap =
            std::string_view(content).substr(owed_.size(), content.size() - owed_.size() - text.size());
        auto rebuilt = split_into_tokens(*tok_, gap, missing);
        if (!rebuilt) {
            fail(stream_problem_kind::rebuild_failed,
                 where + ": " + gap_of + ", and their bytes [" + hex(gap) + "] do not split into exactly " +
                     std::to_string(missing) + " vocabulary token(s)",
                 out);
            return;
        }
        owed_.clear();
        chunk.rebuilt = missing;
        chunk.ids = std::move(*rebuilt);
        chunk.ids.insert(chunk.ids.end(), listed.begin(), listed.end());
    }
    chunk.content = std::move(content);
    chunk.end_of_generation = is_end_of_generation(chunk.ids.back());
    saw_eog_ = chunk.end_of_generation;
    ids_.insert(ids_.end(), chunk.ids.begin(), chunk.ids.end());
    out.push_back(std::move(chunk));
}

} // namespace hp::translate
