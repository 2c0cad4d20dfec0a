#include "Commands.h"

#include "bmfl/FileError.h"
#include "bmfl/Surface.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

namespace bmfl::cli
{

namespace
{

void describeMesh(const std::string& path, const char* format)
{
  const SurfaceMesh mesh = readSurface(path);
  float low[3] = { std::numeric_limits<float>::max(),
                   std::numeric_limits<float>::max(),
                   std::numeric_limits<float>::max() };
  float high[3] = { std::numeric_limits<float>::lowest(),
                    std::numeric_limits<float>::lowest(),
                    std::numeric_limits<float>::lowest() };
  for (std::size_t i = 0; i < mesh.points.size(); ++i)
  {
    low[i % 3] = std::min(low[i % 3], mesh.points[i]);
    high[i % 3] = std::max(high[i % 3], mesh.points[i]);
  }
  std::cout << path << ": mesh (" << format << "), " << mesh.vertexCount() << " vertices, "
            << mesh.triangleCount() << " triangles";
  if (mesh.vertexCount() > 0)
  {
    std::cout << ", bounds x [" << low[0] << ", " << high[0] << "] y [" << low[1] << ", " << high[1]
              << "] z [" << low[2] << ", " << high[2] << "] mm";
  }
  std::cout << "\n";
}

void describeMap(const std::string& path, const char* format)
{
  const VertexMap map = readVertexMap(path);
  float low = std::numeric_limits<float>::max();
  float high = std::numeric_limits<float>::lowest();
  std::size_t nonFinite = 0;
  for (float value : map.values)
  {
    if (!std::isfinite(value))
    {
      ++nonFinite;
      continue;
    }
    low = std::min(low, value);
    high = std::max(high, value);
  }
  std::cout << path << ": per-vertex map (" << format << "), " << map.vertexCount << " vertices, "
            << map.frameCount << " frame(s)";
  if (map.values.size() > nonFinite)
  {
    std::cout << ", range [" << low << ", " << high << "]";
  }
  if (nonFinite > 0)
  {
    std::cout << ", " << nonFinite << " non-finite";
  }
  std::cout << "\n";
}

// Returns false after printing the one-line error.
bool inspectOne(const std::string& path)
{
  try
  {
    switch (detectSurfaceFileFormat(path))
    {
      case SurfaceFileFormat::FreeSurferSurface:
        describeMesh(path, "FreeSurfer surface");
        return true;
      case SurfaceFileFormat::FreeSurferCurv:
        describeMap(path, "FreeSurfer curv");
        return true;
      case SurfaceFileFormat::Mgh:
        describeMap(path, "MGH/MGZ");
        return true;
      case SurfaceFileFormat::Gifti:
        // A GIFTI file holds a mesh or per-vertex data; the mesh reader says which.
        try
        {
          describeMesh(path, "GIFTI");
        }
        catch (const FileError&)
        {
          describeMap(path, "GIFTI");
        }
        return true;
      case SurfaceFileFormat::Unknown:
        throw FileError(path, "not a file type bmfl recognises");
    }
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl inspect: " << error.what() << "\n";
  }
  return false;
}

} // namespace

namespace
{

int runInspect(const std::vector<std::string>& arguments)
{
  if (arguments.empty())
  {
    std::cerr << "usage: bmfl inspect FILE [FILE ...]\n";
    return 2;
  }
  bool allRead = true;
  for (const std::string& path : arguments)
  {
    allRead = inspectOne(path) && allRead;
  }
  return allRead ? 0 : 1;
}

} // namespace

BMFL_REGISTER_COMMAND(inspect,
                      "inspect",
                      "report what each file is, with its key numbers",
                      "bmfl inspect FILE [FILE ...]",
                      runInspect);

} // namespace bmfl::cli
