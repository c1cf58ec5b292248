// tools/fake_llama/options.hpp: what the scripted llama-server pretends to be (its command line).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace hp::tools::fake_llama {

struct server_options
{
    std::string address = "127.0.0.1";
    unsigned short port = 0;  // 0: any free port; read it back with fake_llama_server::port()
    std::size_t n_ctx = 4096; // per-slot context (/props default_generation_settings.n_ctx)
    std::size_t slots = 1;    // total_slots, -np
    std::string model_path = "/models/fake-gpt-oss-20b.gguf";
    std::string build_info = "b1-fake";
    // Every route answers 503 "Loading model" for this long after start.
    std::chrono::milliseconds loading{0};
    // The real server's lost-token-id behaviour on split UTF-8 characters; off sends a chunk with
    // content "" for each such token instead.
    bool lose_split_utf8 = true;
    // Reject a grammar without a root rule, as llama-server's GBNF parser does.
    bool check_grammar = true;
    // The vocabulary's add_bos_token: a BOS before string prompts on /completion and on
    // /tokenize with add_special.
    bool add_bos = false;
    // Deadline for reading one request, and for each write.
    std::chrono::milliseconds io_timeout{30'000};
};

} // namespace hp::tools::fake_llama
