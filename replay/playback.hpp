// replay/playback.hpp: answering Responses requests from a capture (`serve --playback`), sans-io.
//
// Requests are matched by order within their session: the k-th request of a session gets the
// k-th recorded Responses exchange of that session, when its body equals the recorded one (as
// JSON). What does not match is answered with the nearest recorded request and where it differs.
// Thread-safe (the proxy's sessions run on several threads).
#pragma once

#include "capture/reader.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hp::replay {

struct recorded_answer
{
    std::string session;
    std::uint64_t exchange = 0;
    unsigned status = 0;
    bool stream = false;
    // Streaming: each event with its time after the request arrived, in nanoseconds.
    std::vector<std::pair<std::int64_t, boost::json::object>> events;
    std::string body; // non-streaming or an error: the answer's body
    std::string request_body;
};

struct playback_mismatch
{
    std::string message; // names the nearest recorded request and the first difference
};

class playback_script
{
public:
    explicit playback_script(capture::read_result const& capture);

    std::size_t size() const { return answers_.size(); }

    // The recorded answer for the next request of `session` with this body (the cursor advances),
    // or why none matches.
    std::variant<recorded_answer const*, playback_mismatch> match(std::string const& session, std::string_view body);

private:
    std::vector<recorded_answer> answers_;                         // in capture order
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_session; // indexes into answers_
    std::mutex mutex_;
    std::map<std::string, std::size_t, std::less<>> cursor_; // guarded by mutex_
};

} // namespace hp::replay
