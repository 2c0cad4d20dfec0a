#pragma once

#include <filesystem>
#include <string>

namespace bmfl
{

/// A fresh folder of the program's own under the system's temporary folder (mkdtemp: never one
/// that already existed), removed with its contents when the object goes. For benchmarks and
/// other work whose files nobody keeps. Throws std::filesystem::filesystem_error when there is
/// no temporary folder (TMPDIR not a folder), FileError when it cannot be made.
class ScratchFolder
{
public:
  /// prefix: the start of the folder's name, e.g. "bmfl-bench".
  explicit ScratchFolder(const std::string& prefix);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return Path; }

private:
  std::filesystem::path Path;
};

} // namespace bmfl
