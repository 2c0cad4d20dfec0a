#pragma once

#include "bmfl/widgets/SurfaceOverlay.h"

#include <vtkSmartPointer.h>

#include <array>
#include <cstdint>
#include <vector>

class vtkLookupTable;
class vtkPolyData;

namespace bmfl
{

struct SurfaceMesh;

/// A vtkPolyData with the mesh's points, triangles and smooth point normals (copied: VTK
/// needs its own arrays, and the mesh stays the caller's).
vtkSmartPointer<vtkPolyData> makeSurfacePolyData(const SurfaceMesh& mesh);

/// A 256-entry lookup table of the colormap over the overlay's range, for the colour bar.
vtkSmartPointer<vtkLookupTable> makeLookupTable(const SurfaceOverlay& overlay);

/// Whether an overlay on `spaceTemplate` can be shown on a mesh of `meshTemplate`: the same
/// template, or two fsaverage resolutions (nested icosahedra: vertex i is the same point on
/// every fsaverage mesh that has it).
bool overlayFitsTemplate(const std::string& spaceTemplate, const std::string& meshTemplate);

} // namespace bmfl
