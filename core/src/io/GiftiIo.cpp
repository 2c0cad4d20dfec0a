#include "io/GiftiIo.h"

#include "bmfl/FileError.h"

#if BMFL_HAVE_GIFTIIO

extern "C"
{
#include <gifti_io.h>
}

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <unistd.h>

namespace bmfl::io
{

namespace
{

// libgiftiio ----------------------------------------------------------------------------------

struct GiftiImageDeleter
{
  void operator()(gifti_image* image) const { gifti_free_image(image); }
};
using GiftiImage = std::unique_ptr<gifti_image, GiftiImageDeleter>;

/// Reads a GIFTI file with libgiftiio, which keeps its parser state in globals: one at a time.
GiftiImage readWithGiftiio(const std::string& path)
{
  static std::once_flag configured;
  std::call_once(configured,
                 []
                 {
                   gifti_set_verb(0);
                   // Skips whitespace after Base64 text silently, where the default reports it on
                   // stderr; whitespace elsewhere and stray characters are refused beforehand.
                   gifti_set_b64_check(GIFTI_B64_CHECK_SKIP);
                 });
  static std::mutex giftiioMutex;
  const std::lock_guard<std::mutex> lock(giftiioMutex);
  return GiftiImage(gifti_read_image(path.c_str(), 1));
}

std::string systemMessage(int error)
{
  return std::generic_category().message(error);
}

/// A private copy of the checked (and gunzipped) XML for libgiftiio, which reads only from a named
/// file: it must see exactly the bytes checked, even if the original changes meanwhile.
class TemporaryCopy
{
public:
  TemporaryCopy(const std::string& originalPath, const std::vector<unsigned char>& bytes)
  {
    std::error_code error;
    std::filesystem::path folder = std::filesystem::temp_directory_path(error);
    if (error)
    {
      folder = "/tmp";
    }
    std::string pattern = (folder / "bmfl-gifti-XXXXXX").string();
    const int descriptor = mkstemp(pattern.data());
    if (descriptor < 0)
    {
      throw FileError(originalPath,
                      "cannot create a temporary copy for libgiftiio: " + systemMessage(errno));
    }
    Path = pattern;
    std::FILE* file = fdopen(descriptor, "wb");
    const bool written = file && std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    const int writeError = errno;
    if ((file ? std::fclose(file) : close(descriptor)) != 0 || !written)
    {
      std::remove(Path.c_str());
      throw FileError(originalPath,
                      "cannot write a temporary copy for libgiftiio: " + systemMessage(writeError));
    }
  }
  ~TemporaryCopy() { std::remove(Path.c_str()); }
  TemporaryCopy(const TemporaryCopy&) = delete;
  TemporaryCopy& operator=(const TemporaryCopy&) = delete;

