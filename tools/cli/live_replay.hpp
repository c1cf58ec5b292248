// tools/cli/live_replay.hpp: `harmony-proxy replay CAPTURE --upstream URL`: the recorded client
// requests sent again, in their recorded order, through the current translation (an in-process
// proxy configured as the recorded one was) to a real llama-server, recording a new capture
// beside the old one for `diff`.
#pragma once

#include <filesystem>
#include <string>

namespace hp::cli {

struct live_replay_args
{
    std::filesystem::path capture;
    std::string upstream;         // llama-server's base URL
    std::filesystem::path out;    // the new capture (default: CAPTURE.live beside it)
    std::filesystem::path vocab;  // empty: the default
    std::string session;          // only this session (empty: all)
};

// Exit status: 0 every request answered 200, 1 some did not, 2 bad input.
int run_live_replay(live_replay_args const& args);

} // namespace hp::cli
