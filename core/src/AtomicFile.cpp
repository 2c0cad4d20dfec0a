#include "bmfl/AtomicFile.h"

#include "bmfl/FileError.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

/// Enough for any sane chain; the kernel's own limit (ELOOP) is 40.
constexpr int MaxSymlinkHops = 40;

std::string temporaryNameFor(const fs::path& target)
{
  // Unique per process and call, so parallel writers of different files never collide; the
  // leading dot keeps half-written files out of folder listings.
  static std::atomic<unsigned long> counter{ 0 };
  return (target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                                  std::to_string(::getpid()) + "-" + std::to_string(++counter)))
    .string();
}

/// The file a write to path lands in: path itself, or the end of its chain of symbolic links
/// (which need not exist yet), so that the link stays a link.
fs::path writeTarget(const std::string& path)
{
  fs::path target(path);
  for (int hop = 0;; ++hop)
  {
    std::error_code error;
    if (!fs::is_symlink(fs::symlink_status(target, error)))
    {
      return target;
    }
    if (hop == MaxSymlinkHops)
    {
      throw FileError(path, "too many levels of symbolic links");
    }
    const fs::path next = fs::read_symlink(target, error);
    if (error)
    {
      throw FileError(path, "cannot read the symbolic link: " + error.message());
    }
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
}

/// The permission bits of the regular file at target, none when it does not exist yet; throws
/// for anything else there (a FIFO, a device, a folder), which a rename would replace.
std::optional<mode_t> existingPermissions(const std::string& path, const fs::path& target)
{
  struct stat status
  {
  };
  if (::stat(target.c_str(), &status) != 0)
  {
    if (errno == ENOENT)
    {
      return std::nullopt;
    }
    throw FileError(path, "cannot write: " + std::generic_category().message(errno));
  }
  try
  {
    requireRegularFile(target.string());
  }
  catch (const FileError& error)
  {
    throw FileError(path, error.problem() + "; refusing to replace it");
  }
  return status.st_mode & 07777;
}

void writeBytes(const std::string& path, const char* data, std::size_t size)
{
  const fs::path target = writeTarget(path);
  const std::optional<mode_t> permissions = existingPermissions(path, target);
  const std::string temporary = temporaryNameFor(target);
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file)
  {
    throw FileError(path, "cannot create: " + std::generic_category().message(errno));
  }
  bool written = std::fwrite(data, 1, size, file) == size;
  written = std::fflush(file) == 0 && written;
  written = (!permissions || ::fchmod(::fileno(file), *permissions) == 0) && written;
  const int writeErrno = errno;
  written = std::fclose(file) == 0 && written;
  std::error_code error;
  if (written)
  {
    fs::rename(temporary, target, error);
    if (!error)
    {
      return;
    }
  }
  std::error_code ignored;
  fs::remove(temporary, ignored);
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