  const std::string& path() const { return Path; }

private:
  std::string Path;
};

// Data types ----------------------------------------------------------------------------------

struct DataType
{
  std::string_view name;
  int code;
  std::size_t bytes;
  bool integral;
  long long minimum; ///< of the values an ASCII encoding may hold, for integral types
  long long maximum;
};

template<typename Integer>
constexpr DataType integralType(std::string_view name, int code)
{
  return { name,
           code,
           sizeof(Integer),
           true,
           static_cast<long long>(std::numeric_limits<Integer>::min()),
           static_cast<long long>(std::min<std::uint64_t>(std::numeric_limits<Integer>::max(),
                                                          std::numeric_limits<long long>::max())) };
}

/// The numeric types libgiftiio decodes; every one is converted to float (points, values) or
/// checked and converted to int32 (triangles).
constexpr std::array<DataType, 10> DataTypes = {
  integralType<std::int8_t>("NIFTI_TYPE_INT8", NIFTI_TYPE_INT8),
  integralType<std::uint8_t>("NIFTI_TYPE_UINT8", NIFTI_TYPE_UINT8),
  integralType<std::int16_t>("NIFTI_TYPE_INT16", NIFTI_TYPE_INT16),
  integralType<std::uint16_t>("NIFTI_TYPE_UINT16", NIFTI_TYPE_UINT16),
  integralType<std::int32_t>("NIFTI_TYPE_INT32", NIFTI_TYPE_INT32),
  integralType<std::uint32_t>("NIFTI_TYPE_UINT32", NIFTI_TYPE_UINT32),
  integralType<std::int64_t>("NIFTI_TYPE_INT64", NIFTI_TYPE_INT64),
  integralType<std::uint64_t>("NIFTI_TYPE_UINT64", NIFTI_TYPE_UINT64),
  DataType{ "NIFTI_TYPE_FLOAT32", NIFTI_TYPE_FLOAT32, 4, false, 0, 0 },
  DataType{ "NIFTI_TYPE_FLOAT64", NIFTI_TYPE_FLOAT64, 8, false, 0, 0 },
};

const DataType* dataTypeNamed(std::string_view name)
{
  const auto found = std::find_if(
    DataTypes.begin(), DataTypes.end(), [&](const DataType& type) { return type.name == name; });
  return found == DataTypes.end() ? nullptr : &*found;
}

// XML structure -------------------------------------------------------------------------------

bool isWhitespace(char character)
{
  return character == ' ' || character == '\t' || character == '\n' || character == '\r';
}

enum class Element : unsigned
{
  Gifti,
  MetaData,
  MD,
  Name,
  Value,
  LabelTable,
  Label,
  DataArray,
  Transform,
  DataSpace,
  TransformedSpace,
  MatrixData,
  Data
};

constexpr std::array<std::pair<std::string_view, Element>, 13> ElementNames = { {
  { "GIFTI", Element::Gifti },
  { "MetaData", Element::MetaData },
  { "MD", Element::MD },
  { "Name", Element::Name },
  { "Value", Element::Value },
  { "LabelTable", Element::LabelTable },
  { "Label", Element::Label },
  { "DataArray", Element::DataArray },
  { "CoordinateSystemTransformMatrix", Element::Transform },
  { "DataSpace", Element::DataSpace },
  { "TransformedSpace", Element::TransformedSpace },
  { "MatrixData", Element::MatrixData },
  { "Data", Element::Data },
} };

std::optional<Element> elementNamed(std::string_view name)
{
  for (const auto& [elementName, element] : ElementNames)
  {
    if (elementName == name)
    {
      return element;
    }
  }
  return std::nullopt;
}

std::string tagOf(Element element)
{
  return "<" + std::string(ElementNames[static_cast<unsigned>(element)].first) + ">";
}

/// GIFTI's nesting. libgiftiio mishandles any other, up to crashing on an unknown element that
/// holds a DataArray, so nothing else reaches it.
bool mayContain(Element parent, Element child)
{
  switch (parent)
  {
    case Element::Gifti:
      return child == Element::MetaData || child == Element::LabelTable ||
             child == Element::DataArray;
    case Element::MetaData:
      return child == Element::MD;
    case Element::MD:
      return child == Element::Name || child == Element::Value;
    case Element::LabelTable:
      return child == Element::Label;
    case Element::DataArray:
      return child == Element::MetaData || child == Element::Transform || child == Element::Data;
    case Element::Transform:
      return child == Element::DataSpace || child == Element::TransformedSpace ||
             child == Element::MatrixData;
    default:
      return false;
  }
}

bool mayRepeat(Element child)
{
  return child == Element::MD || child == Element::Label || child == Element::DataArray ||
         child == Element::Transform;
}

/// Where libgiftiio expects CDATA sections.
bool acceptsCdata(Element element)
{
  return element == Element::Name || element == Element::Value || element == Element::Label ||
         element == Element::DataSpace || element == Element::TransformedSpace ||
         element == Element::MatrixData;
}

using Attributes = std::vector<std::pair<std::string_view, std::string_view>>;

std::optional<std::string_view> attributeValue(const Attributes& attributes, std::string_view name)
{
  for (const auto& [attributeName, value] : attributes)
  {
    if (attributeName == name)
    {
      return value;
    }
  }
  return std::nullopt;
}

struct ScannedArray
{
  Attributes attributes;
  std::string_view data; ///< the text of its <Data> element
};

struct ScannedGifti
{
  Attributes attributes;
  std::vector<ScannedArray> arrays;
};

/// Checks that a file is well-formed GIFTI XML, in a subset of XML that expat reads the same way
/// (no DTD internal subset, so no entity can hide markup), and collects each DataArray's
/// attributes and data text. libgiftiio then sees only files it handles safely.
class GiftiXmlScanner
{
public:
  GiftiXmlScanner(const std::string& path, std::string_view xml)
    : Path(path)
    , Xml(xml)
  {
  }

  ScannedGifti scan()
  {
    requireXmlCharacters();
    skipProlog();
    ScannedGifti gifti;
    std::vector<OpenElement> open;
    openElement(open, gifti);
    while (!open.empty())
    {
      if (At >= Xml.size())
      {
        truncated(tagOf(open.back().element));
      }
      const Element current = open.back().element;
      if (Xml[At] != '<')
      {
        const std::size_t textEnd = std::min(Xml.find('<', At), Xml.size());
        if (current == Element::Data && Xml.substr(At, textEnd - At).find('&') != Xml.npos)
        {
          fail("character reference inside <Data>");
        }
        requireNothingAfterCdata(open.back());
        At = textEnd;
      }
      else if (current == Element::Data && !startsWith("</"))
      {
        fail("markup inside <Data>");
      }
      else if (startsWith("<!--"))
      {
        skipPast("-->", "a comment");
      }
      else if (startsWith("<![CDATA["))
      {
        if (!acceptsCdata(current))
        {
          fail("CDATA section inside " + tagOf(current));
        }
        requireNothingAfterCdata(open.back());
        skipPast("]]>", "a CDATA section");
        open.back().cdataEnded = true;
      }
      else if (startsWith("<?"))
      {
        skipPast("?>", "a processing instruction");
      }
      else if (startsWith("</"))
      {
        closeElement(open, gifti);
      }
      else if (startsWith("<!"))
      {
        fail("unexpected declaration inside " + tagOf(current));
      }
      else
      {
        openElement(open, gifti);
      }
    }
    skipEpilogue();
    return gifti;
  }

private:
  struct OpenElement
  {
    Element element;
    std::size_t contentBegin;
    unsigned childrenSeen; ///< one bit per Element that may appear once
    bool cdataEnded;
  };

  /// libgiftiio forgets where text goes once a CDATA section ends, and crashes on any more text.
  void requireNothingAfterCdata(const OpenElement& element) const
  {
    if (element.cdataEnded)
    {
      fail("text after a CDATA section inside " + tagOf(element.element));
    }
  }

  [[noreturn]] void fail(const std::string& problem) const
  {
    throw FileError(Path, "malformed GIFTI: " + problem);
  }
  [[noreturn]] void truncated(const std::string& where) const
  {
    throw FileError(Path, "truncated GIFTI: the file ends inside " + where);
  }

