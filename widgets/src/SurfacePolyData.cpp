#include "SurfacePolyData.h"

#include "Colormap.h"

#include "bmfl/Surface.h"

#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataNormals.h>
#include <vtkTypeInt32Array.h>

#include <algorithm>
#include <cmath>

namespace bmfl
{

vtkSmartPointer<vtkPolyData> makeSurfacePolyData(const SurfaceMesh& mesh)
{
  const auto vertexCount = static_cast<vtkIdType>(mesh.vertexCount());
  vtkNew<vtkFloatArray> coordinates;
  coordinates->SetNumberOfComponents(3);
  coordinates->SetNumberOfTuples(vertexCount);
  std::copy(mesh.points.begin(), mesh.points.end(), coordinates->GetPointer(0));
  vtkNew<vtkPoints> points;
  points->SetData(coordinates);

  const auto triangleCount = static_cast<vtkIdType>(mesh.triangleCount());
  vtkNew<vtkTypeInt32Array> offsets;
  offsets->SetNumberOfValues(triangleCount + 1);
  for (vtkIdType i = 0; i <= triangleCount; ++i)
  {
    offsets->SetValue(i, static_cast<std::int32_t>(3 * i));
  }
  vtkNew<vtkTypeInt32Array> connectivity;
  connectivity->SetNumberOfValues(3 * triangleCount);
  std::copy(mesh.triangles.begin(), mesh.triangles.end(), connectivity->GetPointer(0));
  vtkNew<vtkCellArray> triangles;
  triangles->SetData(offsets, connectivity);

  vtkNew<vtkPolyData> polyData;
  polyData->SetPoints(points);
  polyData->SetPolys(triangles);

  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(polyData);
  normals->SplittingOff();   // smooth shading across the whole cortex
  normals->ConsistencyOff(); // template meshes are consistently oriented already
  normals->ComputePointNormalsOn();
  normals->ComputeCellNormalsOff();
  normals->Update();
  return normals->GetOutput();
}

vtkSmartPointer<vtkLookupTable> makeLookupTable(const SurfaceOverlay& overlay)
{
  auto table = vtkSmartPointer<vtkLookupTable>::New();
  constexpr int kEntries = 256;
  table->SetNumberOfTableValues(kEntries);
  // An empty or inverted range (a map of zeros) still gets a table VTK can draw.
  const bool usable = overlay.rangeMinimum < overlay.rangeMaximum;
  const double low = std::isfinite(overlay.rangeMinimum) ? overlay.rangeMinimum : 0.0;
  table->SetRange(usable ? low : low - 1.0, usable ? overlay.rangeMaximum : low + 1.0);
  for (int i = 0; i < kEntries; ++i)
  {
    const auto colour =
      colormapColour(overlay.colormap, static_cast<float>(i) / static_cast<float>(kEntries - 1));
    table->SetTableValue(i, colour[0] / 255.0, colour[1] / 255.0, colour[2] / 255.0, 1.0);
  }
  table->Build();
  return table;
}

bool overlayFitsTemplate(const std::string& spaceTemplate, const std::string& meshTemplate)
{
  auto isFsaverage = [](const std::string& name) { return name.rfind("fsaverage", 0) == 0; };
  return spaceTemplate == meshTemplate || (isFsaverage(spaceTemplate) && isFsaverage(meshTemplate));
}

} // namespace bmfl
