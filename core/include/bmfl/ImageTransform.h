#pragma once

#include "bmfl/ImageResult.h"
#include "bmfl/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bmfl
{

/// An 8-bit image: rows top to bottom, channels interleaved, 1 (grey) or 3 (R, G, B in that
/// order). A plain value type, safe to move across threads.
struct Image
{
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels; ///< height * width * channels bytes

  std::size_t byteCount() const
  {
    return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
           static_cast<std::size_t>(channels);
  }
};

/// Float planes in channel-major order (CHW), as a model takes them.
struct ImageTensor
{
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<float> values; ///< channels * height * width

  float at(int channel, int row, int column) const
  {
    return values[(static_cast<std::size_t>(channel) * static_cast<std::size_t>(height) +
                   static_cast<std::size_t>(row)) *
                    static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(column)];
  }
};

/// Image files larger than this are refused before they are read.
constexpr std::uint64_t MaxImageFileBytes = std::uint64_t{ 256 } << 20;
/// PNG and JPEG files whose header declares more pixels than this (10000 x 10000) are refused
/// before decoding: a tiny file could otherwise make the decoder allocate gigabytes.
constexpr std::uint64_t MaxImagePixels = std::uint64_t{ 100'000'000 };

/// Decodes an image file (JPEG, PNG, BMP, TIFF, WebP... whatever OpenCV reads) to 1 or 3
/// channels, 8 bits; EXIF orientation is ignored, as PIL and torchvision ignore it. Throws
/// FileError naming the file when it is missing, too large, truncated or not decodable.
Image decodeImageFile(const std::string& path);

/// Decodes image bytes held in memory; errors name sourceName.
Image decodeImageBytes(const std::vector<std::uint8_t>& bytes, const std::string& sourceName);

/// Encodes to the format of the extension (".png", ".jpg"/".jpeg"); quality for JPEG.
std::vector<std::uint8_t> encodeImage(const Image& image,
                                      const std::string& extension,
                                      int jpegQuality = 95);

/// Writes an image file atomically (a temporary file in the same folder, then a rename): the
/// file is complete or absent, never partial. Throws FileError.
void writeImageFile(const Image& image, const std::string& path, int jpegQuality = 95);

/// Resamples with the named filter: "nearest", "bilinear", "bicubic", "lanczos" or "area"
/// ("box"). Downscaling widens the filter by the scale factor (antialiasing, as PIL and
/// torchvision do), so no input pixel is skipped. Throws std::invalid_argument for an unknown
/// filter or a size below 1.
Image resizeImage(const Image& image, int width, int height, const std::string& interpolation);

/// The output size torchvision's Resize(shortSide) gives: the short side becomes shortSide, the
/// long side int(shortSide * long / short).
void shortSideSize(int width, int height, int shortSide, int& resizedWidth, int& resizedHeight);

/// The centre size x size window (torchvision's CenterCrop: offsets rounded half to even; zero
/// padding where the image is smaller).
Image centerCrop(const Image& image, int size);

/// The evaluation transform of a bundle: resize the short side with the configured
/// interpolation (not when resizeShortSide is 0), centre-crop, grey -> RGB when asked, scale to
/// [0, 1], normalise with mean/std, then zero-pad bottom and right to a multiple of
/// padToMultiple. Resizing and cropping are fused: only the pixels inside the crop are computed.
/// Throws std::invalid_argument when the configuration is unusable (sizes < 0, mean/std sizes).
ImageTensor evaluationTransform(const Image& image, const PreprocessConfig& config);

/// What a bundle's model takes from one image: converted to inChannels channels, the classifier's
/// input by preprocess and, when the bundle's brain encoder has its own preprocessing, the brain
/// encoder's input by brainPreprocess. Throws as evaluationTransform.
PreparedImage prepareImage(const Image& image,
                           std::string id,
                           int inChannels,
                           const PreprocessConfig& preprocess,
                           const std::optional<PreprocessConfig>& brainPreprocess);

/// The image with `channels` channels (1 or 3): RGB to grey by ITU-R BT.601 luma (as PIL's
/// convert("L")), grey to RGB by replication; unchanged when it has them already. For a model
/// that takes another channel count than an image has (a colour photo dropped on a greyscale
/// model). Throws std::invalid_argument for another channel count.
Image convertChannels(const Image& image, int channels);

/// Checks a transform configuration; throws std::invalid_argument saying what is wrong.
void validatePreprocessConfig(const PreprocessConfig& config);

} // namespace bmfl
