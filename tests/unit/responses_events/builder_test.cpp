// response_builder fed real harmony completions through the real stream_parser: the exact event
// sequence for each shape of model output Codex meets, and the stream invariants for each.
#include "events_test_support.hpp"

namespace hp::translate::test {
namespace {

using strings = std::vector<std::string>;

response_usage usage(std::uint64_t in, std::uint64_t out, std::uint64_t cached = 0)
{
    return response_usage{in, cached, out, std::nullopt};
}

TEST(ResponseBuilder, ReasoningThenFinalAnswer)
{
    completion c;
    c.message("analysis", "User asks 2+2. Answer 4.", special::end)
        .next_message()
        .message("final", "2 + 2 = 4.", special::return_);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(100, c.ids().size(), 64), ev);

    // Collapse the deltas: the tokenizer decides how many there are, not the builder.
    strings collapsed;
    for (auto const& t : types_of(ev))
        if (collapsed.empty() || collapsed.back() != t || !t.ends_with(".delta")) collapsed.push_back(t);
    EXPECT_EQ(collapsed, (strings{
                             "response.created",
                             "response.in_progress",
                             "response.output_item.added",
                             "response.reasoning_text.delta",
                             "response.reasoning_text.done",
                             "response.output_item.done",
                             "response.output_item.added",
                             "response.content_part.added",
                             "response.output_text.delta",
                             "response.output_text.done",
                             "response.content_part.done",
                             "response.output_item.done",
                             "response.completed",
                         }));
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0], json::parse(R"({"id":"rs_0","type":"reasoning","summary":[],
        "content":[{"type":"reasoning_text","text":"User asks 2+2. Answer 4."}]})"));
    EXPECT_EQ(items[1], json::parse(R"({"id":"msg_1","type":"message","status":"completed","role":"assistant",
        "content":[{"type":"output_text","text":"2 + 2 = 4.","annotations":[]}],"phase":"final_answer"})"));

    auto const& r = ev.back().at("response").as_object();
    EXPECT_EQ(str(r.at("status")), "completed");
    EXPECT_EQ(str(r.at("id")), "resp_test");
    EXPECT_EQ(str(r.at("model")), "gpt-oss-20b");
    EXPECT_EQ(r.at("created_at").as_int64(), 1764028800);
    auto const& u = r.at("usage").as_object();
    EXPECT_EQ(u.at("input_tokens").as_uint64(), 100u);
    EXPECT_EQ(u.at("input_tokens_details").at("cached_tokens").as_uint64(), 64u);
    EXPECT_EQ(u.at("output_tokens").as_uint64(), c.ids().size());
    EXPECT_EQ(u.at("total_tokens").as_uint64(), 100u + c.ids().size());
    // The analysis message: <|channel|> analysis <|message|> text... <|end|>.
    std::uint64_t const analysis_tokens = 3 + vocab().encode("User asks 2+2. Answer 4.").size() + 1;
    EXPECT_EQ(u.at("output_tokens_details").at("reasoning_tokens").as_uint64(), analysis_tokens);
    EXPECT_EQ(b.response(), r);
    EXPECT_EQ(b.items(), items);
    EXPECT_TRUE(b.warnings().empty());

    // Every delta event names its item and content index.
    for (auto const& e : ev) {
        if (str(e.at("type")) == "response.reasoning_text.delta") {
            EXPECT_EQ(str(e.at("item_id")), "rs_0");
            EXPECT_EQ(e.at("output_index").as_uint64(), 0u);
            EXPECT_EQ(e.at("content_index").as_int64(), 0);
        }
        if (str(e.at("type")) == "response.output_text.delta") {
            EXPECT_EQ(str(e.at("item_id")), "msg_1");
            EXPECT_EQ(e.at("output_index").as_uint64(), 1u);
        }
    }
}

