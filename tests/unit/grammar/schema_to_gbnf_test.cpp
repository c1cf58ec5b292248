// JSON Schema -> GBNF on Codex's real tools and on a schema using every supported keyword. The
// grammar is run by gbnf_matcher and compared with the validator (the schema's semantics) on
// valid and invalid documents.
#include "gbnf_matcher.hpp"
#include "grammar_test_support.hpp"

#include "translate/json_schema_validator.hpp"
#include "translate/schema_to_gbnf.hpp"

#include <boost/json/serialize.hpp>

namespace hp::translate {
namespace {

namespace json = boost::json;

struct compiled
{
    converted_grammar grammar;
    gbnf_document doc;
};

compiled compile(json::value const& schema)
{
    auto g = schema_to_gbnf(schema);
    EXPECT_TRUE(g) << (g ? "" : g.error().message);
    if (!g) return {};
    return {*g, test::must_parse(g->gbnf)};
}

json::value const every_keyword = json::parse(R"({
  "type": "object",
  "$defs": {
    "node": {"type": "object", "properties": {"name": {"type": "string"},
             "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
             "required": ["name"]}
  },
  "properties": {
    "mode": {"enum": ["fast", "safe"]},
    "version": {"const": 2},
    "tag": {"type": "string", "minLength": 2, "maxLength": 4},
    "id": {"type": "string", "pattern": "^[a-z]+-[0-9]{2,3}$"},
    "ratio": {"type": "number"},
    "count": {"type": "integer", "minimum": 0},
    "digit": {"type": "integer", "minimum": 3, "maximum": 7},
    "flag": {"type": "boolean"},
    "nothing": {"type": "null"},
    "list": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
    "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "one": {"oneOf": [{"type": "boolean"}, {"type": "null"}]},
    "maybe": {"type": ["string", "null"]},
    "tree": {"$ref": "#/$defs/node"},
    "nested": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"],
               "additionalProperties": {"type": "boolean"}},
    "free": {"description": "any value"}
  },
  "required": ["mode", "tag"],
  "additionalProperties": false
})");

TEST(SchemaToGbnf, EveryKeywordAgreesWithTheValidator)
{
    auto c = compile(every_keyword);
    EXPECT_TRUE(c.grammar.diagnostics.empty()) << c.grammar.diagnostics[0].message;
    test::gbnf_matcher m(c.doc);
    std::vector<std::string> const valid = {
        R"({"mode":"fast","tag":"ab"})",
        R"({"mode": "safe", "tag": "abcd"})",
        "{\n  \"mode\": \"fast\",\n  \"version\": 2,\n  \"tag\": \"\\u00e9t\"\n}",
        R"({"mode":"fast","version":2,"tag":"xy","id":"ab-12","ratio":-1.5e3,"count":0,"digit":5,"flag":true,)"
        R"("nothing":null,"list":[1,2,3],"either":"s","one":false,"maybe":null,)"
        R"("tree":{"name":"r","children":[{"name":"c","children":[]}]},"nested":{"x":1,"extra":true},"free":[{"a":1}]})",
        R"({"mode":"safe","tag":"a\"b","either":-7,"one":null,"maybe":"m","nested":{"x":-3}})",
    };
    for (auto const& doc : valid) {
        EXPECT_TRUE(validate_json(doc, every_keyword)) << doc;
        EXPECT_TRUE(m.matches(doc)) << doc;
    }
    std::vector<std::string> const invalid = {
        R"({"tag":"ab"})",                                      // required mode missing
        R"({"mode":"slow","tag":"ab"})",                        // not in enum
        R"({"mode":"fast","tag":"a"})",                         // minLength
        R"({"mode":"fast","tag":"abcde"})",                     // maxLength
        R"({"mode":"fast","tag":"ab","version":3})",            // const
        R"({"mode":"fast","tag":"ab","id":"AB-12"})",           // pattern
        R"({"mode":"fast","tag":"ab","id":"ab-1"})",            // pattern
        R"({"mode":"fast","tag":"ab","count":-1})",             // minimum 0
        R"({"mode":"fast","tag":"ab","digit":8})",              // maximum 7
        R"({"mode":"fast","tag":"ab","list":[]})",              // minItems
        R"({"mode":"fast","tag":"ab","list":[1,2,3,4]})",       // maxItems
        R"({"mode":"fast","tag":"ab","list":[1.5]})",           // items integer
        R"({"mode":"fast","tag":"ab","other":1})",              // additionalProperties false
        R"({"mode":"fast","tag":"ab","nested":{"y":true}})",    // nested required
        R"({"mode":"fast","tag":"ab","nested":{"x":1,"z":2}})", // additionalProperties schema
        R"({"mode":"fast","tag":"ab","tree":{"children":[]}})", // $ref required
        R"({"mode":"fast","tag":"ab","flag":"true"})",
        R"({"mode":"fast","tag":"ab","maybe":1})",
        R"({"mode":"fast","tag":"a)"
        "\n"
        R"("})",                          // raw control character
        R"({"mode":"fast","tag":"ab"} )", // trailing text is not in the grammar
    };
    for (auto const& doc : invalid) {
        EXPECT_FALSE(m.matches(doc)) << doc;
        if (doc.back() == '}') {
            EXPECT_FALSE(validate_json(doc, every_keyword)) << doc;
        }
    }
}

