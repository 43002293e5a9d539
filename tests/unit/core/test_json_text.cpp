#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace core = collbench::core;

TEST(JsonText, AValidDocumentParses) {
  const core::JsonParse p = core::parse_json(R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]})");
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(p.value["b"]["x"], 2);  // one key in sibling objects is not a duplicate
  EXPECT_EQ(p.value["c"][1]["x"], 4);
}

TEST(JsonText, AKeyGivenTwiceInOneObjectIsRefusedAtAnyDepth) {
  for (const char* text : {R"({"repetitions": 50, "repetitions": 2})", R"({"a": {"k": 1, "j": 2, "k": 3}})",
                           R"([{"x": 1}, {"x": 1, "x": 1}])"}) {
    const core::JsonParse p = core::parse_json(text);
    EXPECT_EQ(p.status, core::JsonStatus::refused) << text;
    EXPECT_NE(p.problem.find("given twice in one object"), std::string::npos) << p.problem;
  }
  // The keys of an object that ended are forgotten: the next object at that depth starts afresh.
  EXPECT_TRUE(core::parse_json(R"({"a": {"k": 1}, "b": {"k": 1}, "k": 0})").ok());
}

TEST(JsonText, ANumberBeyondADoublesRangeIsRefusedNotThrown) {
  const core::JsonParse p = core::parse_json(R"({"v": 1e400})");
  EXPECT_EQ(p.status, core::JsonStatus::refused);
  EXPECT_NE(p.problem.find("1e400"), std::string::npos) << p.problem;
  EXPECT_NE(p.problem.find("double's range"), std::string::npos) << p.problem;
}

TEST(JsonText, ASyntaxErrorOrIllFormedUtf8IsNotJson) {
  for (const std::string text : {std::string("{\"a\": }"), std::string("{\"a\": \"x\xff\"}"), std::string(""), std::string("{} x")}) {
    const core::JsonParse p = core::parse_json(text);
    EXPECT_EQ(p.status, core::JsonStatus::not_json) << text;
    EXPECT_FALSE(p.problem.empty());
    EXPECT_TRUE(p.value.is_null());
  }
}

TEST(JsonText, CommentsOnlyWhereTheReaderAllowsThem) {
  const std::string text = "// a spec\n{\"a\": 1 /* one */}";
  EXPECT_EQ(core::parse_json(text).status, core::JsonStatus::not_json);
  EXPECT_TRUE(core::parse_json(text, {.comments = true}).ok());
}

TEST(JsonText, OrderedDocumentsKeepTheirKeysOrder) {
  const core::OrderedJsonParse p = core::parse_json<nlohmann::ordered_json>(R"({"z": 1, "a": 2})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value.begin().key(), "z");
  EXPECT_EQ(core::parse_json<nlohmann::ordered_json>(R"({"z": 1, "z": 2})").status, core::JsonStatus::refused);
}

TEST(JsonText, OrThrowNamesTheInput) {
  try {
    core::parse_json_or_throw(R"({"k": 1, "k": 2})", "spec.json");
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "spec.json: key \"k\" given twice in one object; expected each key once");
  }
  try {
    core::parse_json_or_throw("{", "spec.json");
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("spec.json: expected JSON: ")) << e.what();
  }
}

TEST(Utf8, ValidTextPassesAndEachInvalidByteIsFound) {
  EXPECT_EQ(core::first_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(core::first_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(core::first_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(core::first_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(core::first_invalid_utf8("x\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(core::first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(core::first_invalid_utf8("\xE2\x82"), 0u);          // cut short
  std::size_t n = 0;
  EXPECT_EQ(core::replace_invalid_utf8("a\xFF\xFE" "b\xC3\xA9", &n), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\xC3\xA9");
  EXPECT_EQ(n, 2u);
}

TEST(Utf8, APrefixNeverEndsInsideACharacter) {
  const std::string fffd = "ab\xEF\xBF\xBD" "cd";  // U+FFFD is 3 bytes: a cut at 3 or 4 is inside it
  EXPECT_EQ(core::utf8_prefix(fffd, 2), "ab");
  EXPECT_EQ(core::utf8_prefix(fffd, 3), "ab");
  EXPECT_EQ(core::utf8_prefix(fffd, 4), "ab");
  EXPECT_EQ(core::utf8_prefix(fffd, 5), "ab\xEF\xBF\xBD");
  EXPECT_EQ(core::utf8_prefix(fffd, 100), fffd);
  const std::string emoji = "\xF0\x9F\x98\x80x";
  for (std::size_t cut = 0; cut < 4; ++cut) EXPECT_EQ(core::utf8_prefix(emoji, cut), "") << cut;
  EXPECT_EQ(core::utf8_prefix(emoji, 4), "\xF0\x9F\x98\x80");
  for (std::size_t cut = 0; cut <= emoji.size(); ++cut)
    EXPECT_EQ(core::first_invalid_utf8(core::utf8_prefix(emoji, cut)), std::string_view::npos) << cut;
}
