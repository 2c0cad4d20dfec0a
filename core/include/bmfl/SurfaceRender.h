#pragma once

#include "bmfl/Fsaverage.h"
#include "bmfl/Surface.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// Where a figure looks at a hemisphere from, named as neuroimaging viewers name it; Flat looks
/// down +z at a flattened patch.
enum class SurfaceView
{
  Lateral,
  Medial,
  Dorsal,
  Ventral,
  Anterior,
  Posterior,
  Flat
};

/// "lateral", "medial", "dorsal", "ventral", "anterior", "posterior", "flat".
const char* surfaceViewKey(SurfaceView view);
/// The view named by surfaceViewKey; throws std::invalid_argument for any other name.
SurfaceView surfaceViewFromKey(const std::string& key);

/// An orthographic camera: the direction from the mesh towards the camera and the screen's up,
/// both unit vectors in the mesh's RAS coordinates (+x right, +y anterior, +z superior).
struct SurfaceCamera
{
  std::array<float, 3> direction{ { 0.0F, 0.0F, 1.0F } };
  std::array<float, 3> up{ { 0.0F, 1.0F, 0.0F } };
};

/// The camera of a view of one hemisphere, as the workbench's cortex view places it.
SurfaceCamera surfaceCamera(SurfaceView view, Hemisphere hemisphere);

struct SurfaceRenderOptions
{
  int width = 800;
  int height = 600;
  int supersampling = 2; ///< samples per pixel along each axis (smooth edges)
  float margin = 0.03F;  ///< free border around the fitted mesh, as a fraction of the image
  float ambient = 0.3F;  ///< light everywhere
  float diffuse = 0.7F;  ///< Lambert light from the camera (a headlight)
  /// A border segment counts as visible when it lies no further than this fraction of the mesh's
  /// depth extent behind the nearest surface drawn at its pixel.
  float borderDepthTolerance = 0.01F;
};

/// A border drawn as a vector: points in pixel coordinates (x right, y down; pixel centres at
/// .5), x and y interleaved.
struct BorderPolyline
{
  std::vector<float> points;
  std::size_t pointCount() const { return points.size() / 2; }
};

/// A rendered view: straight (not premultiplied) RGBA bytes, row after row from the top, with a
/// transparent background, and the label borders visible in it.
struct SurfaceImage
{
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;
  std::vector<BorderPolyline> borders;
  /// The labels that meet along the visible borders (sorted, label 0 left out).
  std::vector<std::int32_t> borderedLabels;
};

/// Renders a mesh with one RGB colour per vertex (3 bytes each), Gouraud-shaded by Lambert +
/// ambient light from smooth vertex normals, in an orthographic projection fitted to the mesh's
/// bounds, z-buffered and supersampled. With labels (one per vertex, or empty for none), the
/// borders between labels are traced through the triangles (edge midpoints, and the centroid
/// where three labels meet), kept where visible and joined into polylines. Deterministic.
/// Throws std::invalid_argument for colours or labels that do not fit the mesh, a triangle
/// outside it, or a size that is not positive.
SurfaceImage renderSurface(const SurfaceMesh& mesh,
                           const std::vector<std::uint8_t>& vertexRgb,
                           const SurfaceCamera& camera,
                           const SurfaceRenderOptions& options,
                           const std::vector<std::int32_t>& labels = {});

} // namespace bmfl
