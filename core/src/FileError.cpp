#include "bmfl/FileError.h"

namespace bmfl
{

namespace
{
// Keeps what() to one line whatever a parser or a library reported.
std::string oneLine(std::string text)
{
  for (char& c : text)
  {
    if (c == '\n' || c == '\r')
    {
      c = ' ';
    }
  }
  return text;
}
} // namespace

FileError::FileError(const std::string& path, const std::string& problem)
  : std::runtime_error(oneLine(path + ": " + problem))
  , Path(path)
  , Problem(oneLine(problem))
{
}

} // namespace bmfl
