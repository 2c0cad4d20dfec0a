#include "bmfl/Sha256.h"

#include "bmfl/FileError.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

namespace bmfl
{

namespace
{
constexpr std::array<std::uint32_t, 64> RoundConstants = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

std::uint32_t rotateRight(std::uint32_t value, int bits)
{
  return (value >> bits) | (value << (32 - bits));
}
} // namespace

Sha256::Sha256()
  : State{ 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
{
}

void Sha256::compressBlock(const std::uint8_t* block)
{
  std::array<std::uint32_t, 64> schedule{};
  for (std::size_t i = 0; i < 16; ++i)
  {
    schedule[i] = (std::uint32_t{ block[4 * i] } << 24) |
                  (std::uint32_t{ block[4 * i + 1] } << 16) |
                  (std::uint32_t{ block[4 * i + 2] } << 8) | std::uint32_t{ block[4 * i + 3] };
  }
  for (std::size_t i = 16; i < 64; ++i)
  {
    const std::uint32_t s0 = rotateRight(schedule[i - 15], 7) ^ rotateRight(schedule[i - 15], 18) ^
                             (schedule[i - 15] >> 3);
    const std::uint32_t s1 =
      rotateRight(schedule[i - 2], 17) ^ rotateRight(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10);
    schedule[i] = schedule[i - 16] + s0 + schedule[i - 7] + s1;
  }
  std::uint32_t a = State[0], b = State[1], c = State[2], d = State[3];
  std::uint32_t e = State[4], f = State[5], g = State[6], h = State[7];
  for (std::size_t i = 0; i < 64; ++i)
  {
    const std::uint32_t sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
    const std::uint32_t choice = (e & f) ^ (~e & g);
    const std::uint32_t temp1 = h + sum1 + choice + RoundConstants[i] + schedule[i];
    const std::uint32_t sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
    const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t temp2 = sum0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + temp1;
    d = c;
    c = b;
    b = a;
    a = temp1 + temp2;
  }
  State[0] += a;
  State[1] += b;
  State[2] += c;
  State[3] += d;
  State[4] += e;
  State[5] += f;
  State[6] += g;
  State[7] += h;
}

void Sha256::update(const void* data, std::size_t size)
{
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  TotalBytes += size;
  while (size > 0)
  {
    if (Buffered == 0 && size >= 64)
    {
      compressBlock(bytes);
      bytes += 64;
      size -= 64;
      continue;
    }
    const std::size_t take = std::min(size, 64 - Buffered);
    std::memcpy(Buffer.data() + Buffered, bytes, take);
    Buffered += take;
    bytes += take;
    size -= take;
    if (Buffered == 64)
    {
      compressBlock(Buffer.data());
      Buffered = 0;
    }
  }
}

std::string Sha256::hexDigest()
{
  const std::uint64_t totalBits = TotalBytes * 8;
  const std::uint8_t pad = 0x80;
  update(&pad, 1);
  const std::uint8_t zero = 0;
  while (Buffered != 56)
  {
    update(&zero, 1);
  }
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i)
  {
    length[i] = static_cast<std::uint8_t>(totalBits >> (56 - 8 * i));
  }
  update(length, 8);
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (std::uint32_t word : State)
  {
    for (int shift = 28; shift >= 0; shift -= 4)
    {
      hex += digits[(word >> shift) & 0xFu];
    }
  }
  return hex;
}

std::string sha256Hex(const std::string& bytes)
{
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hexDigest();
}

std::string sha256OfFile(const std::string& path)
{
  std::ifstream file(path, std::ios::binary);
  if (!file)
  {
    throw FileError(path, "cannot be opened for reading");
  }
  Sha256 hash;
  std::vector<char> chunk(std::size_t{ 1 } << 20);
  while (file)
  {
    file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::streamsize got = file.gcount();
    if (got > 0)
    {
      hash.update(chunk.data(), static_cast<std::size_t>(got));
    }
  }
  if (file.bad())
  {
    throw FileError(path, "read failed");
  }
  return hash.hexDigest();
}

} // namespace bmfl
