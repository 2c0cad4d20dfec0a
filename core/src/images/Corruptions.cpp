#include "bmfl/Corruptions.h"

#include "images/CvImage.h"
#include "images/Random.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

namespace bmfl
{

namespace
{

using images::Random;

// Pixel values are floats in [0, 1] while a corruption works, as in the published definitions.
cv::Mat toFloat(const Image& image)
{
  cv::Mat result;
  images::asMat(image).convertTo(result, CV_32F, 1.0 / 255.0);
  return result;
}

Image toBytes(const cv::Mat& values)
{
  cv::Mat bytes;
  // convertTo rounds to nearest and saturates to 0..255, i.e. clips to [0, 1] first.
  values.convertTo(bytes, CV_8U, 255.0);
  return images::toImage(bytes);
}

/// ImageNet-C's spatial parameters are in pixels of a 224 x 224 image. Larger images scale them in
/// proportion. Smaller ones scale with the square root, as CIFAR-10-C's blur radii shrink much
/// less than its image size: in proportion, a 28-pixel image would get sub-pixel blurs that change
/// nothing.
double spatialScale(const cv::Mat& image)
{
  const double side = std::min(image.rows, image.cols);
  return side >= 224.0 ? side / 224.0 : std::sqrt(side / 224.0);
}

cv::Mat grey(const cv::Mat& image)
{
  if (image.channels() == 1)
  {
    return image.clone();
  }
  cv::Mat result;
  cv::cvtColor(image, result, cv::COLOR_RGB2GRAY);
  return result;
}

// ---- noise --------------------------------------------------------------------------------

template<typename PerValue>
cv::Mat mapValues(const cv::Mat& image, PerValue perValue)
{
  cv::Mat result = image.clone();
  float* values = result.ptr<float>();
  const std::size_t count = result.total() * static_cast<std::size_t>(result.channels());
  for (std::size_t i = 0; i < count; ++i)
  {
    values[i] = perValue(values[i]);
  }
  return result;
}

cv::Mat gaussianNoise(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<double, 5> sigma = { 0.08, 0.12, 0.18, 0.26, 0.38 };
  const double s = sigma[static_cast<std::size_t>(severity - 1)];
  return mapValues(x, [&](float v) { return static_cast<float>(v + s * random.normal()); });
}

cv::Mat shotNoise(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<double, 5> photons = { 60, 25, 12, 5, 3 };
  const double c = photons[static_cast<std::size_t>(severity - 1)];
  return mapValues(x, [&](float v) { return static_cast<float>(random.poisson(v * c) / c); });
}

cv::Mat impulseNoise(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<double, 5> amount = { 0.03, 0.06, 0.09, 0.17, 0.27 };
  const double a = amount[static_cast<std::size_t>(severity - 1)];
  // Salt and pepper in equal parts, each value independently.
  return mapValues(x,
                   [&](float v)
                   {
                     if (random.uniform() >= a)
                     {
                       return v;
                     }
                     return random.uniform() < 0.5 ? 0.0f : 1.0f;
                   });
}

cv::Mat speckleNoise(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<double, 5> sigma = { 0.15, 0.2, 0.35, 0.45, 0.6 };
  const double s = sigma[static_cast<std::size_t>(severity - 1)];
  return mapValues(x, [&](float v) { return static_cast<float>(v + v * s * random.normal()); });
}

// ---- blur ---------------------------------------------------------------------------------

cv::Mat gaussianSmooth(const cv::Mat& x, double sigma)
{
  cv::Mat result;
  // A window of +-4 sigma, as scipy's and skimage's default truncation.
  const int half = std::max(1, static_cast<int>(std::ceil(4.0 * sigma)));
  cv::GaussianBlur(
    x, result, cv::Size(2 * half + 1, 2 * half + 1), sigma, sigma, cv::BORDER_REPLICATE);
  return result;
}

cv::Mat gaussianBlur(const cv::Mat& x, int severity)
{
  constexpr std::array<double, 5> sigma = { 1, 2, 3, 4, 6 };
  return gaussianSmooth(x, sigma[static_cast<std::size_t>(severity - 1)] * spatialScale(x));
}

cv::Mat defocusBlur(const cv::Mat& x, int severity)
{
  constexpr std::array<std::array<double, 2>, 5> parameters = {
    { { 3, 0.1 }, { 4, 0.5 }, { 6, 0.5 }, { 8, 0.5 }, { 10, 0.5 } }
  };
  const auto& [baseRadius, aliasBlur] = parameters[static_cast<std::size_t>(severity - 1)];
  const double radius = baseRadius * spatialScale(x);
  const int half = static_cast<int>(std::ceil(radius));
  cv::Mat disk(2 * half + 1, 2 * half + 1, CV_32F, cv::Scalar(0));
  for (int y = -half; y <= half; ++y)
  {
    for (int xx = -half; xx <= half; ++xx)
    {
      if (xx * xx + y * y <= radius * radius)
      {
        disk.at<float>(y + half, xx + half) = 1.0f;
      }
    }
  }
  disk /= cv::sum(disk)[0];
  // A slight blur of the disk itself avoids the aliasing of its hard edge.
  cv::GaussianBlur(disk, disk, cv::Size(radius <= 8.0 ? 3 : 5, radius <= 8.0 ? 3 : 5), aliasBlur);
  disk /= cv::sum(disk)[0];
  cv::Mat result;
  cv::filter2D(x, result, -1, disk, cv::Point(-1, -1), 0, cv::BORDER_REFLECT_101);
  return result;
}

cv::Mat glassBlur(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<std::array<double, 3>, 5> parameters = {
    { { 0.7, 1, 2 }, { 0.9, 2, 1 }, { 1, 2, 3 }, { 1.1, 3, 2 }, { 1.5, 4, 2 } }
  };
  const auto& [sigma, delta, iterations] = parameters[static_cast<std::size_t>(severity - 1)];
  const double scale = spatialScale(x);
  // Displacements are whole pixels. Scaled and rounded they could collapse (1, 1, 1, ...), making
  // a higher severity weaker; each keeps at least the published step over the one before.
  int maxDelta = 0;
  for (int level = 0; level < severity; ++level)
  {
    const double published = parameters[static_cast<std::size_t>(level)][1];
    const bool grows = level > 0 && published > parameters[static_cast<std::size_t>(level - 1)][1];
    maxDelta =
      std::max({ 1, static_cast<int>(std::lround(published * scale)), maxDelta + (grows ? 1 : 0) });
  }
  cv::Mat result = gaussianSmooth(x, sigma * scale);
  const int channels = result.channels();
  // Swap each pixel with a random neighbour, sweeping from the far corner back, as published.
  for (int round = 0; round < static_cast<int>(iterations); ++round)
  {
    for (int y = result.rows - maxDelta - 1; y >= maxDelta; --y)
    {
      for (int xx = result.cols - maxDelta - 1; xx >= maxDelta; --xx)
      {
        const int dx = random.integer(-maxDelta, maxDelta);
        const int dy = random.integer(-maxDelta, maxDelta);
        float* a = result.ptr<float>(y) + xx * channels;
        float* b = result.ptr<float>(y + dy) + (xx + dx) * channels;
        std::swap_ranges(a, a + channels, b);
      }
    }
  }
  return gaussianSmooth(result, sigma * scale);
}

/// A one-sided Gaussian streak kernel: taps 0..2r along the angle (degrees), weight
/// exp(-i^2 / 2 sigma^2), as ImageMagick's motion blur (which ImageNet-C used through Wand).
cv::Mat motionKernel(double radius, double sigma, double angleDegrees)
{
  const int length = 2 * static_cast<int>(std::ceil(radius)) + 1;
  const int size = 2 * length + 1;
  cv::Mat kernel(size, size, CV_32F, cv::Scalar(0));
  const double angle = angleDegrees * M_PI / 180.0;
  for (int i = 0; i < length; ++i)
  {
    const int column = length + static_cast<int>(std::lround(i * std::cos(angle)));
    const int row = length + static_cast<int>(std::lround(i * std::sin(angle)));
    kernel.at<float>(row, column) += static_cast<float>(std::exp(-(i * i) / (2.0 * sigma * sigma)));
  }
  kernel /= cv::sum(kernel)[0];
  return kernel;
}

cv::Mat motionBlurWith(const cv::Mat& x, double radius, double sigma, double angle)
{
  cv::Mat result;
  cv::filter2D(
    x, result, -1, motionKernel(radius, sigma, angle), cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  return result;
}

cv::Mat motionBlur(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<std::array<double, 2>, 5> parameters = {
    { { 10, 3 }, { 15, 5 }, { 15, 8 }, { 15, 12 }, { 20, 15 } }
  };
  const auto& [radius, sigma] = parameters[static_cast<std::size_t>(severity - 1)];
  const double scale = spatialScale(x);
  return motionBlurWith(x, radius * scale, sigma * scale, random.uniform(-45.0, 45.0));
}

/// The image magnified by factor about its centre, same size (bilinear).
cv::Mat zoomAboutCentre(const cv::Mat& x, double factor)
{
  const double cx = (x.cols - 1) / 2.0;
  const double cy = (x.rows - 1) / 2.0;
  const cv::Matx23d transform(factor, 0, (1 - factor) * cx, 0, factor, (1 - factor) * cy);
  cv::Mat result;
  cv::warpAffine(x, result, transform, x.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return result;
}

cv::Mat zoomBlur(const cv::Mat& x, int severity)
{
  // Zoom factors 1, 1 + step, ... up to the last (ImageNet-C's np.arange ranges).
  constexpr std::array<std::array<double, 2>, 5> parameters = {
    { { 1.10, 0.01 }, { 1.15, 0.01 }, { 1.20, 0.02 }, { 1.24, 0.02 }, { 1.30, 0.03 } }
  };
  const auto& [last, step] = parameters[static_cast<std::size_t>(severity - 1)];
  const int count = static_cast<int>(std::lround((last - 1.0) / step)) + 1;
  cv::Mat sum = x.clone();
  for (int i = 0; i < count; ++i)
  {
    sum += zoomAboutCentre(x, 1.0 + i * step);
  }
  return sum / (count + 1);
}

// ---- weather ------------------------------------------------------------------------------

cv::Mat snow(const cv::Mat& x, int severity, Random& random)
{
  struct SnowParameters
  {
    double mean, spread, zoom, threshold, blurRadius, blurSigma, blend;
  };
  constexpr std::array<SnowParameters, 5> parameters = { {
    { 0.1, 0.3, 3, 0.5, 10, 4, 0.8 },
    { 0.2, 0.3, 2, 0.5, 12, 4, 0.7 },
    { 0.55, 0.3, 4, 0.9, 12, 8, 0.7 },
    { 0.55, 0.3, 4.5, 0.85, 12, 8, 0.65 },
    { 0.55, 0.3, 2.5, 0.85, 12, 12, 0.55 },
  } };
  const SnowParameters& p = parameters[static_cast<std::size_t>(severity - 1)];
  const double scale = spatialScale(x);
  cv::Mat flakes(x.rows, x.cols, CV_32F);
  for (int y = 0; y < flakes.rows; ++y)
  {
    float* row = flakes.ptr<float>(y);
    for (int xx = 0; xx < flakes.cols; ++xx)
    {
      row[xx] = static_cast<float>(p.mean + p.spread * random.normal());
    }
  }
  flakes = zoomAboutCentre(flakes, std::max(1.0, p.zoom * scale));
  cv::threshold(flakes, flakes, p.threshold, 0.0, cv::THRESH_TOZERO);
  cv::min(cv::max(flakes, 0.0), 1.0, flakes);
  flakes = motionBlurWith(
    flakes, p.blurRadius * scale, p.blurSigma * scale, random.uniform(-135.0, -45.0));
  // Whiten the scene a little, as falling snow does, then add flakes and their point reflection.
  const cv::Mat brightGrey = grey(x) * 1.5 + 0.5;
  cv::Mat whitened;
  if (x.channels() == 3)
  {
    cv::Mat brightGreyRgb;
    cv::cvtColor(brightGrey, brightGreyRgb, cv::COLOR_GRAY2RGB);
    whitened = cv::max(x, brightGreyRgb);
  }
  else
  {
    whitened = cv::max(x, brightGrey);
  }
  cv::Mat scene = p.blend * x + (1.0 - p.blend) * whitened;
  cv::Mat flipped;
  cv::flip(flakes, flipped, -1);
  cv::Mat layer = flakes + flipped;
  if (x.channels() == 3)
  {
    cv::cvtColor(layer, layer, cv::COLOR_GRAY2RGB);
  }
  return scene + layer;
}

/// A square height map by the diamond-square algorithm on a torus, normalised to [0, 1]. The
/// random offsets at a level are uniform in +-wibble^2 with wibble = 100 / decay^level, the
/// amplitude law of ImageNet-C's plasma fractal.
cv::Mat plasmaFractal(int size, double decay, Random& random)
{
  cv::Mat map(size, size, CV_64F, cv::Scalar(0));
  const auto at = [&](int y, int x) -> double&
  { return map.at<double>((y % size + size) % size, (x % size + size) % size); };
  double wibble = 100.0;
  for (int step = size; step >= 2; step /= 2)
  {
    const int half = step / 2;
    // Square step: each square's centre from its four corners.
    for (int y = 0; y < size; y += step)
    {
      for (int x = 0; x < size; x += step)
      {
        const double corners =
          at(y, x) + at(y, x + step) + at(y + step, x) + at(y + step, x + step);
        at(y + half, x + half) = corners / 4.0 + wibble * random.uniform(-wibble, wibble);
      }
    }
    // Diamond step: each edge midpoint from its two corners and the two adjacent centres.
    for (int y = 0; y < size; y += half)
    {
      for (int x = ((y / half) % 2 == 0) ? half : 0; x < size; x += step)
      {
        const double around = at(y - half, x) + at(y + half, x) + at(y, x - half) + at(y, x + half);
        at(y, x) = around / 4.0 + wibble * random.uniform(-wibble, wibble);
      }
    }
    wibble /= decay;
  }
  double low = 0.0;
  double high = 0.0;
  cv::minMaxLoc(map, &low, &high);
  cv::Mat normalised;
  map.convertTo(
    normalised, CV_32F, 1.0 / std::max(high - low, 1e-12), -low / std::max(high - low, 1e-12));
  return normalised;
}

cv::Mat fog(const cv::Mat& x, int severity, Random& random)
{
  constexpr std::array<std::array<double, 2>, 5> parameters = {
    { { 1.5, 2 }, { 2, 2 }, { 2.5, 1.7 }, { 2.5, 1.5 }, { 3, 1.4 } }
  };
  const auto& [thickness, decay] = parameters[static_cast<std::size_t>(severity - 1)];
  const int longSide = std::max(x.rows, x.cols);
  int mapSize = 256;
  while (mapSize < longSide)
  {
    mapSize *= 2;
  }
  cv::Mat plasma = plasmaFractal(mapSize, decay, random);
  // ImageNet-C crops 224 of a 256 map; smaller images get the same part of the pattern, shrunk,
  // so that fog keeps its scale relative to the image.
  if (longSide <= 224)
  {
    cv::Mat shrunk;
    cv::resize(
      plasma(cv::Rect(0, 0, 224, 224)), shrunk, cv::Size(longSide, longSide), 0, 0, cv::INTER_AREA);
    plasma = shrunk;
  }
  plasma = plasma(cv::Rect(0, 0, x.cols, x.rows)).clone();
  if (x.channels() == 3)
  {
    cv::cvtColor(plasma, plasma, cv::COLOR_GRAY2RGB);
  }
  double maxValue = 0.0;
  cv::minMaxLoc(x.reshape(1), nullptr, &maxValue);
  const cv::Mat fogged = x + thickness * plasma;
  return fogged * (maxValue / (maxValue + thickness));
}

// ---- digital ------------------------------------------------------------------------------

/// Applies f to the HSV form of an RGB image (H in degrees, S and V in [0, 1]).
cv::Mat inHsv(const cv::Mat& x, const std::function<void(cv::Mat& hsv)>& f)
{
  cv::Mat hsv;
  cv::cvtColor(x, hsv, cv::COLOR_RGB2HSV);
  f(hsv);
  cv::Mat rgb;
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
  return rgb;
}

cv::Mat brightness(const cv::Mat& x, int severity)
{
  constexpr std::array<double, 5> shift = { 0.1, 0.2, 0.3, 0.4, 0.5 };
  const double c = shift[static_cast<std::size_t>(severity - 1)];
  if (x.channels() == 1)
  {
    cv::Mat result = x + c;
    return result;
  }
  return inHsv(x,
               [c](cv::Mat& hsv)
               {
                 for (int y = 0; y < hsv.rows; ++y)
                 {
                   cv::Vec3f* row = hsv.ptr<cv::Vec3f>(y);
                   for (int xx = 0; xx < hsv.cols; ++xx)
                   {
                     row[xx][2] = std::min(1.0f, static_cast<float>(row[xx][2] + c));
                   }
                 }
               });
}

cv::Mat contrast(const cv::Mat& x, int severity)
{
  constexpr std::array<double, 5> factor = { 0.4, 0.3, 0.2, 0.1, 0.05 };
  const double c = factor[static_cast<std::size_t>(severity - 1)];
  const cv::Scalar means = cv::mean(x);
  cv::Mat result = x.clone();
  cv::subtract(result, means, result);
  result *= c;
  cv::add(result, means, result);
  return result;
}

cv::Mat saturate(const cv::Mat& x, int severity)
{
  if (x.channels() == 1)
  {
    return x.clone(); // a grey image has no saturation to change
  }
  constexpr std::array<std::array<double, 2>, 5> parameters = {
    { { 0.3, 0 }, { 0.1, 0 }, { 2, 0 }, { 5, 0.1 }, { 20, 0.2 } }
  };
  const auto& [factor, shift] = parameters[static_cast<std::size_t>(severity - 1)];
  return inHsv(x,
               [&](cv::Mat& hsv)
               {
                 for (int y = 0; y < hsv.rows; ++y)
                 {
                   cv::Vec3f* row = hsv.ptr<cv::Vec3f>(y);
                   for (int xx = 0; xx < hsv.cols; ++xx)
                   {
                     row[xx][1] =
                       std::clamp(static_cast<float>(row[xx][1] * factor + shift), 0.0f, 1.0f);
                   }
                 }
               });
}

cv::Mat elasticTransform(const cv::Mat& x, int severity, Random& random)
{
  // (displacement strength, smoothing sigma, affine jitter) in units of 244 pixels, as published
  // for 224-pixel images (the authors note that 244 was meant to be 224; the values stand).
  constexpr std::array<std::array<double, 3>, 5> parameters = { { { 2, 0.7, 0.1 },
                                                                  { 2, 0.08, 0.2 },
                                                                  { 0.05, 0.01, 0.02 },
                                                                  { 0.07, 0.01, 0.02 },
                                                                  { 0.12, 0.01, 0.02 } } };
  const auto& [alphaUnits, sigmaUnits, jitterUnits] =
    parameters[static_cast<std::size_t>(severity - 1)];
  const double scale = spatialScale(x) * 244.0;
  const double alpha = alphaUnits * scale;
  const double sigma = sigmaUnits * scale;
  // The affine jitter moves the whole picture: it stays the same fraction of the image at any size
  // (scaled like the other parameters, it would tear a 28-pixel image apart).
  const double jitter = jitterUnits * 244.0 * std::min(x.rows, x.cols) / 224.0;

  // A random affine map: three points around the centre, each moved by up to jitter pixels.
  const float cx = static_cast<float>(x.cols / 2);
  const float cy = static_cast<float>(x.rows / 2);
  const float third = static_cast<float>(std::min(x.rows, x.cols) / 3);
  const std::array<cv::Point2f, 3> from = { cv::Point2f(cx + third, cy + third),
                                            cv::Point2f(cx + third, cy - third),
                                            cv::Point2f(cx - third, cy - third) };
  std::array<cv::Point2f, 3> to = from;
  for (cv::Point2f& point : to)
  {
    point.x += static_cast<float>(random.uniform(-jitter, jitter));
    point.y += static_cast<float>(random.uniform(-jitter, jitter));
  }
  cv::Mat affine;
  cv::warpAffine(x,
                 affine,
                 cv::getAffineTransform(from.data(), to.data()),
                 x.size(),
                 cv::INTER_LINEAR,
                 cv::BORDER_REFLECT_101);

  // A smooth random displacement field.
  const auto field = [&]()
  {
    cv::Mat noise(x.rows, x.cols, CV_32F);
    for (int y = 0; y < noise.rows; ++y)
    {
      float* row = noise.ptr<float>(y);
      for (int xx = 0; xx < noise.cols; ++xx)
      {
        row[xx] = static_cast<float>(random.uniform(-1.0, 1.0));
      }
    }
    cv::Mat smooth;
    const int half = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    cv::GaussianBlur(
      noise, smooth, cv::Size(2 * half + 1, 2 * half + 1), sigma, sigma, cv::BORDER_REFLECT);
    return cv::Mat(smooth * alpha);
  };
  const cv::Mat dx = field();
  const cv::Mat dy = field();
  cv::Mat mapX(x.rows, x.cols, CV_32F);
  cv::Mat mapY(x.rows, x.cols, CV_32F);
  for (int y = 0; y < x.rows; ++y)
  {
    for (int xx = 0; xx < x.cols; ++xx)
    {
      mapX.at<float>(y, xx) = static_cast<float>(xx) + dx.at<float>(y, xx);
      mapY.at<float>(y, xx) = static_cast<float>(y) + dy.at<float>(y, xx);
    }
  }
  cv::Mat result;
  cv::remap(affine, result, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_REFLECT);
  return result;
}

cv::Mat pixelate(const cv::Mat& x, int severity)
{
  constexpr std::array<double, 5> factor = { 0.6, 0.5, 0.4, 0.3, 0.25 };
  const double c = factor[static_cast<std::size_t>(severity - 1)];
  const cv::Size small(std::max(1, static_cast<int>(x.cols * c)),
                       std::max(1, static_cast<int>(x.rows * c)));
  cv::Mat reduced;
  cv::resize(x, reduced, small, 0, 0, cv::INTER_AREA);
  cv::Mat result;
  cv::resize(reduced, result, x.size(), 0, 0, cv::INTER_NEAREST);
  return result;
}

Image jpegCompression(const Image& image, int severity)
{
  constexpr std::array<int, 5> quality = { 25, 18, 15, 10, 7 };
  const cv::Mat input = images::asMat(image);
  cv::Mat bgr;
  if (image.channels == 3)
  {
    cv::cvtColor(input, bgr, cv::COLOR_RGB2BGR);
  }
  else
  {
    bgr = input;
  }
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg",
               bgr,
               bytes,
               { cv::IMWRITE_JPEG_QUALITY, quality[static_cast<std::size_t>(severity - 1)] });
  cv::Mat decoded =
    cv::imdecode(bytes, image.channels == 3 ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
  if (image.channels == 3)
  {
    cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
  }
  return images::toImage(decoded);
}

using FloatCorruption = cv::Mat (*)(const cv::Mat&, int, Random&);

template<cv::Mat (*F)(const cv::Mat&, int)>
cv::Mat withoutRandom(const cv::Mat& x, int severity, Random&)
{
  return F(x, severity);
}

const std::map<std::string, FloatCorruption>& floatCorruptions()
{
  static const std::map<std::string, FloatCorruption> table = {
    { "gaussian_noise", gaussianNoise },
    { "shot_noise", shotNoise },
    { "impulse_noise", impulseNoise },
    { "speckle_noise", speckleNoise },
    { "defocus_blur", withoutRandom<defocusBlur> },
    { "glass_blur", glassBlur },
    { "motion_blur", motionBlur },
    { "zoom_blur", withoutRandom<zoomBlur> },
    { "gaussian_blur", withoutRandom<gaussianBlur> },
    { "snow", snow },
    { "fog", fog },
    { "brightness", withoutRandom<brightness> },
    { "contrast", withoutRandom<contrast> },
    { "saturate", withoutRandom<saturate> },
    { "elastic_transform", elasticTransform },
    { "pixelate", withoutRandom<pixelate> },
  };
  return table;
}

void checkInput(const Image& image)
{
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != image.byteCount())
  {
    throw std::invalid_argument("corruption: image must be non-empty with 1 or 3 channels");
  }
}

} // namespace

const std::vector<std::string>& corruptionNames()
{
  static const std::vector<std::string> names = {
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "speckle_noise",
    "gaussian_blur",
    "saturate",
  };
  return names;
}

const std::vector<std::string>& standardCorruptions()
{
  static const std::vector<std::string> names = {
    "gaussian_noise", "shot_noise",  "impulse_noise",     "speckle_noise", "defocus_blur",
    "glass_blur",     "motion_blur", "zoom_blur",         "snow",          "fog",
    "brightness",     "contrast",    "elastic_transform", "pixelate",      "jpeg_compression",
  };
  return names;
}

bool isCorruption(const std::string& name)
{
  const std::vector<std::string>& names = corruptionNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Image applyCorruption(const Image& image, const std::string& name, int severity, std::uint64_t seed)
{
  checkInput(image);
  if (severity < 1 || severity > 5)
  {
    throw std::invalid_argument("corruption severity " + std::to_string(severity) +
                                " is outside 1..5");
  }
  if (name == "jpeg_compression")
  {
    return jpegCompression(image, severity);
  }
  const auto found = floatCorruptions().find(name);
  if (found == floatCorruptions().end())
  {
    throw std::invalid_argument("unknown corruption '" + name + "'");
  }
  Random random(seed);
  return toBytes(found->second(toFloat(image), severity, random));
}

Image renderSketch(const Image& image)
{
  checkInput(image);
  const cv::Mat values = toFloat(image);
  const cv::Mat smooth = gaussianSmooth(grey(values), 0.8 * spatialScale(values));
  cv::Mat dx;
  cv::Mat dy;
  cv::Sobel(smooth, dx, CV_32F, 1, 0, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
  cv::Sobel(smooth, dy, CV_32F, 0, 1, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
  cv::Mat magnitude;
  cv::magnitude(dx, dy, magnitude);
  // Normalise by a high percentile rather than the maximum, so one hard edge does not wash out
  // the rest of the drawing.
  std::vector<float> sorted(magnitude.begin<float>(), magnitude.end<float>());
  const std::size_t rank = sorted.size() * 98 / 100;
  std::nth_element(
    sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
  const float reference = std::max(sorted[rank], 1e-3f);
  cv::Mat strength = cv::min(magnitude / reference, 1.0);
  // Pencil: soft, slightly darkened strokes on white paper.
  cv::Mat lines;
  cv::pow(strength, 0.8, lines);
  cv::Mat paper = 1.0 - lines;
  if (image.channels == 3)
  {
    cv::cvtColor(paper, paper, cv::COLOR_GRAY2RGB);
  }
  return toBytes(paper);
}

std::uint64_t itemSeed(std::uint64_t seed,
                       const std::string& corruption,
                       int severity,
                       std::size_t index)
{
  std::uint64_t hash = Random::mix(seed);
  for (unsigned char character : corruption)
  {
    hash = Random::mix(hash ^ character);
  }
  hash = Random::mix(hash ^ static_cast<std::uint64_t>(severity));
  return Random::mix(hash ^ static_cast<std::uint64_t>(index));
}

} // namespace bmfl
