#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace bmfl::test
{

/// A fresh folder under the system temp folder, removed with everything in it at the end.
class TemporaryFolder
{
public:
  TemporaryFolder()
  {
    std::random_device seed;
    Path = std::filesystem::temp_directory_path() /
           ("bmfl-data-test-" + std::to_string(seed()) + std::to_string(seed()));
    std::filesystem::create_directories(Path);
  }
  ~TemporaryFolder()
  {
    std::error_code ignored;
    std::filesystem::remove_all(Path, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  std::string file(const std::string& name) const { return (Path / name).string(); }
  const std::filesystem::path& path() const { return Path; }

private:
  std::filesystem::path Path;
};

inline void writeBytes(const std::string& path, const std::vector<unsigned char>& bytes)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<unsigned char> readBytes(const std::string& path)
{
  std::ifstream file(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(file),
                                    std::istreambuf_iterator<char>());
}

/// True when BMFL_NUMPY_PYTHON runs and imports numpy.
inline bool numpyAvailable()
{
  static const bool available =
    std::string(BMFL_NUMPY_PYTHON).size() > 0 &&
    std::system((std::string(BMFL_NUMPY_PYTHON) + " -c 'import numpy' 2>/dev/null").c_str()) == 0;
  return available;
}

/// Runs a Python script (with numpy imported as np) in the given folder; true on success.
inline bool runNumpy(const std::filesystem::path& folder, const std::string& script)
{
  const std::filesystem::path scriptPath = folder / "make_data.py";
  std::ofstream(scriptPath) << "import numpy as np\nimport os\nos.chdir(" << folder << ")\n"
                            << script << "\n";
  return std::system((std::string(BMFL_NUMPY_PYTHON) + " " + scriptPath.string()).c_str()) == 0;
}

} // namespace bmfl::test
