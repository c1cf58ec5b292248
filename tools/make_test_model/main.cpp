// make-test-model: writes a tiny `llama`-architecture GGUF with seeded random weights and the complete
// gpt-oss vocabulary (o200k_harmony, 201,088 tokens), for tests against the real llama-server.
//
//   make-test-model --out build/real_llama/gpt-oss-tiny.gguf [--vocab o200k_base.json] [--seed 1]
//
// The output depends only on the vocabulary file, the template and the seed. It is written to a
// temporary file beside --out and renamed into place, so concurrent runs never expose a partial file.
#include "tools/make_test_model/chat_template.hpp"
#include "tools/make_test_model/gguf_writer.hpp"
#include "tools/make_test_model/gpt_oss_vocab.hpp"
#include "tools/make_test_model/o200k_ranks.hpp"
#include "tools/make_test_model/tiny_llama.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace {

// What Hugging Face's TikTokenConverter derives from o200k_base, i.e. the merges of gpt-oss's
// tokenizer.json. A different count means the derivation no longer matches the real model's.
constexpr std::size_t o200k_merge_count = 446'189;

struct options
{
    std::string vocab = HP_DEFAULT_VOCAB;
    std::string out;
    std::uint64_t seed = 1;
    std::uint32_t n_ctx_train = 8192;
};

int run(options const& opt)
{
    namespace fs = std::filesystem;
    using namespace hp::tools;

    auto ranks = load_o200k_ranks(opt.vocab);
    if (!ranks) {
        std::cerr << "make-test-model: " << ranks.error().message << '\n';
        return 1;
    }
    auto vocab = make_gpt_oss_vocab(*ranks);
    if (!vocab) {
        std::cerr << "make-test-model: " << opt.vocab << ": " << vocab.error().message << '\n';
        return 1;
    }
    if (vocab->merges.size() != o200k_merge_count) {
        std::cerr << "make-test-model: derived " << vocab->merges.size() << " merges, expected "
                  << o200k_merge_count << '\n';
        return 1;
    }

    gguf_writer gguf;
    tiny_llama_params params;
    params.n_vocab = gpt_oss_n_vocab;
    params.seed = opt.seed;
    params.n_ctx_train = opt.n_ctx_train;
    add_tiny_llama(gguf, params);

    // The tokenizer keys as llama.cpp's convert_hf_to_gguf.py writes them for gpt-oss.
    gguf.add_string("tokenizer.ggml.model", "gpt2");
    gguf.add_string("tokenizer.ggml.pre", "gpt-4o");
    gguf.add_string_array("tokenizer.ggml.tokens", vocab->tokens);
    gguf.add_int32_array("tokenizer.ggml.token_type", vocab->types);
    gguf.add_string_array("tokenizer.ggml.merges", vocab->merges);
    gguf.add_uint32("tokenizer.ggml.bos_token_id", gpt_oss_bos);
    gguf.add_uint32("tokenizer.ggml.eos_token_id", gpt_oss_eos);
    gguf.add_uint32("tokenizer.ggml.padding_token_id", gpt_oss_pad);
    gguf.add_string("tokenizer.chat_template", gpt_oss_chat_template());

    fs::path const out = opt.out;
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    fs::path const tmp = out.string() + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
        gguf.write(file);
        file.close();
        if (!file) {
            std::cerr << "make-test-model: cannot write " << tmp << '\n';
            fs::remove(tmp);
            return 1;
        }
    }
    fs::rename(tmp, out);
    std::cerr << "make-test-model: wrote " << out.string() << " (" << fs::file_size(out) << " bytes, "
              << vocab->tokens.size() << " tokens, " << vocab->merges.size() << " merges, seed " << opt.seed
              << ")\n";
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"make-test-model: a tiny random-weight llama GGUF with the gpt-oss vocabulary"};
    options opt;
    app.add_option("-o,--out", opt.out, "GGUF file to write")->required();
    app.add_option("--vocab", opt.vocab, "tiktoken's o200k_base.json (npm tiktoken@1.0.22)")
        ->capture_default_str()
        ->check(CLI::ExistingFile);
    app.add_option("--seed", opt.seed, "seed of the random weights")->capture_default_str();
    app.add_option("--n-ctx-train", opt.n_ctx_train, "llama.context_length")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        return run(opt);
    } catch (std::exception const& e) {
        std::cerr << "make-test-model: " << e.what() << '\n';
        return 1;
    }
}
