#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// A triangulated surface: plain arrays, cheap to move, free of any rendering type.
struct SurfaceMesh
{
  std::vector<float> points;           ///< x, y, z per vertex, in millimetres
  std::vector<std::int32_t> triangles; ///< three vertex indices per triangle

  std::size_t vertexCount() const { return points.size() / 3; }
  std::size_t triangleCount() const { return triangles.size() / 3; }
};

/// One or more per-vertex scalar maps over the same vertices (curvature, sulcal depth,
/// a statistic, a time series ...). Values are stored frame after frame.
struct VertexMap
{
  std::string name;
  std::size_t vertexCount = 0;
  std::size_t frameCount = 0;
  std::vector<float> values; ///< values[frame * vertexCount + vertex]

  const float* frame(std::size_t index) const { return values.data() + index * vertexCount; }
};

/// File formats recognised from a file's content (its first bytes), not its name.
enum class SurfaceFileFormat
{
  Gifti,             ///< GIFTI XML, plain or gzip-compressed
  FreeSurferSurface, ///< FreeSurfer binary triangle surface (lh.white, lh.inflated ...)
  FreeSurferCurv,    ///< FreeSurfer "new" curv format (lh.curv, lh.sulc, lh.thickness ...)
  Mgh, ///< FreeSurfer MGH volume used as a per-vertex map, plain (.mgh) or gzip (.mgz)
  Unknown
};

/// Detects the format of a file; throws FileError when it cannot be opened.
SurfaceFileFormat detectSurfaceFileFormat(const std::string& path);

/// Reads a mesh from a GIFTI (POINTSET + TRIANGLE arrays) or FreeSurfer surface file.
/// Throws FileError with a one-line message naming the file and the problem.
SurfaceMesh readSurface(const std::string& path);

/// Reads per-vertex values from a GIFTI functional/shape file (each data array a frame),
/// a FreeSurfer curv file, or an MGH/MGZ file whose volume is vertices x 1 x 1 x frames.
/// Throws FileError with a one-line message naming the file and the problem.
VertexMap readVertexMap(const std::string& path);

} // namespace bmfl
