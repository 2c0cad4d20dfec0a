#pragma once

#include <QImage>
#include <QString>

namespace bmfl::testing
{

struct ImageDifference
{
  QString error;              ///< non-empty when the images cannot be compared (size, null)
  double meanSsim = 0.0;      ///< mean structural similarity of luminance, 1 = identical
  double dissimilarity = 1.0; ///< 1 - meanSsim, the number thresholds apply to (F3D's scale)
  int maxChannelDifference = 0;
  double fractionOfPixelsDiffering = 0.0; ///< pixels with a channel off by more than 16 levels
};

/// Structural similarity over a sliding 7x7 window of luminance (Wang et al. 2004), plus
/// per-pixel statistics for the report. F3D's scale for 1 - SSIM: 0.04 visually
/// indistinguishable, 0.1 a small visible difference.
ImageDifference compareImages(const QImage& rendered, const QImage& baseline);

/// |rendered - baseline| per channel, amplified so small differences are visible.
QImage differenceImage(const QImage& rendered, const QImage& baseline);

} // namespace bmfl::testing
