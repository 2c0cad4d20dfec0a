#include "bmfl/Resources.h"

#include "bmfl/FileError.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace bmfl
{

namespace fs = std::filesystem;

std::string resourceDirectory()
{
  std::vector<fs::path> candidates;
  if (const char* fromEnvironment = std::getenv("BMFL_RESOURCE_DIR"))
  {
    candidates.emplace_back(fromEnvironment);
  }
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error)
  {
    candidates.push_back(executable.parent_path().parent_path() / "share" / "bmfl" / "resources");
  }
  candidates.emplace_back(BMFL_SOURCE_RESOURCE_DIR);

  std::string tried;
  for (const fs::path& candidate : candidates)
  {
    if (fs::is_directory(candidate / "fsaverage5", error))
    {
      return candidate.string();
    }
    tried += (tried.empty() ? "" : ", ") + candidate.string();
  }
  throw FileError("resources", "bundled resource folder not found (tried " + tried + ")");
}

std::string demoModelDirectory()
{
  std::vector<fs::path> candidates;
  if (const char* fromEnvironment = std::getenv("BMFL_DEMO_MODEL"))
  {
    candidates.emplace_back(fromEnvironment);
  }
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error)
  {
    candidates.push_back(executable.parent_path().parent_path() / "share" / "bmfl" / "models" /
                         "demo");
  }
  candidates.emplace_back(BMFL_SOURCE_MODELS_DIR "/demo");
  for (const fs::path& candidate : candidates)
  {
    if (fs::is_regular_file(candidate / "manifest.json", error))
    {
      return candidate.string();
    }
  }
  return {};
}

} // namespace bmfl