TEST(ResponseBuilder, ExactEventsOfAOneTokenAnswer)
{
    completion c;
    c.message("final", "Hi", special::return_);
    ASSERT_EQ(vocab().encode("Hi").size(), 1u);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(20, c.ids().size(), 16), ev);

    json::array expected = json::parse(R"([
      {"type":"response.created","sequence_number":0,"response":{"id":"resp_test","object":"response",
        "created_at":1764028800,"status":"in_progress","error":null,"incomplete_details":null,
        "model":"gpt-oss-20b","output":[],"parallel_tool_calls":true,"usage":null}},
      {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_test","object":"response",
        "created_at":1764028800,"status":"in_progress","error":null,"incomplete_details":null,
        "model":"gpt-oss-20b","output":[],"parallel_tool_calls":true,"usage":null}},
      {"type":"response.output_item.added","sequence_number":2,"output_index":0,
        "item":{"id":"msg_0","type":"message","status":"in_progress","role":"assistant","content":[],
                "phase":"final_answer"}},
      {"type":"response.content_part.added","sequence_number":3,"item_id":"msg_0","output_index":0,
        "content_index":0,"part":{"type":"output_text","text":"","annotations":[]}},
      {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_0","output_index":0,
        "content_index":0,"delta":"Hi"},
      {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_0","output_index":0,
        "content_index":0,"text":"Hi"},
      {"type":"response.content_part.done","sequence_number":6,"item_id":"msg_0","output_index":0,
        "content_index":0,"part":{"type":"output_text","text":"Hi","annotations":[]}},
      {"type":"response.output_item.done","sequence_number":7,"output_index":0,
        "item":{"id":"msg_0","type":"message","status":"completed","role":"assistant",
                "content":[{"type":"output_text","text":"Hi","annotations":[]}],"phase":"final_answer"}},
      {"type":"response.completed","sequence_number":8,"response":{"id":"resp_test","object":"response",
        "created_at":1764028800,"status":"completed","error":null,"incomplete_details":null,
        "model":"gpt-oss-20b","output":[{"id":"msg_0","type":"message","status":"completed","role":"assistant",
                "content":[{"type":"output_text","text":"Hi","annotations":[]}],"phase":"final_answer"}],
        "parallel_tool_calls":true,
        "usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":16},"output_tokens":5,
                 "output_tokens_details":{"reasoning_tokens":0},"total_tokens":25}}}
    ])").as_array();
    ASSERT_EQ(c.ids().size(), 5u);
    ASSERT_EQ(ev.size(), expected.size());
    for (std::size_t i = 0; i < ev.size(); ++i)
        EXPECT_EQ(json::value(ev[i]), expected[i]) << "event " << i << ": " << json::serialize(ev[i]);
    check_stream(ev);
}

TEST(ResponseBuilder, ReasoningThenFunctionCallStreamsArguments)
{
    std::string const args = R"({"cmd":"ls -la \"my dir\"","workdir":"/tmp"})";
    completion c;
    c.message("analysis", "Need to list files.", special::end)
        .next_message()
        .text(" to=functions.exec_command")
        .special(special::channel)
        .text("commentary ")
        .special(special::constrain)
        .text("json")
        .special(special::message)
        .text(args)
        .special(special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(10, c.ids().size()), ev);

    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(str(items[0].at("type")), "reasoning");
    EXPECT_EQ(items[1], (json::value{{"id", "fc_1"},
                                     {"type", "function_call"},
                                     {"status", "completed"},
                                     {"name", "exec_command"},
                                     {"arguments", args},
                                     {"call_id", "call_2"}}));
    std::size_t arg_deltas = 0;
    std::string concatenated;
    bool saw_added = false;
    for (auto const& e : ev) {
        std::string const t = str(e.at("type"));
        if (t == "response.output_item.added" && e.at("output_index").as_uint64() == 1) {
            saw_added = true;
            EXPECT_EQ(str(e.at("item").at("arguments")), "");
            EXPECT_EQ(str(e.at("item").at("name")), "exec_command");
            EXPECT_EQ(str(e.at("item").at("call_id")), "call_2");
        }
        if (t == "response.function_call_arguments.delta") {
            ++arg_deltas;
            concatenated += str(e.at("delta"));
            EXPECT_EQ(str(e.at("item_id")), "fc_1");
        }
    }
    EXPECT_TRUE(saw_added);
    // One delta per token of the arguments (ASCII: every token ends on a character boundary).
    std::vector<std::string> expected_deltas;
    for (token_id id : vocab().encode(args))
        expected_deltas.emplace_back(*vocab().token_bytes(id));
    std::vector<std::string> deltas;
    for (auto const& e : ev)
        if (str(e.at("type")) == "response.function_call_arguments.delta") deltas.push_back(str(e.at("delta")));
    EXPECT_EQ(deltas, expected_deltas);
    EXPECT_EQ(arg_deltas, expected_deltas.size());
    EXPECT_GT(arg_deltas, 3u) << "arguments are streamed as they arrive, not in one piece";
    EXPECT_EQ(concatenated, args);
    EXPECT_TRUE(b.warnings().empty());
}

