#include "bmfl/FileError.h"

#include <cerrno>
#include <sys/stat.h>
#include <system_error>

namespace bmfl
{

namespace
{
// Keeps what() to one line whatever a parser or a library reported.
std::string oneLine(std::string text)
{
  for (char& c : text)
  {
    if (c == '\n' || c == '\r')
    {
      c = ' ';
    }
  }
  return text;
}

std::string kindOf(mode_t mode)
{
  if (S_ISFIFO(mode))
  {
    return "a FIFO";
  }
  if (S_ISCHR(mode))
  {
    return "a character device";
  }
  if (S_ISBLK(mode))
  {
    return "a block device";
  }
  if (S_ISSOCK(mode))
  {
    return "a socket";
  }
  return "of unknown type";
}

void requireKind(const std::string& path, const std::string& what, bool folderAllowed)
{
  struct stat status
  {
  };
  if (::stat(path.c_str(), &status) != 0)
  {
    // The wording of an fopen() failure, which callers reported before this check existed.
    const int error = errno;
    throw FileError(path,
                    error == ENOENT && folderAllowed
                      ? std::string("no such file or folder")
                      : "cannot open: " + std::generic_category().message(error));
  }
  if (S_ISREG(status.st_mode) || (folderAllowed && S_ISDIR(status.st_mode)))
  {
    return;
  }
  const std::string expected =
    S_ISDIR(status.st_mode)
      ? "is a folder, not a file"
      : (folderAllowed ? "not a regular file or folder" : "not a regular file") +
          std::string(" (") + kindOf(status.st_mode) + ")";
  throw FileError(path, expected + (what.empty() ? "" : "; expected " + what));
}
} // namespace

FileError::FileError(const std::string& path, const std::string& problem)
  : std::runtime_error(oneLine(path + ": " + problem))
  , Path(path)
  , Problem(oneLine(problem))
{
}

void requireRegularFile(const std::string& path, const std::string& what)
{
  requireKind(path, what, false);
}

void requireRegularFileOrFolder(const std::string& path)
{
  requireKind(path, "", true);
}

} // namespace bmfl
