// harmony-proxy: the command-line entry point.
#include "tools/cli/commands.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"harmony-proxy: the OpenAI Responses API for Codex on gpt-oss via llama-server"};
    app.require_subcommand(1);
    hp::cli::run_fn run;
    hp::cli::add_serve(app, run);
    hp::cli::add_inspect(app, run);
    hp::cli::add_harmony(app, run);
    hp::cli::add_codex_config(app, run);
    hp::cli::add_replay(app, run);
    hp::cli::add_fixture(app, run);
    hp::cli::add_check(app, run);
    hp::cli::add_diff(app, run);
    CLI11_PARSE(app, argc, argv);
    try {
        return run ? run() : 2;
    } catch (std::exception const& e) {
        std::cerr << "harmony-proxy: " << e.what() << '\n';
        return 1;
    }
}
