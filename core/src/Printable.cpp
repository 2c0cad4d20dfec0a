#include "bmfl/Printable.h"

#include <cstdint>

namespace bmfl
{

namespace
{

void appendEscape(std::string& out, unsigned value)
{
  static const char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[(value >> 4) & 0xf];
  out += digits[value & 0xf];
}

// The length of the valid UTF-8 sequence at text[at] (overlong forms, surrogates and code points
// past U+10FFFF are invalid), or 0; codePoint receives its value.
std::size_t sequenceLength(std::string_view text, std::size_t at, std::uint32_t& codePoint)
{
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf)
  {
    length = 2;
    codePoint = lead & 0x1fu;
    minimum = 0x80;
  }
  else if (lead >= 0xe0 && lead <= 0xef)
  {
    length = 3;
    codePoint = lead & 0x0fu;
    minimum = 0x800;
  }
  else if (lead >= 0xf0 && lead <= 0xf4)
  {
    length = 4;
    codePoint = lead & 0x07u;
    minimum = 0x10000;
  }
  else
  {
    return 0;
  }
  if (at + length > text.size())
  {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i)
  {
    if ((byte(i) & 0xc0u) != 0x80u)
    {
      return 0;
    }
    codePoint = (codePoint << 6) | (byte(i) & 0x3fu);
  }
  const bool surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
  return codePoint < minimum || codePoint > 0x10ffff || surrogate ? 0 : length;
}

} // namespace

std::string printable(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();)
  {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80)
    {
      if (lead < 0x20 || lead == 0x7f)
      {
        appendEscape(out, lead);
      }
      else
      {
        out += static_cast<char>(lead);
      }
      ++at;
      continue;
    }
    std::uint32_t codePoint = 0;
    const std::size_t length = sequenceLength(text, at, codePoint);
    if (length == 0)
    {
      appendEscape(out, lead);
      ++at;
    }
    else if (codePoint <= 0x9f) // a C1 control character (U+0080..U+009F)
    {
      for (std::size_t i = 0; i < length; ++i)
      {
        appendEscape(out, static_cast<unsigned char>(text[at + i]));
      }
      at += length;
    }
    else
    {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

} // namespace bmfl
