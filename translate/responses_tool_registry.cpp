// translate/responses_tool_registry.cpp: harmony recipient <-> Responses tool (responses_request.hpp).
#include "translate/responses_request.hpp"

#include "translate/responses_json_reader.hpp"

#include <utility>

namespace hp::translate::responses {

std::string recipient_for(std::string_view name, std::optional<std::string_view> ns)
{
    std::string r(ns ? *ns : std::string_view("functions"));
    r += '.';
    r += name;
    return r;
}

boost::system::result<tool_registry, request_error> tool_registry::build(std::span<tool const> tools)
{
    tool_registry reg;
    // Recipients are unique: the model addresses a tool by recipient only.
    auto add = [&](registered_tool t) -> bool {
        if (reg.find(t.recipient)) return false;
        reg.tools_.push_back(std::move(t));
        return true;
    };
    auto duplicate = [](std::string const& path, std::string const& recipient) {
        return request_error{request_errc::duplicate_tool, path,
                             path + ": a tool named \"" + recipient + "\" is already declared"};
    };
    for (std::size_t i = 0; i < tools.size(); ++i) {
        std::string const path = element_path("tools", i);
        if (auto const* f = std::get_if<function_tool>(&tools[i])) {
            registered_tool t{tool_kind::function,
                              recipient_for(f->name, std::nullopt),
                              f->name,
                              std::nullopt,
                              f->description,
                              f->parameters,
                              std::nullopt};
            std::string const rec = t.recipient;
            if (!add(std::move(t))) return duplicate(path, rec);
        } else if (auto const* c = std::get_if<custom_tool>(&tools[i])) {
            registered_tool t{tool_kind::custom, recipient_for(c->name, std::nullopt),
                              c->name,           std::nullopt,
                              c->description,    std::nullopt,
                              c->format};
            std::string const rec = t.recipient;
            if (!add(std::move(t))) return duplicate(path, rec);
        } else if (auto const* ns = std::get_if<namespace_tool>(&tools[i])) {
            for (std::size_t j = 0; j < ns->tools.size(); ++j) {
                auto const& f = ns->tools[j];
                std::string const p = element_path(member_path(path, "tools"), j);
                registered_tool t{tool_kind::namespace_function,
                                  recipient_for(f.name, ns->name),
                                  f.name,
                                  ns->name,
                                  f.description,
                                  f.parameters,
                                  std::nullopt};
                std::string const rec = t.recipient;
                if (!add(std::move(t))) return duplicate(p, rec);
            }
        }
    }
    return reg;
}

registered_tool const* tool_registry::find(std::string_view recipient) const noexcept
{
    for (auto const& t : tools_)
        if (t.recipient == recipient) return &t;
    return nullptr;
}

registered_tool const* tool_registry::find(std::string_view name,
                                           std::optional<std::string_view> ns) const noexcept
{
    for (auto const& t : tools_) {
        if (t.name != name) continue;
        if (ns ? (t.ns && *t.ns == *ns) : !t.ns) return &t;
    }
    return nullptr;
}

} // namespace hp::translate::responses
