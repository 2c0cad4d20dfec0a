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
  std::error_code error;
  const fs::path base = fs::temp_directory_path(error);
  const std::string pattern = ((error ? fs::path("/tmp") : base) / (prefix + "-XXXXXX")).string();
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
