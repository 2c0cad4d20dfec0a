#pragma once

#include <stdexcept>
#include <string>

namespace bmfl
{

/// The one error type for unreadable or malformed input files. what() is a single line,
/// "<path>: <problem>", fit to show a user as it is.
class FileError : public std::runtime_error
{
public:
  FileError(const std::string& path, const std::string& problem);

  const std::string& path() const noexcept { return Path; }
  const std::string& problem() const noexcept { return Problem; }

private:
  std::string Path;
  std::string Problem;
};

/// Throws FileError unless path (symlinks followed) is a regular file: "cannot open: No such file
/// or directory", "is a folder, not a file", "not a regular file (a FIFO)" and the like. Never
/// opens path, so a FIFO or a device cannot block it. what, when given, names the expected content
/// ("a checkpoint file") in the message.
void requireRegularFile(const std::string& path, const std::string& what = "");

/// The same, but a folder is accepted too ("no such file or folder" when nothing is there).
void requireRegularFileOrFolder(const std::string& path);

} // namespace bmfl
