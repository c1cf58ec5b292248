// `harmony-proxy harmony render FILE.json`: renders a conversation written in the input format of
// ../shared/harmony-golden/render/ (messages, operation, next_role, auto_drop_analysis or
// render_config, drop_last_token) and prints {"text": ..., "tokens": [...]} on one line.
// With --check, the file's expected_text / expected_tokens are compared too (exit 1 on mismatch).
#include "tools/cli/commands.hpp"

#include "translate/golden_messages.hpp"
#include "translate/renderer.hpp"
#include "translate/tokenizer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

namespace hp::cli {
namespace {

struct render_args
{
    std::string file;
    std::string vocab;
    bool check = false;
};

int run_render(render_args const& args)
{
    namespace tr = hp::translate;
    std::ifstream in(args.file, std::ios::binary);
    if (!in) {
        std::cerr << "harmony render: cannot open " << args.file << '\n';
        return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto const doc = boost::json::parse(text.str(), ec);
    if (ec) {
        std::cerr << "harmony render: " << args.file << ": not JSON: " << ec.message() << '\n';
        return 1;
    }
    auto const c = tr::render_case_from_json(doc);
    if (!c) {
        std::cerr << "harmony render: " << args.file << ": " << c.error().what() << '\n';
        return 1;
    }
    auto tok = tr::tokenizer::load(args.vocab.empty() ? tr::tokenizer::default_path()
                                                      : std::filesystem::path(args.vocab));
    if (!tok) {
        std::cerr << "harmony render: " << tok.error().message << '\n';
        return 1;
    }
    auto const out = tr::run_render_case(tr::renderer(*tok), *c);
    if (!out) {
        std::cerr << "harmony render: " << args.file << ": " << out.error().message << '\n';
        return 1;
    }
    boost::json::array ids;
    ids.reserve(out->tokens.size());
    for (auto id : out->tokens)
        ids.emplace_back(id);
    boost::json::object result;
    result["text"] = out->text;
    result["tokens"] = std::move(ids);
    std::cout << boost::json::serialize(result) << '\n';

    if (!args.check) return 0;
    bool ok = true;
    if (c->expected_text && *c->expected_text != out->text) {
        std::cerr << "harmony render: text differs from expected_text\n";
        ok = false;
    }
    if (c->expected_tokens && *c->expected_tokens != out->tokens) {
        std::cerr << "harmony render: tokens differ from expected_tokens\n";
        ok = false;
    }
    if (!c->expected_text && !c->expected_tokens) {
        std::cerr << "harmony render: --check given but the file has no expected_text or expected_tokens\n";
        ok = false;
    }
    return ok ? 0 : 1;
}

} // namespace

void add_harmony_render(CLI::App& harmony, run_fn& run)
{
    auto args = std::make_shared<render_args>();
    auto* cmd =
        harmony.add_subcommand("render", "Render a conversation file (harmony-golden/render/ format) to "
                                         "{\"text\", \"tokens\"}");
    cmd->add_option("file", args->file, "Conversation file (JSON)")->required();
    cmd->add_option("--vocab", args->vocab,
                    "o200k_base.json of npm tiktoken@1.0.22 (default: the compiled-in path "
                    "or $HP_VOCAB)");
    cmd->add_flag("--check", args->check,
                  "Also compare with the file's expected_text/expected_tokens; exit 1 if "
                  "they differ");
    cmd->callback([args, &run] { run = [args] { return run_render(*args); }; });
}

} // namespace hp::cli
