// replay/fixture.hpp: a regression fixture from one recorded exchange (issue 7 item 6).
//
// A fixture is a folder tests/fixtures/NAME/ with capture.jsonl (the exchange's records) and
// README.md (one line: what it guards). The records are normalized so the file is stable and
// small and says nothing about the machine it came from: session NAME, exchange 0, t_ns = seq,
// wall clock and connection zeroed, headers reduced to Content-Type (credentials were never
// there: capture/FORMAT.md), generated ids renumbered, the prompt's duplicate id list and message
// dump dropped (the ids are in upstream_request). Replay needs nothing that is removed.
#pragma once

#include "replay/exchanges.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace hp::replay {

std::vector<boost::json::object> fixture_records(exchange_records const& ex, std::string const& name);

// The README line: "NAME: WHAT (from SOURCE, session S exchange N)".
std::string fixture_readme(std::string const& name, std::string const& what, std::string const& source,
                           exchange_records const& ex);

} // namespace hp::replay
