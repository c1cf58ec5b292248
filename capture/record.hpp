// capture/record.hpp: the capture record format (documented in capture/FORMAT.md).
//
// A capture is one append-only file of JSON lines per session. Every line is one self-describing
// record: {"v":1,"kind":"...","session":"...","exchange":N,"seq":N,"t_ns":N,...}. Kinds are plain
// strings so later layers add their own without touching this library; a reader passes unknown
// kinds through unchanged.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hp::capture {

inline constexpr int format_version = 1;

// The record kinds this library and the proxy's network layer write. Other layers add theirs.
namespace kind {
inline constexpr std::string_view client_request = "client_request";
inline constexpr std::string_view upstream_request = "upstream_request";
inline constexpr std::string_view upstream_response_head = "upstream_response_head";
inline constexpr std::string_view upstream_chunk = "upstream_chunk";
inline constexpr std::string_view client_response_head = "client_response_head";
inline constexpr std::string_view client_chunk = "client_chunk";
inline constexpr std::string_view exchange_end = "exchange_end";
inline constexpr std::string_view capture_gap = "capture_gap";   // records lost before this one
inline constexpr std::string_view capture_error = "capture_error"; // the sink failed to write
} // namespace kind

using header_list = std::vector<std::pair<std::string, std::string>>;

// Nanoseconds on the monotonic clock: timestamps within one process are comparable; wall-clock
// time is recorded once per exchange in client_request.
inline std::int64_t monotonic_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Starts a record with the common envelope.
boost::json::object make_record(std::string_view kind, std::string_view session, std::uint64_t exchange,
                                std::uint64_t seq, std::int64_t t_ns);

// Stores bytes under `key` as a JSON string when they are valid UTF-8, else base64 under
// `key + "_b64"`. Either way the exact bytes come back through load_bytes.
void store_bytes(boost::json::object& rec, std::string_view key, std::string_view bytes);
std::string load_bytes(boost::json::object const& rec, std::string_view key);

// Headers as [[name, value], ...] in wire order, credentials already redacted by the caller.
boost::json::array headers_to_json(header_list const& headers);
header_list headers_from_json(boost::json::value const& v);

// "Authorization", "X-Api-Key", "Cookie", "Proxy-Authorization" (any case): their values must never
// reach disk.
bool is_credential_header(std::string_view name);
inline constexpr std::string_view redacted_value = "[redacted]";

std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);
bool is_valid_utf8(std::string_view bytes);

} // namespace hp::capture
