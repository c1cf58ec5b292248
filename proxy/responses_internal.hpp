// proxy/responses_internal.hpp: pieces shared by the Responses service's translation units
// (responses_service.cpp, responses_warmup.cpp). Not part of the proxy's interface.
#pragma once

#include "proxy/exchange_recorder.hpp"
#include "proxy/options.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <string>

namespace hp::proxy::detail {

// The most of an upstream error body (or a warm-up's answer) the proxy reads.
inline constexpr std::size_t upstream_error_body_limit = 1 << 20;

// POST /completion with `body` (a streamed answer), recorded as the exchange's upstream_request.
boost::beast::http::request<boost::beast::http::string_body>
completion_post(upstream_target const& target, std::string body, exchange_recorder& recorder);

} // namespace hp::proxy::detail