TEST(SchemaToGbnf, WhitespaceIsBounded)
{
    auto c =
        compile(json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})"));
    test::gbnf_matcher m(c.doc);
    EXPECT_TRUE(m.matches("{\n    \"a\" : 1\n}"));
    EXPECT_TRUE(m.matches("{\"a\":" + std::string(" ") + "1}"));
    EXPECT_FALSE(m.matches("{\"a\":  1}")); // two spaces
    EXPECT_FALSE(m.matches("{\"a\":\n" + std::string(21, ' ') + "1}"));
    EXPECT_FALSE(m.matches(" {\"a\":1}")); // the arguments start right after <|message|>
}

TEST(SchemaToGbnf, PropertiesInDeclaredOrderEachAtMostOnce)
{
    auto c = compile(json::parse(
        R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}},"required":["b"]})"));
    test::gbnf_matcher m(c.doc);
    for (auto const* ok : {R"({"b":1})", R"({"a":1,"b":2})", R"({"b":1,"c":2})", R"({"a":1,"b":2,"c":3})"})
        EXPECT_TRUE(m.matches(ok)) << ok;
    for (auto const* bad :
         {R"({})", R"({"a":1})", R"({"b":1,"a":2})", R"({"b":1,"b":2})", R"({"a":1,,"b":2})", R"({,"b":1})"})
        EXPECT_FALSE(m.matches(bad)) << bad;
}

TEST(SchemaToGbnf, CodexToolsAgreeWithTheValidator)
{
    for (auto const* name : {"exec_command", "write_stdin", "view_image", "update_plan"}) {
        auto const schema = test::codex_tool(name).at("parameters");
        auto c = compile(schema);
        EXPECT_TRUE(c.grammar.diagnostics.empty()) << name;
        test::gbnf_matcher m(c.doc);
        // Documents built from the schema: all properties, then only the required ones.
        auto const& props = schema.at("properties").as_object();
        json::object all, required;
        auto const& req = schema.at("required").as_array();
        for (auto const& kv : props) {
            json::value v;
            auto const type =
                kv.value().as_object().contains("type") ? kv.value().at("type").as_string() : "string";
            if (type == "string")
                v = "ls -la \"C:\\temp\"\n";
            else if (type == "number")
                v = 1500;
            else if (type == "boolean")
                v = true;
            else if (type == "array")
                v = json::parse(
                    R"([{"step":"read","status":"completed"},{"step":"fix","status":"pending"}])");
            all[kv.key()] = v;
            for (auto const& r : req)
                if (r.as_string() == kv.key()) required[kv.key()] = v;
        }
        for (auto const& doc : {json::serialize(all), json::serialize(required)}) {
            EXPECT_TRUE(validate_json(doc, schema)) << name << " " << doc;
            EXPECT_TRUE(m.matches(doc)) << name << " " << doc;
        }
        auto bad = all;
        bad["undeclared"] = 1;
        EXPECT_FALSE(m.matches(json::serialize(bad))) << name;
        EXPECT_FALSE(validate_json(json::serialize(bad), schema)) << name;
        EXPECT_FALSE(m.matches("{}")) << name; // every Codex tool has a required property
    }
}

TEST(SchemaToGbnf, UnsupportedKeywordsWidenAndAreReportedOnce)
{
    auto schema = json::parse(R"({"type":"object","properties":{
        "a":{"type":"string","format":"uri","pattern":"(?=x)y"},
        "b":{"allOf":[{"type":"string"},{"minLength":1}]},
        "c":{"type":"array","prefixItems":[{"type":"string"}],"uniqueItems":true},
        "d":{"type":"array","uniqueItems":true}},
      "required":[]})");
    auto c = compile(schema);
    std::vector<std::string> messages;
    for (auto const& d : c.grammar.diagnostics)
        messages.push_back(d.where + ": " + d.message);
    ASSERT_EQ(messages.size(), 6u) << ::testing::PrintToString(messages);
    EXPECT_NE(messages[0].find("format"), std::string::npos);
    EXPECT_NE(messages[1].find("lookaround"), std::string::npos);
    EXPECT_NE(messages[2].find("allOf"), std::string::npos);
    test::gbnf_matcher m(c.doc);
    // Widened, still JSON: the pattern is not enforced, allOf accepts any value.
    EXPECT_TRUE(m.matches(R"({"a":"anything","b":[1,{"x":null}],"c":["u","u"],"d":[1,1]})"));
    EXPECT_FALSE(m.matches(R"({"a":anything})"));
}

TEST(SchemaToGbnf, ErrorsForSchemasWithNoValidDocument)
{
    EXPECT_FALSE(schema_to_gbnf(json::value(false)));
    EXPECT_FALSE(schema_to_gbnf(json::parse(R"({"$ref":"#/$defs/missing"})")));
    EXPECT_FALSE(schema_to_gbnf(json::parse(R"({"type":"array","minItems":3,"maxItems":2})")));
}

} // namespace
} // namespace hp::translate
