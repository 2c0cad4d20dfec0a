#include "bmfl/Resources.h"

#include "bmfl/FileError.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

// Where this program is installed: PREFIX/bin/PROGRAM, or PREFIX/libexec/bmfl/PROGRAM behind its
// launcher (app/launcher).
std::optional<fs::path> installPrefix()
{
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (error)
  {
    return std::nullopt;
  }
  const fs::path folder = executable.parent_path();
  if (folder.filename() == "bmfl" && folder.parent_path().filename() == "libexec")
  {
    return folder.parent_path().parent_path();
  }
  return folder.parent_path();
}

} // namespace

std::string resourceDirectory()
{
  std::vector<fs::path> candidates;
  if (const char* fromEnvironment = std::getenv("BMFL_RESOURCE_DIR"))
  {
    candidates.emplace_back(fromEnvironment);
  }
  if (const std::optional<fs::path> prefix = installPrefix())
  {
    candidates.push_back(*prefix / "share" / "bmfl" / "resources");
  }
  candidates.emplace_back(BMFL_SOURCE_RESOURCE_DIR);
  std::error_code error;

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
  if (const std::optional<fs::path> prefix = installPrefix())
  {
    candidates.push_back(*prefix / "share" / "bmfl" / "models" / "demo");
  }
  candidates.emplace_back(BMFL_SOURCE_MODELS_DIR "/demo");
  std::error_code error;
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
