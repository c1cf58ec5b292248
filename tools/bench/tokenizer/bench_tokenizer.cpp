// bench-tokenizer: MB/s of hp::translate::tokenizer::encode on English prose, C++ (and optionally
// PHP) source and CJK text, against tiktoken@1.0.22's WebAssembly build measured in the same run
// through Node, plus the time to encode a ~400 KB Codex-like conversation. Prints numbers; not a test.
//
//   build/bench-tokenizer [--vocab PATH] [--php DIR] [--no-node] [--seconds S]
#include "translate/tokenizer.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <time.h>

namespace fs = std::filesystem;
using hp::translate::tokenizer;

namespace {

std::string read_file(fs::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Concatenates files under `dir` with one of `exts`, sorted by path, until `limit` bytes.
std::string concat_tree(fs::path const& dir, std::vector<std::string> const& exts, std::size_t limit)
{
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         ++it)
        if (it->is_regular_file() &&
            std::find(exts.begin(), exts.end(), it->path().extension()) != exts.end())
            files.push_back(it->path());
    std::sort(files.begin(), files.end());
    std::string out;
    for (auto const& f : files) {
        if (out.size() >= limit) break;
        out += read_file(f);
    }
    return out.substr(0, std::min(out.size(), limit));
}

std::string repeat_to(std::string const& s, std::size_t size)
{
    std::string out;
    while (!s.empty() && out.size() < size)
        out += s;
    return out;
}

// CJK lines of the golden corpus (the "scripts" category holding Han, kana or Hangul).
std::string cjk_text()
{
    std::istringstream in(read_file(fs::path(HP_BENCH_SHARED_DIR) / "harmony-golden/tokenizer/corpus.jsonl"));
    std::string line, text;
    while (std::getline(in, line)) {
        auto const doc = boost::json::parse(line).as_object();
        std::string const t(doc.at("text").as_string());
        bool cjk = false;
        for (std::size_t i = 0; i + 2 < t.size(); ++i) {
            auto const b = static_cast<unsigned char>(t[i]);
            if (b >= 0xE3 && b <= 0xED) cjk = true; // U+3000..U+DFFF: kana, Han, Hangul
        }
        if (cjk) text += t + "\n";
    }
    return text;
}

// A Codex session as the proxy renders it: instructions, user turns, reasoning, shell calls and
// their (long) outputs, patches. Built from the other inputs, deterministically.
std::string codex_conversation(std::string const& prose, std::string const& source, std::size_t size)
{
    std::string instructions;
    try {
        auto const doc = boost::json::parse(read_file(fs::path(HP_BENCH_SHARED_DIR) / "codex/catalog.json"));
        instructions = std::string(doc.at("models").at(0).at("base_instructions").as_string());
    } catch (std::exception const&) {
        instructions = prose.substr(0, 20000);
    }
    std::string out =
        "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
        "Knowledge cutoff: 2024-06\n\nReasoning: high\n\n# Valid channels: analysis, commentary, final."
        "<|end|><|start|>developer<|message|># Instructions\n\n" +
        instructions + "<|end|>";
    std::size_t s = 0, p = 0;
    for (int turn = 0; out.size() < size; ++turn) {
        out += "<|start|>user<|message|>" + prose.substr(p % prose.size(), 600) + "<|end|>";
        out += "<|start|>assistant<|channel|>analysis<|message|>" +
               prose.substr((p + 900) % prose.size(), 1200) + "<|end|>";
        out += "<|start|>assistant to=functions.shell<|channel|>commentary <|constrain|>json<|message|>"
               "{\"command\":[\"bash\",\"-lc\",\"sed -n '1,200p' src/module_" +
               std::to_string(turn) +
               ".cpp\"],\"workdir\":\"/home/user/project\",\"timeout_ms\":10000}<|call|>";
        out += "<|start|>functions.shell to=assistant<|channel|>commentary<|message|>{\"output\":\"" +
               source.substr(s % source.size(), 6000) +
               "\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}<|end|>";
        out += "<|start|>assistant<|channel|>commentary<|message|>*** Begin Patch\n*** Update File: "
               "src/module_" +
               std::to_string(turn) + ".cpp\n@@\n-" + source.substr((s + 7000) % source.size(), 300) + "\n+" +
               source.substr((s + 9000) % source.size(), 300) + "\n*** End Patch<|end|>";
        s += 11000;
        p += 2500;
    }
    return out.substr(0, size);
}

struct measurement
{
    double mb_s;
    double ms;
    std::size_t tokens;
};

// CPU time of this thread: the machine is shared (2 cores, parallel builds), and wall time would
// measure the neighbours. tiktoken_bench.mjs measures Node's CPU time the same way.
double cpu_seconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

measurement measure(tokenizer const& tok, std::string const& text, double seconds)
{
    std::vector<hp::translate::token_id> ids;
    tok.encode(text, ids); // warm-up
    double const start = cpu_seconds();
    double elapsed = 0;
    int runs = 0;
    while (runs < 3 || elapsed < seconds) {
        ids.clear();
        tok.encode(text, ids); // appends into reserved capacity, as the renderer does
        ++runs;
        elapsed = cpu_seconds() - start;
    }
    double const each = elapsed / runs;
    return {static_cast<double>(text.size()) / 1e6 / each, each * 1e3, ids.size()};
}

} // namespace

