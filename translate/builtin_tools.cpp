// The builtin tool namespaces of openai/harmony v0.0.8 (src/chat.rs, ToolNamespaceConfig::browser()
// and ::python()), word for word: gpt-oss was trained on exactly these system-message sections.
// tests/unit/renderer checks them against ../shared/harmony-golden/render/test_browser_and_python_tool.json.
#include "translate/conversation.hpp"

#include <boost/json/parse.hpp>

namespace hp::translate {
namespace {

// The schemas are literals, so a parse failure is a bug in this file (and throws).
boost::json::value schema(std::string_view json_text)
{
    return boost::json::parse(json_text);
}

} // namespace

tool_namespace browser_tool_namespace()
{
    tool_namespace ns;
    ns.name = "browser";
    ns.description =
        "Tool for browsing.\n"
        "The `cursor` appears in brackets before each browsing display: `[{cursor}]`.\n"
        "Cite information from the tool using the following format:\n"
        "`【{cursor}†L{line_start}(-L{line_end})?】`, for example: `【6†L9-L11】` or `【8†L3】`.\n"
        "Do not quote more than 10 words directly from the tool output.\n"
        "sources=web (default: web)";
    ns.tools.push_back(tool_description{
        "search",
        "Searches for information related to `query` and displays `topn` results.",
        schema(R"({"type":"object","properties":{"query":{"type":"string"},)"
               R"("topn":{"type":"number","default":10},"source":{"type":"string"}},"required":["query"]})"),
    });
    ns.tools.push_back(tool_description{
        "open",
        "Opens the link `id` from the page indicated by `cursor` starting at line number `loc`, showing "
        "`num_lines` lines.\n"
        "Valid link ids are displayed with the formatting: `【{id}†.*】`.\n"
        "If `cursor` is not provided, the most recent page is implied.\n"
        "If `id` is a string, it is treated as a fully qualified URL associated with `source`.\n"
        "If `loc` is not provided, the viewport will be positioned at the beginning of the document or "
        "centered on the most relevant passage, if available.\n"
        "Use this function without `id` to scroll to a new location of an opened page.",
        schema(
            R"({"type":"object","properties":{"id":{"type":["number","string"],"default":-1},)"
            R"("cursor":{"type":"number","default":-1},"loc":{"type":"number","default":-1},)"
            R"("num_lines":{"type":"number","default":-1},"view_source":{"type":"boolean","default":false},)"
            R"("source":{"type":"string"}}})"),
    });
    ns.tools.push_back(tool_description{
        "find",
        "Finds exact matches of `pattern` in the current page, or the page given by `cursor`.",
        schema(R"({"type":"object","properties":{"pattern":{"type":"string"},)"
               R"("cursor":{"type":"number","default":-1}},"required":["pattern"]})"),
    });
    return ns;
}

tool_namespace python_tool_namespace()
{
    tool_namespace ns;
    ns.name = "python";
    // No tools: the renderer writes this description as plain lines, not `//` comments.
    ns.description =
        "Use this tool to execute Python code in your chain of thought. The code will not be shown to the "
        "user. This tool should be used for internal reasoning, but not for code that is intended to be "
        "visible to the user (e.g. when creating plots, tables, or files).\n\n"
        "When you send a message containing Python code to python, it will be executed in a stateful "
        "Jupyter notebook environment. python will respond with the output of the execution or time out "
        "after 120.0 seconds. The drive at '/mnt/data' can be used to save and persist user files. "
        "Internet access for this session is UNKNOWN. Depends on the cluster.";
    return ns;
}

} // namespace hp::translate
