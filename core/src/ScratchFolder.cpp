#include "bmfl/ScratchFolder.h"

#include "bmfl/FileError.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bmfl
{

ScratchFolder::ScratchFolder(const std::string& prefix)
{
  namespace fs = std::filesystem;
  // Throws filesystem_error naming TMPDIR's folder when it is not one.
  const std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr)
  {
    throw FileError(pattern, std::string("cannot make a scratch folder: ") + std::strerror(errno));
  }
  Path = name.data();
}

ScratchFolder::~ScratchFolder()
{
  std::error_code ignored;
  std::filesystem::remove_all(Path, ignored);
}

} // namespace bmfl
