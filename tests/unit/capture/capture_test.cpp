// capture/: record codec, the file sink and the tolerant reader.
#include "capture/reader.hpp"
#include "capture/record.hpp"
#include "capture/summary.hpp"
#include "capture/writer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <future>
#include <random>
#include <unistd.h>

namespace hp::capture {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct temp_dir
{
    fs::path path;
    temp_dir()
    {
        char tmpl[] = "/tmp/hp-capture-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
};

TEST(capture_record, base64_round_trips_every_length_and_rejects_garbage)
{
    std::mt19937 rng(7);
    for (std::size_t len = 0; len < 300; ++len) {
        std::string bytes(len, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        std::string back;
        ASSERT_TRUE(base64_decode(base64_encode(bytes), back));
        EXPECT_EQ(back, bytes);
    }
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    std::string out;
    EXPECT_FALSE(base64_decode("Zm9v!mFy", out));
    EXPECT_FALSE(base64_decode("Zm9", out));
    EXPECT_FALSE(base64_decode("Z=9v", out));
}

TEST(capture_record, utf8_validation_matches_what_json_can_hold)
{
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("h\xc3\xa9 \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));     // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
}

TEST(capture_record, bytes_survive_as_text_or_base64)
{
    json::object rec;
    store_bytes(rec, "data", "text \xc3\xa9");
    store_bytes(rec, "raw", std::string("\xff\x00\x01", 3));
    EXPECT_TRUE(rec.contains("data"));
    EXPECT_TRUE(rec.contains("raw_b64"));
    auto round = json::parse(json::serialize(rec)).as_object();
    EXPECT_EQ(load_bytes(round, "data"), "text \xc3\xa9");
    EXPECT_EQ(load_bytes(round, "raw"), std::string("\xff\x00\x01", 3));
}

TEST(capture_record, credential_headers_in_any_case)
{
    for (auto h : {"Authorization", "authorization", "X-API-KEY", "Cookie", "Proxy-Authorization"})
        EXPECT_TRUE(is_credential_header(h)) << h;
    for (auto h : {"Content-Type", "session-id", "X-Api-Keys", "Set-Cookie2"}) EXPECT_FALSE(is_credential_header(h)) << h;
}

TEST(capture_writer, session_names_cannot_escape_or_collide)
{
    EXPECT_EQ(sanitize_session("019a-thread_A"), "019a-thread_A");
    for (std::string bad : std::vector<std::string>{"../../etc", "..", "/abs", "a/b", "a\\b", std::string("nul\0x", 5), ""}) {
        auto s = sanitize_session(bad);
        EXPECT_EQ(s.find('/'), std::string::npos);
        EXPECT_EQ(s.find(".."), std::string::npos);
        EXPECT_EQ(s.find('\0'), std::string::npos);
        EXPECT_FALSE(s.empty());
        EXPECT_NE(s.front(), '.');
    }
    EXPECT_NE(sanitize_session("a/b"), sanitize_session("a_b"));
    EXPECT_LE(sanitize_session(std::string(10000, 'x')).size(), 96u + 17u);
}

TEST(capture_writer, writes_records_that_read_back_in_order)
{
    temp_dir dir;
    {
        writer w({dir.path / "c", 1024, 1 << 20, {}, {}});
        for (int i = 0; i < 100; ++i) {
            auto rec = make_record("test_kind", i % 2 ? "odd" : "even", 1, static_cast<std::uint64_t>(i), monotonic_ns());
            rec["i"] = i;
            w.submit(i % 2 ? "odd" : "even", std::move(rec));
        }
        w.flush();
        EXPECT_EQ(w.stats().written, 100u);
        EXPECT_EQ(w.stats().dropped, 0u);
    }
    auto odd = read_capture(dir.path / "c" / "odd.jsonl");
    EXPECT_TRUE(odd.problems.empty());
    ASSERT_EQ(odd.records.size(), 50u);
    for (std::size_t k = 0; k < 50; ++k) EXPECT_EQ(odd.records[k].at("i").as_int64(), static_cast<std::int64_t>(2 * k + 1));
    auto all = read_capture(dir.path / "c");
    EXPECT_EQ(all.records.size(), 100u);
}

TEST(capture_writer, a_full_queue_is_counted_reported_and_marked_in_the_stream)
{
    temp_dir dir;
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> first{true};
    std::vector<std::string> errors;
    std::mutex errors_mutex;
    {
        writer w({dir.path, 2, 1 << 20,
                  [&](std::string_view m) {
                      std::lock_guard l(errors_mutex);
                      errors.emplace_back(m);
                  },
                  [&] {
                      if (first.exchange(false)) released.wait(); // hold the writer on its first record
                  }});
        for (int i = 0; i < 10; ++i) {
            auto rec = make_record("k", "s", 1, static_cast<std::uint64_t>(i), monotonic_ns());
            rec["i"] = i;
            w.submit("s", std::move(rec));
        }
        // One record is being written (held), two wait in the queue, the rest were refused.
        EXPECT_GE(w.stats().dropped, 7u);
        release.set_value();
        w.flush();
        auto after = make_record("k", "s", 1, 99, monotonic_ns());
        w.submit("s", std::move(after));
        w.flush();
    }
    auto read = read_capture(dir.path / "s.jsonl");
    std::uint64_t gap_total = 0;
    for (auto const& r : read.records)
        if (r.at("kind").as_string() == kind::capture_gap) gap_total += r.at("dropped").to_number<std::uint64_t>();
    std::size_t kept = read.records.size() - std::count_if(read.records.begin(), read.records.end(), [](auto const& r) {
                           return r.at("kind").as_string() == kind::capture_gap;
                       });
    EXPECT_EQ(kept + gap_total, 11u) << "every record is either on disk or counted in a gap marker";
    EXPECT_GE(gap_total, 7u);
    std::lock_guard l(errors_mutex);
    EXPECT_FALSE(errors.empty());
}

TEST(capture_reader, skips_a_torn_last_line_and_keeps_everything_before_it)
{
    std::string text;
    for (int i = 0; i < 3; ++i) {
        auto rec = make_record("k", "s", 1, static_cast<std::uint64_t>(i), 0);
        text += json::serialize(rec) + "\n";
    }
    auto torn = json::serialize(make_record("k", "s", 1, 3, 0));
    text += torn.substr(0, torn.size() / 2); // the crash hit mid-write
    read_result out;
    parse_capture_text(text, "t.jsonl", out);
    EXPECT_EQ(out.records.size(), 3u);
    EXPECT_TRUE(out.torn_tail);
    ASSERT_EQ(out.problems.size(), 1u);
    EXPECT_NE(out.problems[0].find("t.jsonl:4"), std::string::npos) << out.problems[0];

    // A complete but unparsable line in the middle is reported and skipped; later records still count.
    read_result mid;
    parse_capture_text(json::serialize(make_record("k", "s", 1, 0, 0)) + "\n{not json\n" +
                           json::serialize(make_record("k", "s", 1, 1, 0)) + "\n",
                       "m.jsonl", mid);
    EXPECT_EQ(mid.records.size(), 2u);
    EXPECT_FALSE(mid.torn_tail);
    EXPECT_EQ(mid.problems.size(), 1u);

    read_result newer;
    parse_capture_text(R"({"v":99,"kind":"k"})"
                       "\n",
                       "n.jsonl", newer);
    EXPECT_TRUE(newer.records.empty());
    EXPECT_EQ(newer.problems.size(), 1u);

    auto missing = read_capture("/nonexistent/capture.jsonl");
    EXPECT_TRUE(missing.records.empty());
    EXPECT_EQ(missing.problems.size(), 1u);
}

TEST(capture_summary, one_line_per_exchange_even_when_it_never_ended)
{
    std::vector<json::object> recs;
    auto req = make_record(kind::client_request, "s", 1, 0, 0);
    req["method"] = "POST";
    req["target"] = "/v1/responses";
    req["wall"] = "2026-11-24T22:00:00.000000Z";
    recs.push_back(req);
    auto end = make_record(kind::exchange_end, "s", 1, 5, 0);
    end["status"] = 200;
    end["outcome"] = "complete";
    end["bytes_down"] = 1234;
    end["ttfb_us"] = 1500;
    end["duration_us"] = 20000;
    recs.push_back(end);
    auto req2 = make_record(kind::client_request, "s", 2, 0, 0);
    req2["method"] = "GET";
    req2["target"] = "/health";
    recs.push_back(req2);
    auto sums = summarize(recs);
    ASSERT_EQ(sums.size(), 2u);
    EXPECT_EQ(*sums[0].status, 200);
    EXPECT_EQ(sums[0].bytes_down, 1234);
    EXPECT_FALSE(sums[1].status);
    auto line = format_summary(sums[0]);
    EXPECT_NE(line.find("/v1/responses"), std::string::npos);
    EXPECT_NE(line.find("1.5"), std::string::npos);
    EXPECT_NE(format_summary(sums[1]).find("unfinished"), std::string::npos);
}

} // namespace
} // namespace hp::capture
