#include "bmfl/ImageInfo.h"

#include "bmfl/FileError.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace bmfl
{

namespace
{

constexpr unsigned char PngSignature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
/// EXIF thumbnails and ICC profiles can put tens of kilobytes before a JPEG's frame header.
constexpr std::size_t MaxHeaderSearchBytes = std::size_t{ 1 } << 20;
/// A TIFF's directory may come after its pixels; it is looked for in this many bytes at most (the
/// decoders' limit for an image file).
constexpr std::size_t MaxTiffBytes = std::size_t{ 256 } << 20;

std::uint32_t bigEndian32(const unsigned char* at)
{
  return (std::uint32_t{ at[0] } << 24) | (std::uint32_t{ at[1] } << 16) |
         (std::uint32_t{ at[2] } << 8) | std::uint32_t{ at[3] };
}

std::uint32_t bigEndian16(const unsigned char* at)
{
  return (std::uint32_t{ at[0] } << 8) | std::uint32_t{ at[1] };
}

bool isPng(const std::vector<unsigned char>& bytes)
{
  return bytes.size() >= 8 && std::memcmp(bytes.data(), PngSignature, 8) == 0;
}

bool isJpeg(const std::vector<unsigned char>& bytes)
{
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

ImageInfo parsePng(const std::string& path, const std::vector<unsigned char>& bytes)
{
  // Signature, then the IHDR chunk: length 13, "IHDR", width, height, depth, colour type ...
  if (bytes.size() < 8 + 8 + 13)
  {
    throw FileError(path, "truncated PNG: the IHDR header is incomplete");
  }
  if (bigEndian32(bytes.data() + 8) != 13 || std::memcmp(bytes.data() + 12, "IHDR", 4) != 0)
  {
    throw FileError(path, "malformed PNG: the first chunk is not a 13-byte IHDR");
  }
  ImageInfo info;
  info.format = "PNG";
  info.width = bigEndian32(bytes.data() + 16);
  info.height = bigEndian32(bytes.data() + 20);
  info.bitDepth = bytes[24];
  const int colourType = bytes[25];
  if (info.width == 0 || info.height == 0 || info.width > 0x7FFFFFFFu || info.height > 0x7FFFFFFFu)
  {
    throw FileError(path,
                    "malformed PNG: invalid size " + std::to_string(info.width) + " x " +
                      std::to_string(info.height));
  }
  switch (colourType)
  {
    case 0:
      info.channels = 1;
      break;
    case 2:
    case 3: // palette indices decode to RGB
      info.channels = 3;
      break;
    case 4:
      info.channels = 2;
      break;
    case 6:
      info.channels = 4;
      break;
    default:
      throw FileError(path, "malformed PNG: unknown colour type " + std::to_string(colourType));
  }
  if (info.bitDepth != 1 && info.bitDepth != 2 && info.bitDepth != 4 && info.bitDepth != 8 &&
      info.bitDepth != 16)
  {
    throw FileError(path, "malformed PNG: invalid bit depth " + std::to_string(info.bitDepth));
  }
  return info;
}

bool isBmp(const std::vector<unsigned char>& bytes)
{
  return bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M';
}

std::uint32_t littleEndian32(const unsigned char* at)
{
  return std::uint32_t{ at[0] } | (std::uint32_t{ at[1] } << 8) | (std::uint32_t{ at[2] } << 16) |
         (std::uint32_t{ at[3] } << 24);
}

ImageInfo parseBmp(const std::string& path, const std::vector<unsigned char>& bytes)
{
  // File header (14 bytes), then a DIB header: the 12-byte OS/2 core header with 16-bit sizes, or
  // BITMAPINFOHEADER and its successors (40 bytes and more) with signed 32-bit sizes.
  if (bytes.size() < 14 + 12)
  {
    throw FileError(path, "truncated BMP: the header is incomplete");
  }
  const std::uint32_t headerBytes = littleEndian32(bytes.data() + 14);
  ImageInfo info;
  info.format = "BMP";
  std::uint32_t bitsPerPixel = 0;
  if (headerBytes == 12)
  {
    info.width = std::uint32_t{ bytes[18] } | (std::uint32_t{ bytes[19] } << 8);
    info.height = std::uint32_t{ bytes[20] } | (std::uint32_t{ bytes[21] } << 8);
    bitsPerPixel = std::uint32_t{ bytes[24] } | (std::uint32_t{ bytes[25] } << 8);
  }
  else if (headerBytes >= 40)
  {
    if (bytes.size() < 14 + 40)
    {
      throw FileError(path, "truncated BMP: the header is incomplete");
    }
    const auto width = static_cast<std::int32_t>(littleEndian32(bytes.data() + 18));
    const auto height = static_cast<std::int32_t>(littleEndian32(bytes.data() + 22));
    // A negative height marks rows stored top-down.
    info.width = width > 0 ? static_cast<std::uint32_t>(width) : 0;
    info.height = height == std::numeric_limits<std::int32_t>::min()
                    ? 0
                    : static_cast<std::uint32_t>(height < 0 ? -height : height);
    bitsPerPixel = std::uint32_t{ bytes[28] } | (std::uint32_t{ bytes[29] } << 8);
  }
  else
  {
    throw FileError(path, "malformed BMP: unknown header size " + std::to_string(headerBytes));
  }
  if (info.width == 0 || info.height == 0)
  {
    throw FileError(path, "malformed BMP: invalid size");
  }
  switch (bitsPerPixel)
  {
    case 1:
    case 4:
    case 8: // palette indices decode to colour
    case 16:
    case 24:
      info.channels = 3;
      break;
    case 32:
      info.channels = 4;
      break;
    default:
      throw FileError(path, "malformed BMP: " + std::to_string(bitsPerPixel) + " bits per pixel");
  }
  info.bitDepth = bitsPerPixel <= 8 ? static_cast<int>(bitsPerPixel) : 8;
  return info;
}

bool isFrameHeader(unsigned char marker)
{
  // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

ImageInfo parseJpeg(const std::string& path, const std::vector<unsigned char>& bytes)
{
  std::size_t at = 2;
  for (;;)
  {
    if (at >= bytes.size() || bytes[at] != 0xFF)
    {
      throw FileError(path,
                      at >= bytes.size()
                        ? "truncated JPEG: no frame header found"
                        : "malformed JPEG: expected a marker at byte " + std::to_string(at));
    }
    // Any number of 0xFF fill bytes may precede a marker code.
    while (at < bytes.size() && bytes[at] == 0xFF)
    {
      ++at;
    }
    if (at >= bytes.size())
    {
      throw FileError(path, "truncated JPEG: no frame header found");
    }
    const unsigned char marker = bytes[at++];
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
    {
      continue; // markers without a segment
    }
    if (marker == 0xD9 || marker == 0xDA)
    {
      throw FileError(path, "malformed JPEG: image data begin before any frame header");
    }
    if (at + 2 > bytes.size())
    {
      throw FileError(path, "truncated JPEG: a segment length is missing");
    }
    const std::uint32_t length = bigEndian16(bytes.data() + at);
    if (length < 2)
    {
      throw FileError(path, "malformed JPEG: segment length " + std::to_string(length));
    }
    if (isFrameHeader(marker))
    {
      if (length < 8 || at + 8 > bytes.size())
      {
        throw FileError(path, "truncated JPEG: the frame header is incomplete");
      }
      ImageInfo info;
      info.format = "JPEG";
      info.bitDepth = bytes[at + 2];
      info.height = bigEndian16(bytes.data() + at + 3);
      info.width = bigEndian16(bytes.data() + at + 5);
      info.channels = bytes[at + 7];
      if (info.width == 0 || info.height == 0 || info.channels < 1 || info.channels > 4)
      {
        // A zero height is legal (given later by a DNL marker) but no camera or tool writes it.
        throw FileError(path,
                        "malformed JPEG: frame of " + std::to_string(info.width) + " x " +
                          std::to_string(info.height) + " with " + std::to_string(info.channels) +
                          " components");
      }
      return info;
    }
    at += length;
  }
}

bool isTiff(const std::vector<unsigned char>& bytes)
{
  return bytes.size() >= 4 &&
         ((bytes[0] == 'I' && bytes[1] == 'I' && bytes[2] == 42 && bytes[3] == 0) ||
          (bytes[0] == 'M' && bytes[1] == 'M' && bytes[2] == 0 && bytes[3] == 42));
}

/// The first image file directory (IFD) of a baseline TIFF: ImageWidth (256), ImageLength (257),
/// BitsPerSample (258) and SamplesPerPixel (277), each a SHORT or LONG.
ImageInfo parseTiff(const std::string& path, const std::vector<unsigned char>& bytes)
{
  const bool little = bytes[0] == 'I';
  const auto read = [&](std::size_t at, int count) -> std::uint32_t
  {
    if (at + static_cast<std::size_t>(count) > bytes.size())
    {
      throw FileError(path, "truncated TIFF: the image file directory is incomplete");
    }
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i)
    {
      const unsigned char byte = bytes[at + static_cast<std::size_t>(little ? count - 1 - i : i)];
      value = (value << 8) | byte;
    }
    return value;
  };
  const std::size_t directory = read(4, 4);
  const std::uint32_t entries = read(directory, 2);
  ImageInfo info;
  info.format = "TIFF";
  info.channels = 1;
  info.bitDepth = 1;
  for (std::uint32_t i = 0; i < entries; ++i)
  {
    const std::size_t entry = directory + 2 + 12 * std::size_t{ i };
    const std::uint32_t tag = read(entry, 2);
    const std::uint32_t type = read(entry + 2, 2);
    const std::uint32_t count = read(entry + 4, 4);
    if (type != 3 && type != 4)
    {
      continue; // none of the four tags read here is of another type
    }
    const int width = type == 3 ? 2 : 4;
    // Values that fit in 4 bytes are stored in the entry; larger arrays at an offset.
    const std::size_t valueAt = std::uint64_t{ count } * static_cast<std::uint64_t>(width) <= 4
                                  ? entry + 8
                                  : read(entry + 8, 4);
    const std::uint32_t value = read(valueAt, width);
    switch (tag)
    {
      case 256:
        info.width = value;
        break;
      case 257:
        info.height = value;
        break;
      case 258:
        info.bitDepth = static_cast<int>(value);
        break;
      case 277:
        info.channels = static_cast<int>(value);
        break;
      default:
        break;
    }
  }
  if (info.width == 0 || info.height == 0 || info.channels < 1 || info.bitDepth < 1 ||
      info.bitDepth > 64)
  {
    throw FileError(path,
                    "malformed TIFF: " + std::to_string(info.width) + " x " +
                      std::to_string(info.height) + " with " + std::to_string(info.channels) +
                      " samples of " + std::to_string(info.bitDepth) + " bits");
  }
  return info;
}

bool isWebp(const std::vector<unsigned char>& bytes)
{
  return bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 &&
         std::memcmp(bytes.data() + 8, "WEBP", 4) == 0;
}

std::uint32_t littleEndian(const unsigned char* at, int count)
{
  std::uint32_t value = 0;
  for (int i = count; i-- > 0;)
  {
    value = (value << 8) | at[i];
  }
  return value;
}

/// The first chunk of a WebP file: VP8 (lossy), VP8L (lossless) or VP8X (extended, with the
/// canvas size and an alpha flag).
ImageInfo parseWebp(const std::string& path, const std::vector<unsigned char>& bytes)
{
  if (bytes.size() < 30)
  {
    throw FileError(path, "truncated WebP: the header is incomplete");
  }
  ImageInfo info;
  info.format = "WebP";
  info.bitDepth = 8;
  info.channels = 3;
  const unsigned char* chunk = bytes.data() + 12;
  if (std::memcmp(chunk, "VP8X", 4) == 0)
  {
    info.channels = (chunk[8] & 0x10) != 0 ? 4 : 3;
    info.width = littleEndian(chunk + 12, 3) + 1;
    info.height = littleEndian(chunk + 15, 3) + 1;
  }
  else if (std::memcmp(chunk, "VP8L", 4) == 0 && chunk[8] == 0x2F)
  {
    const std::uint32_t bits = littleEndian(chunk + 9, 4);
    info.width = (bits & 0x3FFF) + 1;
    info.height = ((bits >> 14) & 0x3FFF) + 1;
    info.channels = (bits >> 28 & 1) != 0 ? 4 : 3;
  }
  else if (std::memcmp(chunk, "VP8 ", 4) == 0 && chunk[11] == 0x9D && chunk[12] == 0x01 &&
           chunk[13] == 0x2A)
  {
    info.width = littleEndian(chunk + 14, 2) & 0x3FFF;
    info.height = littleEndian(chunk + 16, 2) & 0x3FFF;
  }
  else
  {
    throw FileError(path, "malformed WebP: the first chunk is not a VP8, VP8L or VP8X header");
  }
  if (info.width == 0 || info.height == 0)
  {
    throw FileError(path, "malformed WebP: invalid size");
  }
  return info;
}

} // namespace

bool looksLikeImage(const std::vector<unsigned char>& bytes)
{
  return isPng(bytes) || isJpeg(bytes) || isBmp(bytes) || isTiff(bytes) || isWebp(bytes);
}

ImageInfo parseImageInfo(const std::string& path, const std::vector<unsigned char>& bytes)
{
  if (isPng(bytes))
  {
    return parsePng(path, bytes);
  }
  if (isJpeg(bytes))
  {
    return parseJpeg(path, bytes);
  }
  if (isBmp(bytes))
  {
    return parseBmp(path, bytes);
  }
  if (isTiff(bytes))
  {
    return parseTiff(path, bytes);
  }
  if (isWebp(bytes))
  {
    return parseWebp(path, bytes);
  }
  throw FileError(path, "not a PNG, JPEG, BMP, TIFF or WebP image");
}

ImageInfo readImageInfo(const std::string& path)
{
  requireRegularFile(path);
  std::error_code error;
  std::ifstream file(path, std::ios::binary);
  if (!file)
  {
    throw FileError(path, "cannot open");
  }
  std::vector<unsigned char> bytes(MaxHeaderSearchBytes);
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  if (isTiff(bytes) && bytes.size() == MaxHeaderSearchBytes)
  {
    // A TIFF's directory may follow its pixels: read the rest, up to the limit for images.
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    bytes.resize(static_cast<std::size_t>(
      std::clamp<std::uintmax_t>(error ? 0 : size, MaxHeaderSearchBytes, MaxTiffBytes)));
    file.read(reinterpret_cast<char*>(bytes.data() + MaxHeaderSearchBytes),
              static_cast<std::streamsize>(bytes.size() - MaxHeaderSearchBytes));
    bytes.resize(MaxHeaderSearchBytes + static_cast<std::size_t>(file.gcount()));
  }
  return parseImageInfo(path, bytes);
}

} // namespace bmfl
