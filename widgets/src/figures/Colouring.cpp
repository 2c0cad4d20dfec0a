#include "Colormap.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/Figures.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace bmfl
{

namespace
{

constexpr float kGyralGrey = 0.80F;
constexpr float kSulcalGrey = 0.42F;

/// Grey shading from sulcal depth, as surface viewers draw the anatomy under an overlay: gyri
/// (sulc < 0) light, sulci (sulc > 0) dark, with a smooth ramp between so the folding pattern
/// stays readable. RGB bytes per vertex.
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

/// Paints one hemisphere's part of the overlay over RGB bytes per mesh vertex. Space vertices
/// beyond the mesh (a finer fsaverage) are skipped; non-finite values are not painted; the colour
/// is blended with the anatomy by the overlay's opacity.
void paintOverlay(std::vector<std::uint8_t>& rgb,
                  std::size_t meshVertexCount,
                  const std::vector<std::int32_t>& spaceVertices,
                  const float* values,
                  const SurfaceOverlay& overlay)
{
  const float span = overlay.rangeMaximum - overlay.rangeMinimum;
  const float opacity = std::clamp(overlay.opacity, 0.0F, 1.0F);
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
    for (std::size_t c = 0; c < 3; ++c)
    {
      std::uint8_t& channel = rgb[3 * static_cast<std::size_t>(vertex) + c];
      channel = static_cast<std::uint8_t>(std::lround(
        opacity * static_cast<float>(colour[c]) + (1.0F - opacity) * static_cast<float>(channel)));
    }
  }
}

/// A hemisphere's overlay values (one per space vertex, on a coarser fsaverage) as one value per
/// vertex of the finer mesh: each shows the value of its coarse vertex (NaN where it has none).
std::vector<float> valuesOnFinerMesh(const std::vector<std::int32_t>& spaceVertices,
                                     const float* values,
                                     std::size_t coarseCount,
                                     const std::vector<std::int32_t>& nearest)
{
  std::vector<float> coarse(coarseCount, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < spaceVertices.size(); ++i)
  {
    if (spaceVertices[i] >= 0 && static_cast<std::size_t>(spaceVertices[i]) < coarseCount)
    {
      coarse[static_cast<std::size_t>(spaceVertices[i])] = values[i];
    }
  }
  std::vector<float> fine(nearest.size(), std::numeric_limits<float>::quiet_NaN());
  for (std::size_t v = 0; v < nearest.size(); ++v)
  {
    if (nearest[v] >= 0)
    {
      fine[v] = coarse[static_cast<std::size_t>(nearest[v])];
    }
  }
  return fine;
}

} // namespace

HemisphereColouring prepareHemisphereColouring(const HemisphereSurface& hemisphere)
{
  HemisphereColouring colouring;
  colouring.anatomy = sulcalDepthShading(hemisphere.sulc);
  // Overlays mostly come on fsaverage5 (the subjects' vertex spaces): on a finer fsaverage the
  // nesting that carries them is found here, not when the first overlay is painted.
  const std::size_t coarseCount = fsaverageVertexCount("fsaverage5");
  const std::size_t vertices = hemisphere.mesh.vertexCount();
  if (coarseCount < vertices && isFsaverageVertexCount(vertices))
  {
    colouring.nestedNearest = nearestNestedVertices(hemisphere.mesh, coarseCount);
    colouring.nestedCoarseCount = coarseCount;
  }
  return colouring;
}

FlatValues flatValues(const std::vector<float>& values)
{
  FlatValues result;
  result.flat = true;
  for (float value : values)
  {
    if (!std::isfinite(value))
    {
      continue;
    }
    if (result.empty)
    {
      result.empty = false;
      result.value = value;
    }
    else if (value != result.value)
    {
      result.flat = false;
      break;
    }
  }
  return result;
}

std::vector<std::uint8_t> hemisphereColours(const HemisphereSurface& hemisphere,
                                            const SurfaceOverlay* overlay,
                                            HemisphereColouring& colouring)
{
  std::vector<std::uint8_t> rgb = colouring.anatomy;
  const std::size_t meshVertices = rgb.size() / 3;
  // A constant or all-NaN map carries nothing to colour: the anatomy stays grey.
  if (!overlay || !overlay->space || flatValues(overlay->values).flat)
  {
    return rgb;
  }
  const bool left = hemisphere.hemisphere == Hemisphere::Left;
  const std::vector<std::int32_t>& vertices = left ? overlay->space->left : overlay->space->right;
  const float* values = overlay->values.data() + (left ? 0 : overlay->space->left.size());
  const std::size_t coarseCount = fsaverageVertexCount(overlay->space->templateName);
  if (coarseCount > 0 && coarseCount < meshVertices && isFsaverageVertexCount(meshVertices))
  {
    // A map on a coarser fsaverage (fsaverage5 on fsaverage): carried by the nesting onto every
    // vertex of the finer mesh, not only onto the coarse vertices it shares.
    if (colouring.nestedCoarseCount != coarseCount)
    {
      colouring.nestedNearest = nearestNestedVertices(hemisphere.mesh, coarseCount);
      colouring.nestedCoarseCount = coarseCount;
    }
    const std::vector<float> fine =
      valuesOnFinerMesh(vertices, values, coarseCount, colouring.nestedNearest);
    std::vector<std::int32_t> everyVertex(meshVertices);
    std::iota(everyVertex.begin(), everyVertex.end(), 0);
    paintOverlay(rgb, meshVertices, everyVertex, fine.data(), *overlay);
  }
  else
  {
    paintOverlay(rgb, meshVertices, vertices, values, *overlay);
  }
  return rgb;
}

std::array<std::uint8_t, 3> overlayColour(OverlayColormap colormap, float t)
{
  return colormapColour(colormap, t);
}

float symmetricRange99(const std::vector<float>& values)
{
  std::vector<float> magnitudes;
  magnitudes.reserve(values.size());
  for (float value : values)
  {
    if (std::isfinite(value))
    {
      magnitudes.push_back(std::abs(value));
    }
  }
  if (magnitudes.empty())
  {
    return 1.0F;
  }
  const auto rank =
    static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(magnitudes.size())) - 1.0);
  std::nth_element(
    magnitudes.begin(), magnitudes.begin() + static_cast<std::ptrdiff_t>(rank), magnitudes.end());
  const float range = magnitudes[rank];
  return range > 0.0F ? range : 1.0F;
}

} // namespace bmfl