int main(int argc, char** argv)
{
    fs::path vocab = tokenizer::default_path();
    fs::path php;
    bool node = true;
    double seconds = 1.0;
    for (int i = 1; i < argc; ++i) {
        std::string const a = argv[i];
        if (a == "--vocab" && i + 1 < argc)
            vocab = argv[++i];
        else if (a == "--php" && i + 1 < argc)
            php = argv[++i];
        else if (a == "--seconds" && i + 1 < argc)
            seconds = std::stod(argv[++i]);
        else if (a == "--no-node")
            node = false;
        else {
            std::cerr << "usage: bench-tokenizer [--vocab PATH] [--php DIR] [--no-node] [--seconds S]\n";
            return 2;
        }
    }
    auto const t0 = std::chrono::steady_clock::now();
    auto tok = tokenizer::load(vocab);
    if (!tok) {
        std::cerr << tok.error().message << '\n';
        return 1;
    }
    double const load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    std::string const prose = read_file("/usr/share/common-licenses/GPL-3");
    std::string const cpp = concat_tree("/usr/include/c++/12/bits", {".h", ".tcc"}, 2'000'000);
    std::vector<std::pair<std::string, std::string>> inputs{
        {"english_prose", repeat_to(prose, 1'000'000)},
        {"cpp_source", cpp},
        {"cjk_text", repeat_to(cjk_text(), 1'000'000)},
    };
    if (!php.empty()) inputs.emplace_back("php_source", concat_tree(php, {".php"}, 2'000'000));
    inputs.emplace_back("codex_conversation_400k", codex_conversation(prose, cpp, 400'000));

    fs::path const dir = fs::temp_directory_path() / "hp-bench-tokenizer";
    fs::create_directories(dir);
    std::string node_args;
    for (auto const& [name, text] : inputs) {
        std::ofstream(dir / (name + ".txt"), std::ios::binary) << text;
        node_args += " " + name + "=" + (dir / (name + ".txt")).string();
    }

    boost::json::object wasm;
    if (node) {
        std::string const cmd =
            std::string("node ") + HP_BENCH_SCRIPT + " " + HP_BENCH_NODE_MODULES + node_args;
        if (FILE* f = ::popen(cmd.c_str(), "r")) {
            std::string out;
            char buf[4096];
            while (std::size_t n = std::fread(buf, 1, sizeof buf, f))
                out.append(buf, n);
            if (::pclose(f) == 0) {
                boost::system::error_code ec;
                auto v = boost::json::parse(out, ec);
                if (!ec && v.is_object()) wasm = v.as_object();
            }
        }
        if (wasm.empty())
            std::cerr << "tiktoken WASM measurement failed (node, " << HP_BENCH_NODE_MODULES << ")\n";
    }

    std::printf("vocabulary load: %.1f ms (wall)\nthroughput in MB/s of CPU time, one thread\n", load_ms);
    std::printf("%-26s %9s %10s %11s %12s %8s %s\n", "input", "bytes", "tokens", "C++ MB/s", "tiktoken MB/s",
                "ratio", "ids equal");
    for (auto const& [name, text] : inputs) {
        measurement const m = measure(*tok, text, seconds);
        if (auto const* w = wasm.if_contains(name)) {
            double const wm = w->at("mb_s").to_number<double>();
            bool const same = w->at("tokens").to_number<std::size_t>() == m.tokens;
            std::printf("%-26s %9zu %10zu %11.1f %12.2f %7.1fx %s\n", name.c_str(), text.size(), m.tokens,
                        m.mb_s, wm, m.mb_s / wm, same ? "count" : "COUNT DIFFERS");
        } else {
            std::printf("%-26s %9zu %10zu %11.1f %12s %8s\n", name.c_str(), text.size(), m.tokens, m.mb_s,
                        "-", "-");
        }
        if (name.starts_with("codex")) {
            double const wms = wasm.if_contains(name) ? wasm.at(name).at("ms").to_number<double>() : 0.0;
            std::printf("  codex conversation: %.2f ms C++ (target < 10 ms)%s\n", m.ms,
                        wms > 0 ? (", " + std::to_string(wms) + " ms tiktoken WASM").c_str() : "");
        }
    }
    fs::remove_all(dir);
    return 0;
}
