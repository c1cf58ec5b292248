// translate/responses_events.cpp: see responses_events.hpp for the event grammar and invariants.
#include "translate/responses_events.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

namespace hp::translate {

namespace json = boost::json;

namespace {

constexpr std::string_view functions_prefix = "functions.";

std::string_view prefix_of(call_kind k) noexcept
{
    return k == call_kind::custom ? "ctc" : "fc";
}

json::object output_text_part(std::string_view text)
{
    return json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}};
}

} // namespace

id_generator counting_id_generator()
{
    auto counter = std::make_shared<std::uint64_t>(0);
    return [counter](std::string_view prefix) {
        return std::string(prefix) + "_" + std::to_string((*counter)++);
    };
}

id_generator random_id_generator()
{
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine](std::string_view prefix) {
        static constexpr char hex[] = "0123456789abcdef";
        std::string id(prefix);
        id += '_';
        for (int half = 0; half < 2; ++half) {
            std::uint64_t bits = (*engine)();
            for (int i = 0; i < 16; ++i, bits >>= 4)
                id += hex[bits & 0xf];
        }
        return id;
    };
}

response_builder::response_builder(response_builder_options options) : options_(std::move(options))
{
    if (!options_.ids) options_.ids = counting_id_generator();
}

json::object response_builder::make_event(std::string_view type)
{
    json::object ev;
    ev["type"] = type;
    ev["sequence_number"] = sequence_++;
    return ev;
}

void response_builder::emit(json::object ev, std::vector<json::object>& out)
{
    out.push_back(std::move(ev));
}

json::object response_builder::response() const
{
    json::object r;
    r["id"] = options_.response_id;
    r["object"] = "response";
    r["created_at"] = options_.created_at;
    r["status"] = status_;
    r["error"] = error_;
    r["incomplete_details"] = incomplete_;
    r["model"] = options_.model;
    r["output"] = items_;
    r["parallel_tool_calls"] = true;
    r["usage"] = usage_;
    return r;
}

void response_builder::begin(std::vector<json::object>& out)
{
    if (begun_ || terminal_) return;
    begun_ = true;
    for (std::string_view type : {"response.created", "response.in_progress"}) {
        auto ev = make_event(type);
        ev["response"] = response();
        emit(std::move(ev), out);
    }
}

void response_builder::on_events(std::vector<stream_event> const& evs, std::vector<json::object>& out)
{
    for (auto const& ev : evs)
        on_event(ev, out);
}

void response_builder::on_event(stream_event const& ev, std::vector<json::object>& out)
{
    if (terminal_) return;
    begin(out);
    if (auto const* s = std::get_if<message_started>(&ev)) {
        // A held item (ended by end of stream, yet more tokens came) was whole after all. An item
        // still open would be a parser bug; the client must get a well-formed stream anyway.
        if (open_) end_item(open_->held ? "completed" : "incomplete", out);
        start_item(s->header, out);
    } else if (auto const* d = std::get_if<content_delta>(&ev)) {
        if (open_ && !open_->held) append_delta(d->text, out);
    } else if (auto const* e = std::get_if<message_ended>(&ev)) {
        count_tokens(*e);
        if (!open_) return;
        if (e->reason == end_reason::end_of_stream) {
            // No stop token: whether the message is whole (<|endoftext|>, llama-server's "eos") or
            // cut by the token limit is known only at the terminal call, which closes it.
            open_->held = true;
            return;
        }
        end_item("completed", out);
    }
}

void response_builder::count_tokens(message_ended const& ended)
{
    // Tokens consumed through this message: the stop token included when there was one.
    bool const has_stop = ended.reason == end_reason::end || ended.reason == end_reason::call ||
                          ended.reason == end_reason::return_;
    std::uint64_t const through = ended.token_index + (has_stop ? 1 : 0);
    std::uint64_t const from = last_end_index_.value_or(0);
    if (ended.msg.channel == "analysis" && through > from) reasoning_tokens_ += through - from;
    last_end_index_ = std::max<std::uint64_t>(from, through);
}

