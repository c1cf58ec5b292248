// `harmony-proxy harmony grammar --tools FILE|- --tool NAME [--custom-tools raw|json] [--check]`:
// prints the GBNF the proxy sends to llama-server for one tool's arguments. FILE holds a Responses
// `tools` array, or a whole Responses request with a `tools` field ("-": stdin).
// With --header after-channel|before-channel it prints the tool-call continuation grammar instead
// (every declared tool, or only --tool), as sent after the model writes "to=".
// Widenings (unsupported schema keywords, ...) are listed on stderr as warnings.
// --check parses the printed grammar with the converter's validator (llama.cpp's rules: syntax,
// undefined rules, root, left recursion, repetition bounds) and exits 1 if it fails.
#include "tools/cli/commands.hpp"

#include "translate/tool_call_grammar.hpp"

#include <boost/json/parse.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

namespace hp::cli {
namespace {

struct grammar_args
{
    std::string tools_file;
    std::string tool;
    std::string custom_tools = "raw";
    std::string header;
    bool check = false;
};

int run_grammar(grammar_args const& args)
{
    namespace tr = hp::translate;
    std::ostringstream text;
    if (args.tools_file == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(args.tools_file, std::ios::binary);
        if (!in) {
            std::cerr << "harmony grammar: cannot open " << args.tools_file << '\n';
            return 1;
        }
        text << in.rdbuf();
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(text.str(), ec);
    if (ec) {
        std::cerr << "harmony grammar: " << args.tools_file << ": not JSON: " << ec.message() << '\n';
        return 1;
    }
    if (doc.is_object() && doc.get_object().contains("tools")) doc = doc.get_object().at("tools");
    auto tools = tr::tools_from_responses(doc);
    if (!tools) {
        std::cerr << "harmony grammar: " << tools.error().message << '\n';
        return 1;
    }
    std::vector<tr::tool_grammar_source> chosen;
    for (auto const& t : *tools)
        if (args.tool.empty() || t.name == args.tool || t.recipient == args.tool) chosen.push_back(t);
    if (chosen.empty()) {
        std::cerr << "harmony grammar: no callable tool named '" << args.tool << "'\n";
        return 1;
    }
    bool const json_style = args.custom_tools == "json";
    tr::grammar_result<tr::tool_grammar> g = tr::grammar_error{"unreachable"};
    if (!args.header.empty()) {
        auto const position = args.header == "before-channel" ? tr::header_position::before_channel
                                                              : tr::header_position::after_channel;
        g = tr::tool_call_grammar(chosen, json_style, position);
    } else if (chosen.size() != 1) {
        std::cerr << "harmony grammar: --tool NAME is required (or --header for the whole call)\n";
        return 1;
    } else {
        g = tr::arguments_grammar(chosen.front(), json_style);
    }
    if (!g) {
        std::cerr << "harmony grammar: " << g.error().message << '\n';
        return 1;
    }
    for (auto const& d : g->diagnostics)
        std::cerr << "harmony grammar: warning: " << d.where << ": " << d.message << '\n';
    std::cout << g->gbnf;
    if (!args.check) return 0;
    auto parsed = tr::parse_gbnf(g->gbnf);
    if (!parsed) {
        std::cerr << "harmony grammar: check failed: " << parsed.error().message << '\n';
        return 1;
    }
    std::cerr << "harmony grammar: check ok (" << parsed->rules.size() << " rules)\n";
    return 0;
}

} // namespace

void add_harmony_grammar(CLI::App& harmony, run_fn& run)
{
    auto args = std::make_shared<grammar_args>();
    auto* cmd =
        harmony.add_subcommand("grammar", "Print the GBNF sent to llama-server for a tool's arguments");
    cmd->add_option("--tools", args->tools_file, "Responses tools array or request (JSON file, - for stdin)")
        ->required();
    cmd->add_option("--tool", args->tool, "Tool name (exec_command) or recipient (functions.exec_command)");
    cmd->add_option("--custom-tools", args->custom_tools,
                    "Custom tool input style: raw or json (default raw)")
        ->check(CLI::IsMember({"raw", "json"}));
    cmd->add_option("--header", args->header,
                    "Print the tool-call continuation grammar after \"to=\": after-channel or before-channel")
        ->check(CLI::IsMember({"after-channel", "before-channel"}));
    cmd->add_flag("--check", args->check, "Validate the grammar as llama.cpp would; exit 1 if it fails");
    cmd->callback([args, &run] { run = [args] { return run_grammar(*args); }; });
}

} // namespace hp::cli