TEST(ResponseBuilder, CustomToolInputKeepsBackslashesAndNewlinesByteForByte)
{
    std::string const patch = "*** Begin Patch\n*** Update File: src/User.php\n@@\n-use B\\Z;\n"
                              "+use Symfony\\Component\\HttpFoundation\\Request;\n+path C:\\temp\\x\\n\n"
                              "*** End Patch\n";
    completion c;
    c.text(" to=functions.apply_patch").message("commentary", patch, special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);

    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0], (json::value{{"id", "ctc_0"},
                                     {"type", "custom_tool_call"},
                                     {"status", "completed"},
                                     {"name", "apply_patch"},
                                     {"input", patch},
                                     {"call_id", "call_1"}}));
    std::size_t deltas = 0;
    for (auto const& e : ev)
        if (str(e.at("type")) == "response.custom_tool_call_input.delta") ++deltas;
    EXPECT_GT(deltas, 1u);
}

TEST(ResponseBuilder, JsonStyleCustomInputIsUnwrapped)
{
    std::string const patch = "*** Begin Patch\n+use A\\B;\n*** End Patch\n";
    std::string const wrapped = json::serialize(json::object{{"input", patch}});
    ASSERT_NE(wrapped.find("\\\\"), std::string::npos); // the JSON form doubles the backslash
    completion c;
    c.text(" to=functions.apply_patch").message("commentary", wrapped, special::call);
    response_builder b(test_options(true));
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);

    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("input")), patch);
    EXPECT_TRUE(b.warnings().empty());

    // Not the wrapper after all: passed on as written, with a warning.
    completion bad;
    bad.text(" to=functions.apply_patch").message("commentary", patch, special::call);
    response_builder b2(test_options(true));
    std::vector<json::object> ev2;
    drive(b2, bad.ids(), ev2);
    b2.complete(usage(5, bad.ids().size()), ev2);
    auto const items2 = check_stream(ev2);
    ASSERT_EQ(items2.size(), 1u);
    EXPECT_EQ(str(items2[0].at("input")), patch);
    EXPECT_EQ(b2.warnings().size(), 1u);
}

TEST(ResponseBuilder, PreambleBeforeToolCallIsAMessage)
{
    completion c;
    c.message("analysis", "Check the repo.", special::end)
        .next_message()
        .message("commentary", "Let me look at the files first.", special::end)
        .next_message()
        .text(" to=functions.exec_command")
        .message("commentary", R"({"cmd":"ls"})", special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);

    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(str(items[0].at("type")), "reasoning");
    EXPECT_EQ(items[1], json::parse(R"({"id":"msg_1","type":"message","status":"completed","role":"assistant",
        "content":[{"type":"output_text","text":"Let me look at the files first.","annotations":[]}],
        "phase":"commentary"})"));
    EXPECT_EQ(str(items[2].at("type")), "function_call");
    EXPECT_EQ(str(items[2].at("arguments")), R"({"cmd":"ls"})");
}

TEST(ResponseBuilder, RecipientAfterTheChannel)
{
    // gpt-oss often writes the recipient after the channel name.
    completion c;
    c.special(special::channel)
        .text("commentary to=functions.exec_command ")
        .special(special::constrain)
        .text("json")
        .special(special::message)
        .text(R"({"cmd":"pwd"})")
        .special(special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("type")), "function_call");
    EXPECT_EQ(str(items[0].at("name")), "exec_command");
    EXPECT_EQ(str(items[0].at("arguments")), R"({"cmd":"pwd"})");
}

TEST(ResponseBuilder, NamespaceToolCallCarriesItsNamespace)
{
    completion c;
    c.text(" to=mcp__fs.read_file").message("commentary", R"({"path":"a.txt"})", special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("type")), "function_call");
    EXPECT_EQ(str(items[0].at("name")), "read_file");
    EXPECT_EQ(str(items[0].at("namespace")), "mcp__fs");
}

