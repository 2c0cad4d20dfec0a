#pragma once

#include "bmfl/Surface.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

enum class Hemisphere
{
  Left,
  Right
};

/// The standard surfaces of a FreeSurfer template subject.
enum class SurfaceKind
{
  Pial,
  White,
  Inflated,
  Sphere,
  /// The flattened occipital patch (nilearn's flat_{left,right}.gii: every vertex, but only the
  /// patch's triangles; the cut-away vertices belong to no triangle). Lies in the z = 0 plane.
  Flat
};

const char* surfaceKindName(SurfaceKind kind);

/// One hemisphere's mesh with the sulcal depth that shades it.
struct HemisphereSurface
{
  Hemisphere hemisphere = Hemisphere::Left;
  SurfaceMesh mesh;
  VertexMap sulc;
};

/// Both hemispheres of a template (fsaverage5, fsaverage ...), in one surface kind.
struct CorticalSurface
{
  std::string templateName; ///< e.g. "fsaverage5"
  SurfaceKind kind = SurfaceKind::Inflated;
  HemisphereSurface left;
  HemisphereSurface right;
};

/// Loads a template from a folder in either of two layouts:
///  - nilearn's: {pial,white,infl,sphere,flat}_{left,right}.gii[.gz] and
///    sulc_{left,right}.gii[.gz];
///  - FreeSurfer's subject folder: surf/{lh,rh}.{pial,white,inflated,sphere} and surf/{lh,rh}.sulc
///    (the folder itself or its surf/ subfolder may be given). FreeSurfer's flat patches
///    ({lh,rh}.full.flat.patch.3d) are a patch format this reader refuses (FileError).
/// Checks that mesh and sulcal map agree in vertex count. Throws FileError.
CorticalSurface loadTemplateSurface(const std::string& folder, SurfaceKind kind);

/// Vertices per hemisphere of an icosahedral fsaverage template by name: "fsaverage" 163842,
/// "fsaverageN" (N = 1..6) 10 * 4^N + 2 (fsaverage5: 10242); 0 for any other name.
std::size_t fsaverageVertexCount(const std::string& templateName);

/// Whether count is the vertex count of one hemisphere of an icosahedral fsaverage (fsaverage1 ..
/// fsaverage6, fsaverage).
bool isFsaverageVertexCount(std::size_t count);

/// For each vertex of a finer icosahedral fsaverage mesh (any surface kind of it), the vertex of a
/// coarser one with coarseCount vertices that carries its value. The meshes are nested, so coarse
/// vertex i is fine vertex i and maps to itself; every other fine vertex maps to its nearest coarse
/// vertex, found along the mesh's edges (-1 where none is connected). Throws std::invalid_argument
/// when the mesh has fewer vertices than coarseCount or coarseCount is 0.
std::vector<std::int32_t> nearestNestedVertices(const SurfaceMesh& fineMesh,
                                                std::size_t coarseCount);

/// fsaverage5 as bundled in resources/fsaverage5. Throws FileError when the resources are missing.
CorticalSurface loadBundledFsaverage5(SurfaceKind kind);

} // namespace bmfl
