// A missing or corrupt vocabulary is an error value naming the file and the problem, never a crash.
#include "vocab_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace hp::translate {
namespace {

namespace fs = std::filesystem;

class load_errors : public ::testing::Test
{
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() / ("hp-tokenizer-test-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(std::string const& name, std::string const& content)
    {
        fs::path const p = dir_ / name;
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }

    // The error message of loading `p`; fails the test if loading succeeds.
    static std::string error_of(fs::path const& p)
    {
        auto r = tokenizer::load(p);
        EXPECT_FALSE(r.has_value()) << p;
        return r ? std::string() : r.error().message;
    }

    fs::path dir_;
};

std::string real_json()
{
    return test::read_file(tokenizer::default_path().string());
}

TEST_F(load_errors, missing_file_and_directory)
{
    std::string const e = error_of(dir_ / "nope.json");
    EXPECT_NE(e.find("nope.json"), std::string::npos) << e;
    EXPECT_FALSE(error_of(dir_).empty());
}

TEST_F(load_errors, not_json_or_wrong_shape)
{
    EXPECT_NE(error_of(write("empty.json", "")).find("not JSON"), std::string::npos);
    EXPECT_NE(error_of(write("trunc.json", real_json().substr(0, 100000))).find("not JSON"),
              std::string::npos);
    EXPECT_NE(error_of(write("array.json", "[1,2]")).find("not a JSON object"), std::string::npos);
    EXPECT_NE(error_of(write("nofields.json", "{}")).find("pat_str"), std::string::npos);
    EXPECT_NE(error_of(write("noranks.json", R"({"pat_str":"x"})")).find("bpe_ranks"), std::string::npos);
    EXPECT_NE(error_of(write("wrongpat.json", R"({"pat_str":"\\s+","bpe_ranks":"! 0 IQ=="})"))
                  .find("o200k pattern"),
              std::string::npos);
}

TEST_F(load_errors, other_vocabularies_and_corrupt_ranks)
{
    std::string json = real_json();
    std::size_t const ranks_at = json.find("\"bpe_ranks\":\"! 0 ");
    ASSERT_NE(ranks_at, std::string::npos);

    // cl100k_base ships in the same package; its pattern differs.
    fs::path const cl100k = tokenizer::default_path().parent_path() / "cl100k_base.json";
    if (fs::exists(cl100k)) {
        EXPECT_NE(error_of(cl100k).find("o200k pattern"), std::string::npos);
    }

    // Drop the last token: the count check fires.
    std::string fewer = json;
    std::size_t const last_space = fewer.rfind(' ');
    fewer.erase(last_space, fewer.find('"', last_space) - last_space);
    std::string e = error_of(write("fewer.json", fewer));
    EXPECT_NE(e.find("199997 ranks"), std::string::npos) << e;

    // Swap two tokens: well-formed, right count, wrong ids. Only the SHA-256 can tell.
    std::string swapped = json;
    std::size_t const first = ranks_at + std::string_view("\"bpe_ranks\":\"! 0 ").size();
    ASSERT_EQ(swapped.substr(first, 9), "IQ== Ig==");
    swapped.replace(first, 9, "Ig== IQ==");
    e = error_of(write("swapped.json", swapped));
    EXPECT_NE(e.find("SHA-256"), std::string::npos) << e;

    std::string bad64 = json;
    bad64[first + 1] = '@';
    EXPECT_NE(error_of(write("bad64.json", bad64)).find("base64"), std::string::npos);
}

TEST(tokenizer_paths, default_path_honours_hp_vocab)
{
    char const* old = std::getenv("HP_VOCAB");
    std::string const saved = old ? old : "";
    ::setenv("HP_VOCAB", "/somewhere/o200k_base.json", 1);
    EXPECT_EQ(tokenizer::default_path(), fs::path("/somewhere/o200k_base.json"));
    ::unsetenv("HP_VOCAB");
    EXPECT_EQ(tokenizer::default_path(), fs::path(HP_DEFAULT_VOCAB));
    if (old) ::setenv("HP_VOCAB", saved.c_str(), 1);
}

} // namespace
} // namespace hp::translate
