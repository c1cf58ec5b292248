// JSON Schema -> TypeScript on schemas the golden vectors do not reach. Expected strings follow
// openai/harmony's json_schema_to_typescript rule by rule (the comments say which rule).
#include "translate/json_display.hpp"
#include "translate/schema_to_typescript.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace hp::translate {
namespace {

std::string ts(std::string_view schema_json)
{
    return schema_to_typescript(boost::json::parse(schema_json));
}

// A one-property object, to look at how that property renders.
std::string prop(std::string_view property_schema, bool required = false)
{
    std::string schema = R"({"type":"object","properties":{"p":)" + std::string(property_schema) + "}";
    if (required) schema += R"(,"required":["p"])";
    schema += "}";
    return ts(schema);
}

TEST(SchemaToTypescript, Scalars)
{
    EXPECT_EQ(ts(R"({"type":"string"})"), "string");
    EXPECT_EQ(ts(R"({"type":"integer"})"), "number");
    EXPECT_EQ(ts(R"({"type":"number"})"), "number");
    EXPECT_EQ(ts(R"({"type":"boolean"})"), "boolean");
    EXPECT_EQ(ts(R"({"type":"null"})"), "any");
    EXPECT_EQ(ts(R"({"type":"array"})"), "Array<any>");
    EXPECT_EQ(ts(R"({"type":"array","items":{"type":"integer"}})"), "number[]");
    EXPECT_EQ(ts(R"({"type":["integer","string","null"]})"), "number | string | null");
    // A type array without strings falls through to "any".
    EXPECT_EQ(ts(R"({"type":[1,2]})"), "any");
    EXPECT_EQ(ts("true"), "any");
}

TEST(SchemaToTypescript, CombinatorsTheReferenceDoesNotRenderAreAny)
{
    EXPECT_EQ(ts(R"({"anyOf":[{"type":"string"},{"type":"number"}]})"), "any");
    EXPECT_EQ(ts(R"({"allOf":[{"type":"string"}]})"), "any");
    EXPECT_EQ(ts(R"({"$ref":"#/$defs/x"})"), "any");
    EXPECT_EQ(ts(R"({"const":"x"})"), "any");
    EXPECT_EQ(ts(R"({"enum":["a","b"]})"), "any"); // enums only count with "type":"string"
    EXPECT_EQ(ts(R"({"oneOf":"not an array"})"), "any");
}

TEST(SchemaToTypescript, StringEnumsAreUnionsNonStringValuesSkipped)
{
    EXPECT_EQ(ts(R"({"type":"string","enum":["a",1,"b"]})"), R"("a" | "b")");
    EXPECT_EQ(ts(R"({"type":"string","enum":[1]})"), "string");
    EXPECT_EQ(ts(R"({"type":"integer","enum":[1,2]})"), "number");
}

TEST(SchemaToTypescript, RequiredOptionalAndDefaults)
{
    EXPECT_EQ(prop(R"({"type":"string"})", true), "{\np: string,\n}");
    EXPECT_EQ(prop(R"({"type":"string"})"), "{\np?: string,\n}");
    // A string default is quoted raw; an enum's string default is bare; others use JSON.
    EXPECT_EQ(prop(R"({"type":"string","default":"a \"q\""})"), "{\np?: string, // default: \"a \"q\"\"\n}");
    EXPECT_EQ(prop(R"({"type":"string","enum":["x","y"],"default":"y"})"),
              "{\np?: \"x\" | \"y\", // default: y\n}");
    EXPECT_EQ(prop(R"({"type":"integer","enum":[1,2],"default":2})"), "{\np?: number, // default: 2\n}");
    EXPECT_EQ(prop(R"({"type":"number","default":0.5})"), "{\np?: number, // default: 0.5\n}");
    EXPECT_EQ(prop(R"({"type":"number","default":1.0})"), "{\np?: number, // default: 1.0\n}");
    EXPECT_EQ(prop(R"({"type":"array","items":{"type":"string"},"default":["a",{"k":null}]})"),
              "{\np?: string[], // default: [\"a\",{\"k\":null}]\n}");
}

TEST(SchemaToTypescript, Nullable)
{
    EXPECT_EQ(prop(R"({"type":"string","nullable":true})"), "{\np?: string | null,\n}");
    // Not twice when the type already says null.
    EXPECT_EQ(prop(R"({"type":["string","null"],"nullable":true})"), "{\np?: string | null,\n}");
    EXPECT_EQ(prop(R"({"type":"integer","nullable":true,"default":null})"),
              "{\np?: number | null, // default: null\n}");
    EXPECT_EQ(prop(R"({"type":"string","nullable":false})"), "{\np?: string,\n}");
}

TEST(SchemaToTypescript, TitleDescriptionAndExamplesAreCommentsAboveTheProperty)
{
    EXPECT_EQ(prop(R"({"type":"integer","title":"T","description":"D","examples":["e1",2,"e2"]})"),
              "{\n// T\n//\n// D\n// Examples:\n// - \"e1\"\n// - \"e2\"\np?: number,\n}");
    // A description with a newline is written as is (no `//` on the second line), like the reference.
    EXPECT_EQ(prop(R"({"type":"string","description":"a\nb"})"), "{\n// a\nb\np?: string,\n}");
}

TEST(SchemaToTypescript, NestedObjectsIndentFourSpacesPerLevel)
{
    // The nested object's own description is printed again after `name?: `, indented, and its
    // closing brace carries the nested indent: both quirks of the reference.
    EXPECT_EQ(ts(R"({"type":"object","properties":{
                    "outer":{"type":"object","description":"d","properties":{
                        "a":{"type":"string"},
                        "inner":{"type":"object","properties":{"b":{"type":"boolean"}},"required":["b"]}},
                      "required":["a"]}}})"),
              "{\n"
              "// d\n"
              "outer?:     // d\n"
              "{\n"
              "    a: string,\n"
              "    inner?: {\n"
              "        b: boolean,\n"
              "        },\n"
              "    },\n"
              "}");
}

TEST(SchemaToTypescript, ArraysOfObjects)
{
    EXPECT_EQ(
        prop(
            R"({"type":"array","items":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}})",
            true),
        "{\np: {\n    x: number,\n    }[],\n}");
}

TEST(SchemaToTypescript, OneOfPropertyLines)
{
    // Description and default above the name, one line per variant, then a lone comma line.
    EXPECT_EQ(prop(R"({"description":"either","default":"s","oneOf":[{"type":"string"},
                     {"type":"array","items":{"type":"string"},"description":"many","nullable":true}]})"),
              "{\n// either\n// default: \"s\"\np?:\n | string\n | string[] | null // many\n,\n}");
    // A property description equal to the first variant's is not written at all: skipped above
    // the name because the variant has it, skipped on the variant because it equals the property's.
    EXPECT_EQ(prop(R"({"description":"X","oneOf":[{"type":"string","description":"X"},
                     {"type":"number","description":"Y","default":3}]})",
                   true),
              "{\np:\n | string\n | number // Y default: 3\n,\n}");
    // An enum variant's string default is bare.
    EXPECT_EQ(prop(R"({"oneOf":[{"type":"string","enum":["a","b"],"default":"a"},{"type":"boolean"}]})"),
              "{\np?:\n | \"a\" | \"b\" // default: a\n | boolean\n,\n}");
}

