#include "bmfl/Npy.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace bmfl
{

namespace
{

constexpr std::string_view Magic("\x93NUMPY", 6);
/// NumPy itself refuses headers over 10,000 bytes unless told otherwise; no array bmfl reads needs
/// a longer one, and the cap bounds what a hostile length field can make us read.
constexpr std::uint64_t MaxHeaderBytes = 65536;
constexpr std::size_t ChunkBytes = std::size_t{ 1 } << 20;

bool hostIsBigEndian()
{
  const std::uint16_t probe = 1;
  unsigned char first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 0;
}

/// Loads one element stored in the given byte order.
template<typename Raw>
Raw loadElement(const unsigned char* at, bool swap)
{
  unsigned char bytes[sizeof(Raw)];
  std::memcpy(bytes, at, sizeof(Raw));
  if (swap)
  {
    std::reverse(std::begin(bytes), std::end(bytes));
  }
  Raw value;
  std::memcpy(&value, bytes, sizeof(Raw));
  return value;
}

template<typename Raw, typename Out>
void decodeAs(const unsigned char* source, std::size_t count, bool swap, Out* out)
{
  for (std::size_t index = 0; index < count; ++index)
  {
    out[index] = static_cast<Out>(loadElement<Raw>(source + index * sizeof(Raw), swap));
  }
}

/// Decodes count elements of the file's type into Out (float, double or int64).
template<typename Out>
void decodeElements(NpyElementType type,
                    bool bigEndian,
                    const unsigned char* source,
                    std::size_t count,
                    Out* out)
{
  const bool swap = bigEndian != hostIsBigEndian();
  switch (type)
  {
    case NpyElementType::Float32:
      decodeAs<float>(source, count, swap, out);
      break;
    case NpyElementType::Float64:
      decodeAs<double>(source, count, swap, out);
      break;
    case NpyElementType::Int8:
      decodeAs<std::int8_t>(source, count, false, out);
      break;
    case NpyElementType::Int16:
      decodeAs<std::int16_t>(source, count, swap, out);
      break;
    case NpyElementType::Int32:
      decodeAs<std::int32_t>(source, count, swap, out);
      break;
    case NpyElementType::Int64:
      decodeAs<std::int64_t>(source, count, swap, out);
      break;
    case NpyElementType::UInt8:
      decodeAs<std::uint8_t>(source, count, false, out);
      break;
    case NpyElementType::UInt16:
      decodeAs<std::uint16_t>(source, count, swap, out);
      break;
    case NpyElementType::Bool:
      for (std::size_t index = 0; index < count; ++index)
      {
        out[index] = static_cast<Out>(source[index] != 0 ? 1 : 0);
      }
      break;
  }
}

std::string shapeText(const std::vector<std::uint64_t>& shape)
{
  std::string text = "(";
  for (std::size_t axis = 0; axis < shape.size(); ++axis)
  {
    text += (axis > 0 ? ", " : "") + std::to_string(shape[axis]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// A strict reader of the Python dict literal in a .npy header:
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderDictParser
{
public:
  HeaderDictParser(const std::string& path, std::string_view text)
    : Path(path)
    , Text(text)
  {
  }

  void parse(NpyHeader& header)
  {
    bool haveDescr = false;
    bool haveOrder = false;
    bool haveShape = false;
    expect('{');
    skipSpace();
    while (peek() != '}')
    {
      const std::string key = parseString();
      skipSpace();
      expect(':');
      skipSpace();
      if (key == "descr")
      {
        refuseRepeat(haveDescr, key);
        if (peek() == '[')
        {
          fail("structured dtypes (a list 'descr') are not supported");
        }
        parseDescr(parseString(), header);
      }
      else if (key == "fortran_order")
      {
        refuseRepeat(haveOrder, key);
        header.fortranOrder = parseBool();
      }
      else if (key == "shape")
      {
        refuseRepeat(haveShape, key);
        header.shape = parseShape();
      }
      else
      {
        fail("unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (peek() == ',')
      {
        ++At;
        skipSpace();
      }
      else if (peek() != '}')
      {
        fail("expected ',' or '}' in the header");
      }
    }
    ++At;
    // NumPy pads the header with spaces and ends it with a newline; nothing else may follow.
    for (; At < Text.size(); ++At)
    {
      if (Text[At] != ' ' && Text[At] != '\n' && Text[At] != '\0')
      {
        fail("unexpected text after the header dict");
      }
    }
    if (!haveDescr || !haveOrder || !haveShape)
    {
      fail(std::string("the header lacks '") +
           (!haveDescr ? "descr" : (!haveOrder ? "fortran_order" : "shape")) + "'");
    }
  }

private:
  [[noreturn]] void fail(const std::string& problem) const
  {
    throw FileError(Path, "malformed .npy header: " + problem);
  }

  char peek() const
  {
    if (At >= Text.size())
    {
      fail("the header dict never ends");
    }
    return Text[At];
  }

  void skipSpace()
  {
    while (At < Text.size() && (Text[At] == ' ' || Text[At] == '\t' || Text[At] == '\n'))
    {
      ++At;
    }
  }

  void expect(char wanted)
  {
    if (peek() != wanted)
    {
      fail(std::string("expected '") + wanted + "'");
    }
    ++At;
  }

  void refuseRepeat(bool& seen, const std::string& key) const
  {
    if (seen)
    {
      fail("key '" + key + "' appears twice");
    }
    seen = true;
  }

  std::string parseString()
  {
    const char quote = peek();
    if (quote != '\'' && quote != '"')
    {
      fail("expected a quoted string");
    }
    ++At;
    const std::size_t start = At;
    while (peek() != quote)
    {
      if (Text[At] == '\\')
      {
        fail("escape sequences are not expected in a header string");
      }
      ++At;
    }
    const std::string value(Text.substr(start, At - start));
    ++At;
    return value;
  }

  bool parseBool()
  {
    if (Text.substr(At, 4) == "True")
    {
      At += 4;
      return true;
    }
    if (Text.substr(At, 5) == "False")
    {
      At += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }

  std::uint64_t parseInteger()
  {
    if (peek() < '0' || peek() > '9')
    {
      fail("a shape entry is not a non-negative integer");
    }
    std::uint64_t value = 0;
    while (At < Text.size() && Text[At] >= '0' && Text[At] <= '9')
    {
      const auto digit = static_cast<std::uint64_t>(Text[At] - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      {
        fail("a shape entry overflows 64 bits");
      }
      value = value * 10 + digit;
      ++At;
    }
    // Python 2 wrote long integers with an 'L' suffix.
    if (At < Text.size() && Text[At] == 'L')
    {
      ++At;
    }
    return value;
  }

  std::vector<std::uint64_t> parseShape()
  {
    expect('(');
    std::vector<std::uint64_t> shape;
    skipSpace();
    while (peek() != ')')
    {
      if (shape.size() >= 32)
      {
        fail("more than 32 dimensions");
      }
      shape.push_back(parseInteger());
      skipSpace();
      if (peek() == ',')
      {
        ++At;
        skipSpace();
      }
      else if (peek() != ')')
      {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    ++At;
    return shape;
  }

  void parseDescr(const std::string& descr, NpyHeader& header) const
  {
    if (descr.find('O') != std::string::npos)
    {
      throw FileError(Path,
                      "object arrays (dtype '" + descr +
                        "', pickled Python objects) are not read: bmfl never unpickles data");
    }
    static const struct
    {
      const char* code;
      NpyElementType type;
    } known[] = { { "f4", NpyElementType::Float32 }, { "f8", NpyElementType::Float64 },
                  { "i1", NpyElementType::Int8 },    { "i2", NpyElementType::Int16 },
                  { "i4", NpyElementType::Int32 },   { "i8", NpyElementType::Int64 },
                  { "u1", NpyElementType::UInt8 },   { "u2", NpyElementType::UInt16 },
                  { "b1", NpyElementType::Bool } };
    if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '>' || descr[0] == '|'))
    {
      for (const auto& entry : known)
      {
        if (descr.compare(1, 2, entry.code) != 0)
        {
          continue;
        }
        const bool singleByte = npyElementBytes(entry.type) == 1;
        if (descr[0] == '|' && !singleByte)
        {
          break;
        }
        header.type = entry.type;
        header.bigEndian = descr[0] == '>' && !singleByte;
        return;
      }
    }
    fail("unsupported dtype '" + descr +
         "' (bmfl reads float32/64, int8/16/32/64, uint8/16 and bool)");
  }

  const std::string& Path;
  std::string_view Text;
  std::size_t At = 0;
};

std::uint64_t checkedElementCount(const std::string& path,
                                  const std::vector<std::uint64_t>& shape,
                                  std::uint64_t limit)
{
  // Multiplied against a limit step by step, so no product can overflow.
  std::uint64_t count = 1;
  for (const std::uint64_t length : shape)
  {
    if (length == 0)
    {
      return 0;
    }
  }
  for (const std::uint64_t length : shape)
  {
    if (count > limit / length)
    {
      throw FileError(path,
                      "truncated: header shape " + shapeText(shape) +
                        " needs more data than the file holds");
    }
    count *= length;
  }
  return count;
}

class InputFile
{
public:
  explicit InputFile(const std::string& path)
    : Path(path)
  {
    requireRegularFile(path);
    Handle = std::fopen(path.c_str(), "rb");
    if (!Handle)
    {
      throw FileError(path, "cannot open: " + std::generic_category().message(errno));
    }
    if (std::fseek(Handle, 0, SEEK_END) != 0)
    {
      fail("cannot seek");
    }
    const long end = std::ftell(Handle);
    if (end < 0 || std::fseek(Handle, 0, SEEK_SET) != 0)
    {
      fail("cannot seek");
    }
    Size = static_cast<std::uint64_t>(end);
  }
  ~InputFile() { std::fclose(Handle); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  std::uint64_t size() const { return Size; }

  void seek(std::uint64_t offset)
  {
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<long>::max()) ||
        std::fseek(Handle, static_cast<long>(offset), SEEK_SET) != 0)
    {
      fail("cannot seek");
    }
  }

  void readExactly(unsigned char* buffer, std::size_t count)
  {
    if (std::fread(buffer, 1, count, Handle) != count)
    {
      fail(std::ferror(Handle) ? "read error" : "truncated while reading (did the file change?)");
    }
  }

private:
  [[noreturn]] void fail(const std::string& problem) const { throw FileError(Path, problem); }

  std::string Path;
  std::FILE* Handle = nullptr;
  std::uint64_t Size = 0;
};

NpyHeader readHeaderOf(const std::string& path, InputFile& file)
{
  const auto prefixBytes =
    static_cast<std::size_t>(std::min<std::uint64_t>(file.size(), 12 + MaxHeaderBytes));
  std::vector<unsigned char> prefix(prefixBytes);
  file.readExactly(prefix.data(), prefix.size());
  return parseNpyHeader(path, prefix.data(), prefix.size(), file.size());
}

/// Rearranges values stored in Fortran order (first axis fastest) into C order.
template<typename Value>
std::vector<Value> fortranToC(const std::vector<Value>& stored,
                              const std::vector<std::uint64_t>& shape)
{
  if (shape.size() < 2 || stored.empty())
  {
    return stored;
  }
  const std::size_t axes = shape.size();
  std::vector<std::size_t> cStrides(axes, 1);
  for (std::size_t axis = axes - 1; axis > 0; --axis)
  {
    cStrides[axis - 1] = cStrides[axis] * static_cast<std::size_t>(shape[axis]);
  }
  std::vector<Value> ordered(stored.size());
  std::vector<std::uint64_t> index(axes, 0);
  std::size_t cOffset = 0;
  for (const Value& value : stored)
  {
    ordered[cOffset] = value;
    // Advance the multi-index with the first axis fastest, as Fortran order stores it.
    for (std::size_t axis = 0; axis < axes; ++axis)
    {
      if (++index[axis] < shape[axis])
      {
        cOffset += cStrides[axis];
        break;
      }
      cOffset -= cStrides[axis] * static_cast<std::size_t>(index[axis] - 1);
      index[axis] = 0;
    }
  }
  return ordered;
}

template<typename Out>
std::vector<Out> decodeAll(const NpyHeader& header, const unsigned char* data)
{
  std::vector<Out> values(static_cast<std::size_t>(header.elementCount()));
  decodeElements(header.type, header.bigEndian, data, values.size(), values.data());
  return header.fortranOrder ? fortranToC(values, header.shape) : values;
}

template<typename Out>
std::vector<Out> readAll(const NpyHeader& header, InputFile& file)
{
  const std::size_t itemBytes = npyElementBytes(header.type);
  std::vector<Out> values(static_cast<std::size_t>(header.elementCount()));
  std::vector<unsigned char> chunk(std::min(ChunkBytes, values.size() * itemBytes));
  file.seek(header.dataOffset);
  const std::size_t perChunk = ChunkBytes / itemBytes;
  for (std::size_t done = 0; done < values.size();)
  {
    const std::size_t count = std::min(perChunk, values.size() - done);
    file.readExactly(chunk.data(), count * itemBytes);
    decodeElements(header.type, header.bigEndian, chunk.data(), count, values.data() + done);
    done += count;
  }
  return header.fortranOrder ? fortranToC(values, header.shape) : values;
}

template<typename Reader>
NpyArray arrayOf(const NpyHeader& header, Reader read)
{
  NpyArray array;
  array.type = header.type;
  array.shape = header.shape;
  switch (header.type)
  {
    case NpyElementType::Float32:
      array.values = read(float{});
      break;
    case NpyElementType::Float64:
      array.values = read(double{});
      break;
    default:
      array.values = read(std::int64_t{});
      break;
  }
  return array;
}

template<typename Raw>
void storeElement(Raw value, std::vector<unsigned char>& bytes)
{
  unsigned char raw[sizeof(Raw)];
  std::memcpy(raw, &value, sizeof(Raw));
  if (hostIsBigEndian())
  {
    std::reverse(std::begin(raw), std::end(raw));
  }
  bytes.insert(bytes.end(), std::begin(raw), std::end(raw));
}

template<typename Value>
void encodeElement(NpyElementType type, Value value, std::vector<unsigned char>& bytes)
{
  switch (type)
  {
    case NpyElementType::Float32:
      storeElement(static_cast<float>(value), bytes);
      break;
    case NpyElementType::Float64:
      storeElement(static_cast<double>(value), bytes);
      break;
    case NpyElementType::Int8:
      storeElement(static_cast<std::int8_t>(value), bytes);
      break;
    case NpyElementType::Int16:
      storeElement(static_cast<std::int16_t>(value), bytes);
      break;
    case NpyElementType::Int32:
      storeElement(static_cast<std::int32_t>(value), bytes);
      break;
    case NpyElementType::Int64:
      storeElement(static_cast<std::int64_t>(value), bytes);
      break;
    case NpyElementType::UInt8:
      storeElement(static_cast<std::uint8_t>(value), bytes);
      break;
    case NpyElementType::UInt16:
      storeElement(static_cast<std::uint16_t>(value), bytes);
      break;
    case NpyElementType::Bool:
      bytes.push_back(value != Value{} ? 1 : 0);
      break;
  }
}

const char* descrOf(NpyElementType type)
{
  switch (type)
  {
    case NpyElementType::Float32:
      return "<f4";
    case NpyElementType::Float64:
      return "<f8";
    case NpyElementType::Int8:
      return "|i1";
    case NpyElementType::Int16:
      return "<i2";
    case NpyElementType::Int32:
      return "<i4";
    case NpyElementType::Int64:
      return "<i8";
    case NpyElementType::UInt8:
      return "|u1";
    case NpyElementType::UInt16:
      return "<u2";
    case NpyElementType::Bool:
      return "|b1";
  }
  return "";
}

std::uint64_t productOf(const std::vector<std::uint64_t>& shape)
{
  std::uint64_t count = 1;
  for (const std::uint64_t length : shape)
  {
    count *= length;
  }
  return count;
}

} // namespace

const char* npyElementTypeName(NpyElementType type)
{
  switch (type)
  {
    case NpyElementType::Float32:
      return "float32";
    case NpyElementType::Float64:
      return "float64";
    case NpyElementType::Int8:
      return "int8";
    case NpyElementType::Int16:
      return "int16";
    case NpyElementType::Int32:
      return "int32";
    case NpyElementType::Int64:
      return "int64";
    case NpyElementType::UInt8:
      return "uint8";
    case NpyElementType::UInt16:
      return "uint16";
    case NpyElementType::Bool:
      return "bool";
  }
  return "unknown";
}

std::size_t npyElementBytes(NpyElementType type)
{
  switch (type)
  {
    case NpyElementType::Float64:
    case NpyElementType::Int64:
      return 8;
    case NpyElementType::Float32:
    case NpyElementType::Int32:
      return 4;
    case NpyElementType::Int16:
    case NpyElementType::UInt16:
      return 2;
    case NpyElementType::Int8:
    case NpyElementType::UInt8:
    case NpyElementType::Bool:
      return 1;
  }
  return 1;
}

std::uint64_t NpyHeader::elementCount() const
{
  return productOf(shape);
}

std::uint64_t NpyHeader::rowCount() const
{
  return shape.empty() ? 1 : shape[0];
}

std::uint64_t NpyHeader::rowLength() const
{
  std::uint64_t length = 1;
  for (std::size_t axis = 1; axis < shape.size(); ++axis)
  {
    length *= shape[axis];
  }
  return length;
}

std::size_t NpyArray::elementCount() const
{
  return std::visit([](const auto& stored) { return stored.size(); }, values);
}

std::vector<float> NpyArray::toFloat() const
{
  return std::visit(
    [](const auto& stored)
    {
      std::vector<float> converted(stored.size());
      std::transform(stored.begin(),
                     stored.end(),
                     converted.begin(),
                     [](auto value) { return static_cast<float>(value); });
      return converted;
    },
    values);
}

const std::vector<std::int64_t>& NpyArray::integers() const
{
  if (const auto* stored = std::get_if<std::vector<std::int64_t>>(&values))
  {
    return *stored;
  }
  throw std::logic_error(std::string("a ") + npyElementTypeName(type) + " array holds no integers");
}

NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<float> values)
{
  NpyArray array;
  array.type = type;
  array.shape = std::move(shape);
  array.values = std::move(values);
  return array;
}

NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<double> values)
{
  NpyArray array;
  array.type = type;
  array.shape = std::move(shape);
  array.values = std::move(values);
  return array;
}

NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<std::int64_t> values)
{
  NpyArray array;
  array.type = type;
  array.shape = std::move(shape);
  array.values = std::move(values);
  return array;
}

NpyHeader parseNpyHeader(const std::string& path,
                         const unsigned char* bytes,
                         std::size_t size,
                         std::uint64_t fileBytes)
{
  if (size < 10 || std::memcmp(bytes, Magic.data(), Magic.size()) != 0)
  {
    throw FileError(path,
                    size < 10 && fileBytes < 10 ? "not a .npy file (too short)"
                                                : "not a .npy file (no \\x93NUMPY magic)");
  }
  NpyHeader header;
  header.majorVersion = bytes[6];
  if (header.majorVersion < 1 || header.majorVersion > 3 || bytes[7] != 0)
  {
    throw FileError(path,
                    "unsupported .npy version " + std::to_string(bytes[6]) + "." +
                      std::to_string(bytes[7]) + " (bmfl reads 1.0, 2.0 and 3.0)");
  }
  std::uint64_t prefixBytes = 10;
  std::uint64_t headerBytes = std::uint64_t{ bytes[8] } | (std::uint64_t{ bytes[9] } << 8);
  if (header.majorVersion > 1)
  {
    if (size < 12)
    {
      throw FileError(path, "truncated: the .npy header length is missing");
    }
    prefixBytes = 12;
    headerBytes |= (std::uint64_t{ bytes[10] } << 16) | (std::uint64_t{ bytes[11] } << 24);
  }
  if (headerBytes > MaxHeaderBytes)
  {
    throw FileError(path,
                    "the .npy header claims " + std::to_string(headerBytes) +
                      " bytes (more than the " + std::to_string(MaxHeaderBytes) + " allowed)");
  }
  if (prefixBytes + headerBytes > size)
  {
    throw FileError(path,
                    "truncated: the .npy header needs " +
                      std::to_string(prefixBytes + headerBytes) + " bytes but the file has " +
                      std::to_string(fileBytes));
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes) + prefixBytes,
                              static_cast<std::size_t>(headerBytes));
  HeaderDictParser(path, text).parse(header);
  header.dataOffset = prefixBytes + headerBytes;

  const std::uint64_t itemBytes = npyElementBytes(header.type);
  const std::uint64_t available = fileBytes - header.dataOffset;
  const std::uint64_t count = checkedElementCount(path, header.shape, available / itemBytes);
  const std::uint64_t needed = count * itemBytes;
  if (needed > available)
  {
    throw FileError(path,
                    "truncated: header shape " + shapeText(header.shape) + " of " +
                      npyElementTypeName(header.type) + " needs " + std::to_string(needed) +
                      " bytes of data but " + std::to_string(available) + " follow");
  }
  if (needed < available)
  {
    throw FileError(path,
                    std::to_string(available - needed) + " bytes follow the data of shape " +
                      shapeText(header.shape) + " " + npyElementTypeName(header.type) +
                      ": the header does not describe the file");
  }
  return header;
}

NpyHeader readNpyHeader(const std::string& path)
{
  InputFile file(path);
  return readHeaderOf(path, file);
}

NpyArray readNpy(const std::string& path)
{
  InputFile file(path);
  const NpyHeader header = readHeaderOf(path, file);
  return arrayOf(header,
                 [&](auto tag)
                 {
                   using Out = decltype(tag);
                   return readAll<Out>(header, file);
                 });
}

NpyArray parseNpy(const std::string& path, const std::vector<unsigned char>& bytes)
{
  const NpyHeader header = parseNpyHeader(path, bytes.data(), bytes.size(), bytes.size());
  const unsigned char* data = bytes.data() + header.dataOffset;
  return arrayOf(header,
                 [&](auto tag)
                 {
                   using Out = decltype(tag);
                   return decodeAll<Out>(header, data);
                 });
}

std::vector<float> readNpyRows(const std::string& path,
                               const NpyHeader& header,
                               std::uint64_t firstRow,
                               std::uint64_t rowCount)
{
  const std::uint64_t rows = header.rowCount();
  if (firstRow > rows || rowCount > rows - firstRow)
  {
    throw FileError(path,
                    "rows " + std::to_string(firstRow) + ".." +
                      std::to_string(firstRow + rowCount) + " requested but the array has " +
                      std::to_string(rows));
  }
  if (header.fortranOrder && header.shape.size() > 2)
  {
    throw FileError(path,
                    "row reads of Fortran-ordered arrays with more than 2 dimensions are not "
                    "supported");
  }
  InputFile file(path);
  if (file.size() != header.dataOffset + header.elementCount() * npyElementBytes(header.type))
  {
    throw FileError(path, "the file changed size since its header was read");
  }
  const std::size_t itemBytes = npyElementBytes(header.type);
  const auto rowLength = static_cast<std::size_t>(header.rowLength());
  std::vector<float> values(static_cast<std::size_t>(rowCount) * rowLength);
  if (values.empty())
  {
    return values;
  }
  if (header.fortranOrder && header.shape.size() == 2)
  {
    // Column-major: each column holds the requested rows as one contiguous run.
    std::vector<unsigned char> run(static_cast<std::size_t>(rowCount) * itemBytes);
    std::vector<float> column(static_cast<std::size_t>(rowCount));
    for (std::size_t columnIndex = 0; columnIndex < rowLength; ++columnIndex)
    {
      file.seek(header.dataOffset + (columnIndex * rows + firstRow) * itemBytes);
      file.readExactly(run.data(), run.size());
      decodeElements(header.type, header.bigEndian, run.data(), column.size(), column.data());
      for (std::size_t row = 0; row < column.size(); ++row)
      {
        values[row * rowLength + columnIndex] = column[row];
      }
    }
    return values;
  }
  file.seek(header.dataOffset + firstRow * rowLength * itemBytes);
  const std::size_t perChunk = ChunkBytes / itemBytes;
  std::vector<unsigned char> chunk(std::min(ChunkBytes, values.size() * itemBytes));
  for (std::size_t done = 0; done < values.size();)
  {
    const std::size_t count = std::min(perChunk, values.size() - done);
    file.readExactly(chunk.data(), count * itemBytes);
    decodeElements(header.type, header.bigEndian, chunk.data(), count, values.data() + done);
    done += count;
  }
  return values;
}

void writeNpy(const std::string& path, const NpyArray& array)
{
  if (productOf(array.shape) != array.elementCount())
  {
    throw std::invalid_argument("writeNpy: shape " + shapeText(array.shape) + " does not hold " +
                                std::to_string(array.elementCount()) + " values");
  }
  std::string dict = std::string("{'descr': '") + descrOf(array.type) +
                     "', 'fortran_order': False, 'shape': " + shapeText(array.shape) + ", }";
  // Pad so that the data start on a 64-byte boundary, as NumPy does.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';

  std::vector<unsigned char> bytes(Magic.begin(), Magic.end());
  bytes.push_back(1);
  bytes.push_back(0);
  bytes.push_back(static_cast<unsigned char>(dict.size() & 0xFF));
  bytes.push_back(static_cast<unsigned char>(dict.size() >> 8));
  bytes.insert(bytes.end(), dict.begin(), dict.end());
  bytes.reserve(bytes.size() + array.elementCount() * npyElementBytes(array.type));
  std::visit(
    [&](const auto& stored)
    {
      for (const auto value : stored)
      {
        encodeElement(array.type, value, bytes);
      }
    },
    array.values);
  writeFileAtomically(path, bytes);
}

} // namespace bmfl