  /// Refuses what expat would refuse midway (and libgiftiio then report on stderr): bytes that are
  /// not UTF-8 or not XML characters.
  void requireXmlCharacters() const
  {
    for (std::size_t at = 0; at < Xml.size();)
    {
      const auto lead = static_cast<unsigned char>(Xml[at]);
      if (lead < 0x80)
      {
        if (lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r')
        {
          invalidCharacter(at);
        }
        ++at;
        continue;
      }
      const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      if (lead < 0xC2 || lead > 0xF4 || at + length > Xml.size())
      {
        invalidCharacter(at);
      }
      std::uint32_t codePoint = lead & (0x7Fu >> length);
      for (std::size_t next = 1; next < length; ++next)
      {
        const auto continuation = static_cast<unsigned char>(Xml[at + next]);
        if ((continuation & 0xC0) != 0x80)
        {
          invalidCharacter(at);
        }
        codePoint = (codePoint << 6) | (continuation & 0x3Fu);
      }
      const bool overlong =
        (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
      if (overlong || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF) ||
          codePoint == 0xFFFE || codePoint == 0xFFFF)
      {
        invalidCharacter(at);
      }
      at += length;
    }
  }

  [[noreturn]] void invalidCharacter(std::size_t at) const
  {
    fail("byte " + std::to_string(at) + " is not part of a UTF-8 XML character");
  }

  bool startsWith(std::string_view prefix) const
  {
    return Xml.compare(At, prefix.size(), prefix) == 0;
  }

  bool skipWhitespace()
  {
    const std::size_t start = At;
    while (At < Xml.size() && isWhitespace(Xml[At]))
    {
      ++At;
    }
    return At > start;
  }

  void skipPast(std::string_view terminator, const char* what)
  {
    const std::size_t found = Xml.find(terminator, At);
    if (found == Xml.npos)
    {
      truncated(what);
    }
    At = found + terminator.size();
  }

  void skipProlog()
  {
    if (startsWith("\xEF\xBB\xBF"))
    {
      At = 3;
    }
    for (;;)
    {
      skipWhitespace();
      if (At >= Xml.size())
      {
        throw FileError(Path, "truncated or not GIFTI: no <GIFTI> element");
      }
      if (startsWith("<?"))
      {
        skipPast("?>", "the XML declaration");
      }
      else if (startsWith("<!--"))
      {
        skipPast("-->", "a comment");
      }
      else if (startsWith("<!DOCTYPE"))
      {
        skipDoctype();
      }
      else if (Xml[At] == '<' && !startsWith("<!"))
      {
        return;
      }
      else
      {
        fail("unexpected content before the <GIFTI> element");
      }
    }
  }

  void skipDoctype()
  {
    for (std::size_t index = At + 9; index < Xml.size(); ++index)
    {
      const char character = Xml[index];
      if (character == '"' || character == '\'')
      {
        index = Xml.find(character, index + 1);
        if (index == Xml.npos)
        {
          break;
        }
      }
      else if (character == '[')
      {
        fail("DOCTYPE declarations with an internal subset are not supported");
      }
      else if (character == '>')
      {
        At = index + 1;
        return;
      }
    }
    truncated("the DOCTYPE declaration");
  }

  void skipEpilogue()
  {
    for (;;)
    {
      skipWhitespace();
      if (At >= Xml.size())
      {
        return;
      }
      if (startsWith("<!--"))
      {
        skipPast("-->", "a comment");
      }
      else if (startsWith("<?"))
      {
        skipPast("?>", "a processing instruction");
      }
      else
      {
        fail("content after </GIFTI>");
      }
    }
  }

  std::string_view readName()
  {
    const std::size_t begin = At;
    while (At < Xml.size() && !isWhitespace(Xml[At]) &&
           std::string_view("/>=<\"'").find(Xml[At]) == std::string_view::npos)
    {
      ++At;
    }
    if (At >= Xml.size())
    {
      truncated("a tag");
    }
    if (At == begin)
    {
      fail("a tag or attribute without a name");
    }
    return Xml.substr(begin, At - begin);
  }

  void expect(char character)
  {
    if (At >= Xml.size())
    {
      truncated("a tag");
    }
    if (Xml[At] != character)
    {
      fail(std::string("malformed tag, expected '") + character + "'");
    }
    ++At;
  }

  /// Reads the attributes up to the end of a start tag; true when the tag closes itself ("/>").
  bool readAttributes(Attributes& attributes)
  {
    for (;;)
    {
      const bool separated = skipWhitespace();
      if (At >= Xml.size())
      {
        truncated("a tag");
      }
      if (Xml[At] == '>')
      {
        ++At;
        return false;
      }
      if (startsWith("/>"))
      {
        At += 2;
        return true;
      }
      if (!separated)
      {
        fail("malformed tag");
      }
      const std::string_view name = readName();
      skipWhitespace();
      expect('=');
      skipWhitespace();
      const char quote = At < Xml.size() ? Xml[At] : '\0';
      if (quote != '"' && quote != '\'')
      {
        fail("attribute " + std::string(name) + " without a quoted value");
      }
      const std::size_t valueEnd = Xml.find(quote, At + 1);
      if (valueEnd == Xml.npos)
      {
        truncated("a tag");
      }
      const std::string_view value = Xml.substr(At + 1, valueEnd - At - 1);
      if (value.find('<') != value.npos)
      {
        fail("'<' inside attribute " + std::string(name));
      }
      if (attributeValue(attributes, name))
      {
        fail("attribute " + std::string(name) + " given twice");
      }
      attributes.emplace_back(name, value);
      At = valueEnd + 1;
    }
  }

  void openElement(std::vector<OpenElement>& open, ScannedGifti& gifti)
  {
    ++At;
    const std::string_view name = readName();
    const std::optional<Element> element = elementNamed(name);
    if (open.empty() && element != Element::Gifti)
    {
      throw FileError(Path, "not GIFTI: the root element is <" + std::string(name) + ">");
    }
    if (!open.empty())
    {
      OpenElement& parent = open.back();
      if (!element || !mayContain(parent.element, *element))
      {
        fail("<" + std::string(name) + "> inside " + tagOf(parent.element));
      }
      const unsigned bit = 1u << static_cast<unsigned>(*element);
      if (!mayRepeat(*element) && (parent.childrenSeen & bit) != 0)
      {
        fail("a second <" + std::string(name) + "> inside " + tagOf(parent.element));
      }
      parent.childrenSeen |= bit;
    }

    Attributes attributes;
    const bool selfClosing = readAttributes(attributes);
    if (*element == Element::Gifti)
    {
      gifti.attributes = std::move(attributes);
    }
    else if (*element == Element::DataArray)
    {
      gifti.arrays.push_back({ std::move(attributes), {} });
    }
    const OpenElement opened{ *element, At, 0, false };
    if (selfClosing)
    {
      finishElement(opened, At, gifti);
    }
    else
    {
      open.push_back(opened);
    }
  }

  void closeElement(std::vector<OpenElement>& open, ScannedGifti& gifti)
  {
    const std::size_t tagStart = At;
    At += 2;
    const std::string_view name = readName();
    skipWhitespace();
    expect('>');
    const OpenElement& closed = open.back();
    if ("<" + std::string(name) + ">" != tagOf(closed.element))
    {
      fail("</" + std::string(name) + "> closes " + tagOf(closed.element));
    }
    finishElement(closed, tagStart, gifti);
    open.pop_back();
  }

  void finishElement(const OpenElement& element, std::size_t contentEnd, ScannedGifti& gifti) const
  {
    if (element.element == Element::Data)
    {
      gifti.arrays.back().data =
        Xml.substr(element.contentBegin, contentEnd - element.contentBegin);
    }
    else if (element.element == Element::DataArray &&
             (element.childrenSeen & (1u << static_cast<unsigned>(Element::Data))) == 0)
    {
      fail("<DataArray> without <Data>");
    }
  }

  const std::string& Path;
  std::string_view Xml;
  std::size_t At = 0;
};

// Data arrays ---------------------------------------------------------------------------------

/// libgiftiio sizes some buffers of a data array in int, with 1% to spare for compressed data.
constexpr std::uint64_t MaxArrayBytes = std::uint64_t{ 1 } << 30;

/// CRC-32 of an array's values as libgiftiio holds them (host byte order), computed here from the
/// file's text to confirm that libgiftiio decoded exactly what was checked.
class ValueDigest
{
public:
  ValueDigest(std::size_t valueBytes, bool swapBytes)
    : ValueBytes(valueBytes)
    , SwapBytes(swapBytes && valueBytes > 1)
  {
  }