TEST(ResponseBuilder, UndeclaredToolIsStillACallWithAWarning)
{
    completion c;
    c.text(" to=functions.rm_rf").message("commentary", R"({"path":"/"})", special::call);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(5, c.ids().size()), ev);
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("type")), "function_call");
    EXPECT_EQ(str(items[0].at("name")), "rm_rf");
    EXPECT_FALSE(items[0].as_object().contains("namespace"));
    ASSERT_EQ(b.warnings().size(), 1u);
    EXPECT_NE(b.warnings()[0].find("functions.rm_rf"), std::string::npos);

    // A builtin namespace the client never declared keeps its full name.
    completion py;
    py.text(" to=python").message("analysis", "print(1)", special::call);
    response_builder b2(test_options());
    std::vector<json::object> ev2;
    drive(b2, py.ids(), ev2);
    b2.complete(usage(5, py.ids().size()), ev2);
    auto const items2 = check_stream(ev2);
    ASSERT_EQ(items2.size(), 1u);
    EXPECT_EQ(str(items2[0].at("name")), "python");
    EXPECT_EQ(str(items2[0].at("arguments")), "print(1)");
}

TEST(ResponseBuilder, MaxOutputTokensGivesIncomplete)
{
    completion c;
    c.message("analysis", "Long thinking", special::end).next_message();
    c.special(special::channel).text("final").special(special::message).text("The answer is");
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev); // finish(): the open message ends with end_of_stream
    b.incomplete_max_output_tokens(usage(7, c.ids().size()), ev);

    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(str(items[1].at("status")), "incomplete");
    EXPECT_EQ(str(items[1].at("content").at(0).at("text")), "The answer is");
    auto const& last = ev.back();
    EXPECT_EQ(str(last.at("type")), "response.incomplete");
    auto const& r = last.at("response").as_object();
    EXPECT_EQ(str(r.at("status")), "incomplete");
    EXPECT_EQ(r.at("incomplete_details"), json::parse(R"({"reason":"max_output_tokens"})"));

    // Without parser.finish() the open item is closed by the terminal call itself.
    response_builder b2(test_options());
    std::vector<json::object> ev2;
    drive(b2, c.ids(), ev2, false);
    b2.incomplete_max_output_tokens(usage(7, c.ids().size()), ev2);
    auto const items2 = check_stream(ev2);
    ASSERT_EQ(items2.size(), 2u);
    EXPECT_EQ(str(items2[1].at("status")), "incomplete");
}

TEST(ResponseBuilder, MessageWithoutStopTokenIsClosedByTheTerminalCall)
{
    // The parser ends such a message with end_of_stream; whether it was whole is known only when
    // the caller says how the generation ended.
    completion c;
    c.message("analysis", "hmm", special::end).next_message();
    c.special(special::channel).text("final").special(special::message).text("All done");
    for (bool limit : {false, true}) {
        response_builder b(test_options());
        std::vector<json::object> ev;
        drive(b, c.ids(), ev);
        std::size_t done_before = 0;
        for (auto const& e : ev)
            if (str(e.at("type")) == "response.output_item.done") ++done_before;
        EXPECT_EQ(done_before, 1u) << "the unterminated message is held until the terminal call";
        if (limit)
            b.incomplete_max_output_tokens(usage(1, c.ids().size()), ev);
        else
            b.complete(usage(1, c.ids().size()), ev);
        auto const items = check_stream(ev);
        ASSERT_EQ(items.size(), 2u);
        EXPECT_EQ(str(items[1].at("status")), limit ? "incomplete" : "completed");
        EXPECT_EQ(str(items[1].at("content").at(0).at("text")), "All done");
    }
}

TEST(ResponseBuilder, UpstreamFailureMidStreamGivesFailedWithStringCode)
{
    completion c;
    c.message("analysis", "Thinking about it", special::end).next_message();
    c.text(" to=functions.exec_command").special(special::channel).text("commentary").special(special::message);
    c.text(R"({"cmd":"rm)");
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev, false);
    b.fail({"server_error", "upstream closed the stream"}, ev);

    auto const items = check_stream(ev);
    // The half-written call is dropped: only the finished reasoning item is output.
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("type")), "reasoning");
    auto const& last = ev.back();
    EXPECT_EQ(str(last.at("type")), "response.failed");
    auto const& r = last.at("response").as_object();
    EXPECT_EQ(str(r.at("status")), "failed");
    EXPECT_EQ(r.at("error"), json::parse(R"({"code":"server_error","message":"upstream closed the stream"})"));
    EXPECT_TRUE(r.at("error").at("code").is_string());
}

