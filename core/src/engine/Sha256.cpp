#include "bmfl/Sha256.h"

#include "bmfl/FileError.h"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace bmfl
{

struct Sha256::Context
{
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> Digest{ EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free };
};

Sha256::Sha256()
  : State(std::make_unique<Context>())
{
  if (!State->Digest || EVP_DigestInit_ex(State->Digest.get(), EVP_sha256(), nullptr) != 1)
  {
    throw std::runtime_error("OpenSSL could not start a SHA-256 digest");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size)
{
  if (size > 0 && EVP_DigestUpdate(State->Digest.get(), data, size) != 1)
  {
    throw std::runtime_error("OpenSSL could not update a SHA-256 digest");
  }
}

std::string Sha256::hexDigest()
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(State->Digest.get(), digest, &length) != 1)
  {
    throw std::runtime_error("OpenSSL could not finish a SHA-256 digest");
  }
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i)
  {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0xFu];
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
  requireRegularFile(path);
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
