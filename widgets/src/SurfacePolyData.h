#pragma once

#include <vtkSmartPointer.h>

#include <cstdint>
#include <vector>

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

} // namespace bmfl
