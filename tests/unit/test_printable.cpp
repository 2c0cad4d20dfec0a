#include "bmfl/Printable.h"

#include <gtest/gtest.h>

#include <string>

using bmfl::printable;

TEST(Printable, KeepsPlainAndUnicodeText)
{
  EXPECT_EQ(printable("T-shirt/top"), "T-shirt/top");
  EXPECT_EQ(printable("Ankle boot \xe9\x9e\x8b"), "Ankle boot \xe9\x9e\x8b"); // 鞋
  EXPECT_EQ(printable("caf\xc3\xa9 \xf0\x9f\x91\x9f"), "caf\xc3\xa9 \xf0\x9f\x91\x9f");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesControlCharacters)
{
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable("a\nb\tc\rd"), "a\\x0ab\\x09c\\x0dd");
  EXPECT_EQ(printable(std::string("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  // C1 controls in UTF-8 (U+009B is a one-character CSI on some terminals).
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "\\xc2\\x9b2J");
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0"); // U+00A0 is not a control character
}

TEST(Printable, EscapesBytesThatAreNotUtf8)
{
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("cut \xe9\x9e"), "cut \\xe9\\x9e");           // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                   // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");          // a surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); // past U+10FFFF
}
