#include "io/FreeSurferIo.h"

#include "bmfl/FileError.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace bmfl::io
{

namespace
{

constexpr std::size_t MagicBytes = 3;
constexpr std::size_t CurvHeaderBytes = MagicBytes + 3 * 4;

std::uint32_t bigEndianUint32(const unsigned char* at)
{
  return (std::uint32_t{ at[0] } << 24) | (std::uint32_t{ at[1] } << 16) |
         (std::uint32_t{ at[2] } << 8) | std::uint32_t{ at[3] };
}

std::int32_t bigEndianInt32(const unsigned char* at)
{
  const std::uint32_t bits = bigEndianUint32(at);
  std::int32_t value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float bigEndianFloat32(const unsigned char* at)
{
  const std::uint32_t bits = bigEndianUint32(at);
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

std::int16_t bigEndianInt16(const unsigned char* at)
{
  const auto bits = static_cast<std::uint16_t>((at[0] << 8) | at[1]);
  std::int16_t value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/// Compares what a header claims with what the file holds, before anything is allocated for it.
void requireBytes(const std::string& path,
                  std::uint64_t needed,
                  std::uint64_t available,
                  const std::string& claim)
{
  if (needed > available)
  {
    throw FileError(path,
                    "truncated: header says " + claim + " (" + std::to_string(needed) +
                      " bytes) but only " + std::to_string(available) + " bytes follow");
  }
}

void requireHeader(const std::string& path,
                   std::size_t headerBytes,
                   std::size_t fileBytes,
                   const char* formatName)
{
  if (fileBytes < headerBytes)
  {
    throw FileError(path,
                    std::string("truncated: the ") + formatName + " header needs " +
                      std::to_string(headerBytes) + " bytes but the file has " +
                      std::to_string(fileBytes));
  }
}

template<typename Decode>
std::vector<float> decodeValues(const unsigned char* data,
                                std::size_t count,
                                std::size_t stride,
                                Decode decode)
{
  std::vector<float> values(count);
  for (std::size_t index = 0; index < count; ++index)
  {
    values[index] = static_cast<float>(decode(data + index * stride));
  }
  return values;
}

} // namespace

SurfaceMesh readFreeSurferSurface(const std::string& path, const std::vector<unsigned char>& bytes)
{
  requireHeader(path, MagicBytes, bytes.size(), "FreeSurfer surface");
  // A "created by" line and a blank line follow the magic; each ends with '\n' (read as nibabel
  // does).
  std::size_t offset = MagicBytes;
  for (int line = 0; line < 2; ++line)
  {
    const auto lineEnd =
      std::find(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end(), '\n');
    if (lineEnd == bytes.end())
    {
      throw FileError(path, "truncated: the header's text lines never end");
    }
    offset = static_cast<std::size_t>(lineEnd - bytes.begin()) + 1;
  }
  if (bytes.size() - offset < 8)
  {
    throw FileError(path, "truncated: the vertex and triangle counts are missing");
  }
  const std::int32_t vertexCount = bigEndianInt32(bytes.data() + offset);
  const std::int32_t triangleCount = bigEndianInt32(bytes.data() + offset + 4);
  offset += 8;
  if (vertexCount <= 0 || triangleCount <= 0)
  {
    throw FileError(path,
                    "invalid header: " + std::to_string(vertexCount) + " vertices and " +
                      std::to_string(triangleCount) + " triangles");
  }
  const std::uint64_t pointBytes = 12 * std::uint64_t{ static_cast<std::uint32_t>(vertexCount) };
  const std::uint64_t triangleBytes =
    12 * std::uint64_t{ static_cast<std::uint32_t>(triangleCount) };
  requireBytes(path,
               pointBytes + triangleBytes,
               bytes.size() - offset,
               std::to_string(vertexCount) + " vertices and " + std::to_string(triangleCount) +
                 " triangles");

  SurfaceMesh mesh;
  mesh.points = decodeValues(
    bytes.data() + offset, 3 * static_cast<std::size_t>(vertexCount), 4, bigEndianFloat32);
  offset += pointBytes;
  mesh.triangles.resize(3 * static_cast<std::size_t>(triangleCount));
  for (std::size_t index = 0; index < mesh.triangles.size(); ++index)
  {
    const std::int32_t vertex = bigEndianInt32(bytes.data() + offset + 4 * index);
    if (vertex < 0 || vertex >= vertexCount)
    {
      throw FileError(path,
                      "triangle " + std::to_string(index / 3) + " has vertex index " +
                        std::to_string(vertex) + ", outside 0.." + std::to_string(vertexCount - 1));
    }
    mesh.triangles[index] = vertex;
  }
  return mesh;
}

VertexMap readFreeSurferCurv(const std::string& path, const std::vector<unsigned char>& bytes)
{
  requireHeader(path, CurvHeaderBytes, bytes.size(), "FreeSurfer curv");
  const std::int32_t vertexCount = bigEndianInt32(bytes.data() + MagicBytes);
  const std::int32_t valuesPerVertex = bigEndianInt32(bytes.data() + MagicBytes + 8);
  if (vertexCount <= 0)
  {
    throw FileError(path, "invalid header: " + std::to_string(vertexCount) + " vertices");
  }
  if (valuesPerVertex != 1)
  {
    throw FileError(path,
                    "header says " + std::to_string(valuesPerVertex) +
                      " values per vertex; only 1 is supported");
  }
  const auto count = static_cast<std::size_t>(vertexCount);
  requireBytes(path,
               4 * std::uint64_t{ count },
               bytes.size() - CurvHeaderBytes,
               std::to_string(vertexCount) + " values");

  VertexMap map;
  map.vertexCount = count;
  map.frameCount = 1;
  map.values = decodeValues(bytes.data() + CurvHeaderBytes, count, 4, bigEndianFloat32);
  return map;
}

VertexMap readMgh(const std::string& path, const std::vector<unsigned char>& bytes)
{
  enum MghType : std::int32_t
  {
    Uchar = 0,
    Int = 1,
    Float = 3,
    Short = 4
  };
  requireHeader(path, MghHeaderBytes, bytes.size(), "MGH");
  const std::int32_t version = bigEndianInt32(bytes.data());
  if (version != 1)
  {
    throw FileError(path, "unsupported MGH version " + std::to_string(version) + " (expected 1)");
  }
  const std::int32_t dimensions[4] = { bigEndianInt32(bytes.data() + 4),
                                       bigEndianInt32(bytes.data() + 8),
                                       bigEndianInt32(bytes.data() + 12),
                                       bigEndianInt32(bytes.data() + 16) };
  const std::string shape = std::to_string(dimensions[0]) + " x " + std::to_string(dimensions[1]) +
                            " x " + std::to_string(dimensions[2]) + " x " +
                            std::to_string(dimensions[3]);
  if (std::any_of(
        std::begin(dimensions), std::end(dimensions), [](std::int32_t d) { return d <= 0; }))
  {
    throw FileError(path, "invalid MGH dimensions " + shape + " (width x height x depth x frames)");
  }
  const std::int32_t type = bigEndianInt32(bytes.data() + 20);
  std::size_t bytesPerValue = 0;
  switch (type)
  {
    case Uchar:
      bytesPerValue = 1;
      break;
    case Short:
      bytesPerValue = 2;
      break;
    case Int:
    case Float:
      bytesPerValue = 4;
      break;
    default:
      throw FileError(path,
                      "unknown MGH data type " + std::to_string(type) +
                        " (expected 0 UCHAR, 1 INT, 3 FLOAT or 4 SHORT)");
  }

  // Multiplied up step by step against the bytes present, so that no product can overflow.
  const std::uint64_t available = bytes.size() - MghHeaderBytes;
  std::uint64_t needed = bytesPerValue;
  for (const std::int32_t dimension : dimensions)
  {
    const auto length = std::uint64_t{ static_cast<std::uint32_t>(dimension) };
    if (needed > available / length)
    {
      throw FileError(path,
                      "truncated: header says " + shape + " values of " +
                        std::to_string(bytesPerValue) + " bytes but only " +
                        std::to_string(available) + " bytes of data follow");
    }
    needed *= length;
  }

  VertexMap map;
  map.vertexCount = static_cast<std::size_t>(dimensions[0]) *
                    static_cast<std::size_t>(dimensions[1]) *
                    static_cast<std::size_t>(dimensions[2]);
  map.frameCount = static_cast<std::size_t>(dimensions[3]);
  const std::size_t count = map.vertexCount * map.frameCount;
  const unsigned char* data = bytes.data() + MghHeaderBytes;
  switch (type)
  {
    case Uchar:
      map.values = decodeValues(data, count, 1, [](const unsigned char* at) { return *at; });
      break;
    case Short:
      map.values = decodeValues(data, count, 2, bigEndianInt16);
      break;
    case Int:
      map.values = decodeValues(data, count, 4, bigEndianInt32);
      break;
    default:
      map.values = decodeValues(data, count, 4, bigEndianFloat32);
      break;
  }
  return map;
}

} // namespace bmfl::io
