// translate/responses_json_reader.cpp: see responses_json_reader.hpp.
#include "translate/responses_json_reader.hpp"

#include <cmath>
#include <limits>

namespace hp::translate::responses {

namespace json = boost::json;

std::string member_path(std::string_view parent, std::string_view key)
{
    if (parent.empty()) return std::string(key);
    std::string p(parent);
    p += '.';
    p += key;
    return p;
}

std::string element_path(std::string_view parent, std::size_t index)
{
    std::string p(parent);
    p += '[';
    p += std::to_string(index);
    p += ']';
    return p;
}

void json_reader::fail(request_errc code, std::string const& path, std::string_view what)
{
    if (error_) return;
    std::string message = path.empty() ? std::string("request body") : path;
    message += ": ";
    message += what;
    error_ = request_error{code, path, std::move(message)};
}

json::value const* json_reader::member(json::object const& o, std::string_view key) noexcept
{
    auto const* v = o.if_contains(key);
    if (!v || v->is_null()) return nullptr;
    return v;
}

std::optional<std::string> json_reader::opt_string(json::object const& o, std::string_view key,
                                                   std::string_view parent)
{
    if (failed()) return std::nullopt;
    auto const* v = member(o, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        fail(request_errc::wrong_type, member_path(parent, key), "expected a string");
        return std::nullopt;
    }
    return std::string(v->get_string());
}

std::optional<bool> json_reader::opt_bool(json::object const& o, std::string_view key,
                                          std::string_view parent)
{
    if (failed()) return std::nullopt;
    auto const* v = member(o, key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
        fail(request_errc::wrong_type, member_path(parent, key), "expected a boolean");
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<double> json_reader::opt_number(json::object const& o, std::string_view key,
                                              std::string_view parent)
{
    if (failed()) return std::nullopt;
    auto const* v = member(o, key);
    if (!v) return std::nullopt;
    if (v->is_double()) return v->get_double();
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    fail(request_errc::wrong_type, member_path(parent, key), "expected a number");
    return std::nullopt;
}

std::optional<std::int64_t> json_reader::opt_integer(json::object const& o, std::string_view key,
                                                     std::string_view parent)
{
    if (failed()) return std::nullopt;
    auto const* v = member(o, key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) {
        // Larger than any token budget; clamp rather than wrap.
        return v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                   ? std::numeric_limits<std::int64_t>::max()
                   : static_cast<std::int64_t>(v->get_uint64());
    }
    // 100.0 is an integer to a JavaScript client.
    if (v->is_double()) {
        double d = v->get_double();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
            return static_cast<std::int64_t>(d);
    }
    fail(request_errc::wrong_type, member_path(parent, key), "expected an integer");
    return std::nullopt;
}

json::object const* json_reader::opt_object(json::object const& o, std::string_view key,
                                            std::string_view parent)
{
    if (failed()) return nullptr;
    auto const* v = member(o, key);
    if (!v) return nullptr;
    if (!v->is_object()) {
        fail(request_errc::wrong_type, member_path(parent, key), "expected an object");
        return nullptr;
    }
    return &v->get_object();
}

json::array const* json_reader::opt_array(json::object const& o, std::string_view key,
                                          std::string_view parent)
{
    if (failed()) return nullptr;
    auto const* v = member(o, key);
    if (!v) return nullptr;
    if (!v->is_array()) {
        fail(request_errc::wrong_type, member_path(parent, key), "expected an array");
        return nullptr;
    }
    return &v->get_array();
}

std::string json_reader::req_string(json::object const& o, std::string_view key, std::string_view parent)
{
    if (failed()) return {};
    if (!member(o, key)) {
        fail(request_errc::missing_field, member_path(parent, key), "required");
        return {};
    }
    return opt_string(o, key, parent).value_or(std::string());
}

json::object const* json_reader::as_object(json::value const& v, std::string const& path)
{
    if (failed()) return nullptr;
    if (!v.is_object()) {
        fail(request_errc::wrong_type, path, "expected an object");
        return nullptr;
    }
    return &v.get_object();
}

} // namespace hp::translate::responses