  /// Adds bytes in file byte order, in pieces of any size.
  void addStored(const unsigned char* bytes, std::size_t count)
  {
    if (!SwapBytes)
    {
      Crc = crc32(Crc, bytes, static_cast<uInt>(count));
      return;
    }
    for (std::size_t index = 0; index < count; ++index)
    {
      Pending[PendingCount++] = bytes[index];
      if (PendingCount == ValueBytes)
      {
        std::reverse(Pending.begin(), Pending.begin() + static_cast<std::ptrdiff_t>(ValueBytes));
        Crc = crc32(Crc, Pending.data(), static_cast<uInt>(ValueBytes));
        PendingCount = 0;
      }
    }
  }

  template<typename Value>
  void addValue(Value value)
  {
    Crc = crc32(Crc, reinterpret_cast<const Bytef*>(&value), sizeof value);
  }

  uLong value() const { return Crc; }

private:
  std::size_t ValueBytes;
  bool SwapBytes;
  std::array<unsigned char, 8> Pending{};
  std::size_t PendingCount = 0;
  uLong Crc = crc32(0, nullptr, 0);
};

uLong digestOf(const giiDataArray& array)
{
  return crc32(crc32(0, nullptr, 0),
               static_cast<const Bytef*>(array.data),
               static_cast<uInt>(array.nvals * array.nbyper));
}

struct ArraySpec
{
  const DataType* type = nullptr;
  int encoding = GIFTI_ENCODING_UNDEF;
  std::vector<int> dims;
  std::uint64_t valueCount = 1;
  uLong digest = 0;
};

std::string arrayName(std::size_t index)
{
  return "data array " + std::to_string(index);
}

std::string shapeOf(const int* dims, std::size_t count)
{
  std::string shape;
  for (std::size_t dimension = 0; dimension < count; ++dimension)
  {
    shape += (dimension == 0 ? "" : " x ") + std::to_string(dims[dimension]);
  }
  return shape;
}

std::string quoted(std::string_view text)
{
  constexpr std::size_t shown = 24;
  return "\"" + std::string(text.substr(0, shown)) + (text.size() > shown ? "...\"" : "\"");
}

void requireWithinArrayLimit(const std::string& path, const std::string& claim, std::uint64_t bytes)
{
  if (bytes > MaxArrayBytes)
  {
    throw FileError(path,
                    claim + " need " + std::to_string(bytes) + " bytes, more than the limit of " +
                      std::to_string(MaxArrayBytes) + " per data array");
  }
}

/// Accepts only what libgiftiio's atoi() reads as the same positive number.
std::optional<int> positiveInt(std::string_view text)
{
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [parsedEnd, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || parsedEnd != end || value <= 0)
  {
    return std::nullopt;
  }
  return value;
}

/// Parses an ASCII value as libgiftiio's strtol()/strtod() and its assignment to the array's type
/// do, adding it to the digest. False where they would stop short of the token's end or the value
/// does not fit the type.
bool addAsciiValue(std::string_view token, const DataType& type, ValueDigest& digest)
{
  if (token.size() > 1 && token[0] == '+' && token[1] != '+' && token[1] != '-')
  {
    token.remove_prefix(1); // strtol and strtod take a plus sign, from_chars does not
  }
  const char* end = token.data() + token.size();
  if (type.integral)
  {
    long long value = 0;
    const auto [parsedEnd, error] = std::from_chars(token.data(), end, value);
    if (error != std::errc() || parsedEnd != end || value < type.minimum || value > type.maximum)
    {
      return false;
    }
    switch (type.code)
    {
      case NIFTI_TYPE_INT8:
        digest.addValue(static_cast<std::int8_t>(value));
        break;
      case NIFTI_TYPE_UINT8:
        digest.addValue(static_cast<std::uint8_t>(value));
        break;
      case NIFTI_TYPE_INT16:
        digest.addValue(static_cast<std::int16_t>(value));
        break;
      case NIFTI_TYPE_UINT16:
        digest.addValue(static_cast<std::uint16_t>(value));
        break;
      case NIFTI_TYPE_INT32:
        digest.addValue(static_cast<std::int32_t>(value));
        break;
      default:
        digest.addValue(static_cast<std::int64_t>(value));
        break;
    }
    return true;
  }
  double value = 0;
  const auto [parsedEnd, error] = std::from_chars(token.data(), end, value);
  if (parsedEnd != end || (error != std::errc() && error != std::errc::result_out_of_range))
  {
    return false;
  }
  if (error == std::errc::result_out_of_range)
  {
    value = std::strtod(std::string(token).c_str(), nullptr); // from_chars leaves it unset
  }
  if (type.code == NIFTI_TYPE_FLOAT32)
  {
    digest.addValue(static_cast<float>(value));
  }
  else
  {
    digest.addValue(value);
  }
  return true;
}

/// Counts and digests the values of ASCII data, checking each: libgiftiio stops at the first bad
/// one and leaves the rest zero.
std::uint64_t readAsciiValues(const std::string& path,
                              const std::string& name,
                              const DataType& type,
                              std::string_view text,
                              ValueDigest& digest)
{
  std::uint64_t count = 0;
  for (std::size_t at = 0;;)
  {
    while (at < text.size() && isWhitespace(text[at]))
    {
      ++at;
    }
    if (at == text.size())
    {
      return count;
    }
    std::size_t end = at;
    while (end < text.size() && !isWhitespace(text[end]))
    {
      ++end;
    }
    const std::string_view token = text.substr(at, end - at);
    if (!addAsciiValue(token, type, digest))
    {
      throw FileError(
        path, name + " holds " + quoted(token) + ", not a " + std::string(type.name) + " value");
    }
    ++count;
    at = end;
  }
}

int base64Digit(char character)
{
  if (character >= 'A' && character <= 'Z')
  {
    return character - 'A';
  }
  if (character >= 'a' && character <= 'z')
  {
    return character - 'a' + 26;
  }
  if (character >= '0' && character <= '9')
  {
    return character - '0' + 52;
  }
  if (character == '+')
  {
    return 62;
  }
  return character == '/' ? 63 : -1;
}

/// Decodes padded Base64, refusing what libgiftiio would decode differently: stray characters and
/// whitespace before the end (it shifts the text it skips them in) and missing padding (it drops
/// the last bytes).
std::vector<unsigned char> decodeBase64(const std::string& path,
                                        const std::string& name,
                                        std::string_view text)
{
  std::vector<unsigned char> bytes;
  bytes.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t bits = 0;
  int bitCount = 0;
  std::size_t digits = 0;
  std::size_t padding = 0;
  bool whitespaceSeen = false;
  for (const char character : text)
  {
    if (isWhitespace(character))
    {
      whitespaceSeen = true;
      continue;
    }
    if (whitespaceSeen)
    {
      throw FileError(path,
                      name + " has spaces or line breaks inside its Base64 text, which libgiftiio "
                             "misreads");
    }
    if (character == '=')
    {
      ++padding;
      continue;
    }
    const int digit = base64Digit(character);
    if (digit < 0 || padding > 0)
    {
      throw FileError(path, name + " holds invalid Base64 text");
    }
    ++digits;
    bits = (bits << 6) | static_cast<std::uint32_t>(digit);
    bitCount += 6;
    if (bitCount >= 8)
    {
      bitCount -= 8;
      bytes.push_back(static_cast<unsigned char>(bits >> bitCount));
      bits &= (1u << bitCount) - 1;
    }
  }
  if (padding > 2 || (digits + padding) % 4 != 0)
  {
    throw FileError(path, name + " holds Base64 text of an invalid length");
  }
  return bytes;
}

/// Inflates zlib data to count and digest it, stopping once it exceeds limit.
std::uint64_t inflateCounting(const std::string& path,
                              const std::string& name,
                              std::vector<unsigned char>& compressed,
                              std::uint64_t limit,
                              ValueDigest& digest)
{
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK)
  {
    throw FileError(path, "cannot start zlib decompression (out of memory)");
  }
  const auto endInflate = [](z_stream* started) { inflateEnd(started); };
  const std::unique_ptr<z_stream, decltype(endInflate)> inflateGuard(&stream, endInflate);
  stream.next_in = compressed.data();
  stream.avail_in = static_cast<uInt>(compressed.size());

