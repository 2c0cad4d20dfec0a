#include "bmfl/FileError.h"
#include "bmfl/Json.h"
#include "bmfl/Sha256.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

namespace
{

std::string errorOf(const std::string& text, bmfl::JsonLimits limits = {})
{
  try
  {
    bmfl::parseJson(text, "test.json", limits);
  }
  catch (const bmfl::FileError& error)
  {
    return error.what();
  }
  return "";
}

TEST(Json, RoundTripKeepsEveryTypeAndOrder)
{
  bmfl::JsonValue root = bmfl::JsonValue::object();
  root.set("zeta", 1);
  root.set("alpha", std::numeric_limits<std::int64_t>::min());
  root.set("real", 0.1);
  root.set("tiny", 5e-324);
  root.set("whole real", 2.0);
  root.set("text", "tab\t quote\" backslash\\ newline\n control\x01 \xC3\xA9 \xF0\x9F\x98\x80");
  root.set("flags", bmfl::JsonValue(bmfl::JsonValue::Array{ true, false, nullptr }));
  bmfl::JsonValue nested = bmfl::JsonValue::array();
  nested.push(bmfl::JsonValue::object());
  nested.push(bmfl::JsonValue::array());
  root.set("nested", std::move(nested));

  for (int indent : { 0, 2 })
  {
    const std::string text = bmfl::writeJson(root, indent);
    const bmfl::JsonValue back = bmfl::parseJson(text, "memory");
    EXPECT_EQ(back, root) << text;
    ASSERT_TRUE(back.isObject());
    EXPECT_EQ(back.asObject().front().first, "zeta");
    EXPECT_TRUE(back.find("whole real")->type() == bmfl::JsonValue::Type::Real);
    EXPECT_EQ(back.find("real")->asNumber(), 0.1);
    EXPECT_EQ(back.find("alpha")->asInteger(), std::numeric_limits<std::int64_t>::min());
  }
}

TEST(Json, DoublesRoundTripBitForBit)
{
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(-300.0, 300.0);
  for (int i = 0; i < 2000; ++i)
  {
    const double value = std::pow(10.0, exponent(random)) * (i % 2 ? -1.0 : 1.0);
    const bmfl::JsonValue back = bmfl::parseJson(bmfl::writeJson(bmfl::JsonValue(value), 0), "m");
    ASSERT_EQ(back.asNumber(), value);
  }
}

TEST(Json, ParsesEscapesAndSurrogatePairs)
{
  const bmfl::JsonValue value =
    bmfl::parseJson(R"(["\u00e9\uD83D\uDE00\/\b\f\n\r\t\"\\", "\u0000"])", "m");
  EXPECT_EQ(value.asArray()[0].asString(), "\xC3\xA9\xF0\x9F\x98\x80/\b\f\n\r\t\"\\");
  EXPECT_EQ(value.asArray()[1].asString(), std::string(1, '\0'));
}

TEST(Json, ErrorsNameFileLineAndColumn)
{
  // The position is where reading stopped: here the end of the bad literal, then the end of text.
  EXPECT_EQ(errorOf("{\n  \"a\": tru\n}"),
            "test.json: line 2, column 11: syntax error while parsing value - invalid literal; "
            "last read: '\"a\": tru<U+000A>'");
  EXPECT_EQ(errorOf("[1, 2"),
            "test.json: line 1, column 6: syntax error while parsing array - unexpected end of "
            "input; expected ']'");
  // Whatever the text holds, the message is one line of printable ASCII.
  const std::string message = errorOf("[\"\xFF\x1B[31m\"]");
  EXPECT_EQ(message.rfind("test.json: line 1, column 3: ", 0), 0u) << message;
  for (const char c : message)
  {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << message;
  }
}

TEST(Json, RejectsTruncatedText)
{
  const std::string whole = R"({"a": [1, 2.5, {"b": "text \u00e9"}], "c": null})";
  ASSERT_NO_THROW(bmfl::parseJson(whole, "m"));
  for (std::size_t length = 0; length < whole.size(); ++length)
  {
    EXPECT_THROW(bmfl::parseJson(whole.substr(0, length), "m"), bmfl::FileError) << length;
  }
}

TEST(Json, RejectsBadEscapesAndBadStrings)
{
  EXPECT_NE(errorOf(R"(["\x"])").find("forbidden character after backslash"), std::string::npos);
  EXPECT_NE(errorOf(R"(["\u12G4"])").find("must be followed by 4 hex digits"), std::string::npos);
  const std::string unpaired = "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
  EXPECT_NE(errorOf(R"(["\uD800"])").find(unpaired), std::string::npos);
  EXPECT_NE(errorOf(R"(["\uD800\u0041"])").find(unpaired), std::string::npos);
  EXPECT_NE(errorOf(R"(["\uDC00"])").find("surrogate U+DC00..U+DFFF must follow"),
            std::string::npos);
  EXPECT_NE(errorOf("[\"a\nb\"]").find("control character U+000A"), std::string::npos);
  const std::string illFormed = "ill-formed UTF-8 byte";
  EXPECT_NE(errorOf("[\"\xC3\"]").find(illFormed), std::string::npos);
  EXPECT_NE(errorOf("[\"\xC0\xAF\"]").find(illFormed), std::string::npos);     // overlong
  EXPECT_NE(errorOf("[\"\xED\xA0\x80\"]").find(illFormed), std::string::npos); // surrogate
  EXPECT_NE(errorOf("[\"abc"), "");
}

