#pragma once

#include "bmfl/VertexSpace.h"

#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

enum class OverlayColormap
{
  Diverging, ///< blue - white - red, for signed values (predicted responses, z-scores)
  Sequential ///< pale yellow - orange - dark red, for magnitudes (attention, correlation)
};

/// Per-vertex values to paint over the anatomy, with how to paint them. The values belong to a
/// vertex space (predicted fMRI of a subject, an atlas map ...); views observe it, never own it.
struct SurfaceOverlay
{
  std::shared_ptr<const VertexSpace> space;
  std::vector<float> values; ///< one per vertex of space: the left part, then the right part
  std::string title;         ///< the colour bar's title
  float rangeMinimum = -1.0F;
  float rangeMaximum = 1.0F;
  float threshold = 0.0F; ///< |value| below it shows the anatomy instead
  OverlayColormap colormap = OverlayColormap::Diverging;
  float opacity = 1.0F; ///< 0: only the anatomy; 1: only the colormap
};

} // namespace bmfl
