#include "bmfl/Json.h"

#include "bmfl/FileError.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
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

using Nlohmann = nlohmann::json;

// Line and column (in characters, 1-based) of a byte offset, for error messages.
std::string lineAndColumn(std::string_view text, std::size_t offset)
{
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
  {
    if (text[i] == '\n')
    {
      ++line;
      column = 1;
    }
    else if ((static_cast<unsigned char>(text[i]) & 0xC0u) != 0x80u)
    {
      // Columns count characters, not the continuation bytes of a UTF-8 sequence.
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix
// (the position is given our way), printable ASCII only and of bounded length: it quotes the
// token it stopped at, which may be long or hold any byte.
std::string describeLibraryError(const std::string& message)
{
  std::string_view text(message);
  if (!text.empty() && text.front() == '[')
  {
    const std::size_t close = text.find("] ");
    text.remove_prefix(close == std::string_view::npos ? 0 : close + 2);
  }
  if (text.rfind("parse error", 0) == 0)
  {
    const std::size_t colon = text.find(": ");
    text.remove_prefix(colon == std::string_view::npos ? 0 : colon + 2);
  }
  constexpr std::size_t MaxLength = 160;
  std::string out;
  for (const char c : text)
  {
    if (out.size() >= MaxLength)
    {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F)
    {
      out += c;
    }
    else
    {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  return out;
}

// Reads bytes for nlohmann's lexer and remembers how many it took, so that the checks done in
// the SAX callbacks (duplicate keys, depth) can say where they failed.
class CountingIterator
{
public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* begin, const char* at, std::size_t* consumed)
    : Begin(begin)
    , At(at)
    , Consumed(consumed)
  {
  }

  reference operator*() const { return *At; }
  CountingIterator& operator++()
  {
    ++At;
    *Consumed = static_cast<std::size_t>(At - Begin);
    return *this;
  }
  CountingIterator operator++(int)
  {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return At == other.At; }
  bool operator!=(const CountingIterator& other) const { return At != other.At; }

private:
  const char* Begin;
  const char* At;
  std::size_t* Consumed;
};

// Builds a JsonValue from nlohmann's SAX events, adding what RFC 8259 leaves open and a
// manifest needs: duplicate keys are an error, nesting is bounded, numbers stay in range.
// nlohmann's parser is iterative, so hostile nesting cannot overflow the stack either way.
class Builder
{
public:
  Builder(std::string_view text, const std::string& sourceName, const JsonLimits& limits)
    : Text(text)
    , SourceName(sourceName)
    , Limits(limits)
  {
  }

  std::size_t* consumed() { return &Consumed; }

  JsonValue take() { return std::move(Root); }

  bool null() { return add(JsonValue()); }
  bool boolean(bool value) { return add(JsonValue(value)); }
  bool number_integer(Nlohmann::number_integer_t value)
  {
    return add(JsonValue(static_cast<std::int64_t>(value)));
  }
  bool number_unsigned(Nlohmann::number_unsigned_t value)
  {
    return add(JsonValue(static_cast<std::uint64_t>(value)));
  }
  bool number_float(Nlohmann::number_float_t value, const Nlohmann::string_t& /*lexeme*/)
  {
    return add(JsonValue(static_cast<double>(value)));
  }
  bool string(Nlohmann::string_t& value) { return add(JsonValue(std::move(value))); }
  bool binary(Nlohmann::binary_t& /*value*/) { return false; } // JSON text has none

  bool start_object(std::size_t /*elements*/) { return open(JsonValue::object()); }
  bool start_array(std::size_t /*elements*/) { return open(JsonValue::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Nlohmann::string_t& name)
  {
    JsonValue& object = *Open.back();
    if (object.find(name) != nullptr)
    {
      failAt(keyStart(), "duplicate key \"" + describeLibraryError(name) + "\"");
    }
    PendingKey = std::move(name);
    return true;
  }

  bool parse_error(std::size_t position,
                   const std::string& /*lastToken*/,
                   const nlohmann::detail::exception& error)
  {
    // position counts the bytes read, the one that failed (or the end of text) included.
    failAt(position > 0 ? position - 1 : 0, describeLibraryError(error.what()));
  }

private:
  [[noreturn]] void failAt(std::size_t offset, const std::string& problem) const
  {
    throw FileError(SourceName, lineAndColumn(Text, offset) + ": " + problem);
  }

  // The opening quote of the key just read (the lexer has read up to its closing quote).
  std::size_t keyStart() const
  {
    std::size_t at = Consumed >= 2 ? Consumed - 2 : 0;
    while (at > 0)
    {
      if (Text[at] == '"')
      {
        std::size_t backslashes = 0;
        while (backslashes < at && Text[at - 1 - backslashes] == '\\')
        {
          ++backslashes;
        }
        if (backslashes % 2 == 0)
        {
          return at;
        }
      }
      --at;
    }
    return at;
  }

  JsonValue* place(JsonValue value)
  {
    if (Open.empty())
    {
      Root = std::move(value);
      return &Root;
    }
    JsonValue& parent = *Open.back();
    if (parent.isArray())
    {
      return &parent.push(std::move(value));
    }
    return &parent.set(std::move(PendingKey), std::move(value));
  }

  bool add(JsonValue value)
  {
    place(std::move(value));
    return true;
  }

  bool open(JsonValue container)
  {
    if (Open.size() >= Limits.maxDepth)
    {
      failAt(Consumed > 0 ? Consumed - 1 : 0,
             "nesting deeper than " + std::to_string(Limits.maxDepth) + " levels");
    }
    Open.push_back(place(std::move(container)));
    return true;
  }

  bool close()
  {
    Open.pop_back();
    return true;
  }

  std::string_view Text;
  const std::string& SourceName;
  const JsonLimits& Limits;
  std::size_t Consumed = 0;
  JsonValue Root;
  // The containers being filled, outermost first. Pointers stay valid: a container's own
  // vector only grows while it is the innermost open one, and its children are then closed.
  std::vector<JsonValue*> Open;
  std::string PendingKey;
};

// One scalar as JSON text, by nlohmann (escaping, UTF-8 check, shortest round-trip doubles).
std::string scalarText(const Nlohmann& scalar)
{
  try
  {
    return scalar.dump(-1, ' ', false, Nlohmann::error_handler_t::strict);
  }
  catch (const Nlohmann::type_error&)
  {
    throw std::invalid_argument("JSON strings must be valid UTF-8");
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
      if (!std::isfinite(value.asNumber()))
      {
        throw std::invalid_argument("JSON has no NaN or infinity");
      }
      out += scalarText(Nlohmann(value.asNumber()));
      return;
    case JsonValue::Type::String:
      out += scalarText(Nlohmann(value.asString()));
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
        out += scalarText(Nlohmann(members[i].first));
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
  if (text.size() > limits.maxBytes)
  {
    throw FileError(sourceName,
                    "JSON text of " + std::to_string(text.size()) +
                      " bytes is larger than the limit of " + std::to_string(limits.maxBytes));
  }
  Builder builder(text, sourceName, limits);
  const char* begin = text.data();
  // Strict: exactly one value and nothing after it; comments are an error. Every error throws
  // from the builder's callbacks, so a false result cannot happen for JSON text.
  if (!Nlohmann::sax_parse(CountingIterator(begin, begin, builder.consumed()),
                           CountingIterator(begin, begin + text.size(), builder.consumed()),
                           &builder,
                           nlohmann::detail::input_format_t::json,
                           true,
                           false))
  {
    throw FileError(sourceName, "is not a JSON text");
  }
  return builder.take();
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
