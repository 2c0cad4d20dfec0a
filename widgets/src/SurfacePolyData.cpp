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

namespace
{
constexpr float kGyralGrey = 0.80F;
constexpr float kSulcalGrey = 0.42F;
} // namespace

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

std::vector<std::uint8_t> sulcalDepthShading(const VertexMap& sulc)
{
  std::vector<std::uint8_t> rgb(sulc.vertexCount * 3);
  const float* depth = sulc.frame(0);
  // Sulcal depth comes in different units (FreeSurfer's mm-like values, nilearn's fsaverage5
  // within about +-2): scale the ramp by the map's own spread so any of them reads well.
  double sumOfSquares = 0.0;
  std::size_t finiteCount = 0;
  for (std::size_t v = 0; v < sulc.vertexCount; ++v)
  {
    if (std::isfinite(depth[v]))
    {
      sumOfSquares += static_cast<double>(depth[v]) * depth[v];
      ++finiteCount;
    }
  }
  const double spread =
    finiteCount > 0 ? std::sqrt(sumOfSquares / static_cast<double>(finiteCount)) : 0.0;
  const float rampWidth = spread > 0.0 ? 0.6F * static_cast<float>(spread) : 1.0F;
  for (std::size_t v = 0; v < sulc.vertexCount; ++v)
  {
    const float value = std::isfinite(depth[v]) ? depth[v] : 0.0F;
    const float t = 0.5F * (1.0F + std::tanh(value / rampWidth)); // 0 gyral .. 1 sulcal
    const float grey = kGyralGrey + t * (kSulcalGrey - kGyralGrey);
    const auto level = static_cast<std::uint8_t>(std::lround(255.0F * grey));
    rgb[3 * v] = level;
    rgb[3 * v + 1] = level;
    rgb[3 * v + 2] = level;
  }
  return rgb;
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

void paintOverlay(std::vector<std::uint8_t>& rgb,
                  std::size_t meshVertexCount,
                  const std::vector<std::int32_t>& spaceVertices,
                  const float* values,
                  const SurfaceOverlay& overlay)
{
  const float span = overlay.rangeMaximum - overlay.rangeMinimum;
  for (std::size_t i = 0; i < spaceVertices.size(); ++i)
  {
    const std::int32_t vertex = spaceVertices[i];
    const float value = values[i];
    if (vertex < 0 || static_cast<std::size_t>(vertex) >= meshVertexCount ||
        !std::isfinite(value) || std::abs(value) < overlay.threshold)
    {
      continue;
    }
    const float t = span > 0.0F ? (value - overlay.rangeMinimum) / span : 0.5F;
    const auto colour = colormapColour(overlay.colormap, t);
    const float opacity = std::clamp(overlay.opacity, 0.0F, 1.0F);
    for (std::size_t c = 0; c < 3; ++c)
    {
      std::uint8_t& channel = rgb[3 * static_cast<std::size_t>(vertex) + c];
      channel = static_cast<std::uint8_t>(std::lround(
        opacity * static_cast<float>(colour[c]) + (1.0F - opacity) * static_cast<float>(channel)));
    }
  }
}

} // namespace bmfl
