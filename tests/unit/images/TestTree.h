#pragma once

#include "bmfl/ImageTransform.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace bmfl::test
{

/// A fresh folder under the system temp folder, removed with everything in it at the end.
class TemporaryFolder
{
public:
  TemporaryFolder()
  {
    static std::atomic<int> counter{ 0 };
    Path = std::filesystem::temp_directory_path() /
           ("bmfl-images-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(Path);
  }
  ~TemporaryFolder()
  {
    std::error_code ignored;
    std::filesystem::remove_all(Path, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return Path; }
  std::string operator/(const std::string& relative) const { return (Path / relative).string(); }

private:
  std::filesystem::path Path;
};

/// A small colour (or grey) test picture: gradients, a bright disc and a checker patch, so that
/// every corruption has edges, flat areas and colour to act on.
inline Image syntheticImage(int width, int height, int channels, int variant = 0)
{
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(image.byteCount());
  for (int y = 0; y < height; ++y)
  {
    for (int x = 0; x < width; ++x)
    {
      const double dx = x - width * 0.55;
      const double dy = y - height * 0.45;
      const bool disc = dx * dx + dy * dy < (width * 0.22) * (width * 0.22);
      const bool checker = x < width / 3 && y > height / 2 && ((x / 4 + y / 4) % 2 == 0);
      for (int c = 0; c < channels; ++c)
      {
        int value = (x * 180 / width + y * 60 / height + 40 * c + 13 * variant) % 200 + 20;
        if (disc)
        {
          value = c == 0 ? 235 : 150 + 30 * c;
        }
        if (checker)
        {
          value = 30;
        }
        image.pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                      static_cast<std::size_t>(x)) *
                       static_cast<std::size_t>(channels) +
                     static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(value);
      }
    }
  }
  return image;
}

inline void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline void writeText(const std::string& path, const std::string& text)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

/// Writes a small image file (format from the extension) after creating its folder.
inline void writePicture(const std::string& path, int variant = 0, int width = 20, int height = 16)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  writeImageFile(syntheticImage(width, height, 3, variant), path);
}

inline bool isOneLine(const std::string& text)
{
  return !text.empty() && text.find('\n') == std::string::npos;
}

} // namespace bmfl::test
