// The JSON Schema validator: complete mode, and prefix mode (every prefix of a valid document is
// accepted; a prefix that no valid document starts with is rejected as early as it shows).
#include "grammar_test_support.hpp"

#include "translate/json_schema_validator.hpp"

namespace hp::translate {
namespace {

namespace json = boost::json;

json::value const schema = json::parse(R"({
  "type": "object",
  "properties": {
    "cmd": {"type": "string", "maxLength": 12},
    "mode": {"enum": ["fast", "safe"]},
    "id": {"type": "string", "pattern": "^[a-z]+-[0-9]+$"},
    "n": {"type": "integer", "minimum": 0},
    "items": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2},
    "opt": {"type": ["null", "object"], "properties": {"k": {"const": true}}}
  },
  "required": ["cmd"],
  "additionalProperties": false
})");

std::vector<std::string> const valid_docs = {
    R"({"cmd":"ls"})",
    R"({"cmd":"echo \"hi\"\n","mode":"safe","id":"ab-12","n":42,"items":[true,false],"opt":{"k":true}})",
    "{\n  \"n\": 0,\n  \"cmd\": \"\\u00e9\\\\\",\n  \"opt\": null\n}",
};

TEST(JsonSchemaValidator, Complete)
{
    for (auto const& d : valid_docs)
        EXPECT_TRUE(validate_json(d, schema)) << d;
    for (auto const* d :
         {R"({})", R"({"cmd":1})", R"({"cmd":"0123456789abc"})", R"({"cmd":"x","mode":"slow"})",
          R"({"cmd":"x","id":"AB-1"})", R"({"cmd":"x","n":-1})", R"({"cmd":"x","n":1.5})",
          R"({"cmd":"x","items":[true,true,true]})", R"({"cmd":"x","items":[1]})", R"({"cmd":"x","zz":1})",
          R"({"cmd":"x","opt":{"k":false}})", R"({"cmd":"x","cmd":"y"})", R"({"cmd":"x"} x)", R"({"cmd":"x")",
          R"({"cmd":"x",})", R"({"cmd":"\q"})", "{\"cmd\":\"a\nb\"}"})
        EXPECT_FALSE(validate_json(d, schema)) << d;
    EXPECT_TRUE(validate_json(R"({"cmd":"x","n":1.0})", schema)); // 1.0 is an integer
}

TEST(JsonSchemaValidator, EveryPrefixOfAValidDocumentIsAValidPrefix)
{
    for (auto const& d : valid_docs)
        for (std::size_t n = 0; n <= d.size(); ++n) {
            auto r = validate_json(d.substr(0, n), schema, validation_mode::prefix);
            EXPECT_TRUE(r) << "prefix " << n << " of " << d << ": " << (r ? "" : r.error().message);
        }
    EXPECT_FALSE(validate_json(R"({"cmd":"x")", schema)); // the prefix is not complete
}

TEST(JsonSchemaValidator, InvalidPrefixesAreRejectedEarly)
{
    auto prefix_ok = [](std::string_view t) {
        return bool(validate_json(t, schema, validation_mode::prefix));
    };
    EXPECT_FALSE(prefix_ok(R"([)"));           // not an object
    EXPECT_FALSE(prefix_ok(R"({"zz)"));        // no property starts with zz
    EXPECT_TRUE(prefix_ok(R"({"mo)"));         // mode
    EXPECT_FALSE(prefix_ok(R"({"mode":"sl)")); // no enum member starts like this
    EXPECT_TRUE(prefix_ok(R"({"mode":"sa)"));
    EXPECT_FALSE(prefix_ok(R"({"cmd":"0123456789abc)")); // already past maxLength
    EXPECT_FALSE(prefix_ok(R"({"cmd":"x","id":"A)"));    // ^[a-z] cannot match
    EXPECT_TRUE(prefix_ok(R"({"cmd":"x","id":"ab-)"));
    EXPECT_FALSE(prefix_ok(R"({"cmd":"x","items":[true,true,)")); // a third item is too many
    EXPECT_FALSE(prefix_ok(R"({"cmd":"x","n":"1)"));              // wrong type shows at once
    EXPECT_FALSE(prefix_ok(R"({"cmd":"x"}})"));
    EXPECT_TRUE(prefix_ok(R"({"cmd":"x","n":12)"));
    EXPECT_FALSE(prefix_ok(R"({"cmd":tru)"));
}

} // namespace
} // namespace hp::translate
