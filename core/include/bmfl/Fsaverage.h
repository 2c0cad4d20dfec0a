#pragma once

#include "bmfl/Surface.h"

#include <string>

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
  Sphere
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
///  - nilearn's: {pial,white,infl,sphere}_{left,right}.gii[.gz] and sulc_{left,right}.gii[.gz];
///  - FreeSurfer's subject folder: surf/{lh,rh}.{pial,white,inflated,sphere} and surf/{lh,rh}.sulc
///    (the folder itself or its surf/ subfolder may be given).
/// Checks that mesh and sulcal map agree in vertex count. Throws FileError.
CorticalSurface loadTemplateSurface(const std::string& folder, SurfaceKind kind);

/// fsaverage5 as bundled in resources/fsaverage5. Throws FileError when the resources are missing.
CorticalSurface loadBundledFsaverage5(SurfaceKind kind);

} // namespace bmfl
