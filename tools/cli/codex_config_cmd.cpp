// `harmony-proxy codex-config`: a Codex config.toml and model catalog for this proxy, with the
// context window read from the upstream's /props. One copy-paste away from a working Codex.
#include "tools/cli/commands.hpp"

#include "proxy/options.hpp"
#include "proxy/upstream_probe.hpp"

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace hp::cli {

namespace {

struct codex_config_args
{
    std::string proxy_url = "http://127.0.0.1:8000";
    std::string upstream = "http://127.0.0.1:8080";
    std::string model = "gpt-oss-120b";
    std::string catalog = "harmony-proxy-catalog.json";
    std::string effort = "high";
    std::int64_t context_window = 0; // 0: ask the upstream
};

boost::json::object catalog_json(codex_config_args const& a, std::int64_t window)
{
    boost::json::array levels;
    for (auto e : {"low", "medium", "high"}) levels.push_back({{"effort", e}, {"description", e}});
    boost::json::object model{
        {"slug", a.model},
        {"display_name", a.model},
        {"supported_reasoning_levels", levels},
        {"default_reasoning_level", a.effort},
        {"shell_type", "unified_exec"},
        {"visibility", "list"},
        {"supported_in_api", true},
        {"priority", 1},
        {"support_verbosity", false},
        {"truncation_policy", {{"mode", "bytes"}, {"limit", 10000}}},
        {"experimental_supported_tools", boost::json::array{}},
        // Without "freeform" Codex declares no apply_patch tool at all (notes/codex.md).
        {"apply_patch_tool_type", "freeform"},
        {"context_window", window},
        {"max_context_window", window},
        {"input_modalities", boost::json::array{"text"}},
    };
    return {{"models", boost::json::array{model}}};
}

int run_codex_config(codex_config_args const& a)
{
    auto window = a.context_window;
    if (window <= 0) {
        auto target = proxy::parse_upstream_url(a.upstream);
        if (!target) {
            std::cerr << "codex-config: " << target.error() << '\n';
            return 2;
        }
        auto props = proxy::fetch_props(*target, std::chrono::seconds(10));
        if (!props) {
            std::cerr << "codex-config: " << props.error()
                      << "\n(start llama-server first, or pass --context-window)\n";
            return 1;
        }
        window = props->n_ctx;
    }
    auto catalog_path = std::filesystem::absolute(a.catalog);
    {
        std::ofstream out(catalog_path);
        out << boost::json::serialize(catalog_json(a, window)) << '\n';
        if (!out) {
            std::cerr << "codex-config: cannot write " << catalog_path << '\n';
            return 1;
        }
    }
    auto base = a.proxy_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::cout << "# Codex config for harmony-proxy; put it in $CODEX_HOME/config.toml (default ~/.codex).\n"
              << "# Model catalog written to " << catalog_path.string() << "\n"
              << "model = \"" << a.model << "\"\n"
              << "model_provider = \"harmony\"\n"
              << "model_catalog_json = \"" << catalog_path.string() << "\"\n"
              << "model_context_window = " << window << "\n"
              << "model_reasoning_effort = \"" << a.effort << "\"\n"
              << "model_reasoning_summary = \"auto\"\n"
              << "check_for_update_on_startup = false\n"
              << "web_search = \"disabled\"\n\n"
              << "[model_providers.harmony]\n"
              << "name = \"harmony-proxy\"\n"
              << "base_url = \"" << base << "/v1\"\n"
              << "wire_api = \"responses\"\n"
              << "# Long prefills on CPU: the proxy sends keep-alive events well inside this.\n"
              << "stream_idle_timeout_ms = 600000\n";
    return 0;
}

} // namespace

void add_codex_config(CLI::App& app, run_fn& run)
{
    auto a = std::make_shared<codex_config_args>();
    auto* cmd = app.add_subcommand("codex-config", "Print a Codex config.toml and write a model catalog for this proxy");
    cmd->add_option("--proxy", a->proxy_url, "The proxy's URL as Codex will reach it")->capture_default_str();
    cmd->add_option("--upstream", a->upstream, "llama-server URL, asked for the context window")->capture_default_str();
    cmd->add_option("--model", a->model, "Model slug Codex will use")->capture_default_str();
    cmd->add_option("--catalog", a->catalog, "Where to write the model catalog JSON")->capture_default_str();
    cmd->add_option("--reasoning-effort", a->effort, "Default reasoning effort")
        ->capture_default_str()
        ->check(CLI::IsMember({"low", "medium", "high"}));
    cmd->add_option("--context-window", a->context_window, "Tokens; skips asking the upstream");
    cmd->callback([&run, a] { run = [a] { return run_codex_config(*a); }; });
}

} // namespace hp::cli
