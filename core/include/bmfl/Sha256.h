#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace bmfl
{

/// SHA-256 (FIPS 180-4, computed by OpenSSL's libcrypto), streamed: update() any number of
/// times, then hexDigest() once.
class Sha256
{
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  /// The digest as 64 lower-case hexadecimal digits. Ends this hash: call it once.
  std::string hexDigest();

private:
  struct Context;
  std::unique_ptr<Context> State;
};

std::string sha256Hex(const std::string& bytes);

/// The SHA-256 of a file's contents, read in chunks. Throws FileError when it cannot be read.
std::string sha256OfFile(const std::string& path);

} // namespace bmfl