TEST(Json, RejectsDeepNestingWithoutCrashing)
{
  const std::string deep(100000, '[');
  EXPECT_NE(errorOf(deep).find("nesting deeper than 128 levels"), std::string::npos);
  std::string fine = std::string(128, '[') + std::string(128, ']');
  EXPECT_NO_THROW(bmfl::parseJson(fine, "m"));
  std::string tooDeep = std::string(129, '[') + std::string(129, ']');
  EXPECT_THROW(bmfl::parseJson(tooDeep, "m"), bmfl::FileError);
}

TEST(Json, NumbersFollowTheGrammarAndRange)
{
  EXPECT_NE(errorOf("[1e400]").find("number overflow parsing '1e400'"), std::string::npos);
  EXPECT_NE(errorOf("[-1e400]").find("number overflow parsing '-1e400'"), std::string::npos);
  EXPECT_NE(errorOf("[01]").find("unexpected number literal"), std::string::npos);
  EXPECT_NE(errorOf("[1.]").find("expected digit after '.'"), std::string::npos);
  EXPECT_NE(errorOf("[-]").find("expected digit after '-'"), std::string::npos);
  EXPECT_NE(errorOf("[1e]").find("after exponent"), std::string::npos);
  EXPECT_NE(errorOf("[+1]"), "");
  EXPECT_NE(errorOf("[NaN]"), "");
  EXPECT_NE(errorOf("[Infinity]"), "");
  EXPECT_NE(errorOf("[.5]"), "");
  // Beyond int64 a number becomes a double; tiny numbers underflow quietly to zero or subnormals.
  const bmfl::JsonValue big = bmfl::parseJson("[123456789012345678901234567890, 1e-400]", "m");
  EXPECT_EQ(big.asArray()[0].type(), bmfl::JsonValue::Type::Real);
  EXPECT_DOUBLE_EQ(big.asArray()[0].asNumber(), 1.2345678901234568e29);
  EXPECT_EQ(big.asArray()[1].asNumber(), 0.0);
  EXPECT_THROW(bmfl::writeJson(bmfl::JsonValue(std::nan(""))), std::invalid_argument);
}

TEST(Json, RejectsDuplicateKeys)
{
  EXPECT_EQ(errorOf("{\"a\": 1, \"a\": 2}"), "test.json: line 1, column 10: duplicate key \"a\"");
}

TEST(Json, RejectsTrailingGarbageCommentsAndCommas)
{
  EXPECT_NE(errorOf("{} x").find("expected end of input"), std::string::npos);
  EXPECT_NE(errorOf("{}{}").find("expected end of input"), std::string::npos);
  EXPECT_NE(errorOf("[1,]"), "");
  EXPECT_NE(errorOf("{\"a\":1,}"), "");
  EXPECT_NE(errorOf("// c\n{}"), "");
  EXPECT_NE(errorOf(""), "");
  EXPECT_NE(errorOf("   "), "");
  EXPECT_NO_THROW(bmfl::parseJson(" \t\r\n{}\n ", "m"));
  EXPECT_NO_THROW(bmfl::parseJson("\xEF\xBB\xBF{}", "m"));
  EXPECT_NO_THROW(bmfl::parseJson("\"scalar\"", "m"));
}

TEST(Json, SizeLimitIsCheckedFirst)
{
  bmfl::JsonLimits limits;
  limits.maxBytes = 10;
  EXPECT_NE(errorOf("[1,2,3,4,5,6]", limits).find("larger than the limit"), std::string::npos);
}

TEST(Json, ReadingAFolderOrNothingIsAFileError)
{
  try
  {
    bmfl::readJsonFile("/");
    FAIL() << "a folder was read as JSON";
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_STREQ(error.what(), "/: is not a regular file");
  }
  EXPECT_THROW(bmfl::readJsonFile("/nonexistent/manifest.json"), bmfl::FileError);
}

TEST(Json, RandomEditsParseOrFailInOneLine)
{
  // A cheap in-test fuzz: each mutation of a valid text either parses into a value that writes
  // back and reads back equal, or is refused with a FileError naming the source, with a line and
  // column, in one line of printable text. Nothing else may be thrown.
  const std::string seed = R"({"a": [1, -2.5e3, true, null, "x\u00e9\n"], "b": {"c": {}}})";
  std::mt19937 random(11);
  int parsed = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i)
  {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e)
    {
      const std::size_t at = random() % text.size();
      switch (random() % 3)
      {
        case 0:
          text[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, "[]{}\",:\\u0"[random() % 11]);
      }
      if (text.empty())
      {
        text = "[";
      }
    }
    bmfl::JsonValue value;
    try
    {
      value = bmfl::parseJson(text, "fuzz");
    }
    catch (const bmfl::FileError& error)
    {
      ++refused;
      const std::string message = error.what();
      ASSERT_EQ(message.rfind("fuzz: line ", 0), 0u) << message;
      for (const char c : message)
      {
        ASSERT_TRUE(c >= 0x20 && c < 0x7F) << message;
      }
      continue;
    }
    ++parsed;
    ASSERT_EQ(bmfl::parseJson(bmfl::writeJson(value), "again"), value) << text;
  }
  // Both outcomes are exercised (most single edits break the text, some leave it valid).
  EXPECT_GT(parsed, 500);
  EXPECT_GT(refused, 5000);
}

TEST(Sha256, KnownAnswers)
{
  EXPECT_EQ(bmfl::sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(bmfl::sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(bmfl::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a', fed in uneven pieces to exercise the buffering.
  bmfl::Sha256 hash;
  const std::string piece(997, 'a');
  std::size_t fed = 0;
  while (fed < 1000000)
  {
    const std::size_t take = std::min<std::size_t>(piece.size(), 1000000 - fed);
    hash.update(piece.data(), take);
    fed += take;
  }
  EXPECT_EQ(hash.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

} // namespace