void response_builder::start_item(message_header const& header, std::vector<json::object>& out)
{
    open_item it;
    it.header = header;
    it.output_index = items_.size();
    if (header.author != role::assistant)
        warnings_.push_back("the model wrote a message as " + std::string(role_name(header.author)) +
                            "; it is returned as an assistant message");

    // A recipient makes a tool call whatever the channel: gpt-oss sometimes calls tools from the
    // analysis channel, and a call must never be shown as text. "assistant" is the recipient of
    // tool results, not a call.
    bool const is_call = header.author == role::assistant && header.recipient && !header.recipient->empty() &&
                         *header.recipient != "assistant";
    if (is_call) {
        std::string const& recipient = *header.recipient;
        std::optional<resolved_call> resolved;
        if (options_.tools) resolved = options_.tools(recipient);
        if (!resolved) {
            // Undeclared: still a call, so Codex answers "unsupported call: NAME" and the model
            // sees its mistake, rather than a turn that silently ends.
            std::string_view name = recipient;
            if (name.starts_with(functions_prefix) && name.size() > functions_prefix.size())
                name.remove_prefix(functions_prefix.size());
            resolved = resolved_call{call_kind::function, std::string(name), std::nullopt};
            warnings_.push_back("the model called `" + recipient + "`, which is not a declared tool");
        }
        it.kind = resolved->kind == call_kind::custom ? item_kind::custom_tool_call : item_kind::function_call;
        it.call = std::move(*resolved);
        it.id = options_.ids(prefix_of(it.call.kind));
        it.call_id = options_.ids("call");
        it.buffer_input = it.kind == item_kind::custom_tool_call && options_.custom_tools_json;
    } else if (header.channel == "analysis") {
        it.kind = item_kind::reasoning;
        it.id = options_.ids("rs");
    } else {
        if (header.channel != "final" && header.channel != "commentary")
            warnings_.push_back("a message on channel `" + header.channel.value_or("") +
                                "` is returned as an assistant message");
        it.kind = item_kind::message;
        it.phase = header.channel == "commentary" ? "commentary" : "final_answer";
        it.id = options_.ids("msg");
    }

    auto added = make_event("response.output_item.added");
    added["output_index"] = it.output_index;
    added["item"] = item_object(it, "in_progress", false);
    emit(std::move(added), out);
    if (it.kind == item_kind::message) {
        auto part = make_event("response.content_part.added");
        part["item_id"] = it.id;
        part["output_index"] = it.output_index;
        part["content_index"] = 0;
        part["part"] = output_text_part("");
        emit(std::move(part), out);
    }
    open_ = std::move(it);
}

void response_builder::append_delta(std::string const& text, std::vector<json::object>& out)
{
    open_item& it = *open_;
    it.text += text;
    // A json-style custom input is held back: the {"input": ...} wrapper is removed once whole.
    if (!it.buffer_input) emit_delta(it, text, out);
}

void response_builder::emit_delta(open_item const& it, std::string const& text, std::vector<json::object>& out)
{
    std::string_view type;
    switch (it.kind) {
    case item_kind::message:
        type = "response.output_text.delta";
        break;
    case item_kind::reasoning:
        type = "response.reasoning_text.delta";
        break;
    case item_kind::function_call:
        type = "response.function_call_arguments.delta";
        break;
    case item_kind::custom_tool_call:
        type = "response.custom_tool_call_input.delta";
        break;
    }
    auto ev = make_event(type);
    ev["item_id"] = it.id;
    ev["output_index"] = it.output_index;
    if (it.kind == item_kind::message || it.kind == item_kind::reasoning) ev["content_index"] = 0;
    ev["delta"] = text;
    emit(std::move(ev), out);
}

std::string response_builder::unwrap_json_input(std::string const& raw)
{
    boost::system::error_code ec;
    json::value v = json::parse(raw, ec);
    if (!ec && v.is_object()) {
        auto const& o = v.get_object();
        if (auto const* input = o.if_contains("input"); input && input->is_string() && o.size() == 1)
            return std::string(input->get_string());
    }
    warnings_.push_back("a json-style custom tool input is not {\"input\": string}; passed on as written");
    return raw;
}

void response_builder::end_item(std::string_view status, std::vector<json::object>& out)
{
    open_item it = std::move(*open_);
    open_.reset();

    if (it.buffer_input) {
        // One delta carrying the whole unwrapped input: Codex gets the raw text, byte for byte.
        it.text = unwrap_json_input(it.text);
        if (!it.text.empty()) emit_delta(it, it.text, out);
    }

    auto with_ids = [&](std::string_view type) {
        auto ev = make_event(type);
        ev["item_id"] = it.id;
        ev["output_index"] = it.output_index;
        return ev;
    };
    switch (it.kind) {
    case item_kind::message: {
        auto done = with_ids("response.output_text.done");
        done["content_index"] = 0;
        done["text"] = it.text;
        emit(std::move(done), out);
        auto part = with_ids("response.content_part.done");
        part["content_index"] = 0;
        part["part"] = output_text_part(it.text);
        emit(std::move(part), out);
        break;
    }
    case item_kind::reasoning: {
        auto done = with_ids("response.reasoning_text.done");
        done["content_index"] = 0;
        done["text"] = it.text;
        emit(std::move(done), out);
        break;
    }
    case item_kind::function_call: {
        auto done = with_ids("response.function_call_arguments.done");
        done["name"] = it.call.name;
        done["arguments"] = it.text;
        emit(std::move(done), out);
        if (status == "completed") {
            boost::system::error_code ec;
            json::parse(it.text, ec);
            if (ec) warnings_.push_back("the arguments of `" + it.call.name + "` are not valid JSON");
        }
        break;
    }
    case item_kind::custom_tool_call: {
        auto done = with_ids("response.custom_tool_call_input.done");
        done["input"] = it.text;
        emit(std::move(done), out);
        break;
    }
    }

    json::object item = item_object(it, status, true);
    auto done = make_event("response.output_item.done");
    done["output_index"] = it.output_index;
    done["item"] = item;
    emit(std::move(done), out);
    items_.push_back(std::move(item));
}

