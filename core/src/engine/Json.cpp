#include "bmfl/Json.h"

#include "bmfl/FileError.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace bmfl
{

JsonValue::JsonValue(std::uint64_t value)
{
  if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
  {
    Value = static_cast<std::int64_t>(value);
  }
  else
  {
    Value = static_cast<double>(value);
  }
}

const char* JsonValue::typeName() const
{
  switch (type())
  {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "boolean";
    case Type::Integer:
      return "integer";
    case Type::Real:
      return "number";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "value";
}

namespace
{
[[noreturn]] void wrongType(const JsonValue& value, const char* wanted)
{
  throw std::logic_error(std::string("JSON value is ") + value.typeName() + ", not " + wanted);
}
} // namespace

bool JsonValue::asBool() const
{
  if (!isBool())
  {
    wrongType(*this, "boolean");
  }
  return std::get<bool>(Value);
}

std::int64_t JsonValue::asInteger() const
{
  if (!isInteger())
  {
    wrongType(*this, "integer");
  }
  return std::get<std::int64_t>(Value);
}

double JsonValue::asNumber() const
{
  if (isInteger())
  {
    return static_cast<double>(std::get<std::int64_t>(Value));
  }
  if (type() != Type::Real)
  {
    wrongType(*this, "number");
  }
  return std::get<double>(Value);
}

const std::string& JsonValue::asString() const
{
  if (!isString())
  {
    wrongType(*this, "string");
  }
  return std::get<std::string>(Value);
}

const JsonValue::Array& JsonValue::asArray() const
{
  if (!isArray())
  {
    wrongType(*this, "array");
  }
  return std::get<Array>(Value);
}

JsonValue::Array& JsonValue::asArray()
{
  if (!isArray())
  {
    wrongType(*this, "array");
  }
  return std::get<Array>(Value);
}

const JsonValue::Object& JsonValue::asObject() const
{
  if (!isObject())
  {
    wrongType(*this, "object");
  }
  return std::get<Object>(Value);
}

JsonValue::Object& JsonValue::asObject()
{
  if (!isObject())
  {
    wrongType(*this, "object");
  }
  return std::get<Object>(Value);
}

const JsonValue* JsonValue::find(std::string_view key) const
{
  if (!isObject())
  {
    return nullptr;
  }
  for (const Member& member : std::get<Object>(Value))
  {
    if (member.first == key)
    {
      return &member.second;
    }
  }
  return nullptr;
}

JsonValue* JsonValue::find(std::string_view key)
{
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->find(key));
}

bool JsonValue::erase(std::string_view key)
{
  if (!isObject())
  {
    return false;
  }
  Object& members = std::get<Object>(Value);
  for (auto member = members.begin(); member != members.end(); ++member)
  {
    if (member->first == key)
    {
      members.erase(member);
      return true;
    }
  }
  return false;
}

JsonValue& JsonValue::set(std::string key, JsonValue value)
{
  Object& members = asObject();
  members.emplace_back(std::move(key), std::move(value));
  return members.back().second;
}

JsonValue& JsonValue::push(JsonValue value)
{
  Array& elements = asArray();
  elements.push_back(std::move(value));
  return elements.back();
}

namespace
{

// Decodes one UTF-8 sequence at text[position]; returns its length, or 0 when it is not a
// well-formed sequence (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8SequenceLength(std::string_view text, std::size_t position)
{
  const auto byteAt = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byteAt(position);
  std::size_t length = 0;
  std::uint32_t codePoint = 0;
  if (lead < 0x80)
  {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF)
  {
    length = 2;
    codePoint = lead & 0x1Fu;
  }
  else if (lead >= 0xE0 && lead <= 0xEF)
  {
    length = 3;
    codePoint = lead & 0x0Fu;
  }
  else if (lead >= 0xF0 && lead <= 0xF4)
  {
    length = 4;
    codePoint = lead & 0x07u;
  }
  else
  {
    return 0;
  }
  if (text.size() - position < length)
  {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i)
  {
    const unsigned char continuation = byteAt(position + i);
    if ((continuation & 0xC0u) != 0x80u)
    {
      return 0;
    }
    codePoint = (codePoint << 6) | (continuation & 0x3Fu);
  }
  const std::uint32_t smallest = length == 2 ? 0x80u : length == 3 ? 0x800u : 0x10000u;
  if (codePoint < smallest || codePoint > 0x10FFFFu ||
      (codePoint >= 0xD800u && codePoint <= 0xDFFFu))
  {
    return 0;
  }
  return length;
}

void appendUtf8(std::string& out, std::uint32_t codePoint)
{
  if (codePoint < 0x80u)
  {
    out += static_cast<char>(codePoint);
  }
  else if (codePoint < 0x800u)
  {
    out += static_cast<char>(0xC0u | (codePoint >> 6));
    out += static_cast<char>(0x80u | (codePoint & 0x3Fu));
  }
  else if (codePoint < 0x10000u)
  {
    out += static_cast<char>(0xE0u | (codePoint >> 12));
    out += static_cast<char>(0x80u | ((codePoint >> 6) & 0x3Fu));
    out += static_cast<char>(0x80u | (codePoint & 0x3Fu));
  }
  else
  {
    out += static_cast<char>(0xF0u | (codePoint >> 18));
    out += static_cast<char>(0x80u | ((codePoint >> 12) & 0x3Fu));
    out += static_cast<char>(0x80u | ((codePoint >> 6) & 0x3Fu));
    out += static_cast<char>(0x80u | (codePoint & 0x3Fu));
  }
}

// A recursive-descent parser. Recursion is bounded by limits.maxDepth, so hostile nesting gives
// an error rather than a stack overflow.
class Parser
{
public:
  Parser(std::string_view text, const std::string& sourceName, const JsonLimits& limits)
    : Text(text)
    , SourceName(sourceName)
    , Limits(limits)
  {
  }

  JsonValue parseDocument()
  {
    if (Text.size() > Limits.maxBytes)
    {
      throw FileError(SourceName,
                      "JSON text of " + std::to_string(Text.size()) +
                        " bytes is larger than the limit of " + std::to_string(Limits.maxBytes));
    }
    // A UTF-8 byte order mark is tolerated (RFC 8259 section 8.1 allows ignoring it).
    if (Text.substr(0, 3) == "\xEF\xBB\xBF")
    {
      Position = 3;
    }
    skipWhitespace();
    JsonValue value = parseValue(0);
    skipWhitespace();
    if (Position != Text.size())
    {
      fail("unexpected " + describeHere() + " after the JSON value");
    }
    return value;
  }

private:
  [[noreturn]] void fail(const std::string& problem) const { failAt(Position, problem); }

  [[noreturn]] void failAt(std::size_t position, const std::string& problem) const
  {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < position && i < Text.size(); ++i)
    {
      if (Text[i] == '\n')
      {
        ++line;
        column = 1;
      }
      else if ((static_cast<unsigned char>(Text[i]) & 0xC0u) != 0x80u)
      {
        // Columns count characters, not the continuation bytes of a UTF-8 sequence.
        ++column;
      }
    }
    throw FileError(SourceName,
                    "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                      problem);
  }

  std::string describeHere() const
  {
    if (Position >= Text.size())
    {
      return "end of text";
    }
    const unsigned char c = static_cast<unsigned char>(Text[Position]);
    if (c >= 0x20 && c < 0x7F)
    {
      return std::string("character '") + static_cast<char>(c) + "'";
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", c);
    return std::string("byte ") + hex;
  }

  void skipWhitespace()
  {
    while (Position < Text.size())
    {
      const char c = Text[Position];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      {
        return;
      }
      ++Position;
    }
  }

  void expectLiteral(std::string_view literal)
  {
    if (Text.substr(Position, literal.size()) != literal)
    {
      fail("unexpected " + describeHere() + " (expected a JSON value)");
    }
    Position += literal.size();
  }

  JsonValue parseValue(std::size_t depth)
  {
    if (Position >= Text.size())
    {
      fail("unexpected end of text (expected a JSON value)");
    }
    switch (Text[Position])
    {
      case '{':
        return parseObject(depth + 1);
      case '[':
        return parseArray(depth + 1);
      case '"':
        return JsonValue(parseString());
      case 't':
        expectLiteral("true");
        return JsonValue(true);
      case 'f':
        expectLiteral("false");
        return JsonValue(false);
      case 'n':
        expectLiteral("null");
        return JsonValue();
      default:
        if (Text[Position] == '-' || (Text[Position] >= '0' && Text[Position] <= '9'))
        {
          return parseNumber();
        }
        fail("unexpected " + describeHere() + " (expected a JSON value)");
    }
  }

  void checkDepth(std::size_t depth) const
  {
    if (depth > Limits.maxDepth)
    {
      fail("nesting deeper than " + std::to_string(Limits.maxDepth) + " levels");
    }
  }

  JsonValue parseObject(std::size_t depth)
  {
    checkDepth(depth);
    ++Position; // '{'
    JsonValue::Object members;
    skipWhitespace();
    if (Position < Text.size() && Text[Position] == '}')
    {
      ++Position;
      return JsonValue(std::move(members));
    }
    while (true)
    {
      skipWhitespace();
      if (Position >= Text.size() || Text[Position] != '"')
      {
        fail("unexpected " + describeHere() + " (expected a member name in double quotes)");
      }
      const std::size_t keyPosition = Position;
      std::string key = parseString();
      for (const JsonValue::Member& member : members)
      {
        if (member.first == key)
        {
          failAt(keyPosition, "duplicate key \"" + key + "\"");
        }
      }
      skipWhitespace();
      if (Position >= Text.size() || Text[Position] != ':')
      {
        fail("unexpected " + describeHere() + " (expected ':' after a member name)");
      }
      ++Position;
      skipWhitespace();
      JsonValue value = parseValue(depth);
      members.emplace_back(std::move(key), std::move(value));
      skipWhitespace();
      if (Position < Text.size() && Text[Position] == ',')
      {
        ++Position;
        continue;
      }
      if (Position < Text.size() && Text[Position] == '}')
      {
        ++Position;
        return JsonValue(std::move(members));
      }
      fail("unexpected " + describeHere() + " (expected ',' or '}' in an object)");
    }
  }

  JsonValue parseArray(std::size_t depth)
  {
    checkDepth(depth);
    ++Position; // '['
    JsonValue::Array elements;
    skipWhitespace();
    if (Position < Text.size() && Text[Position] == ']')
    {
      ++Position;
      return JsonValue(std::move(elements));
    }
    while (true)
    {
      skipWhitespace();
      elements.push_back(parseValue(depth));
      skipWhitespace();
      if (Position < Text.size() && Text[Position] == ',')
      {
        ++Position;
        continue;
      }
      if (Position < Text.size() && Text[Position] == ']')
      {
        ++Position;
        return JsonValue(std::move(elements));
      }
      fail("unexpected " + describeHere() + " (expected ',' or ']' in an array)");
    }
  }

  unsigned parseHexQuad()
  {
    if (Text.size() - Position < 4)
    {
      fail("unexpected end of text in a \\u escape");
    }
    unsigned value = 0;
    for (int i = 0; i < 4; ++i)
    {
      const char c = Text[Position];
      unsigned digit = 0;
      if (c >= '0' && c <= '9')
      {
        digit = static_cast<unsigned>(c - '0');
      }
      else if (c >= 'a' && c <= 'f')
      {
        digit = static_cast<unsigned>(c - 'a' + 10);
      }
      else if (c >= 'A' && c <= 'F')
      {
        digit = static_cast<unsigned>(c - 'A' + 10);
      }
      else
      {
        fail("invalid hexadecimal digit in a \\u escape");
      }
      value = value * 16 + digit;
      ++Position;
    }
    return value;
  }

  std::string parseString()
  {
    const std::size_t start = Position;
    ++Position; // '"'
    std::string out;
    while (true)
    {
      if (Position >= Text.size())
      {
        failAt(start, "string is not terminated");
      }
      const unsigned char c = static_cast<unsigned char>(Text[Position]);
      if (c == '"')
      {
        ++Position;
        return out;
      }
      if (c < 0x20)
      {
        fail("control character in a string (it must be escaped)");
      }
      if (c == '\\')
      {
        parseEscape(out);
        continue;
      }
      const std::size_t length = utf8SequenceLength(Text, Position);
      if (length == 0)
      {
        fail("invalid UTF-8 in a string");
      }
      out.append(Text.substr(Position, length));
      Position += length;
    }
  }

  void parseEscape(std::string& out)
  {
    const std::size_t escapeStart = Position;
    ++Position; // '\'
    if (Position >= Text.size())
    {
      fail("unexpected end of text in an escape");
    }
    const char kind = Text[Position++];
    switch (kind)
    {
      case '"':
        out += '"';
        return;
      case '\\':
        out += '\\';
        return;
      case '/':
        out += '/';
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        break;
      default:
        failAt(escapeStart,
               std::string("invalid escape \\") + (static_cast<unsigned char>(kind) >= 0x20 &&
                                                       static_cast<unsigned char>(kind) < 0x7F
                                                     ? std::string(1, kind)
                                                     : std::string("?")));
    }
    std::uint32_t codePoint = parseHexQuad();
    if (codePoint >= 0xDC00u && codePoint <= 0xDFFFu)
    {
      failAt(escapeStart, "lone low surrogate in a \\u escape");
    }
    if (codePoint >= 0xD800u && codePoint <= 0xDBFFu)
    {
      if (Text.substr(Position, 2) != "\\u")
      {
        failAt(escapeStart, "high surrogate in a \\u escape without its low surrogate");
      }
      Position += 2;
      const std::uint32_t low = parseHexQuad();
      if (low < 0xDC00u || low > 0xDFFFu)
      {
        failAt(escapeStart, "high surrogate in a \\u escape without its low surrogate");
      }
      codePoint = 0x10000u + ((codePoint - 0xD800u) << 10) + (low - 0xDC00u);
    }
    appendUtf8(out, codePoint);
  }

  JsonValue parseNumber()
  {
    const std::size_t start = Position;
    bool integral = true;
    if (Text[Position] == '-')
    {
      ++Position;
    }
    const auto isDigit = [&](std::size_t i)
    { return i < Text.size() && Text[i] >= '0' && Text[i] <= '9'; };
    if (!isDigit(Position))
    {
      fail("a number needs a digit after '-'");
    }
    if (Text[Position] == '0')
    {
      ++Position;
      if (isDigit(Position))
      {
        fail("a number may not have a leading zero");
      }
    }
    else
    {
      while (isDigit(Position))
      {
        ++Position;
      }
    }
    if (Position < Text.size() && Text[Position] == '.')
    {
      integral = false;
      ++Position;
      if (!isDigit(Position))
      {
        fail("a number needs a digit after the decimal point");
      }
      while (isDigit(Position))
      {
        ++Position;
      }
    }
    if (Position < Text.size() && (Text[Position] == 'e' || Text[Position] == 'E'))
    {
      integral = false;
      ++Position;
      if (Position < Text.size() && (Text[Position] == '+' || Text[Position] == '-'))
      {
        ++Position;
      }
      if (!isDigit(Position))
      {
        fail("a number needs a digit in its exponent");
      }
      while (isDigit(Position))
      {
        ++Position;
      }
    }
    const std::string_view lexeme = Text.substr(start, Position - start);
    if (integral)
    {
      std::int64_t value = 0;
      const auto [end, error] =
        std::from_chars(lexeme.data(), lexeme.data() + lexeme.size(), value);
      if (error == std::errc() && end == lexeme.data() + lexeme.size())
      {
        return JsonValue(value);
      }
      // Integers beyond int64 fall through to a double, as most JSON readers do.
    }
    // strtod needs a terminated string; the lexeme is short and checked, so a copy is cheap.
    const std::string terminated(lexeme);
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(terminated.c_str(), &end);
    if (!std::isfinite(value) || (errno == ERANGE && std::fabs(value) > 1.0))
    {
      failAt(start,
             "number " + (terminated.size() > 32 ? terminated.substr(0, 32) + "..." : terminated) +
               " is out of the range of a double");
    }
    return JsonValue(value);
  }

  std::string_view Text;
  const std::string& SourceName;
  const JsonLimits& Limits;
  std::size_t Position = 0;
};

void writeString(std::string& out, const std::string& text)
{
  out += '"';
  for (std::size_t i = 0; i < text.size();)
  {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\')
    {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    }
    else if (c < 0x20)
    {
      switch (c)
      {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
        {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(c));
          out += escape;
        }
      }
      ++i;
    }
    else
    {
      const std::size_t length = utf8SequenceLength(text, i);
      if (length == 0)
      {
        throw std::invalid_argument("JSON strings must be valid UTF-8");
      }
      out.append(text, i, length);
      i += length;
    }
  }
  out += '"';
}

void writeNumber(std::string& out, double value)
{
  if (!std::isfinite(value))
  {
    throw std::invalid_argument("JSON has no NaN or infinity");
  }
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc())
  {
    throw std::invalid_argument("a number could not be formatted");
  }
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out.append(text);
  // Shortest round-trip form may look like an integer ("2"); keep it a real when read back.
  if (text.find_first_of(".eE") == std::string_view::npos)
  {
    out += ".0";
  }
}

void writeValue(std::string& out, const JsonValue& value, int indent, int level)
{
  const auto newline = [&](int atLevel)
  {
    if (indent > 0)
    {
      out += '\n';
      out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(atLevel), ' ');
    }
  };
  switch (value.type())
  {
    case JsonValue::Type::Null:
      out += "null";
      return;
    case JsonValue::Type::Bool:
      out += value.asBool() ? "true" : "false";
      return;
    case JsonValue::Type::Integer:
      out += std::to_string(value.asInteger());
      return;
    case JsonValue::Type::Real:
      writeNumber(out, value.asNumber());
      return;
    case JsonValue::Type::String:
      writeString(out, value.asString());
      return;
    case JsonValue::Type::Array:
    {
      const JsonValue::Array& elements = value.asArray();
      out += '[';
      // Arrays of scalars stay on one line: vertex lists and class names read better that way.
      bool allScalars = true;
      for (const JsonValue& element : elements)
      {
        allScalars = allScalars && !element.isArray() && !element.isObject();
      }
      for (std::size_t i = 0; i < elements.size(); ++i)
      {
        if (i > 0)
        {
          out += allScalars && indent > 0 ? ", " : ",";
        }
        if (!allScalars)
        {
          newline(level + 1);
        }
        writeValue(out, elements[i], indent, level + 1);
      }
      if (!allScalars && !elements.empty())
      {
        newline(level);
      }
      out += ']';
      return;
    }
    case JsonValue::Type::Object:
    {
      const JsonValue::Object& members = value.asObject();
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i)
      {
        if (i > 0)
        {
          out += ',';
        }
        newline(level + 1);
        writeString(out, members[i].first);
        out += indent > 0 ? ": " : ":";
        writeValue(out, members[i].second, indent, level + 1);
      }
      if (!members.empty())
      {
        newline(level);
      }
      out += '}';
      return;
    }
  }
}

} // namespace

JsonValue parseJson(std::string_view text, const std::string& sourceName, const JsonLimits& limits)
{
  return Parser(text, sourceName, limits).parseDocument();
}

JsonValue readJsonFile(const std::string& path, const JsonLimits& limits)
{
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
  {
    throw FileError(
      path, std::filesystem::exists(path, error) ? "is not a regular file" : "does not exist");
  }
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file)
  {
    throw FileError(path, "cannot be opened for reading");
  }
  const std::streamoff size = file.tellg();
  if (size < 0)
  {
    throw FileError(path, "cannot be read");
  }
  if (static_cast<std::uint64_t>(size) > limits.maxBytes)
  {
    throw FileError(path,
                    "JSON file of " + std::to_string(size) + " bytes is larger than the limit of " +
                      std::to_string(limits.maxBytes));
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  file.seekg(0);
  if (!file.read(text.data(), size))
  {
    throw FileError(path, "cannot be read");
  }
  return parseJson(text, path, limits);
}

std::string writeJson(const JsonValue& value, int indent)
{
  std::string out;
  writeValue(out, value, indent, 0);
  if (indent > 0)
  {
    out += '\n';
  }
  return out;
}

} // namespace bmfl
