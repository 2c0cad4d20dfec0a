#include "bmfl/ImageTransform.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "images/CvImage.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace bmfl
{

namespace
{

std::vector<std::uint8_t> readImageFileBytes(const std::string& path)
{
  requireRegularFile(path, "an image file");
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error)
  {
    throw FileError(path, "cannot open: " + error.message());
  }
  if (size > MaxImageFileBytes)
  {
    throw FileError(path,
                    "image file of " + std::to_string(size) + " bytes exceeds the limit of " +
                      std::to_string(MaxImageFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
  {
    throw FileError(path, "cannot open for reading");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
  {
    throw FileError(path, "read error (file changed while reading?)");
  }
  return bytes;
}

/// libjpeg only warns about a missing end (it fills the rest with grey), so a truncated JPEG
/// would decode "successfully". Entropy-coded data never contains FF D9 (FF is always stuffed),
/// so a JPEG that is whole has the end-of-image marker near its end.
bool jpegLooksTruncated(const std::vector<std::uint8_t>& bytes)
{
  constexpr std::size_t TailBytes = 4096;
  const std::size_t start = bytes.size() > TailBytes ? bytes.size() - TailBytes : 0;
  for (std::size_t i = bytes.size(); i-- > start + 1;)
  {
    if (bytes[i - 1] == 0xff && bytes[i] == 0xd9)
    {
      return false;
    }
  }
  return true;
}

bool isJpeg(const std::vector<std::uint8_t>& bytes)
{
  return bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
}

bool isPng(const std::vector<std::uint8_t>& bytes)
{
  static const std::uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  return bytes.size() >= 8 && std::equal(signature, signature + 8, bytes.begin());
}

/// A PNG cut short would make libpng print its own message besides ours; a whole one ends with
/// the IEND chunk (allowing for a little trailing junk, which decoders ignore).
bool pngLooksTruncated(const std::vector<std::uint8_t>& bytes)
{
  constexpr std::size_t TailBytes = 1024;
  static const std::uint8_t iend[4] = { 'I', 'E', 'N', 'D' };
  const auto tail = bytes.end() - static_cast<std::ptrdiff_t>(std::min(bytes.size(), TailBytes));
  return std::search(tail, bytes.end(), iend, iend + 4) == bytes.end();
}

std::uint32_t bigEndian(const std::vector<std::uint8_t>& bytes, std::size_t at, int count)
{
  std::uint32_t value = 0;
  for (int i = 0; i < count; ++i)
  {
    value = (value << 8) | bytes[at + static_cast<std::size_t>(i)];
  }
  return value;
}

/// The pixel count a PNG or JPEG header declares (0 when it cannot tell), so that a small file
/// claiming a gigantic image is refused before the decoder allocates for it.
std::uint64_t declaredPixels(const std::vector<std::uint8_t>& bytes)
{
  if (bytes.size() >= 24 && isPng(bytes))
  {
    return std::uint64_t{ bigEndian(bytes, 16, 4) } * bigEndian(bytes, 20, 4);
  }
  if (!isJpeg(bytes))
  {
    return 0;
  }
  // Walk the marker segments up to the frame header (SOFn) or the scan.
  std::size_t at = 2;
  while (at + 4 <= bytes.size() && bytes[at] == 0xff)
  {
    const std::uint8_t marker = bytes[at + 1];
    if (marker == 0xff)
    {
      ++at; // fill byte
      continue;
    }
    if (marker == 0xda || marker == 0xd9)
    {
      return 0;
    }
    const bool frame =
      marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (frame && at + 9 <= bytes.size())
    {
      return std::uint64_t{ bigEndian(bytes, at + 5, 2) } * bigEndian(bytes, at + 7, 2);
    }
    at += 2 + bigEndian(bytes, at + 2, 2);
  }
  return 0;
}

// ---- resampling --------------------------------------------------------------------------

enum class Filter
{
  Nearest,
  Box,
  Bilinear,
  Bicubic,
  Lanczos
};

Filter parseFilter(const std::string& name)
{
  if (name == "nearest")
  {
    return Filter::Nearest;
  }
  if (name == "area" || name == "box")
  {
    return Filter::Box;
  }
  if (name == "bilinear" || name == "linear")
  {
    return Filter::Bilinear;
  }
  if (name == "bicubic" || name == "cubic")
  {
    return Filter::Bicubic;
  }
  if (name == "lanczos")
  {
    return Filter::Lanczos;
  }
  throw std::invalid_argument("unknown interpolation '" + name +
                              "' (nearest, bilinear, bicubic, lanczos, area)");
}

double filterSupport(Filter filter)
{
  switch (filter)
  {
    case Filter::Box:
      return 0.5;
    case Filter::Bilinear:
      return 1.0;
    case Filter::Bicubic:
      return 2.0;
    case Filter::Lanczos:
      return 3.0;
    case Filter::Nearest:
      break;
  }
  return 0.0;
}

double sinc(double x)
{
  if (x == 0.0)
  {
    return 1.0;
  }
  const double pix = M_PI * x;
  return std::sin(pix) / pix;
}

double filterWeight(Filter filter, double x)
{
  const double ax = std::abs(x);
  switch (filter)
  {
    case Filter::Box:
      return (x >= -0.5 && x < 0.5) ? 1.0 : 0.0;
    case Filter::Bilinear:
      return ax < 1.0 ? 1.0 - ax : 0.0;
    case Filter::Bicubic:
    {
      // Keys' cubic with a = -0.5, the kernel of PIL's and torchvision's bicubic.
      constexpr double a = -0.5;
      if (ax < 1.0)
      {
        return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0;
      }
      if (ax < 2.0)
      {
        return (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a;
      }
      return 0.0;
    }
    case Filter::Lanczos:
      return ax < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case Filter::Nearest:
      break;
  }
  return 0.0;
}

/// The input taps and normalised weights of output samples [first, first + count) of a
/// resampling from inSize to outSize (pixel centres at i + 0.5, as PIL).
struct Taps
{
  std::vector<int> start;
  std::vector<int> length;
  int maxLength = 0;
  std::vector<float> weights; ///< count * maxLength
};

Taps computeTaps(Filter filter, int inSize, int outSize, int first, int count)
{
  Taps taps;
  taps.start.resize(static_cast<std::size_t>(count));
  taps.length.resize(static_cast<std::size_t>(count));
  const double scale = static_cast<double>(inSize) / outSize;
  if (filter == Filter::Nearest)
  {
    taps.maxLength = 1;
    taps.weights.assign(static_cast<std::size_t>(count), 1.0f);
    for (int i = 0; i < count; ++i)
    {
      const int source = static_cast<int>(std::floor((first + i + 0.5) * scale));
      taps.start[static_cast<std::size_t>(i)] = std::clamp(source, 0, inSize - 1);
      taps.length[static_cast<std::size_t>(i)] = 1;
    }
    return taps;
  }
  const double filterScale = std::max(scale, 1.0);
  const double support = filterSupport(filter) * filterScale;
  taps.maxLength = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.weights.assign(static_cast<std::size_t>(count) * static_cast<std::size_t>(taps.maxLength),
                      0.0f);
  std::vector<double> local(static_cast<std::size_t>(taps.maxLength));
  for (int i = 0; i < count; ++i)
  {
    const double centre = (first + i + 0.5) * scale;
    const int low = std::max(static_cast<int>(centre - support + 0.5), 0);
    const int high = std::min(static_cast<int>(centre + support + 0.5), inSize);
    const int length = std::min(high - low, taps.maxLength);
    double total = 0.0;
    for (int j = 0; j < length; ++j)
    {
      local[static_cast<std::size_t>(j)] =
        filterWeight(filter, (low + j - centre + 0.5) / filterScale);
      total += local[static_cast<std::size_t>(j)];
    }
    const std::size_t row = static_cast<std::size_t>(i) * static_cast<std::size_t>(taps.maxLength);
    for (int j = 0; j < length; ++j)
    {
      taps.weights[row + static_cast<std::size_t>(j)] =
        static_cast<float>(total != 0.0 ? local[static_cast<std::size_t>(j)] / total : 0.0);
    }
    taps.start[static_cast<std::size_t>(i)] = low;
    taps.length[static_cast<std::size_t>(i)] = length;
  }
  return taps;
}

std::uint8_t toByte(float value)
{
  return static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L));
}

/// Resamples image to outWidth x outHeight and returns the window [left, left + windowWidth) x
/// [top, top + windowHeight) of the result, computing nothing outside it. Horizontal pass first
/// (over the rows the vertical pass needs), then vertical, rounding to 8 bits after each (PIL).
Image resampleWindow(const Image& image,
                     Filter filter,
                     int outWidth,
                     int outHeight,
                     int left,
                     int top,
                     int windowWidth,
                     int windowHeight)
{
  const Taps horizontal = computeTaps(filter, image.width, outWidth, left, windowWidth);
  const Taps vertical = computeTaps(filter, image.height, outHeight, top, windowHeight);
  const int channels = image.channels;
  int firstRow = image.height;
  int endRow = 0;
  for (int y = 0; y < windowHeight; ++y)
  {
    firstRow = std::min(firstRow, vertical.start[static_cast<std::size_t>(y)]);
    endRow = std::max(endRow,
                      vertical.start[static_cast<std::size_t>(y)] +
                        vertical.length[static_cast<std::size_t>(y)]);
  }
  const std::size_t rowFloats =
    static_cast<std::size_t>(windowWidth) * static_cast<std::size_t>(channels);
  std::vector<float> rows(static_cast<std::size_t>(std::max(endRow - firstRow, 0)) * rowFloats);
  const std::size_t inRowBytes =
    static_cast<std::size_t>(image.width) * static_cast<std::size_t>(channels);
  for (int y = firstRow; y < endRow; ++y)
  {
    const std::uint8_t* in = image.pixels.data() + static_cast<std::size_t>(y) * inRowBytes;
    float* out = rows.data() + static_cast<std::size_t>(y - firstRow) * rowFloats;
    for (int x = 0; x < windowWidth; ++x)
    {
      const std::size_t xi = static_cast<std::size_t>(x);
      const float* weights =
        horizontal.weights.data() + xi * static_cast<std::size_t>(horizontal.maxLength);
      const std::uint8_t* source =
        in + static_cast<std::size_t>(horizontal.start[xi]) * static_cast<std::size_t>(channels);
      for (int c = 0; c < channels; ++c)
      {
        float sum = 0.0f;
        for (int j = 0; j < horizontal.length[xi]; ++j)
        {
          sum += weights[j] * source[j * channels + c];
        }
        // Rounded and clipped between the passes, as PIL does, so results match PIL's.
        out[xi * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
          std::clamp(std::nearbyint(sum), 0.0f, 255.0f);
      }
    }
  }
  Image result;
  result.width = windowWidth;
  result.height = windowHeight;
  result.channels = channels;
  result.pixels.resize(result.byteCount());
  std::vector<float> accumulator(rowFloats);
  for (int y = 0; y < windowHeight; ++y)
  {
    const std::size_t yi = static_cast<std::size_t>(y);
    std::fill(accumulator.begin(), accumulator.end(), 0.0f);
    const float* weights =
      vertical.weights.data() + yi * static_cast<std::size_t>(vertical.maxLength);
    for (int j = 0; j < vertical.length[yi]; ++j)
    {
      const float* source =
        rows.data() + static_cast<std::size_t>(vertical.start[yi] + j - firstRow) * rowFloats;
      const float weight = weights[j];
      for (std::size_t k = 0; k < rowFloats; ++k)
      {
        accumulator[k] += weight * source[k];
      }
    }
    std::uint8_t* out = result.pixels.data() + yi * rowFloats;
    for (std::size_t k = 0; k < rowFloats; ++k)
    {
      out[k] = toByte(accumulator[k]);
    }
  }
  return result;
}

int roundHalfToEven(double value)
{
  return static_cast<int>(std::nearbyint(value));
}

void checkImage(const Image& image)
{
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != image.byteCount())
  {
    throw std::invalid_argument("image must be non-empty with 1 or 3 channels of 8-bit pixels");
  }
}

} // namespace

Image decodeImageBytes(const std::vector<std::uint8_t>& bytes, const std::string& sourceName)
{
  if (bytes.empty())
  {
    throw FileError(sourceName, "empty file, not an image");
  }
  if (isJpeg(bytes) && jpegLooksTruncated(bytes))
  {
    throw FileError(sourceName, "truncated JPEG (no end-of-image marker)");
  }
  if (isPng(bytes) && pngLooksTruncated(bytes))
  {
    throw FileError(sourceName, "truncated PNG (no IEND chunk)");
  }
  if (declaredPixels(bytes) > MaxImagePixels)
  {
    throw FileError(sourceName,
                    "declares " + std::to_string(declaredPixels(bytes)) +
                      " pixels, more than the limit of " + std::to_string(MaxImagePixels));
  }
  cv::Mat decoded;
  try
  {
    decoded = cv::imdecode(bytes, cv::IMREAD_ANYCOLOR | cv::IMREAD_IGNORE_ORIENTATION);
  }
  catch (const cv::Exception& error)
  {
    throw FileError(sourceName, "cannot decode image: " + error.msg);
  }
  if (decoded.empty())
  {
    throw FileError(sourceName, "cannot decode image (corrupt, truncated or not an image)");
  }
  cv::Mat converted;
  switch (decoded.channels())
  {
    case 1:
      converted = decoded;
      break;
    case 3:
      cv::cvtColor(decoded, converted, cv::COLOR_BGR2RGB);
      break;
    case 4:
      cv::cvtColor(decoded, converted, cv::COLOR_BGRA2RGB);
      break;
    default:
      throw FileError(sourceName,
                      "unsupported image with " + std::to_string(decoded.channels()) + " channels");
  }
  if (converted.depth() != CV_8U)
  {
    cv::Mat eightBit;
    converted.convertTo(eightBit, CV_8U, converted.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
    converted = eightBit;
  }
  return images::toImage(converted);
}

Image decodeImageFile(const std::string& path)
{
  return decodeImageBytes(readImageFileBytes(path), path);
}

std::vector<std::uint8_t> encodeImage(const Image& image,
                                      const std::string& extension,
                                      int jpegQuality)
{
  checkImage(image);
  cv::Mat bgr;
  if (image.channels == 3)
  {
    cv::cvtColor(images::asMat(image), bgr, cv::COLOR_RGB2BGR);
  }
  else
  {
    bgr = images::asMat(image);
  }
  std::vector<int> parameters;
  std::string lower = extension;
  std::transform(lower.begin(),
                 lower.end(),
                 lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == ".jpg" || lower == ".jpeg")
  {
    parameters = { cv::IMWRITE_JPEG_QUALITY, std::clamp(jpegQuality, 1, 100) };
  }
  else if (lower == ".png")
  {
    // Level 1: these files are written in bulk (make-ood); size matters less than time.
    parameters = { cv::IMWRITE_PNG_COMPRESSION, 1 };
  }
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(lower, bgr, bytes, parameters))
  {
    throw std::invalid_argument("cannot encode an image as '" + extension + "'");
  }
  return bytes;
}

void writeImageFile(const Image& image, const std::string& path, int jpegQuality)
{
  const std::string extension = std::filesystem::path(path).extension().string();
  std::vector<std::uint8_t> bytes;
  try
  {
    bytes = encodeImage(image, extension, jpegQuality);
  }
  catch (const std::invalid_argument& error)
  {
    throw FileError(path, error.what());
  }
  catch (const cv::Exception& error)
  {
    throw FileError(path, "cannot encode image: " + error.msg);
  }
  writeFileAtomically(path, bytes);
}

Image resizeImage(const Image& image, int width, int height, const std::string& interpolation)
{
  checkImage(image);
  if (width < 1 || height < 1)
  {
    throw std::invalid_argument("resize to " + std::to_string(width) + "x" +
                                std::to_string(height) + ": sizes must be at least 1");
  }
  return resampleWindow(image, parseFilter(interpolation), width, height, 0, 0, width, height);
}

void shortSideSize(int width, int height, int shortSide, int& resizedWidth, int& resizedHeight)
{
  if (width <= height)
  {
    resizedWidth = shortSide;
    resizedHeight = static_cast<int>(static_cast<long long>(shortSide) * height / width);
  }
  else
  {
    resizedHeight = shortSide;
    resizedWidth = static_cast<int>(static_cast<long long>(shortSide) * width / height);
  }
}

Image centerCrop(const Image& image, int size)
{
  checkImage(image);
  if (size < 1)
  {
    throw std::invalid_argument("crop size must be at least 1");
  }
  Image result;
  result.width = size;
  result.height = size;
  result.channels = image.channels;
  result.pixels.assign(result.byteCount(), 0);
  // torchvision: top = int(round((h - size) / 2)); negative where the image is smaller (padding).
  const int top = roundHalfToEven((image.height - size) / 2.0);
  const int left = roundHalfToEven((image.width - size) / 2.0);
  const std::size_t channels = static_cast<std::size_t>(image.channels);
  for (int y = 0; y < size; ++y)
  {
    const int sourceY = top + y;
    if (sourceY < 0 || sourceY >= image.height)
    {
      continue;
    }
    for (int x = 0; x < size; ++x)
    {
      const int sourceX = left + x;
      if (sourceX < 0 || sourceX >= image.width)
      {
        continue;
      }
      const std::size_t from =
        (static_cast<std::size_t>(sourceY) * static_cast<std::size_t>(image.width) +
         static_cast<std::size_t>(sourceX)) *
        channels;
      const std::size_t to = (static_cast<std::size_t>(y) * static_cast<std::size_t>(size) +
                              static_cast<std::size_t>(x)) *
                             channels;
      std::copy_n(image.pixels.data() + from, channels, result.pixels.data() + to);
    }
  }
  return result;
}

Image convertChannels(const Image& image, int channels)
{
  checkImage(image);
  if (channels != 1 && channels != 3)
  {
    throw std::invalid_argument("convertChannels: channels must be 1 or 3");
  }
  if (image.channels == channels)
  {
    return image;
  }
  Image converted;
  converted.width = image.width;
  converted.height = image.height;
  converted.channels = channels;
  converted.pixels.resize(converted.byteCount());
  const std::size_t pixels =
    static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  for (std::size_t i = 0; i < pixels; ++i)
  {
    if (channels == 1)
    {
      // PIL's integer luma: (R * 299 + G * 587 + B * 114) / 1000, rounded.
      const unsigned sum = 299U * image.pixels[3 * i] + 587U * image.pixels[3 * i + 1] +
                           114U * image.pixels[3 * i + 2];
      converted.pixels[i] = static_cast<std::uint8_t>((sum + 500U) / 1000U);
    }
    else
    {
      converted.pixels[3 * i] = converted.pixels[3 * i + 1] = converted.pixels[3 * i + 2] =
        image.pixels[i];
    }
  }
  return converted;
}

void validatePreprocessConfig(const PreprocessConfig& config)
{
  if (config.resizeShortSide < 0 || config.cropSize < 1 || config.padToMultiple < 0)
  {
    throw std::invalid_argument("transform: cropSize must be at least 1, resizeShortSide and "
                                "padToMultiple at least 0");
  }
  parseFilter(config.interpolation);
  if (config.mean.empty() || config.mean.size() != config.std.size())
  {
    throw std::invalid_argument("transform: mean and std must have the same, non-zero length");
  }
  for (double deviation : config.std)
  {
    if (!(deviation > 0.0))
    {
      throw std::invalid_argument("transform: every std must be positive");
    }
  }
}

ImageTensor evaluationTransform(const Image& image, const PreprocessConfig& config)
{
  checkImage(image);
  validatePreprocessConfig(config);
  const int outChannels = (image.channels == 1 && config.grayscaleToRgb) ? 3 : image.channels;
  if (config.mean.size() != 1 && config.mean.size() != static_cast<std::size_t>(outChannels))
  {
    throw std::invalid_argument("transform: mean/std have " + std::to_string(config.mean.size()) +
                                " values for an image of " + std::to_string(outChannels) +
                                " channels");
  }
  int resizedWidth = image.width;
  int resizedHeight = image.height;
  if (config.resizeShortSide > 0)
  {
    shortSideSize(image.width, image.height, config.resizeShortSide, resizedWidth, resizedHeight);
  }
  const int size = config.cropSize;
  Image cropped;
  if (size <= resizedWidth && size <= resizedHeight)
  {
    const int top = roundHalfToEven((resizedHeight - size) / 2.0);
    const int left = roundHalfToEven((resizedWidth - size) / 2.0);
    if (resizedWidth == image.width && resizedHeight == image.height)
    {
      cropped = centerCrop(image, size);
    }
    else
    {
      cropped = resampleWindow(image,
                               parseFilter(config.interpolation),
                               resizedWidth,
                               resizedHeight,
                               left,
                               top,
                               size,
                               size);
    }
  }
  else
  {
    cropped =
      centerCrop(resizeImage(image, resizedWidth, resizedHeight, config.interpolation), size);
  }

  // Normalised values, then zeros bottom and right up to the padded size (Adeli et al.).
  const int multiple = std::max(config.padToMultiple, 1);
  const int padded = (size + multiple - 1) / multiple * multiple;
  ImageTensor tensor;
  tensor.channels = outChannels;
  tensor.height = padded;
  tensor.width = padded;
  const std::size_t plane = static_cast<std::size_t>(padded) * static_cast<std::size_t>(padded);
  tensor.values.assign(plane * static_cast<std::size_t>(outChannels), 0.0f);
  const std::size_t inChannels = static_cast<std::size_t>(cropped.channels);
  const auto side = static_cast<std::size_t>(size);
  for (int c = 0; c < outChannels; ++c)
  {
    const std::size_t statistic = config.mean.size() == 1 ? 0 : static_cast<std::size_t>(c);
    const float scale = static_cast<float>(1.0 / (255.0 * config.std[statistic]));
    const float offset = static_cast<float>(config.mean[statistic] / config.std[statistic]);
    const std::size_t sourceChannel = inChannels == 1 ? 0 : static_cast<std::size_t>(c);
    float* out = tensor.values.data() + static_cast<std::size_t>(c) * plane;
    for (std::size_t y = 0; y < side; ++y)
    {
      const std::uint8_t* in = cropped.pixels.data() + y * side * inChannels;
      float* row = out + y * static_cast<std::size_t>(padded);
      for (std::size_t x = 0; x < side; ++x)
      {
        row[x] = in[x * inChannels + sourceChannel] * scale - offset;
      }
    }
  }
  return tensor;
}

PreparedImage prepareImage(const Image& image,
                           std::string id,
                           int inChannels,
                           const PreprocessConfig& preprocess,
                           const std::optional<PreprocessConfig>& brainPreprocess)
{
  const Image converted = convertChannels(image, inChannels);
  ImageTensor tensor = evaluationTransform(converted, preprocess);
  PreparedImage prepared;
  prepared.id = std::move(id);
  prepared.channels = tensor.channels;
  prepared.height = tensor.height;
  prepared.width = tensor.width;
  prepared.pixels = std::move(tensor.values);
  if (brainPreprocess)
  {
    ImageTensor brain = evaluationTransform(converted, *brainPreprocess);
    prepared.brainHeight = brain.height;
    prepared.brainWidth = brain.width;
    prepared.brainPixels = std::move(brain.values);
  }
  return prepared;
}

} // namespace bmfl
