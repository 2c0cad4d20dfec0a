#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "io/GzipFile.h"

#include <cstdio>
#include <filesystem>
#include <limits>
#include <system_error>

namespace bmfl
{

namespace
{

constexpr std::size_t MaxIdxDimensions = 8;

std::string describeDimensions(const std::vector<std::size_t>& dimensions)
{
  std::string text;
  for (std::size_t dimension : dimensions)
  {
    text += (text.empty() ? "" : "x") + std::to_string(dimension);
  }
  return text;
}

std::string typeName(unsigned char type)
{
  switch (type)
  {
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "unknown";
  }
}

} // namespace

IdxArray readIdxFile(const std::string& path)
{
  const io::FileContent start = io::readFileStart(path, 4 + 4 * MaxIdxDimensions);
  if (start.gzipped && start.bytes.size() < 4 + 4 * MaxIdxDimensions)
  {
    // Too little came out of the gzip stream for a header: read it whole, so that a corrupt or
    // truncated stream is reported as such (a short but sound one just stays short).
    io::readFileContent(path, 4 + 4 * MaxIdxDimensions);
  }
  const std::vector<unsigned char>& header = start.bytes;
  if (header.size() < 4)
  {
    throw FileError(path, "not an IDX file: shorter than the 4-byte magic number");
  }
  if (header[0] != 0 || header[1] != 0)
  {
    throw FileError(path, "not an IDX file: the magic number does not start with two zero bytes");
  }
  if (header[2] != 0x08)
  {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", header[2]);
    throw FileError(path,
                    std::string("IDX element type ") + code + " (" + typeName(header[2]) +
                      ") is not supported: only 0x08 (unsigned byte)");
  }
  const std::size_t rank = header[3];
  if (rank < 1 || rank > MaxIdxDimensions)
  {
    throw FileError(path,
                    "IDX file declares " + std::to_string(rank) + " dimensions (expected 1 to " +
                      std::to_string(MaxIdxDimensions) + ")");
  }
  const std::size_t headerBytes = 4 + 4 * rank;
  if (header.size() < headerBytes)
  {
    throw FileError(path,
                    "truncated IDX header: " + std::to_string(rank) + " dimensions need " +
                      std::to_string(headerBytes) + " bytes");
  }
  IdxArray array;
  std::uint64_t count = 1;
  for (std::size_t d = 0; d < rank; ++d)
  {
    const std::size_t at = 4 + 4 * d;
    const std::uint64_t dimension = (std::uint64_t{ header[at] } << 24) |
                                    (std::uint64_t{ header[at + 1] } << 16) |
                                    (std::uint64_t{ header[at + 2] } << 8) | header[at + 3];
    if (dimension == 0)
    {
      throw FileError(path, "IDX dimension " + std::to_string(d) + " is zero");
    }
    array.dimensions.push_back(static_cast<std::size_t>(dimension));
    count *= dimension;
    if (count > io::MaxFileBytes)
    {
      throw FileError(path,
                      "IDX dimensions " + describeDimensions(array.dimensions) +
                        "... exceed the limit of " + std::to_string(io::MaxFileBytes) + " bytes");
    }
  }
  const std::uint64_t expected = headerBytes + count;
  if (!start.gzipped)
  {
    // A plain file's size is known before anything is read.
    std::error_code error;
    const std::uintmax_t actual = std::filesystem::file_size(path, error);
    if (!error && actual != expected)
    {
      throw FileError(path,
                      std::string(actual < expected ? "truncated" : "trailing bytes") +
                        ": IDX dimensions " + describeDimensions(array.dimensions) + " need " +
                        std::to_string(expected) + " bytes, the file has " +
                        std::to_string(actual));
    }
  }
  io::FileContent content = io::readFileContent(path, expected);
  if (content.bytes.size() != expected)
  {
    throw FileError(path,
                    "truncated: IDX dimensions " + describeDimensions(array.dimensions) + " need " +
                      std::to_string(expected) + " bytes, the " +
                      (content.gzipped ? "decompressed " : "") + "file has " +
                      std::to_string(content.bytes.size()));
  }
  content.bytes.erase(content.bytes.begin(),
                      content.bytes.begin() + static_cast<std::ptrdiff_t>(headerBytes));
  array.values = std::move(content.bytes);
  return array;
}

} // namespace bmfl