TEST(SchemaToTypescript, TopLevelOneOf)
{
    // At the top, an enum's string default goes through JSON (quoted), unlike in a property.
    EXPECT_EQ(ts(R"({"oneOf":[{"type":"string","enum":["a"],"default":"a","description":"letter"},
                             {"type":"number","nullable":true}]})"),
              "\n | \"a\" // letter default: \"a\"\n | number | null");
    // Nested variants are indented by three more spaces.
    EXPECT_EQ(ts(R"({"oneOf":[{"type":"object","properties":{"k":{"type":"string"}}}]})"),
              "\n | {\n   k?: string,\n   }");
}

TEST(SchemaToTypescript, PropertyOrderIsTheDocumentOrder)
{
    EXPECT_EQ(ts(R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}}})"),
              "{\nzeta?: string,\nalpha?: string,\n}");
    EXPECT_EQ(ts(R"({"type":"object"})"), "{\n}");
}

TEST(JsonDisplay, MatchesSerdeJsonCompactDisplay)
{
    EXPECT_EQ(json_display(boost::json::parse(R"({"a":[1,-2,true,null],"b":"x\"\\\n\t\u0001é"})")),
              R"({"a":[1,-2,true,null],"b":"x\"\\\n\t\u0001é"})");
    auto d = [](double v) { return json_display(boost::json::value(v)); };
    EXPECT_EQ(d(1.0), "1.0");
    EXPECT_EQ(d(-2.5), "-2.5");
    EXPECT_EQ(d(0.0), "0.0");
    EXPECT_EQ(d(0.1), "0.1");
    EXPECT_EQ(d(1e-5), "0.00001");
    EXPECT_EQ(d(1.5e-7), "1.5e-7");
    EXPECT_EQ(d(1e15), "1000000000000000.0");
    EXPECT_EQ(d(1e16), "1e16");
    EXPECT_EQ(d(1.25e21), "1.25e21");
    EXPECT_EQ(d(123.456), "123.456");
    EXPECT_EQ(json_display(boost::json::parse("18446744073709551615")), "18446744073709551615");
}

TEST(ToolsSection, DescriptionsSplitLikeRustLines)
{
    tool_namespace ns{"functions", "ns line 1\r\nns line 2\n", {}};
    ns.tools.push_back(tool_description{"a", "first\nsecond\n", std::nullopt});
    ns.tools.push_back(tool_description{"b", "", boost::json::parse(R"({"type":"object"})")});
    tool_namespace const* list[] = {&ns};
    EXPECT_EQ(render_tools_section(list),
              "# Tools\n\n## functions\n\n// ns line 1\n// ns line 2\n"
              "namespace functions {\n\n// first\n// second\ntype a = () => any;\n\n"
              "type b = (_: {\n}) => any;\n\n} // namespace functions");
}

} // namespace
} // namespace hp::translate
