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
struct VertexMap;

/// A vtkPolyData with the mesh's points, triangles and smooth point normals (copied: VTK
/// needs its own arrays, and the mesh stays the caller's).
vtkSmartPointer<vtkPolyData> makeSurfacePolyData(const SurfaceMesh& mesh);

/// Grey shading from sulcal depth, as surface viewers draw the anatomy under an overlay:
/// gyri (sulc < 0) light, sulci (sulc > 0) dark, with a smooth ramp between so the folding
/// pattern stays readable. Returns RGB bytes per vertex.
std::vector<std::uint8_t> sulcalDepthShading(const VertexMap& sulc);

/// A 256-entry lookup table of the colormap over the overlay's range, for the colour bar.
vtkSmartPointer<vtkLookupTable> makeLookupTable(const SurfaceOverlay& overlay);

/// Whether an overlay on `spaceTemplate` can be shown on a mesh of `meshTemplate`: the same
/// template, or two fsaverage resolutions (nested icosahedra: vertex i is the same point on
/// every fsaverage mesh that has it).
bool overlayFitsTemplate(const std::string& spaceTemplate, const std::string& meshTemplate);

/// Paints one hemisphere's part of the overlay over RGB bytes per mesh vertex. Space vertices
/// beyond the mesh (a finer fsaverage) are skipped; non-finite values are not painted; the
/// colour is blended with the anatomy by the overlay's opacity.
void paintOverlay(std::vector<std::uint8_t>& rgb,
                  std::size_t meshVertexCount,
                  const std::vector<std::int32_t>& spaceVertices,
                  const float* values,
                  const SurfaceOverlay& overlay);

} // namespace bmfl
