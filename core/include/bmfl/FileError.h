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

} // namespace bmfl
