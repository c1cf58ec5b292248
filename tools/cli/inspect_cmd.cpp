// `harmony-proxy inspect PATH`: one line per exchange of a capture file or directory.
#include "tools/cli/commands.hpp"

#include "capture/reader.hpp"
#include "capture/summary.hpp"

#include <iostream>
#include <memory>

namespace hp::cli {

void add_inspect(CLI::App& app, run_fn& run)
{
    auto path = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("inspect", "List the exchanges of a capture file or directory");
    cmd->add_option("PATH", *path, "A capture .jsonl file or a capture directory")->required();
    cmd->callback([&run, path] {
        run = [path] {
            auto result = capture::read_capture(*path);
            for (auto const& p : result.problems) std::cerr << "inspect: " << p << '\n';
            auto exchanges = capture::summarize(result.records);
            std::cout << capture::summary_header() << '\n';
            for (auto const& e : exchanges) std::cout << capture::format_summary(e) << '\n';
            // Unreadable input is an error; a torn tail is expected after a crash and only reported.
            bool unreadable = result.records.empty() && !result.problems.empty() && !result.torn_tail;
            return unreadable ? 1 : 0;
        };
    });
}

} // namespace hp::cli
