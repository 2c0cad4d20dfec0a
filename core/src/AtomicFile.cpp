#include "bmfl/AtomicFile.h"

#include "bmfl/FileError.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace bmfl
{

namespace
{

std::string temporaryNameFor(const std::filesystem::path& target)
{
  // Unique per process and call, so parallel writers of different files never collide; the
  // leading dot keeps half-written files out of folder listings.
  static std::atomic<unsigned long> counter{ 0 };
  return (target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                                  std::to_string(::getpid()) + "-" + std::to_string(++counter)))
    .string();
}

void writeBytes(const std::string& path, const char* data, std::size_t size)
{
  const std::string temporary = temporaryNameFor(std::filesystem::path(path));
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file)
  {
    throw FileError(path, "cannot create: " + std::generic_category().message(errno));
  }
  bool written = std::fwrite(data, 1, size, file) == size;
  written = std::fflush(file) == 0 && written;
  const int writeErrno = errno;
  written = std::fclose(file) == 0 && written;
  std::error_code error;
  if (written)
  {
    std::filesystem::rename(temporary, path, error);
    if (!error)
    {
      return;
    }
  }
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  throw FileError(path,
                  "cannot write: " +
                    (error ? error.message() : std::generic_category().message(writeErrno)));
}

} // namespace

void writeFileAtomically(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
  writeBytes(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void writeTextFileAtomically(const std::string& path, const std::string& text)
{
  writeBytes(path, text.data(), text.size());
}

} // namespace bmfl
