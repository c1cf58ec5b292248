// bench-replay: how many recorded exchanges per second offline replay checks when each prompt is
// about 10k tokens (issue 7 target: 100/s on one core). The exchange is the plain_answer fixture
// with its user message grown to ~10k tokens; its recorded /completion body is re-made to match
// (the bench measures replay, not a difference). Baseline in the same run: encoding the prompt's
// text alone, the least any replay must do.
#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "replay/offline_replay.hpp"
#include "translate/special_tokens.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace json = boost::json;
using hp::replay::exchange_records;

namespace {

json::object* find(exchange_records& ex, std::string_view kind)
{
    for (auto& r : ex.records)
        if (r.at("kind").as_string() == kind) return &r;
    return nullptr;
}

template <class F> double seconds_per_run(F&& f, int runs)
{
    auto const start = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i) f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / runs;
}

} // namespace

int main(int argc, char** argv)
{
    int const runs = argc > 1 ? std::atoi(argv[1]) : 50;
    auto tok = hp::translate::tokenizer::load(hp::translate::tokenizer::default_path());
    if (!tok) return std::fprintf(stderr, "bench-replay: %s\n", tok.error().message.c_str()), 2;
    auto capture = hp::capture::read_capture(HP_BENCH_FIXTURE);
    auto exchanges = hp::replay::group_exchanges(capture.records);
    if (exchanges.size() != 1) return std::fprintf(stderr, "bench-replay: fixture missing\n"), 2;
    auto& ex = exchanges[0];

    // Grow the user message to ~10k tokens of varied prose and code.
    std::string text;
    for (int i = 0; text.size() < 26000; ++i)
        text += "Line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog; if (x[i] > 0) { y += x[i] * 2; }\n";
    auto* request = find(ex, "client_request");
    auto body = json::parse(hp::capture::load_bytes(*request, "body")).as_object();
    body["input"].as_array()[0].as_object()["content"].as_array()[0].as_object()["text"] = text;
    hp::capture::store_bytes(*request, "body", json::serialize(body));

    // Re-make the recorded prompt to match the grown request.
    auto* upstream = find(ex, "upstream_request");
    auto up_body = json::parse(hp::capture::load_bytes(*upstream, "body")).as_object();
    std::string const prefix_marker = "Say hello";
    auto old_ids = up_body["prompt"].as_array();
    // The old prompt ends with "<user text><|end|><|start|>assistant": splice the new text's ids in.
    std::vector<hp::translate::token_id> ids;
    for (auto const& v : old_ids) ids.push_back(v.to_number<hp::translate::token_id>());
    auto const old_text_ids = tok->encode(prefix_marker);
    auto const tail = 3 + old_text_ids.size(); // <|end|> <|start|> assistant, after the user text
    ids.resize(ids.size() - tail);
    auto const new_ids = tok->encode(text);
    ids.insert(ids.end(), new_ids.begin(), new_ids.end());
    ids.push_back(hp::translate::special::end);
    ids.push_back(hp::translate::special::start);
    for (auto id : tok->encode("assistant")) ids.push_back(id);
    json::array arr;
    for (auto id : ids) arr.push_back(id);
    up_body["prompt"] = std::move(arr);
    hp::capture::store_bytes(*upstream, "body", json::serialize(up_body));

    // The terminal event reports the prompt's length.
    for (auto& r : ex.records) {
        if (r.at("kind").as_string() != "client_event") continue;
        auto& ev = r.at("event").as_object();
        if (ev.at("type").as_string() != "response.completed") continue;
        auto& usage = ev.at("response").at("usage").as_object();
        usage["input_tokens"] = ids.size();
        usage["total_tokens"] = ids.size() + usage.at("output_tokens").to_number<std::uint64_t>();
    }

    if (auto d = hp::replay::replay_exchange(ex, *tok))
        return std::fprintf(stderr, "bench-replay: the grown exchange does not replay (%s): %s\n", d->layer.c_str(),
                            d->detail.c_str()),
               1;

    double const replay_s = seconds_per_run([&] { (void)hp::replay::replay_exchange(ex, *tok); }, runs);
    double const encode_s = seconds_per_run([&] { (void)tok->encode(text); }, runs);
    std::printf("prompt: %zu tokens, %d runs\n", ids.size(), runs);
    std::printf("offline replay:      %8.1f exchanges/s (%.2f ms each)\n", 1 / replay_s, replay_s * 1e3);
    std::printf("baseline encode only: %8.1f prompts/s  (%.2f ms each)\n", 1 / encode_s, encode_s * 1e3);
    std::printf("replay / encode time: %.2fx\n", replay_s / encode_s);
    return 0;
}
