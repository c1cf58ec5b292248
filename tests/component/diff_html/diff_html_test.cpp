// A rendering rule changed (replay's test-only --perturb-render): replay exits 1, the replayed
// exchanges written with --out differ from the recorded ones, `diff` points at the first divergent
// token, and its HTML report renders in headless Chromium without script errors, showing the
// marked divergence.
#include "real_llama/support/child_process.hpp"

#include "capture/reader.hpp"
#include "replay/diff.hpp"
#include "support/vocab.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hp::test {
namespace {

namespace fs = std::filesystem;

int run(std::vector<std::string> argv, fs::path const& log, std::chrono::seconds limit = std::chrono::seconds(60))
{
    child_process child(std::move(argv), log);
    auto status = child.wait_for(limit);
    if (!status) {
        child.stop();
        ADD_FAILURE() << "did not finish in time:\n" << child.log_tail();
        return -1;
    }
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::string read(fs::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(DiffHtml, APerturbedRenderingIsPointedAtAndTheReportRendersInChromium)
{
    auto const dir = fs::path(HP_BINARY_DIR) / "component" / "diff_html";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto const recorded = fs::path(HP_SOURCE_DIR) / "tests/fixtures/tool_chain/capture.jsonl";

    EXPECT_EQ(run({HP_HARMONY_PROXY, "diff", recorded.string(), recorded.string()}, dir / "same.log"), 0) << read(dir / "same.log");
    EXPECT_EQ(run({HP_HARMONY_PROXY, "diff", recorded.string(), recorded.string(), "--exchange", "7"}, dir / "none.log"), 1)
        << "an exchange that is not there: " << read(dir / "none.log");
    EXPECT_EQ(run({HP_HARMONY_PROXY, "replay", recorded.string(), "--perturb-render", "--out", (dir / "replayed").string()},
                  dir / "replay.log"),
              1)
        << read(dir / "replay.log");
    EXPECT_EQ(run({HP_HARMONY_PROXY, "diff", recorded.string(), (dir / "replayed").string(), "--html", (dir / "report.html").string()},
                  dir / "diff.log"),
              1);
    auto const text = read(dir / "diff.log");
    EXPECT_NE(text.find("prompt: first divergent id at position 25"), std::string::npos) << text;
    EXPECT_NE(text.find("Current| date"), std::string::npos) << "the recorded side shows the date line: " << text;

    // The same from the library: the first divergence is the date line.
    auto report = replay::diff_captures(capture::read_capture(recorded), capture::read_capture(dir / "replayed"), vocab());
    ASSERT_EQ(report.exchanges.size(), 1u);
    ASSERT_FALSE(report.exchanges[0].layers.empty());
    ASSERT_TRUE(report.exchanges[0].layers[0].tokens);
    EXPECT_EQ(report.exchanges[0].layers[0].tokens->divergence, 25u);

    auto const chromium = fs::path("/usr/bin/chromium");
    ASSERT_TRUE(fs::exists(chromium)) << "setup.sh installs Debian's chromium";
    auto const url = "file://" + (dir / "report.html").string();
    std::vector<std::string> const common{chromium.string(), "--headless", "--no-sandbox", "--disable-gpu",
                                          "--user-data-dir=" + (dir / "chromium-profile").string(),
                                          "--window-size=1280,900", "--enable-logging=stderr", "--v=0"};
    auto shot = common;
    shot.insert(shot.end(), {"--screenshot=" + (dir / "report.png").string(), url});
    EXPECT_EQ(run(shot, dir / "screenshot.log", std::chrono::seconds(90)), 0) << read(dir / "screenshot.log");
    ASSERT_TRUE(fs::exists(dir / "report.png"));
    EXPECT_GT(fs::file_size(dir / "report.png"), 10'000u) << "a blank page compresses to a few hundred bytes";
    auto const png = read(dir / "report.png");
    EXPECT_EQ(png.substr(1, 3), "PNG");

    auto dom = common;
    dom.insert(dom.end(), {"--dump-dom", url});
    EXPECT_EQ(run(dom, dir / "dom.log", std::chrono::seconds(90)), 0);
    auto const page = read(dir / "dom.log");
    EXPECT_NE(page.find("data-ready=\"1\""), std::string::npos) << "the page's script ran to its end";
    EXPECT_NE(page.find("id=\"first-divergence\""), std::string::npos);
    EXPECT_NE(page.find("divergent token(s)"), std::string::npos);
    EXPECT_EQ(page.find("Uncaught"), std::string::npos) << "a script error";
    EXPECT_EQ(read(dir / "screenshot.log").find("Uncaught"), std::string::npos);
}

} // namespace
} // namespace hp::test