TEST(ResponseBuilder, NothingAfterTheTerminalEvent)
{
    completion c;
    c.message("final", "Done.", special::return_);
    response_builder b(test_options());
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(1, c.ids().size()), ev);
    std::size_t const n = ev.size();
    EXPECT_TRUE(b.finished());

    drive(b, c.ids(), ev);
    b.complete(usage(1, 1), ev);
    b.incomplete_max_output_tokens(usage(1, 1), ev);
    b.fail({"server_error", "late"}, ev);
    b.begin(ev);
    EXPECT_EQ(ev.size(), n);
    EXPECT_EQ(str(b.response().at("status")), "completed");
    check_stream(ev);
}

TEST(ResponseBuilder, BeginAnswersBeforeAnyToken)
{
    response_builder b(test_options());
    std::vector<json::object> ev;
    b.begin(ev);
    b.begin(ev);
    EXPECT_EQ(types_of(ev), (strings{"response.created", "response.in_progress"}));
    EXPECT_EQ(b.next_sequence_number(), 2u);
    // A response with no output at all (the --oss probe with max_output_tokens 1).
    b.incomplete_max_output_tokens(usage(3, 1), ev);
    auto const items = check_stream(ev);
    EXPECT_TRUE(items.empty());
}

TEST(ResponseBuilder, EncryptedContentHookFillsReasoningItems)
{
    completion c;
    c.message("analysis", "abc", special::end).next_message().message("final", "x", special::return_);
    auto opts = test_options();
    opts.reasoning_encrypted_content = [](message const& m) -> std::optional<std::string> {
        return "enc:" + std::get<std::string>(m.content);
    };
    response_builder b(std::move(opts));
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(1, c.ids().size()), ev);
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(str(items[0].at("encrypted_content")), "enc:abc");
    EXPECT_FALSE(items[1].as_object().contains("encrypted_content"));
}

TEST(ResponseBuilder, RandomIdsHaveTheirPrefix)
{
    auto gen = random_id_generator();
    std::string const a = gen("call"), b = gen("call");
    EXPECT_TRUE(a.starts_with("call_"));
    EXPECT_EQ(a.size(), 5u + 32u);
    EXPECT_NE(a, b);
}

} // namespace
} // namespace hp::translate::test

namespace hp::translate::test {
namespace {

// The resolver made from the request side's registry maps each kind of declared tool.
TEST(ResponseBuilder, RegistryResolverMapsEveryToolKind)
{
    std::vector<responses::tool> tools{
        responses::function_tool{"exec_command", std::nullopt, false, std::nullopt},
        responses::custom_tool{"apply_patch", std::nullopt, {}},
        responses::namespace_tool{"mcp__fs", std::nullopt, {responses::function_tool{"read_file", {}, {}, {}}}},
    };
    auto reg = responses::tool_registry::build(tools);
    ASSERT_TRUE(reg) << reg.error().message;
    tool_resolver const resolve = resolver_for(*reg);

    auto exec = resolve("functions.exec_command");
    ASSERT_TRUE(exec);
    EXPECT_EQ(exec->kind, call_kind::function);
    EXPECT_EQ(exec->name, "exec_command");
    EXPECT_FALSE(exec->name_space);
    auto patch = resolve("functions.apply_patch");
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->kind, call_kind::custom);
    auto read = resolve("mcp__fs.read_file");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->kind, call_kind::function);
    EXPECT_EQ(read->name, "read_file");
    EXPECT_EQ(read->name_space, std::optional<std::string>("mcp__fs"));
    EXPECT_FALSE(resolve("functions.read_file"));
    EXPECT_FALSE(resolve("exec_command"));

    completion c;
    c.text(" to=functions.apply_patch").message("commentary", "*** Begin Patch\n*** End Patch\n", special::call);
    auto opts = test_options();
    opts.tools = resolve;
    response_builder b(std::move(opts));
    std::vector<json::object> ev;
    drive(b, c.ids(), ev);
    b.complete(usage(1, c.ids().size()), ev);
    auto const items = check_stream(ev);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(str(items[0].at("type")), "custom_tool_call");
    EXPECT_EQ(str(items[0].at("input")), "*** Begin Patch\n*** End Patch\n");
}

} // namespace
} // namespace hp::translate::test
