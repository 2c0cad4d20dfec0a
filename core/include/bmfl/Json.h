#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bmfl
{

/// A JSON value (RFC 8259). Objects keep their members in the order they were written, so a
/// manifest written by bmfl reads the same way a person would write it. Integers that fit an
/// int64 are kept exactly; every other number is a double.
class JsonValue
{
public:
  enum class Type
  {
    Null,
    Bool,
    Integer,
    Real,
    String,
    Array,
    Object
  };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  JsonValue() = default;
  JsonValue(std::nullptr_t) {}
  JsonValue(bool value)
    : Value(value)
  {
  }
  JsonValue(int value)
    : Value(std::int64_t{ value })
  {
  }
  JsonValue(std::int64_t value)
    : Value(value)
  {
  }
  JsonValue(std::uint64_t value);
  JsonValue(double value)
    : Value(value)
  {
  }
  JsonValue(const char* value)
    : Value(std::string(value))
  {
  }
  JsonValue(std::string value)
    : Value(std::move(value))
  {
  }
  JsonValue(Array value)
    : Value(std::move(value))
  {
  }
  JsonValue(Object value)
    : Value(std::move(value))
  {
  }

  static JsonValue array() { return JsonValue(Array{}); }
  static JsonValue object() { return JsonValue(Object{}); }

  Type type() const { return static_cast<Type>(Value.index()); }
  /// "null", "boolean", "integer", "number", "string", "array" or "object": for error messages.
  const char* typeName() const;

  bool isNull() const { return type() == Type::Null; }
  bool isBool() const { return type() == Type::Bool; }
  bool isInteger() const { return type() == Type::Integer; }
  bool isNumber() const { return type() == Type::Integer || type() == Type::Real; }
  bool isString() const { return type() == Type::String; }
  bool isArray() const { return type() == Type::Array; }
  bool isObject() const { return type() == Type::Object; }

  // The accessors throw std::logic_error when the type differs: check first (or use the
  // manifest reader, which turns a wrong type into a FileError naming the field).
  bool asBool() const;
  std::int64_t asInteger() const;
  double asNumber() const; ///< an integer or a real, as a double
  const std::string& asString() const;
  const Array& asArray() const;
  Array& asArray();
  const Object& asObject() const;
  Object& asObject();

  /// The member with this key, or nullptr (also when this is not an object).
  const JsonValue* find(std::string_view key) const;
  JsonValue* find(std::string_view key);
  /// Removes the member with this key from an object; false when there was none.
  bool erase(std::string_view key);
  /// Appends a member to an object (keys are not checked for duplicates: the writer's caller
  /// owns that) and returns it.
  JsonValue& set(std::string key, JsonValue value);
  /// Appends an element to an array and returns it.
  JsonValue& push(JsonValue value);

  bool operator==(const JsonValue& other) const { return Value == other.Value; }
  bool operator!=(const JsonValue& other) const { return !(*this == other); }

private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> Value;
};

struct JsonLimits
{
  std::size_t maxBytes = std::size_t{ 64 } << 20; ///< larger texts are refused before parsing
  std::size_t maxDepth = 128;                     ///< nesting of arrays and objects
};

/// Parses one JSON text strictly (nlohmann-json's RFC 8259 parser: UTF-8, no comments, no
/// trailing commas, no NaN/Infinity, nothing after the value), adding what a manifest needs:
/// duplicate keys in an object are an error (two values for one field are ambiguous), nesting is
/// bounded by limits.maxDepth, numbers beyond the double range are an error. Throws
/// FileError(sourceName, "line L, column C: problem"), one line of printable ASCII.
JsonValue parseJson(std::string_view text,
                    const std::string& sourceName,
                    const JsonLimits& limits = {});

/// Reads and parses a file; its size is checked against limits.maxBytes before it is read.
JsonValue readJsonFile(const std::string& path, const JsonLimits& limits = {});

/// Writes a value as JSON text: indent > 0 gives one member per line, 0 gives a single line.
/// Doubles are written with enough digits to read back bit for bit. Throws
/// std::invalid_argument for a NaN or infinite number (JSON has none) or a string that is not
/// valid UTF-8.
std::string writeJson(const JsonValue& value, int indent = 2);

} // namespace bmfl
