#include "bmfl/Annot.h"

#include "bmfl/FileError.h"
#include "io/GzipFile.h"

#include <unordered_map>

namespace bmfl
{

namespace
{

/// A bounds-checked big-endian cursor: every read says what it was reading when it runs out.
class BigEndianCursor
{
public:
  BigEndianCursor(const std::string& path, const std::vector<unsigned char>& bytes)
    : Path(path)
    , Bytes(bytes)
  {
  }

  std::size_t remaining() const { return Bytes.size() - At; }

  void require(std::uint64_t count, const std::string& what) const
  {
    if (count > remaining())
    {
      throw FileError(Path,
                      "truncated: " + what + " needs " + std::to_string(count) +
                        " bytes but only " + std::to_string(remaining()) + " remain");
    }
  }

  std::int32_t int32(const std::string& what)
  {
    require(4, what);
    const std::uint32_t bits =
      (std::uint32_t{ Bytes[At] } << 24) | (std::uint32_t{ Bytes[At + 1] } << 16) |
      (std::uint32_t{ Bytes[At + 2] } << 8) | std::uint32_t{ Bytes[At + 3] };
    At += 4;
    return static_cast<std::int32_t>(bits);
  }

  std::string text(std::int32_t length, const std::string& what)
  {
    if (length < 0)
    {
      throw FileError(Path, what + " has a negative length " + std::to_string(length));
    }
    require(static_cast<std::uint64_t>(length), what);
    std::string value(reinterpret_cast<const char*>(Bytes.data() + At),
                      static_cast<std::size_t>(length));
    At += static_cast<std::size_t>(length);
    // Names are stored NUL-terminated inside their length.
    const std::size_t end = value.find('\0');
    return end == std::string::npos ? value : value.substr(0, end);
  }

private:
  const std::string& Path;
  const std::vector<unsigned char>& Bytes;
  std::size_t At = 0;
};

std::uint8_t colourChannel(const std::string& path, std::int32_t value, const std::string& entry)
{
  if (value < 0 || value > 255)
  {
    throw FileError(path,
                    "colour-table entry \"" + entry + "\" has a channel value " +
                      std::to_string(value) + " outside 0..255");
  }
  return static_cast<std::uint8_t>(value);
}

void readEntry(const std::string& path,
               BigEndianCursor& cursor,
               std::int32_t structureId,
               Annotation& annotation)
{
  const std::string name = cursor.text(cursor.int32("an entry's name length"), "an entry's name");
  const std::int32_t red = cursor.int32("an entry's colour");
  const std::int32_t green = cursor.int32("an entry's colour");
  const std::int32_t blue = cursor.int32("an entry's colour");
  cursor.int32("an entry's transparency");
  annotation.names.push_back(name);
  annotation.colours.push_back({ colourChannel(path, red, name),
                                 colourChannel(path, green, name),
                                 colourChannel(path, blue, name) });
  annotation.structureIds.push_back(structureId);
}

void requireEntryCount(const std::string& path, std::int32_t count, const BigEndianCursor& cursor)
{
  // Each entry takes at least 20 bytes (name length + four channels), so the bytes present bound
  // how many there can be.
  constexpr std::size_t MinimumEntryBytes = 20;
  if (count < 0 || static_cast<std::uint64_t>(count) > cursor.remaining() / MinimumEntryBytes)
  {
    throw FileError(path,
                    "the colour table claims " + std::to_string(count) + " entries but only " +
                      std::to_string(cursor.remaining()) + " bytes remain");
  }
}

} // namespace

Annotation parseAnnot(const std::string& path, const std::vector<unsigned char>& bytes)
{
  BigEndianCursor cursor(path, bytes);
  const std::int32_t vertexCount = cursor.int32("the vertex count");
  if (vertexCount <= 0)
  {
    throw FileError(path, "invalid vertex count " + std::to_string(vertexCount));
  }
  cursor.require(8 * std::uint64_t{ static_cast<std::uint32_t>(vertexCount) },
                 std::to_string(vertexCount) + " vertex/label pairs");
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs(static_cast<std::size_t>(vertexCount));
  for (auto& [vertex, code] : pairs)
  {
    vertex = cursor.int32("a vertex number");
    code = cursor.int32("a vertex label");
    if (vertex < 0 || vertex >= vertexCount)
    {
      throw FileError(path,
                      "vertex number " + std::to_string(vertex) + " is outside 0.." +
                        std::to_string(vertexCount - 1));
    }
  }

  Annotation annotation;
  if (cursor.remaining() == 0 || cursor.int32("the colour-table flag") == 0)
  {
    throw FileError(path, "has no colour table (labels without names cannot be shown)");
  }
  const std::int32_t entriesOrVersion = cursor.int32("the colour-table size");
  if (entriesOrVersion > 0)
  {
    // The old layout: entry count, colour-table file name, then the entries numbered from 0.
    annotation.colourTableFile =
      cursor.text(cursor.int32("the colour-table name length"), "the colour-table name");
    requireEntryCount(path, entriesOrVersion, cursor);
    for (std::int32_t entry = 0; entry < entriesOrVersion; ++entry)
    {
      readEntry(path, cursor, entry, annotation);
    }
  }
  else
  {
    if (entriesOrVersion != -2)
    {
      throw FileError(path,
                      "unsupported colour-table version " +
                        std::to_string(-std::int64_t{ entriesOrVersion }) + " (expected 2)");
    }
    const std::int32_t maxStructure = cursor.int32("the colour-table size");
    if (maxStructure <= 0)
    {
      throw FileError(path, "invalid colour-table size " + std::to_string(maxStructure));
    }
    annotation.colourTableFile =
      cursor.text(cursor.int32("the colour-table name length"), "the colour-table name");
    const std::int32_t entryCount = cursor.int32("the colour-table entry count");
    requireEntryCount(path, entryCount, cursor);
    for (std::int32_t entry = 0; entry < entryCount; ++entry)
    {
      const std::int32_t structureId = cursor.int32("an entry's structure number");
      if (structureId < 0 || structureId >= maxStructure)
      {
        throw FileError(path,
                        "colour-table structure number " + std::to_string(structureId) +
                          " is outside 0.." + std::to_string(maxStructure - 1));
      }
      readEntry(path, cursor, structureId, annotation);
    }
  }

  // FreeSurfer labels a vertex with its entry's colour packed as red + green * 256 + blue * 65536.
  std::unordered_map<std::int32_t, std::int32_t> entryOfCode;
  for (std::size_t entry = annotation.colours.size(); entry-- > 0;)
  {
    const AtlasColour& colour = annotation.colours[entry];
    entryOfCode[colour.red | (colour.green << 8) | (colour.blue << 16)] =
      static_cast<std::int32_t>(entry);
  }
  annotation.vertexEntries.assign(static_cast<std::size_t>(vertexCount), -1);
  for (const auto& [vertex, code] : pairs)
  {
    const auto found = entryOfCode.find(code);
    annotation.vertexEntries[static_cast<std::size_t>(vertex)] =
      found == entryOfCode.end() ? -1 : found->second;
  }
  return annotation;
}

Annotation readAnnot(const std::string& path)
{
  const io::FileContent content = io::readFileContent(path);
  if (content.bytes.empty())
  {
    throw FileError(path, "empty file");
  }
  return parseAnnot(path, content.bytes);
}

} // namespace bmfl
