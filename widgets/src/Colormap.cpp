#include "Colormap.h"

#include <algorithm>
#include <cmath>

namespace bmfl
{

namespace
{
struct ColourStop
{
  float r, g, b;
};
// Five-stop ramps interpolated linearly: a blue-white-red diverging map with a near-white
// centre (zero shows as "no change"), and a pale-yellow-to-dark-red sequential map.
constexpr std::array<ColourStop, 5> kDivergingStops = { { { 0.02F, 0.19F, 0.38F },
                                                          { 0.26F, 0.58F, 0.76F },
                                                          { 0.97F, 0.97F, 0.97F },
                                                          { 0.84F, 0.38F, 0.30F },
                                                          { 0.40F, 0.00F, 0.12F } } };
constexpr std::array<ColourStop, 5> kSequentialStops = { { { 1.00F, 1.00F, 0.80F },
                                                           { 1.00F, 0.85F, 0.46F },
                                                           { 0.99F, 0.55F, 0.24F },
                                                           { 0.89F, 0.10F, 0.11F },
                                                           { 0.50F, 0.00F, 0.15F } } };
} // namespace

std::array<std::uint8_t, 3> colormapColour(OverlayColormap colormap, float t)
{
  const auto& stops = colormap == OverlayColormap::Diverging ? kDivergingStops : kSequentialStops;
  const float clamped = std::isfinite(t) ? std::clamp(t, 0.0F, 1.0F) : 0.5F;
  const float position = clamped * static_cast<float>(stops.size() - 1);
  const auto lower = std::min(static_cast<std::size_t>(position), stops.size() - 2);
  const float f = position - static_cast<float>(lower);
  const ColourStop& a = stops[lower];
  const ColourStop& b = stops[lower + 1];
  auto byte = [f](float from, float to)
  { return static_cast<std::uint8_t>(std::lround(255.0F * (from + f * (to - from)))); };
  return { byte(a.r, b.r), byte(a.g, b.g), byte(a.b, b.b) };
}

} // namespace bmfl
