// proxy/exchange_recorder.hpp: the capture side of one exchange. Builds records with the common
// envelope (session, exchange number, per-exchange sequence, monotonic time) and hands them to the
// capture writer; a no-op when capture is off. Lives on the session's strand.
#pragma once

#include "capture/record.hpp"
#include "capture/writer.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace hp::proxy {

class exchange_recorder
{
public:
    exchange_recorder(capture::writer* sink, std::string session, std::uint64_t exchange)
        : sink_(sink), session_(std::move(session)), exchange_(exchange)
    {
    }

    bool enabled() const { return sink_ != nullptr; }
    std::string const& session() const { return session_; }
    std::uint64_t exchange() const { return exchange_; }

    // A record of `kind` with the envelope filled in; add fields, then submit().
    boost::json::object make(std::string_view kind) const
    {
        return capture::make_record(kind, session_, exchange_, seq_, capture::monotonic_ns());
    }
    void submit(boost::json::object record)
    {
        if (!sink_) return;
        record["seq"] = seq_++;
        sink_->submit(session_, std::move(record));
    }

private:
    capture::writer* sink_;
    std::string session_;
    std::uint64_t exchange_;
    std::uint64_t seq_ = 0;
};

} // namespace hp::proxy