json::object response_builder::item_object(open_item const& it, std::string_view status, bool done) const
{
    json::object o;
    o["id"] = it.id;
    switch (it.kind) {
    case item_kind::message:
        o["type"] = "message";
        o["status"] = status;
        o["role"] = "assistant";
        o["content"] = done ? json::array{output_text_part(it.text)} : json::array{};
        o["phase"] = it.phase;
        break;
    case item_kind::reasoning: {
        o["type"] = "reasoning";
        o["summary"] = json::array{};
        json::array content;
        if (done) content.push_back(json::object{{"type", "reasoning_text"}, {"text", it.text}});
        o["content"] = std::move(content);
        if (done && options_.reasoning_encrypted_content) {
            // The parser's message is exactly this header and the concatenated deltas.
            message m;
            m.author = it.header.author;
            m.author_name = it.header.author_name;
            m.recipient = it.header.recipient;
            m.channel = it.header.channel;
            m.content_type = it.header.content_type;
            m.content = it.text;
            if (auto enc = options_.reasoning_encrypted_content(m)) o["encrypted_content"] = *enc;
        }
        break;
    }
    case item_kind::function_call:
        o["type"] = "function_call";
        o["status"] = status;
        o["name"] = it.call.name;
        // Codex's ResponseItem::FunctionCall carries a namespaced tool as {namespace, name}.
        if (it.call.name_space) o["namespace"] = *it.call.name_space;
        o["arguments"] = done ? it.text : std::string();
        o["call_id"] = it.call_id;
        break;
    case item_kind::custom_tool_call:
        o["type"] = "custom_tool_call";
        o["status"] = status;
        o["name"] = it.call.name;
        o["input"] = done ? it.text : std::string();
        o["call_id"] = it.call_id;
        break;
    }
    return o;
}

json::value response_builder::usage_json(response_usage const& u) const
{
    std::uint64_t reasoning = u.reasoning_tokens.value_or(reasoning_tokens_);
    reasoning = std::min(reasoning, u.output_tokens);
    std::uint64_t const cached = std::min(u.cached_tokens, u.input_tokens);
    return json::object{
        {"input_tokens", u.input_tokens},
        {"input_tokens_details", json::object{{"cached_tokens", cached}}},
        {"output_tokens", u.output_tokens},
        {"output_tokens_details", json::object{{"reasoning_tokens", reasoning}}},
        {"total_tokens", u.input_tokens + u.output_tokens},
    };
}

void response_builder::terminate(std::string_view type, std::string_view status, json::value usage,
                                 json::value error, json::value incomplete, std::vector<json::object>& out)
{
    status_ = status;
    usage_ = std::move(usage);
    error_ = std::move(error);
    incomplete_ = std::move(incomplete);
    auto ev = make_event(type);
    ev["response"] = response();
    emit(std::move(ev), out);
    terminal_ = true;
}

void response_builder::complete(response_usage const& usage, std::vector<json::object>& out)
{
    if (terminal_) return;
    begin(out);
    // The caller saw the generation end normally, so an item without a stop token is whole.
    if (open_) end_item("completed", out);
    terminate("response.completed", "completed", usage_json(usage), nullptr, nullptr, out);
}

void response_builder::incomplete_max_output_tokens(response_usage const& usage, std::vector<json::object>& out)
{
    if (terminal_) return;
    begin(out);
    if (open_) end_item("incomplete", out);
    // Never reason "interrupted": Codex re-requests in a tight loop on it.
    terminate("response.incomplete", "incomplete", usage_json(usage), nullptr,
              json::object{{"reason", "max_output_tokens"}}, out);
}

void response_builder::fail(response_error const& error, std::vector<json::object>& out)
{
    if (terminal_) return;
    begin(out);
    open_.reset();
    // Codex needs a string code; an integer makes it fail to parse the event and retry blindly.
    std::string code = error.code.empty() ? std::string("server_error") : error.code;
    terminate("response.failed", "failed", nullptr,
              json::object{{"code", std::move(code)}, {"message", error.message}}, nullptr, out);
}

} // namespace hp::translate
