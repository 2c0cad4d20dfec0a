#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// What an image file's header says, read without decoding any pixels.
struct ImageInfo
{
  std::string format; ///< "PNG", "JPEG", "BMP", "TIFF" or "WebP"
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int channels = 0; ///< 1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha (PNG) or CMYK (JPEG)
  int bitDepth = 0; ///< bits per channel sample
};

/// Reads the header of a PNG (IHDR), a JPEG (the first SOFn frame header, walking the markers
/// before it; at most the first 1 MiB is read), a BMP (its DIB header), a TIFF (its first image
/// file directory) or a WebP (its VP8, VP8L or VP8X chunk). Pixels are not decoded. Throws
/// FileError naming the file and the problem.
ImageInfo readImageInfo(const std::string& path);

/// The same on a file's first bytes; path only names it in errors (used by the fuzzers).
ImageInfo parseImageInfo(const std::string& path, const std::vector<unsigned char>& bytes);

/// True when the bytes start with the PNG, JPEG, BMP, TIFF or WebP signature.
bool looksLikeImage(const std::vector<unsigned char>& bytes);

} // namespace bmfl
