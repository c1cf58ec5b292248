#include "replay/offline_replay.hpp"

#include "capture/record.hpp"
#include "translate/completion_request.hpp"
#include "translate/exact_history.hpp"
#include "translate/renderer.hpp"
#include "translate/responses_pipeline.hpp"
#include "translate/responses_to_harmony.hpp"
#include "translate/tool_control.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>

namespace hp::replay {

namespace json = boost::json;
namespace tr = hp::translate;

namespace {

constexpr std::size_t context_tokens = 8; // ids shown either side of a divergent prompt position

// Text for a one-line report: control characters escaped, long text cut.
std::string show(std::string_view text, std::size_t limit = 160)
{
    std::string out;
    for (unsigned char c : text.substr(0, limit)) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20) out += "\\x" + std::string{"0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
        else out += static_cast<char>(c);
    }
    if (text.size() > limit) out += "...";
    return out;
}

std::string string_field(json::object const& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

double number_field(json::object const* o, std::string_view key, double fallback)
{
    auto const* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_number() ? v->to_number<double>() : fallback;
}

// What the proxy's configuration contributed to the translation, recorded in harmony_prompt.defaults
// (captures from before that field: the proxy's built-in defaults).
struct recorded_defaults
{
    tr::reasoning_effort effort = tr::reasoning_effort::high;
    tr::responses::custom_tool_style custom_tools = tr::responses::custom_tool_style::raw;
    double temperature = 1.0;
    double top_p = 1.0;
    bool tool_control = false;  // captures from before tool control: one request per response
    bool exact_history = false; // captures from before exact-token history: canonical rendering
};

recorded_defaults defaults_of(json::object const& harmony_prompt)
{
    recorded_defaults d;
    auto const* v = harmony_prompt.if_contains("defaults");
    auto const* o = v ? v->if_object() : nullptr;
    if (!o) return d;
    if (auto e = tr::effort_from_name(string_field(*o, "effort"))) d.effort = *e;
    if (string_field(*o, "custom_tools") == "json") d.custom_tools = tr::responses::custom_tool_style::json;
    d.temperature = number_field(o, "temperature", d.temperature);
    d.top_p = number_field(o, "top_p", d.top_p);
    if (auto const* tc = o->if_contains("tool_control"); tc && tc->is_bool()) d.tool_control = tc->get_bool();
    if (auto const* eh = o->if_contains("exact_history"); eh && eh->is_bool()) d.exact_history = eh->get_bool();
    return d;
}

std::string prompt_divergence(tr::tokenizer const& tok, std::vector<tr::token_id> const& recorded,
                              std::vector<tr::token_id> const& replayed, std::size_t pos)
{
    auto piece = [&](std::vector<tr::token_id> const& ids, std::size_t from, std::size_t to) {
        from = std::min(from, ids.size());
        to = std::min(to, ids.size());
        return show(tok.decode(std::span(ids).subspan(from, to - from)));
    };
    auto id_at = [](std::vector<tr::token_id> const& ids, std::size_t i) {
        return i < ids.size() ? std::to_string(ids[i]) : std::string("(end)");
    };
    auto const before = pos > context_tokens ? pos - context_tokens : 0;
    return "first divergent prompt id at position " + std::to_string(pos) + " (recorded " +
           std::to_string(recorded.size()) + " ids, replayed " + std::to_string(replayed.size()) + ")\n" +
           "  before:   \"" + piece(recorded, before, pos) + "\"\n" +
           "  recorded: id " + id_at(recorded, pos) + " \"" + piece(recorded, pos, pos + context_tokens) + "\"\n" +
           "  replayed: id " + id_at(replayed, pos) + " \"" + piece(replayed, pos, pos + context_tokens) + "\"";
}

std::string event_type(json::value const& ev)
{
    auto const* o = ev.if_object();
    return o ? string_field(*o, "type") : std::string{};
}

// What replay re-derives from the recorded client request: the input of every later layer.
// Not movable once built: the tool resolver refers to harmony.tools.
struct translation
{
    tr::responses::request request;
    tr::responses::harmony_request harmony;
    std::vector<tr::token_id> prompt;
    recorded_defaults defaults;
    tr::tool_control control;
    tr::completion_settings first; // the first /completion, as the proxy builds it (id_slot: recorded)
};

// A difference in one layer: {layer, detail}.
using layer_difference = std::optional<std::pair<std::string, std::string>>;

json::value recorded_body_of(json::object const& upstream_request, std::string& error)
{
    try {
        return json::parse(capture::load_bytes(upstream_request, "body"));
    } catch (std::exception const& e) {
        error = std::string("the recorded /completion body is not JSON: ") + e.what();
        return nullptr;
    }
}

std::optional<std::int32_t> recorded_slot(json::value const& body)
{
    auto const* slot = body.is_object() ? body.get_object().if_contains("id_slot") : nullptr;
    if (slot && slot->is_int64()) return static_cast<std::int32_t>(slot->get_int64());
    return std::nullopt;
}

// Layers "prompt" and "upstream_request": a /completion body the proxy sent against the one the
// current translation builds. `which` names the request in reports ("", " (continuation 1)").
layer_difference compare_completion_body(json::value recorded_body, tr::completion_settings const& settings,
                                         tr::tokenizer const& tok, std::string const& which)
{
    std::vector<tr::token_id> recorded_ids;
    if (auto const* p = recorded_body.is_object() ? recorded_body.get_object().if_contains("prompt") : nullptr;
        p && p->is_array())
        for (auto const& id : p->get_array())
            recorded_ids.push_back(id.is_number() ? id.to_number<tr::token_id>() : tr::token_id(-1));
    auto const& ids = settings.prompt;
    auto const mismatch = std::mismatch(recorded_ids.begin(), recorded_ids.end(), ids.begin(), ids.end());
    if (mismatch.first != recorded_ids.end() || mismatch.second != ids.end())
        return std::pair{"prompt", prompt_divergence(tok, recorded_ids, ids,
                                                     static_cast<std::size_t>(mismatch.first - recorded_ids.begin())) +
                                       which};

    auto body = tr::completion_request_body(settings);
    if (!body) return std::pair{"upstream_request", "building the /completion body failed: " + body.error().message};
    auto replayed_body = json::parse(*body);
    if (recorded_body.is_object()) recorded_body.get_object().erase("prompt");
    replayed_body.get_object().erase("prompt");
    if (auto d = first_difference(recorded_body, replayed_body))
        return std::pair{"upstream_request", "/completion body" + which + d->path + ": recorded " + d->recorded +
                                                 ", replayed " + d->replayed};
    return std::nullopt;
}

// Feeds the recorded inputs after the first upstream head (body bytes, end of body, I/O failures)
// through the pipeline in their recorded order and returns the events it produced. A continuation
// the pipeline asks for is built as the proxy builds it and compared with the next recorded
// upstream_request; a difference there is returned in `difference` (and the run stops).
std::vector<json::object> run_pipeline(exchange_records const& ex, json::object const* head,
                                       tr::responses_pipeline& pipeline, translation const& t,
                                       tr::tokenizer const& tok, layer_difference& difference)
{
    std::vector<json::object> produced;
    if (t.request.stream) pipeline.begin(produced); // the proxy answers response.created before the first byte
    bool after_head = false;
    bool ended = false;
    bool body_ok = true; // the current request's head was 200: its chunks are the stream
    std::size_t continuations = 0;
    for (auto const& r : ex.records) {
        auto const kind = string_field(r, "kind");
        if (&r == head) {
            after_head = true;
            continue;
        }
        if (!after_head) continue;
        if (kind == capture::kind::upstream_request) {
            auto const plan = pipeline.pending_continuation();
            std::string which = " (continuation " + std::to_string(++continuations) + ")";
            if (!plan) {
                difference = std::pair{"upstream_request", "a /completion" + which + " was recorded where the "
                                                           "current translation asks for none"};
                return produced;
            }
            auto next = tr::continuation_settings(t.first, pipeline.generated(), t.control, *plan);
            std::string error;
            auto recorded = recorded_body_of(r, error);
            if (!error.empty()) {
                difference = std::pair{"upstream_request", error};
                return produced;
            }
            if ((difference = compare_completion_body(std::move(recorded), next.settings, tok, which))) return produced;
            pipeline.resume();
        } else if (kind == capture::kind::upstream_response_head) {
            body_ok = number_field(&r, "status", 0) == 200;
        } else if (kind == capture::kind::upstream_chunk) {
            if (body_ok) pipeline.feed(capture::load_bytes(r, "data"), produced);
        } else if (kind == tr::pipeline_record::upstream_end) {
            ended = true;
            if (string_field(r, "input") == "end_of_body") {
                pipeline.end_of_body(produced);
            } else {
                auto k = tr::failure_kind_from_string(string_field(r, "failure"));
                pipeline.fail({k.value_or(tr::failure_kind::upstream_error), string_field(r, "message")}, produced);
            }
        }
    }
    if (pipeline.pending_continuation()) {
        difference = std::pair{"upstream_request", "the current translation continues the generation with another "
                                                   "/completion, which was not recorded"};
        return produced;
    }
    // Captures from before upstream_end records: the body is assumed to have ended there.
    if (!ended && !pipeline.finished()) pipeline.end_of_body(produced);
    return produced;
}

// "[7].delta" -> "event 7 (response.output_text.delta) .delta": the report reads without the capture open.
std::string event_location(std::string const& path, json::array const& events)
{
    if (path == ".length") return "number of events";
    if (path.size() < 2 || path[0] != '[') return path;
    auto const close = path.find(']');
    auto const i = std::stoul(path.substr(1, close - 1));
    return "event " + std::to_string(i) + " (" + (i < events.size() ? event_type(events[i]) : "") + ") " +
           path.substr(close + 1);
}

// Layers "events" (streaming) and "response" (non-streaming): what the client was sent.
layer_difference compare_output(exchange_records const& ex, json::object const* head, translation const& t,
                                tr::tokenizer const& tok)
{
    tr::response_builder_options bo;
    bo.response_id = "resp_replay"; // ids and created_at are normalized away on both sides
    bo.model = t.request.model.value_or("gpt-oss");
    bo.tools = tr::resolver_for(t.harmony.tools);
    bo.ids = tr::counting_id_generator();
    bo.custom_tools_json = t.defaults.custom_tools == tr::responses::custom_tool_style::json;
    tr::responses_pipeline const* pipeline_ptr = nullptr; // set below; the hook runs only while it lives
    if (t.defaults.exact_history &&
        std::ranges::find(t.request.include, "reasoning.encrypted_content") != t.request.include.end())
        bo.reasoning_encrypted_content = tr::exact_reasoning_content(
            tok, [&pipeline_ptr] { return std::span<tr::token_id const>(pipeline_ptr->generated()); });
    tr::pipeline_control pc;
    if (t.control.enabled()) pc.header_stop = std::string(tr::tool_header_stop);
    pc.n_predict = t.first.n_predict;
    tr::responses_pipeline pipeline(tok, std::move(bo), t.prompt.size(), {}, pc);
    pipeline_ptr = &pipeline;
    layer_difference continuation_difference;
    auto produced = run_pipeline(ex, head, pipeline, t, tok, continuation_difference);
    if (continuation_difference) return continuation_difference;

    id_normalizer recorded_map, replayed_map;
    if (t.request.stream) {
        json::array recorded, replayed;
        for (auto const* r : ex.all("client_event"))
            if (auto const* e = r->if_contains("event")) recorded.push_back(*e);
        for (auto& e : produced) replayed.push_back(std::move(e));
        json::value rv(std::move(recorded)), pv(std::move(replayed));
        recorded_map.apply(rv);
        replayed_map.apply(pv);
        auto d = first_difference(rv, pv);
        if (!d) return std::nullopt;
        return std::pair{"events", event_location(d->path, rv.get_array()) + ": recorded " + show(d->recorded, 400) +
                                       ", replayed " + show(d->replayed, 400)};
    }

    // Non-streaming: the one JSON answer (the response object, or the error body of a failure).
    auto const* chunk = ex.first(capture::kind::client_chunk);
    if (!chunk) return std::nullopt;
    json::value recorded;
    try {
        recorded = json::parse(capture::load_bytes(*chunk, "data"));
    } catch (std::exception const&) {
        return std::pair{"response", std::string("the recorded answer is not JSON")};
    }
    json::value replayed = pipeline.failure_reason() ? json::value(tr::to_http_error(*pipeline.failure_reason()).body)
                                                     : json::value(pipeline.builder().response());
    recorded_map.apply(recorded);
    replayed_map.apply(replayed);
    if (auto d = first_difference(recorded, replayed))
        return std::pair{"response",
                         "answer" + d->path + ": recorded " + show(d->recorded, 400) + ", replayed " + show(d->replayed, 400)};
    return std::nullopt;
}

} // namespace

std::optional<replay_difference> replay_exchange(exchange_records const& ex, tr::tokenizer const& tok,
                                                 perturbation perturb, tr::rendered* replayed_prompt)
{
    auto differ = [&](std::string layer, std::string detail) {
        return replay_difference{ex.session, ex.exchange, std::move(layer), std::move(detail)};
    };
    auto const* client_request = ex.first("client_request");
    auto const* harmony_prompt = ex.first("harmony_prompt");
    if (!client_request || !harmony_prompt) return differ("request", "no client_request or harmony_prompt record");

    // Layer "request": the recorded body, converted as the proxy converted it.
    auto request = tr::responses::parse_request(capture::load_bytes(*client_request, "body"));
    if (!request) return differ("request", "the recorded request no longer parses: " + request.error().message);
    auto const defaults = defaults_of(*harmony_prompt);
    tr::responses::conversion_options conversion;
    conversion.default_effort = defaults.effort;
    conversion.custom_tools = defaults.custom_tools;
    conversion.conversation_date = string_field(*harmony_prompt, "conversation_date");
    if (perturb == perturbation::drop_date_line) conversion.conversation_date.clear();
    auto harmony = tr::responses::to_harmony(*request, conversion);
    if (!harmony) return differ("request", "the recorded request no longer converts: " + harmony.error().message);
    // The proxy's exact-token history came from its conversation store and the client; the ids
    // it used are recorded, and go through the same trust check here.
    std::vector<tr::exact_segment> recorded_exact;
    if (auto const* exact = harmony_prompt->if_contains("exact"); exact && exact->is_array())
        for (auto const& e : exact->get_array()) {
            auto const* ids = e.is_object() ? e.get_object().if_contains("ids") : nullptr;
            if (!ids || !ids->is_array()) continue;
            std::vector<tr::token_id> v;
            for (auto const& id : ids->get_array()) v.push_back(id.is_number() ? id.to_number<tr::token_id>() : 0);
            if (auto segment = tr::segment_from_ids(tok, v)) recorded_exact.push_back(std::move(*segment));
        }
    tr::exact_lookup lookup = [&](tr::message const& m) -> std::optional<std::span<tr::token_id const>> {
        for (auto const& s : recorded_exact)
            if (s.msg == m) return std::span<tr::token_id const>(s.ids);
        return std::nullopt;
    };
    auto rendered = tr::render_with_exact_history(tr::renderer(tok), tok, harmony->messages, lookup);
    if (!rendered) return differ("prompt", "rendering failed: " + rendered.error().message);
    auto* prompt = &rendered->prompt;
    if (replayed_prompt) *replayed_prompt = *prompt;
    auto const* upstream_request = ex.first(capture::kind::upstream_request);
    if (!upstream_request) return std::nullopt; // answered before reaching llama-server: nothing more recorded
    std::string error;
    auto recorded_first = recorded_body_of(*upstream_request, error);
    if (!error.empty()) return differ("upstream_request", error);

    // The first /completion, built as the proxy builds it (proxy/responses_service.cpp). The slot
    // is the proxy's session state, not a translation result: the recorded one is taken.
    auto control = defaults.tool_control ? tr::tool_control_for(*harmony, defaults.custom_tools) : tr::tool_control{};
    auto first = tr::responses::completion_settings_for(*harmony, prompt->tokens, defaults.temperature, defaults.top_p);
    if (auto slot = recorded_slot(recorded_first)) first.id_slot = *slot;
    tr::arm_tool_control(first, control);
    translation const t{std::move(*request), std::move(*harmony), std::move(prompt->tokens), defaults,
                        std::move(control), std::move(first)};
    if (auto d = compare_completion_body(std::move(recorded_first), t.first, tok, "")) return differ(d->first, d->second);

    auto const* head = ex.first(capture::kind::upstream_response_head);
    if (!head || number_field(head, "status", 0) != 200) return std::nullopt; // answered with an HTTP error
    if (auto d = compare_output(ex, head, t, tok)) return differ(d->first, d->second);
    return std::nullopt;
}

replay_report replay_capture(capture::read_result const& capture, tr::tokenizer const& tok,
                             replay_options const& options, std::function<void(std::size_t, std::size_t)> const& progress)
{
    replay_report report;
    report.problems = capture.problems;
    auto exchanges = group_exchanges(capture.records);
    std::vector<exchange_records const*> selected;
    for (auto const& ex : exchanges) {
        if (options.session && ex.session != *options.session) continue;
        if (options.exchange && ex.exchange != *options.exchange) continue;
        if (is_responses_exchange(ex)) selected.push_back(&ex);
        else ++report.skipped;
    }
    if (selected.empty()) report.problems.push_back("no recorded /v1/responses exchange matches the selection");
    for (std::size_t i = 0; i < selected.size(); ++i) {
        ++report.exchanges;
        if (auto d = replay_exchange(*selected[i], tok, options.perturb)) report.differences.push_back(std::move(*d));
        if (progress) progress(i + 1, selected.size());
    }
    return report;
}

std::size_t write_replayed_capture(capture::read_result const& capture, tr::tokenizer const& tok,
                                   replay_options const& options, std::filesystem::path const& directory)
{
    std::filesystem::create_directories(directory);
    std::map<std::string, std::ofstream> files;
    std::size_t written = 0;
    for (auto const& ex : group_exchanges(capture.records)) {
        if (options.session && ex.session != *options.session) continue;
        if (options.exchange && ex.exchange != *options.exchange) continue;
        if (!is_responses_exchange(ex)) continue;
        tr::rendered prompt;
        replay_exchange(ex, tok, options.perturb, &prompt);
        auto& out = files[ex.session];
        if (!out.is_open()) out.open(directory / (ex.session + ".jsonl"), std::ios::binary);
        json::array ids;
        for (auto id : prompt.tokens) ids.push_back(id);
        bool first_request = true;
        for (auto record : ex.records) {
            auto const kind = string_field(record, "kind");
            if (kind == "harmony_prompt") {
                record["tokens"] = ids;
                record["text"] = prompt.text;
            } else if (kind == capture::kind::upstream_request && first_request) {
                // The first /completion carries the replayed prompt; its other fields as recorded.
                first_request = false;
                boost::system::error_code ec;
                auto body = json::parse(capture::load_bytes(record, "body"), ec);
                if (!ec && body.is_object()) {
                    body.get_object()["prompt"] = ids;
                    record.erase("body_b64");
                    capture::store_bytes(record, "body", json::serialize(body));
                }
            }
            out << json::serialize(record) << '\n';
        }
        ++written;
    }
    return written;
}

std::string format_report(replay_report const& report)
{
    std::string out;
    for (auto const& p : report.problems) out += "problem: " + p + "\n";
    for (auto const& d : report.differences) {
        out += "session " + d.session + " exchange " + std::to_string(d.exchange) + ": layer " + d.layer + " differs\n";
        out += "  " + d.detail + "\n";
    }
    out += "replayed " + std::to_string(report.exchanges) + " exchange(s), " +
           std::to_string(report.exchanges - report.differences.size()) + " identical, " +
           std::to_string(report.differences.size()) + " different";
    if (report.skipped) out += ", " + std::to_string(report.skipped) + " other exchange(s) skipped";
    out += report.ok() ? ": OK\n" : ": FAILED\n";
    return out;
}

} // namespace hp::replay
