#include "ImageComparison.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace bmfl::testing
{

namespace
{

constexpr int kWindow = 7;
constexpr double kC1 = (0.01 * 255.0) * (0.01 * 255.0);
constexpr double kC2 = (0.03 * 255.0) * (0.03 * 255.0);
constexpr int kDifferingLevel = 16;

std::vector<double> luminance(const QImage& image)
{
  std::vector<double> values(static_cast<std::size_t>(image.width()) *
                             static_cast<std::size_t>(image.height()));
  std::size_t i = 0;
  for (int y = 0; y < image.height(); ++y)
  {
    const auto* row = reinterpret_cast<const QRgb*>(image.constScanLine(y));
    for (int x = 0; x < image.width(); ++x)
    {
      values[i++] = 0.299 * qRed(row[x]) + 0.587 * qGreen(row[x]) + 0.114 * qBlue(row[x]);
    }
  }
  return values;
}

// Summed-area table with a zero first row and column, so any window sum is four look-ups.
class IntegralImage
{
public:
  IntegralImage(const std::vector<double>& values, int width, int height)
    : Width(width + 1)
    , Sums(static_cast<std::size_t>(width + 1) * static_cast<std::size_t>(height + 1), 0.0)
  {
    for (int y = 0; y < height; ++y)
    {
      double rowSum = 0.0;
      for (int x = 0; x < width; ++x)
      {
        rowSum += values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                         static_cast<std::size_t>(x)];
        at(x + 1, y + 1) = at(x + 1, y) + rowSum;
      }
    }
  }

  double windowSum(int x, int y, int size) const
  {
    return at(x + size, y + size) - at(x, y + size) - at(x + size, y) + at(x, y);
  }

private:
  double& at(int x, int y)
  {
    return Sums[static_cast<std::size_t>(y) * static_cast<std::size_t>(Width) +
                static_cast<std::size_t>(x)];
  }
  double at(int x, int y) const
  {
    return Sums[static_cast<std::size_t>(y) * static_cast<std::size_t>(Width) +
                static_cast<std::size_t>(x)];
  }

  int Width;
  std::vector<double> Sums;
};

std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b)
{
  std::vector<double> result(a.size());
  std::transform(a.begin(), a.end(), b.begin(), result.begin(), std::multiplies<>());
  return result;
}

double meanSsim(const QImage& a, const QImage& b)
{
  const int width = a.width();
  const int height = a.height();
  const std::vector<double> x = luminance(a);
  const std::vector<double> y = luminance(b);
  const IntegralImage sumX(x, width, height);
  const IntegralImage sumY(y, width, height);
  const IntegralImage sumXX(product(x, x), width, height);
  const IntegralImage sumYY(product(y, y), width, height);
  const IntegralImage sumXY(product(x, y), width, height);

  const double n = kWindow * kWindow;
  double total = 0.0;
  long windows = 0;
  for (int top = 0; top + kWindow <= height; ++top)
  {
    for (int left = 0; left + kWindow <= width; ++left)
    {
      const double meanX = sumX.windowSum(left, top, kWindow) / n;
      const double meanY = sumY.windowSum(left, top, kWindow) / n;
      // Sample (co)variances, as the reference implementation uses.
      const double varX = (sumXX.windowSum(left, top, kWindow) - n * meanX * meanX) / (n - 1);
      const double varY = (sumYY.windowSum(left, top, kWindow) - n * meanY * meanY) / (n - 1);
      const double covXY = (sumXY.windowSum(left, top, kWindow) - n * meanX * meanY) / (n - 1);
      total += ((2 * meanX * meanY + kC1) * (2 * covXY + kC2)) /
               ((meanX * meanX + meanY * meanY + kC1) * (varX + varY + kC2));
      ++windows;
    }
  }
  return windows > 0 ? total / static_cast<double>(windows) : 1.0;
}

} // namespace

ImageDifference compareImages(const QImage& rendered, const QImage& baseline)
{
  ImageDifference difference;
  if (rendered.isNull() || baseline.isNull())
  {
    difference.error = QStringLiteral("an image is empty or unreadable");
    return difference;
  }
  if (rendered.size() != baseline.size())
  {
    difference.error = QStringLiteral("sizes differ: rendered %1x%2, baseline %3x%4")
                         .arg(rendered.width())
                         .arg(rendered.height())
                         .arg(baseline.width())
                         .arg(baseline.height());
    return difference;
  }
  const QImage a = rendered.convertToFormat(QImage::Format_RGB32);
  const QImage b = baseline.convertToFormat(QImage::Format_RGB32);

  long differing = 0;
  for (int row = 0; row < a.height(); ++row)
  {
    const auto* lineA = reinterpret_cast<const QRgb*>(a.constScanLine(row));
    const auto* lineB = reinterpret_cast<const QRgb*>(b.constScanLine(row));
    for (int column = 0; column < a.width(); ++column)
    {
      const int channelDifference =
        std::max({ std::abs(qRed(lineA[column]) - qRed(lineB[column])),
                   std::abs(qGreen(lineA[column]) - qGreen(lineB[column])),
                   std::abs(qBlue(lineA[column]) - qBlue(lineB[column])) });
      difference.maxChannelDifference =
        std::max(difference.maxChannelDifference, channelDifference);
      differing += channelDifference > kDifferingLevel ? 1 : 0;
    }
  }
  difference.fractionOfPixelsDiffering =
    static_cast<double>(differing) / (static_cast<double>(a.width()) * a.height());
  difference.meanSsim = meanSsim(a, b);
  difference.dissimilarity = 1.0 - difference.meanSsim;
  return difference;
}

QImage differenceImage(const QImage& rendered, const QImage& baseline)
{
  const QImage a = rendered.convertToFormat(QImage::Format_RGB32);
  const QImage b = baseline.convertToFormat(QImage::Format_RGB32);
  QImage result(a.size(), QImage::Format_RGB32);
  for (int row = 0; row < a.height(); ++row)
  {
    const auto* lineA = reinterpret_cast<const QRgb*>(a.constScanLine(row));
    const auto* lineB = reinterpret_cast<const QRgb*>(b.constScanLine(row));
    auto* out = reinterpret_cast<QRgb*>(result.scanLine(row));
    for (int column = 0; column < a.width(); ++column)
    {
      auto amplified = [](int d) { return std::min(255, 4 * std::abs(d)); };
      out[column] = qRgb(amplified(qRed(lineA[column]) - qRed(lineB[column])),
                         amplified(qGreen(lineA[column]) - qGreen(lineB[column])),
                         amplified(qBlue(lineA[column]) - qBlue(lineB[column])));
    }
  }
  return result;
}

} // namespace bmfl::testing
