// tests/unit/check: helpers shared by the synthetic and the real-capture tests of replay/check.
#pragma once

#include "replay/check.hpp"
#include "translate/special_tokens.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace hp::replay::test {

namespace json = boost::json;
namespace sp = translate::special;
using ids = std::vector<std::int64_t>;

inline json::array to_array(ids const& v)
{
    json::array a;
    for (auto id : v) a.push_back(id);
    return a;
}

inline ids concat(std::initializer_list<ids> parts)
{
    ids out;
    for (auto const& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string dump(check_report const& r)
{
    std::string out;
    for (auto const& f : r.findings) out += format_finding(f) + "\n";
    return out;
}

// The real o200k vocabulary, loaded once (the setup script installs it).
inline translate::tokenizer const& vocab()
{
    static auto const tok = [] {
        auto t = translate::tokenizer::load(translate::tokenizer::default_path());
        if (!t) throw std::runtime_error(t.error().message);
        return std::move(*t);
    }();
    return tok;
}

} // namespace hp::replay::test
