#include "data/AtomicWrite.h"

#include "bmfl/FileError.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace bmfl::data
{

void writeFileAtomically(const std::string& path, const std::vector<unsigned char>& bytes)
{
  // The process id keeps two processes writing the same file from sharing a temporary file.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file)
  {
    throw FileError(path, "cannot write: " + std::generic_category().message(errno));
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() &&
                       std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int writeError = errno;
  const bool closed = std::fclose(file) == 0;
  std::error_code renameError;
  if (written && closed)
  {
    std::filesystem::rename(temporary, path, renameError);
    if (!renameError)
    {
      return;
    }
  }
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  throw FileError(path,
                  "cannot write: " + (renameError ? renameError.message()
                                                  : std::generic_category().message(writeError)));
}

} // namespace bmfl::data
