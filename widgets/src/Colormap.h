#pragma once

#include "bmfl/widgets/SurfaceOverlay.h"

#include <array>
#include <cstdint>

namespace bmfl
{

/// The colour of a colormap at t in [0, 1] (clamped), as RGB bytes. Shared by the surface and
/// the 2-D views so a value reads the same everywhere.
std::array<std::uint8_t, 3> colormapColour(OverlayColormap colormap, float t);

} // namespace bmfl
