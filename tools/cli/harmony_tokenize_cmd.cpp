// `harmony-proxy harmony tokenize` and `detokenize`: the o200k_harmony tokenizer for people and
// scripts. tokenize never yields a special token: "<|end|>" in the input is text (27 91 419 91 29),
// exactly as the proxy encodes user content. detokenize writes the exact bytes (specials as their
// names), with no newline added, so `tokenize | detokenize` reproduces the input byte for byte.
#include "tools/cli/commands.hpp"

#include "translate/tokenizer.hpp"

#include <charconv>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hp::cli {
namespace {

namespace tr = hp::translate;

struct tokenize_args
{
    std::optional<std::string> text;
    std::string vocab;
    bool lines = false;
};

struct detokenize_args
{
    std::vector<std::string> ids;
    std::string vocab;
};

std::optional<tr::tokenizer> load_vocab(std::string const& path, char const* who)
{
    auto tok =
        tr::tokenizer::load(path.empty() ? tr::tokenizer::default_path() : std::filesystem::path(path));
    if (!tok) {
        std::cerr << "harmony " << who << ": " << tok.error().message << '\n';
        return std::nullopt;
    }
    return std::move(*tok);
}

std::string read_stdin()
{
    std::ios::sync_with_stdio(false);
    return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

int run_tokenize(tokenize_args const& args)
{
    auto tok = load_vocab(args.vocab, "tokenize");
    if (!tok) return 1;
    std::string const text = args.text ? *args.text : read_stdin();
    std::string out;
    auto const ids = tok->encode(text);
    if (args.lines) {
        for (auto id : ids)
            out += std::to_string(id) + '\n';
    } else {
        out = "[";
        for (std::size_t i = 0; i < ids.size(); ++i)
            out += (i ? "," : "") + std::to_string(ids[i]);
        out += "]\n";
    }
    std::cout << out;
    return 0;
}

// Ids as separate arguments, or as text holding them: a JSON array, or numbers separated by
// whitespace or commas. Anything else is an error naming the offending word.
bool parse_ids(std::string_view text, std::vector<tr::token_id>& ids)
{
    std::size_t i = 0;
    auto is_sep = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '[' || c == ']';
    };
    while (i < text.size()) {
        if (is_sep(text[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && !is_sep(text[j]))
            ++j;
        std::string_view const word = text.substr(i, j - i);
        tr::token_id id = 0;
        auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
        if (ec != std::errc{} || p != word.data() + word.size()) {
            std::cerr << "harmony detokenize: not a token id: '" << word << "'\n";
            return false;
        }
        ids.push_back(id);
        i = j;
    }
    return true;
}

int run_detokenize(detokenize_args const& args)
{
    auto tok = load_vocab(args.vocab, "detokenize");
    if (!tok) return 1;
    std::vector<tr::token_id> ids;
    if (args.ids.empty()) {
        if (!parse_ids(read_stdin(), ids)) return 1;
    } else {
        for (auto const& a : args.ids)
            if (!parse_ids(a, ids)) return 1;
    }
    for (auto id : ids)
        if (!tok->token_bytes(id)) {
            std::cerr << "harmony detokenize: unknown token id " << id << " (o200k_harmony has 0.."
                      << tr::special::last << ")\n";
            return 1;
        }
    std::cout << tok->decode(ids) << std::flush;
    return 0;
}

} // namespace

void add_harmony_tokenize(CLI::App& harmony, run_fn& run)
{
    char const* const vocab_help =
        "o200k_base.json of npm tiktoken@1.0.22 (default: the compiled-in path or $HP_VOCAB)";

    auto targs = std::make_shared<tokenize_args>();
    auto* tcmd =
        harmony.add_subcommand("tokenize", "Text (stdin or --text) to o200k_harmony ids, never specials");
    tcmd->add_option("--text", targs->text, "Text to encode instead of reading stdin");
    tcmd->add_flag("--lines", targs->lines, "Print one id per line instead of a JSON array");
    tcmd->add_option("--vocab", targs->vocab, vocab_help);
    tcmd->callback([targs, &run] { run = [targs] { return run_tokenize(*targs); }; });

    auto dargs = std::make_shared<detokenize_args>();
    auto* dcmd =
        harmony.add_subcommand("detokenize", "Ids (arguments or stdin) to the exact bytes they stand for");
    dcmd->add_option("ids", dargs->ids,
                     "Token ids; without any, read a JSON array or separated ids from stdin");
    dcmd->add_option("--vocab", dargs->vocab, vocab_help);
    dcmd->callback([dargs, &run] { run = [dargs] { return run_detokenize(*dargs); }; });
}

} // namespace hp::cli
