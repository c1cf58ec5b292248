// replay/exchanges.hpp: a capture's records grouped into exchanges, and the normalization that
// makes two runs of the same exchange comparable (ids and clock values are not part of the
// translation, so they are mapped away before comparing).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hp::replay {

// The records of one (session, exchange), in `seq` order.
struct exchange_records
{
    std::string session;
    std::uint64_t exchange = 0;
    std::vector<boost::json::object> records;

    // The first record of `kind`, or nullptr.
    boost::json::object const* first(std::string_view kind) const;
    // Every record of `kind`, in order.
    std::vector<boost::json::object const*> all(std::string_view kind) const;
};

// Groups records by (session, exchange) in order of first appearance. Records without those
// envelope fields (capture_gap carries them too) are left out.
std::vector<exchange_records> group_exchanges(std::vector<boost::json::object> const& records);

// True for an exchange the Responses service answered: it has a harmony_prompt record, which only
// POST /v1/responses writes.
bool is_responses_exchange(exchange_records const& ex);

// Rewrites `v` in place so that runs differing only in generated ids and clocks compare equal:
// every string that is a whole id "<prefix>_<alnum>" with prefix resp, msg, rs, fc, ctc or call
// becomes "<prefix>_<n>", n counting distinct ids in order of first appearance (`map` carries the
// numbering across calls, one map per side); the values of created_at and completed_at become 0.
class id_normalizer
{
public:
    void apply(boost::json::value& v);

private:
    std::string map_id(std::string const& id, std::string_view prefix);
    std::vector<std::pair<std::string, std::string>> seen_; // original -> normalized, few per exchange
};

// The first place where `a` and `b` differ, as a JSON path (".output[0].id", "[3]") with both
// values, or nullopt when equal.
struct json_difference
{
    std::string path;
    std::string recorded;
    std::string replayed;
};
std::optional<json_difference> first_difference(boost::json::value const& recorded, boost::json::value const& replayed);

} // namespace hp::replay
