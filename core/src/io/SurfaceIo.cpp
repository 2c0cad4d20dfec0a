#include "bmfl/Surface.h"

#include "bmfl/FileError.h"
#include "io/FreeSurferIo.h"
#include "io/GiftiIo.h"
#include "io/GzipFile.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bmfl
{

namespace
{

constexpr std::uint32_t FreeSurferSurfaceMagic = 0xFFFFFE;
constexpr std::uint32_t FreeSurferCurvMagic = 0xFFFFFF;

bool startsWithAt(const std::vector<unsigned char>& bytes, std::size_t at, std::string_view text)
{
  return bytes.size() >= at + text.size() &&
         std::equal(text.begin(),
                    text.end(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    [](char expected, unsigned char found)
                    { return static_cast<unsigned char>(expected) == found; });
}

bool looksLikeXml(const std::vector<unsigned char>& bytes)
{
  // Some writers put a UTF-8 byte-order mark or blank lines before the XML declaration.
  std::size_t at = startsWithAt(bytes, 0, "\xEF\xBB\xBF") ? 3 : 0;
  while (at < bytes.size() &&
         (bytes[at] == ' ' || bytes[at] == '\t' || bytes[at] == '\n' || bytes[at] == '\r'))
  {
    ++at;
  }
  return startsWithAt(bytes, at, "<?xml") || startsWithAt(bytes, at, "<GIFTI");
}

SurfaceFileFormat formatOfContent(const io::FileContent& content)
{
  const std::vector<unsigned char>& bytes = content.bytes;
  if (looksLikeXml(bytes))
  {
    return SurfaceFileFormat::Gifti;
  }
  if (bytes.size() >= 3)
  {
    const std::uint32_t magic = (std::uint32_t{ bytes[0] } << 16) |
                                (std::uint32_t{ bytes[1] } << 8) | std::uint32_t{ bytes[2] };
    if (magic == FreeSurferSurfaceMagic)
    {
      return SurfaceFileFormat::FreeSurferSurface;
    }
    if (magic == FreeSurferCurvMagic)
    {
      return SurfaceFileFormat::FreeSurferCurv;
    }
  }
  // Compressed and neither GIFTI nor FreeSurfer: MGZ is the remaining candidate, and its reader
  // says precisely what is wrong when it is not one.
  if (content.gzipped)
  {
    return SurfaceFileFormat::Mgh;
  }
  const bool mghVersionOne = startsWithAt(bytes, 0, std::string_view("\0\0\0\1", 4));
  return mghVersionOne && bytes.size() >= io::MghHeaderBytes ? SurfaceFileFormat::Mgh
                                                             : SurfaceFileFormat::Unknown;
}

FileError notRecognised(const std::string& path)
{
  return FileError(path,
                   "not a recognised surface or per-vertex file (GIFTI, FreeSurfer "
                   "surface/curv, MGH/MGZ)");
}

io::FileContent readNonEmpty(const std::string& path)
{
  io::FileContent content = io::readFileContent(path);
  if (content.bytes.empty())
  {
    throw FileError(path, content.gzipped ? "empty once decompressed" : "empty file");
  }
  return content;
}

} // namespace

SurfaceFileFormat detectSurfaceFileFormat(const std::string& path)
{
  return formatOfContent(io::readFileStart(path, io::MghHeaderBytes));
}

SurfaceMesh readSurface(const std::string& path)
{
  const io::FileContent content = readNonEmpty(path);
  switch (formatOfContent(content))
  {
    case SurfaceFileFormat::Gifti:
      return io::readGiftiSurface(path, content.bytes);
    case SurfaceFileFormat::FreeSurferSurface:
      return io::readFreeSurferSurface(path, content.bytes);
    case SurfaceFileFormat::FreeSurferCurv:
      throw FileError(path,
                      "holds per-vertex values (FreeSurfer curv format), not a mesh "
                      "(quad FreeSurfer surfaces, which share its magic number, are not "
                      "supported)");
    case SurfaceFileFormat::Mgh:
      throw FileError(path, "holds per-vertex values (MGH/MGZ format), not a mesh");
    case SurfaceFileFormat::Unknown:
      break;
  }
  throw notRecognised(path);
}

VertexMap readVertexMap(const std::string& path)
{
  const io::FileContent content = readNonEmpty(path);
  VertexMap map;
  switch (formatOfContent(content))
  {
    case SurfaceFileFormat::Gifti:
      map = io::readGiftiVertexMap(path, content.bytes);
      break;
    case SurfaceFileFormat::FreeSurferCurv:
      map = io::readFreeSurferCurv(path, content.bytes);
      break;
    case SurfaceFileFormat::Mgh:
      map = io::readMgh(path, content.bytes);
      break;
    case SurfaceFileFormat::FreeSurferSurface:
      throw FileError(path, "holds a mesh (FreeSurfer surface), not per-vertex values");
    case SurfaceFileFormat::Unknown:
      throw notRecognised(path);
  }
  map.name = std::filesystem::path(path).filename().string();
  return map;
}

} // namespace bmfl