  std::vector<unsigned char> scratch(256 * 1024);
  std::uint64_t total = 0;
  for (;;)
  {
    stream.next_out = scratch.data();
    stream.avail_out = static_cast<uInt>(scratch.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t produced = scratch.size() - stream.avail_out;
    digest.addStored(scratch.data(), produced);
    total += produced;
    if (status == Z_STREAM_END || total > limit)
    {
      return total;
    }
    if (status == Z_BUF_ERROR || (status == Z_OK && stream.avail_in == 0 && stream.avail_out > 0))
    {
      throw FileError(path, name + " holds truncated compressed data");
    }
    if (status != Z_OK)
    {
      throw FileError(path,
                      name + " holds corrupt compressed data (" +
                        (stream.msg ? stream.msg : "zlib error " + std::to_string(status)) + ")");
    }
  }
}

/// Checks a data array's attributes, and its data against them, before libgiftiio reads it:
/// libgiftiio allocates what the attributes claim, zero-fills data that run short, ignores surplus
/// and reads external files.
ArraySpec checkArray(const std::string& path, std::size_t index, const ScannedArray& array)
{
  const std::string name = arrayName(index);
  const auto attribute = [&](std::string_view key)
  { return attributeValue(array.attributes, key).value_or(std::string_view()); };

  ArraySpec spec;
  spec.type = dataTypeNamed(attribute("DataType"));
  if (!spec.type)
  {
    throw FileError(path, name + " has unsupported DataType " + quoted(attribute("DataType")));
  }
  const std::optional<int> dimensionality = positiveInt(attribute("Dimensionality"));
  if (!dimensionality || *dimensionality > GIFTI_DARRAY_DIM_LEN)
  {
    throw FileError(path,
                    name + " has invalid Dimensionality " + quoted(attribute("Dimensionality")));
  }
  for (int dimension = 0; dimension < *dimensionality; ++dimension)
  {
    const std::string key = "Dim" + std::to_string(dimension);
    const std::optional<int> length = positiveInt(attribute(key));
    if (!length)
    {
      throw FileError(path, name + " has invalid " + key + "=" + quoted(attribute(key)));
    }
    // Far beyond any file, and small enough that the byte count below cannot overflow.
    constexpr std::uint64_t MaxValueCount = std::uint64_t{ 1 } << 56;
    if (spec.valueCount > MaxValueCount / static_cast<std::uint64_t>(*length))
    {
      throw FileError(path,
                      name + " claims " + shapeOf(spec.dims.data(), spec.dims.size()) + " x " +
                        std::to_string(*length) + " values, beyond any file");
    }
    spec.dims.push_back(*length);
    spec.valueCount *= static_cast<std::uint64_t>(*length);
  }
  const std::string claim = name + ": dimensions " + shapeOf(spec.dims.data(), spec.dims.size());
  const std::uint64_t expectedBytes = spec.valueCount * spec.type->bytes;

  const std::string_view encoding = attribute("Encoding");
  if (encoding == "ExternalFileBinary" || !attribute("ExternalFileName").empty())
  {
    throw FileError(path, name + " keeps its data in an external file, which is not supported");
  }
  const std::string_view order = attribute("ArrayIndexingOrder");
  if (!order.empty() && order != "RowMajorOrder" && order != "ColumnMajorOrder")
  {
    throw FileError(path, name + " has invalid ArrayIndexingOrder " + quoted(order));
  }
  if (encoding == "ASCII")
  {
    if (spec.type->code == NIFTI_TYPE_UINT32 || spec.type->code == NIFTI_TYPE_UINT64)
    {
      throw FileError(path,
                      name + " holds ASCII " + std::string(spec.type->name) +
                        " values, which libgiftiio cannot decode");
    }
    spec.encoding = GIFTI_ENCODING_ASCII;
    ValueDigest digest(spec.type->bytes, false);
    const std::uint64_t foundValues = readAsciiValues(path, name, *spec.type, array.data, digest);
    if (foundValues != spec.valueCount)
    {
      throw FileError(path,
                      claim + " need " + std::to_string(spec.valueCount) +
                        " values but the data hold " + std::to_string(foundValues));
    }
    requireWithinArrayLimit(path, claim, expectedBytes);
    spec.digest = digest.value();
    return spec;
  }
  if (encoding != "Base64Binary" && encoding != "GZipBase64Binary")
  {
    throw FileError(path, name + " has unknown Encoding " + quoted(encoding));
  }
  const std::string_view endian = attribute("Endian");
  if (endian != "LittleEndian" && endian != "BigEndian")
  {
    throw FileError(path, name + " has invalid Endian " + quoted(endian));
  }
  const int fileEndian = endian == "LittleEndian" ? GIFTI_ENDIAN_LITTLE : GIFTI_ENDIAN_BIG;
  ValueDigest digest(spec.type->bytes, fileEndian != gifti_get_this_endian());

  std::vector<unsigned char> decoded = decodeBase64(path, name, array.data);
  std::uint64_t foundBytes = decoded.size();
  if (encoding == "GZipBase64Binary")
  {
    spec.encoding = GIFTI_ENCODING_B64GZ;
    if (decoded.size() > expectedBytes + expectedBytes / 100 + 12)
    {
      throw FileError(path,
                      claim + " need " + std::to_string(expectedBytes) +
                        " bytes but the compressed data alone hold " +
                        std::to_string(decoded.size()));
    }
    // Inflated only to be counted, and no further than any array may go.
    foundBytes =
      inflateCounting(path, name, decoded, std::min(expectedBytes, MaxArrayBytes), digest);
    if (foundBytes > MaxArrayBytes)
    {
      requireWithinArrayLimit(path, claim, expectedBytes);
    }
  }
  else
  {
    spec.encoding = GIFTI_ENCODING_B64BIN;
    digest.addStored(decoded.data(), decoded.size());
  }
  if (foundBytes != expectedBytes)
  {
    throw FileError(path,
                    claim + " need " + std::to_string(expectedBytes) + " bytes but the data hold " +
                      (foundBytes > expectedBytes ? "more" : std::to_string(foundBytes)));
  }
  requireWithinArrayLimit(path, claim, expectedBytes);
  spec.digest = digest.value();
  return spec;
}

/// Whether libgiftiio read an array as checked: the last guard against the two parsers disagreeing.
bool matches(const giiDataArray* array, const ArraySpec& spec)
{
  return array && array->data && array->datatype == spec.type->code &&
         array->encoding == spec.encoding && array->num_dim == static_cast<int>(spec.dims.size()) &&
         std::equal(spec.dims.begin(), spec.dims.end(), array->dims) &&
         static_cast<std::uint64_t>(array->nvals) == spec.valueCount &&
         static_cast<std::size_t>(array->nbyper) == spec.type->bytes &&
         digestOf(*array) == spec.digest;
}

/// Reads a GIFTI file whose every data array has been checked and then decoded by libgiftiio.
GiftiImage readCheckedImage(const std::string& path, const std::vector<unsigned char>& bytes)
{
  const std::string_view xml(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const ScannedGifti scanned = GiftiXmlScanner(path, xml).scan();
  if (scanned.arrays.empty())
  {
    throw FileError(path, "GIFTI file holds no data arrays");
  }
  const std::optional<std::string_view> declaredCount =
    attributeValue(scanned.attributes, "NumberOfDataArrays");
  if (declaredCount && positiveInt(*declaredCount) != static_cast<int>(scanned.arrays.size()))
  {
    throw FileError(path,
                    "malformed GIFTI: NumberOfDataArrays=" + quoted(*declaredCount) + " but " +
                      std::to_string(scanned.arrays.size()) + " <DataArray> elements");
  }
  std::vector<ArraySpec> specs;
  for (std::size_t index = 0; index < scanned.arrays.size(); ++index)
  {
    specs.push_back(checkArray(path, index, scanned.arrays[index]));
  }

  const TemporaryCopy copy(path, bytes);
  GiftiImage image = readWithGiftiio(copy.path());
  if (!image || image->numDA != static_cast<int>(specs.size()))
  {
    throw FileError(path, "libgiftiio cannot read this GIFTI file");
  }
  for (std::size_t index = 0; index < specs.size(); ++index)
  {
    if (!matches(image->darray[index], specs[index]))
    {
      throw FileError(path, "libgiftiio decodes " + arrayName(index) + " differently");
    }
  }
  return image;
}

// Conversion ----------------------------------------------------------------------------------

template<typename Source, typename Consume>
void forEachValueAs(const void* data, std::size_t count, Consume& consume)
{
  const auto* values = static_cast<const Source*>(data);
  for (std::size_t index = 0; index < count; ++index)
  {
    consume(index, static_cast<double>(values[index]));
  }
}

/// Calls consume(index, value) for every stored value, in storage order, whatever its type
/// (one of DataTypes, as checked).
template<typename Consume>
void forEachValue(const giiDataArray& array, Consume consume)
{
  const auto count = static_cast<std::size_t>(array.nvals);
  switch (array.datatype)
  {
    case NIFTI_TYPE_INT8:
      return forEachValueAs<std::int8_t>(array.data, count, consume);
    case NIFTI_TYPE_UINT8:
      return forEachValueAs<std::uint8_t>(array.data, count, consume);
    case NIFTI_TYPE_INT16:
      return forEachValueAs<std::int16_t>(array.data, count, consume);
    case NIFTI_TYPE_UINT16:
      return forEachValueAs<std::uint16_t>(array.data, count, consume);
    case NIFTI_TYPE_INT32:
      return forEachValueAs<std::int32_t>(array.data, count, consume);
    case NIFTI_TYPE_UINT32:
      return forEachValueAs<std::uint32_t>(array.data, count, consume);
    case NIFTI_TYPE_INT64:
      return forEachValueAs<std::int64_t>(array.data, count, consume);
    case NIFTI_TYPE_UINT64:
      return forEachValueAs<std::uint64_t>(array.data, count, consume);
    case NIFTI_TYPE_FLOAT32:
      return forEachValueAs<float>(array.data, count, consume);
    case NIFTI_TYPE_FLOAT64:
      return forEachValueAs<double>(array.data, count, consume);
    default:
      return;
  }
}

std::string formatNumber(double value)
{
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

std::string shapeOf(const giiDataArray& array)
{
  return shapeOf(array.dims, static_cast<std::size_t>(array.num_dim));
}

/// Where the value stored at a given index sits in a rows x columns matrix.
struct MatrixLayout
{
  std::size_t rows = 0;
  std::size_t columns = 0;
  bool columnMajor = false;

  explicit MatrixLayout(const giiDataArray& array)
    : rows(static_cast<std::size_t>(array.dims[0]))
    , columns(array.num_dim == 2 ? static_cast<std::size_t>(array.dims[1]) : 1)
    , columnMajor(array.ind_ord == GIFTI_IND_ORD_COL_MAJOR)
  {
  }

  std::size_t rowOf(std::size_t index) const
  {
    return columnMajor ? index % rows : index / columns;
  }
  std::size_t columnOf(std::size_t index) const
  {
    return columnMajor ? index / rows : index % columns;
  }
};

const giiDataArray* findArray(const gifti_image& image, int intent)
{
  for (int index = 0; index < image.numDA; ++index)
  {
    if (image.darray[index]->intent == intent)
    {
      return image.darray[index];
    }
  }
  return nullptr;
}

void requireRowsOfThree(const std::string& path, const giiDataArray& array, const char* intentName)
{
  if (array.num_dim != 2 || array.dims[1] != 3)
  {
    throw FileError(path,
                    std::string(intentName) + " array has dimensions " + shapeOf(array) +
                      "; expected N x 3");
  }
}

} // namespace

SurfaceMesh readGiftiSurface(const std::string& path, const std::vector<unsigned char>& bytes)
{
  const GiftiImage image = readCheckedImage(path, bytes);
  const giiDataArray* pointArray = findArray(*image, NIFTI_INTENT_POINTSET);
  const giiDataArray* triangleArray = findArray(*image, NIFTI_INTENT_TRIANGLE);
  if (!pointArray && !triangleArray)
  {
    throw FileError(path,
                    "holds per-vertex values, not a mesh (no NIFTI_INTENT_POINTSET and "
                    "NIFTI_INTENT_TRIANGLE arrays)");
  }
  if (!pointArray || !triangleArray)
  {
    throw FileError(path,
                    std::string("not a complete mesh: no ") +
                      (pointArray ? "NIFTI_INTENT_TRIANGLE" : "NIFTI_INTENT_POINTSET") + " array");
  }
  requireRowsOfThree(path, *pointArray, "NIFTI_INTENT_POINTSET");
  requireRowsOfThree(path, *triangleArray, "NIFTI_INTENT_TRIANGLE");

  SurfaceMesh mesh;
  const MatrixLayout pointLayout(*pointArray);
  mesh.points.resize(pointLayout.rows * 3);
  forEachValue(*pointArray,
               [&](std::size_t index, double value)
               {
                 mesh.points[pointLayout.rowOf(index) * 3 + pointLayout.columnOf(index)] =
                   static_cast<float>(value);
               });

  const MatrixLayout triangleLayout(*triangleArray);
  const double vertexCount = static_cast<double>(pointLayout.rows);
  mesh.triangles.resize(triangleLayout.rows * 3);
  forEachValue(*triangleArray,
               [&](std::size_t index, double vertex)
               {
                 const std::size_t triangle = triangleLayout.rowOf(index);
                 // Written so that NaN fails too; float types are accepted when they hold integers.
                 if (!(vertex >= 0 && vertex < vertexCount) || vertex != std::floor(vertex))
                 {
                   throw FileError(path,
                                   "triangle " + std::to_string(triangle) + " has vertex index " +
                                     formatNumber(vertex) + ", outside 0.." +
                                     std::to_string(pointLayout.rows - 1));
                 }
                 mesh.triangles[triangle * 3 + triangleLayout.columnOf(index)] =
                   static_cast<std::int32_t>(vertex);
               });
  return mesh;
}

VertexMap readGiftiVertexMap(const std::string& path, const std::vector<unsigned char>& bytes)
{
  const GiftiImage image = readCheckedImage(path, bytes);
  VertexMap map;
  std::size_t firstFrameArray = 0;
  for (std::size_t index = 0; index < static_cast<std::size_t>(image->numDA); ++index)
  {
    const giiDataArray& array = *image->darray[index];
    if (array.intent == NIFTI_INTENT_POINTSET || array.intent == NIFTI_INTENT_TRIANGLE)
    {
      continue;
    }
    if (array.num_dim > 2)
    {
      throw FileError(path,
                      arrayName(index) + " has dimensions " + shapeOf(array) +
                        "; per-vertex data need N or N x frames");
    }
    const MatrixLayout layout(array);
    if (map.frameCount == 0)
    {
      map.vertexCount = layout.rows;
      firstFrameArray = index;
    }
    else if (layout.rows != map.vertexCount)
    {
      throw FileError(path,
                      arrayName(index) + " has " + std::to_string(layout.rows) +
                        " values per frame but " + arrayName(firstFrameArray) + " has " +
                        std::to_string(map.vertexCount));
    }
    const std::size_t offset = map.values.size();
    map.values.resize(offset + layout.rows * layout.columns);
    forEachValue(
      array,
      [&](std::size_t valueIndex, double value)
      {
        map.values[offset + layout.columnOf(valueIndex) * layout.rows + layout.rowOf(valueIndex)] =
          static_cast<float>(value);
      });
    map.frameCount += layout.columns;
  }
  if (map.frameCount == 0)
  {
    throw FileError(path, "holds a mesh, not per-vertex values");
  }
  return map;
}

} // namespace bmfl::io

#else

namespace bmfl::io
{

SurfaceMesh readGiftiSurface(const std::string& path, const std::vector<unsigned char>&)
{
  throw FileError(path, "GIFTI support not built (libgiftiio missing)");
}

VertexMap readGiftiVertexMap(const std::string& path, const std::vector<unsigned char>&)
{
  throw FileError(path, "GIFTI support not built (libgiftiio missing)");
}

} // namespace bmfl::io

#endif
