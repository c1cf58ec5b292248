// translate/responses_json_reader.hpp: typed reads from Boost.JSON values with JSON-path error messages, for
// the Responses request parser.
//
// The reader keeps the FIRST error and turns every later read into a no-op returning an empty
// value, so a parser reads fields one after another without checking after each, and checks
// failed() once per item. Conventions (the Responses API as Codex uses it): an explicit `null` is
// the same as an absent field; a wrong type is an error "PATH: expected TYPE".
#pragma once

#include "translate/responses_request.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hp::translate::responses {

std::string member_path(std::string_view parent, std::string_view key);
std::string element_path(std::string_view parent, std::size_t index);

class json_reader
{
public:
    bool failed() const noexcept { return error_.has_value(); }
    request_error const& error() const noexcept { return *error_; }

    // Records `code` at `path` unless an error is already recorded. `what` follows "PATH: ".
    void fail(request_errc code, std::string const& path, std::string_view what);

    // The member, or nullptr when absent or null.
    static boost::json::value const* member(boost::json::object const& o, std::string_view key) noexcept;

    // Optional fields: nullopt / nullptr when absent or null (or after an error).
    std::optional<std::string> opt_string(boost::json::object const& o, std::string_view key,
                                          std::string_view parent);
    std::optional<bool> opt_bool(boost::json::object const& o, std::string_view key, std::string_view parent);
    std::optional<double> opt_number(boost::json::object const& o, std::string_view key,
                                     std::string_view parent);
    std::optional<std::int64_t> opt_integer(boost::json::object const& o, std::string_view key,
                                            std::string_view parent);
    boost::json::object const* opt_object(boost::json::object const& o, std::string_view key,
                                          std::string_view parent);
    boost::json::array const* opt_array(boost::json::object const& o, std::string_view key,
                                        std::string_view parent);

    // Required fields: absent or null is missing_field ("PATH: required").
    std::string req_string(boost::json::object const& o, std::string_view key, std::string_view parent);

    // The value as an object, or nullptr and a wrong_type error at `path`.
    boost::json::object const* as_object(boost::json::value const& v, std::string const& path);

private:
    std::optional<request_error> error_;
};

} // namespace hp::translate::responses
