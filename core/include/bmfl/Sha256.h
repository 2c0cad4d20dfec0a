#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace bmfl
{

/// SHA-256 (FIPS 180-4), streamed: update() any number of times, then hexDigest() once.
class Sha256
{
public:
  Sha256();
  void update(const void* data, std::size_t size);
  /// The digest as 64 lower-case hexadecimal digits. Ends this hash: call it once.
  std::string hexDigest();

private:
  void compressBlock(const std::uint8_t* block);

  std::array<std::uint32_t, 8> State;
  std::array<std::uint8_t, 64> Buffer{};
  std::size_t Buffered = 0;
  std::uint64_t TotalBytes = 0;
};

std::string sha256Hex(const std::string& bytes);

/// The SHA-256 of a file's contents, read in chunks. Throws FileError when it cannot be read.
std::string sha256OfFile(const std::string& path);

} // namespace bmfl
