// `harmony-proxy harmony ...`: debugging tools for the harmony core, for people and scripts.
#include "tools/cli/commands.hpp"

namespace hp::cli {

void add_harmony(CLI::App& app, run_fn& run)
{
    auto* harmony = app.add_subcommand("harmony", "Tokenizer and renderer tools");
    harmony->require_subcommand(1);
    add_harmony_tokenize(*harmony, run);
    add_harmony_render(*harmony, run);
    add_harmony_grammar(*harmony, run);
}

} // namespace hp::cli
