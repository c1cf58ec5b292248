// What the proxy records: every layer of an exchange, credentials redacted, sessions contained.
#include "proxy_fixture.hpp"

#include "capture/reader.hpp"
#include "capture/record.hpp"

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hp::test {
namespace {

namespace fs = std::filesystem;

struct temp_dir
{
    fs::path path;
    temp_dir()
    {
        char tmpl[] = "/tmp/hp-capture-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
};

std::string slurp(fs::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> kinds(std::vector<boost::json::object> const& records)
{
    std::vector<std::string> out;
    for (auto const& r : records) out.emplace_back(r.at("kind").as_string());
    return out;
}

TEST_F(proxy_fixture, records_every_layer_of_a_streamed_exchange_with_credentials_redacted)
{
    temp_dir dir;
    origin.on("/completion", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        co_await origin.send(s, test_origin::chunk("data: {\"content\":\"h\\u00e9\"}\n\n"));
        co_await origin.send(s, test_origin::chunk(std::string("data: \xff\xfe\n\n"))); // not UTF-8
        co_await origin.send(s, "0\r\n\r\n");
    });
    start(true, dir.path);
    auto res = run_coro(ioc, [&]() -> net::awaitable<http::response<http::string_body>> {
        auto req = make_request(http::verb::post, "/completion", R"({"prompt_cache_key":"thread-42","x":1})");
        req.set(http::field::authorization, "Bearer sk-secret-1");
        req.set("X-Api-Key", "sk-secret-2");
        req.set(http::field::cookie, "sid=sk-secret-3");
        req.set(http::field::proxy_authorization, "Basic sk-secret-4");
        co_return co_await fetch(std::move(req));
    }(), 5s);
    ASSERT_EQ(res.result_int(), 200);
    settle();
    capture->flush();

    auto file = dir.path / "thread-42.jsonl";
    ASSERT_TRUE(fs::exists(file)) << "session from prompt_cache_key";
    auto raw = slurp(file);
    for (auto secret : {"sk-secret-1", "sk-secret-2", "sk-secret-3", "sk-secret-4"})
        EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " reached the disk";

    auto read = capture::read_capture(file);
    EXPECT_TRUE(read.problems.empty());
    auto k = kinds(read.records);
    // The relay reads as data arrives: chunks may merge, so compare the frame and the byte total.
    ASSERT_GE(k.size(), 6u);
    EXPECT_EQ(k.front(), "client_request");
    EXPECT_EQ(k.back(), "exchange_end");
    std::string upstream_bytes;
    std::int64_t previous_seq = -1;
    for (auto const& r : read.records) {
        EXPECT_EQ(r.at("v").as_int64(), capture::format_version);
        EXPECT_EQ(r.at("session").as_string(), "thread-42");
        EXPECT_GT(r.at("seq").to_number<std::int64_t>(), previous_seq);
        previous_seq = r.at("seq").to_number<std::int64_t>();
        if (r.at("kind") == "upstream_chunk") upstream_bytes += capture::load_bytes(r, "data");
        if (r.at("kind") == "client_request") {
            EXPECT_EQ(capture::load_bytes(r, "body"), R"({"prompt_cache_key":"thread-42","x":1})");
            for (auto const& [name, value] : capture::headers_from_json(r.at("headers"))) {
                if (capture::is_credential_header(name)) {
                    EXPECT_EQ(value, capture::redacted_value);
                }
            }
        }
        if (r.at("kind") == "exchange_end") {
            EXPECT_EQ(r.at("status").to_number<int>(), 200);
            EXPECT_EQ(r.at("outcome"), "complete");
        }
    }
    EXPECT_EQ(upstream_bytes, std::string("data: {\"content\":\"h\\u00e9\"}\n\ndata: \xff\xfe\n\n"));

    struct stat st{};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(::stat(dir.path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700);
}

TEST_F(proxy_fixture, a_hostile_session_header_stays_inside_the_capture_directory)
{
    temp_dir dir;
    origin.on("/health", [&](auto const&, auto& s) -> net::awaitable<void> {
        co_await origin.send(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    start(true, dir.path / "cap");
    for (std::string name : std::vector<std::string>{"../../etc", "/etc/passwd", "..", "a/../../b", std::string(500, 'z')}) {
        auto res = run_coro(ioc, [&]() -> net::awaitable<http::response<http::string_body>> {
            auto req = make_request(http::verb::get, "/health");
            req.set("session-id", name);
            co_return co_await fetch(std::move(req));
        }(), 5s);
        EXPECT_EQ(res.result_int(), 200);
    }
    settle();
    capture->flush();
    int files = 0;
    for (auto const& e : fs::recursive_directory_iterator(dir.path)) {
        if (!e.is_regular_file()) continue;
        ++files;
        EXPECT_EQ(e.path().parent_path(), dir.path / "cap") << e.path();
        EXPECT_LE(e.path().filename().string().size(), 96u + 17u + 6u);
    }
    EXPECT_EQ(files, 5) << "five distinct names, five files";
    EXPECT_FALSE(fs::exists(dir.path / "etc"));
}

TEST_F(proxy_fixture, a_rejected_request_is_captured_with_its_status)
{
    temp_dir dir;
    options.body_limit = 16;
    start(true, dir.path);
    auto res = run_coro(ioc, fetch(make_request(http::verb::post, "/x", std::string(64, 'a'))), 5s);
    EXPECT_EQ(res.result_int(), 413);
    settle();
    capture->flush();
    auto read = capture::read_capture(dir.path);
    ASSERT_FALSE(read.records.empty());
    auto const& end = read.records.back();
    EXPECT_EQ(end.at("kind"), "exchange_end");
    EXPECT_EQ(end.at("status").to_number<int>(), 413);
    EXPECT_EQ(end.at("outcome"), "rejected");
}

} // namespace
} // namespace hp::test
