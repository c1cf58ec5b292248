// tools/cli/commands.hpp: the harmony-proxy subcommands. Each add_* registers one subcommand on
// the CLI11 app and, when that subcommand is the one chosen, sets `run` to its action, which
// returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace hp::cli {

using run_fn = std::function<int()>;

void add_serve(CLI::App& app, run_fn& run);
void add_inspect(CLI::App& app, run_fn& run);
void add_harmony(CLI::App& app, run_fn& run);
void add_codex_config(CLI::App& app, run_fn& run);
void add_replay(CLI::App& app, run_fn& run);  // replay CAPTURE: offline replay
void add_fixture(CLI::App& app, run_fn& run); // fixture CAPTURE --exchange N --out DIR
void add_check(CLI::App& app, run_fn& run);
void add_diff(CLI::App& app, run_fn& run); // diff A B [--html FILE]

// `harmony` subcommands, each in its own file.
void add_harmony_tokenize(CLI::App& harmony, run_fn& run); // tokenize, detokenize
void add_harmony_render(CLI::App& harmony, run_fn& run);   // render FILE.json
void add_harmony_grammar(CLI::App& harmony, run_fn& run);  // grammar --tools FILE --tool NAME

} // namespace hp::cli
