// The evaluation transform against hand-computed examples.
#include "bmfl/ImageTransform.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace
{

bmfl::Image makeImage(int width, int height, int channels)
{
  bmfl::Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(image.byteCount());
  return image;
}

std::uint8_t& pixel(bmfl::Image& image, int x, int y, int c)
{
  return image.pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                       static_cast<std::size_t>(x)) *
                        static_cast<std::size_t>(image.channels) +
                      static_cast<std::size_t>(c)];
}

TEST(ImageTransform, ShortSideSizeFollowsTorchvision)
{
  int width = 0;
  int height = 0;
  bmfl::shortSideSize(500, 375, 256, width, height);
  EXPECT_EQ(width, 341); // int(256 * 500 / 375) = int(341.33)
  EXPECT_EQ(height, 256);
  bmfl::shortSideSize(28, 28, 256, width, height);
  EXPECT_EQ(width, 256);
  EXPECT_EQ(height, 256);
  bmfl::shortSideSize(100, 301, 10, width, height);
  EXPECT_EQ(width, 10);
  EXPECT_EQ(height, 30);
}

TEST(ImageTransform, NonSquareCropAndNormaliseWithoutResize)
{
  // 6 x 4 RGB, short side already 4: only the crop (2 x 2 at left 2, top 1) and normalisation act.
  bmfl::Image image = makeImage(6, 4, 3);
  for (int y = 0; y < 4; ++y)
  {
    for (int x = 0; x < 6; ++x)
    {
      for (int c = 0; c < 3; ++c)
      {
        pixel(image, x, y, c) = static_cast<std::uint8_t>(10 * x + 60 * y + c);
      }
    }
  }
  bmfl::PreprocessConfig config;
  config.resizeShortSide = 4;
  config.cropSize = 2;
  config.interpolation = "bicubic";
  config.mean = { 0.5, 0.25, 0.0 };
  config.std = { 0.25, 0.5, 1.0 };
  const bmfl::ImageTensor tensor = bmfl::evaluationTransform(image, config);
  ASSERT_EQ(tensor.channels, 3);
  ASSERT_EQ(tensor.height, 2);
  ASSERT_EQ(tensor.width, 2);
  // Output (c, 0, 0) is input pixel (x 2, y 1): R = 80, G = 81, B = 82.
  EXPECT_NEAR(tensor.at(0, 0, 0), (80 / 255.0 - 0.5) / 0.25, 1e-5);
  EXPECT_NEAR(tensor.at(1, 0, 0), (81 / 255.0 - 0.25) / 0.5, 1e-5);
  EXPECT_NEAR(tensor.at(2, 0, 0), 82 / 255.0, 1e-5);
  // Output (0, 1, 1) is input (x 3, y 2): R = 150.
  EXPECT_NEAR(tensor.at(0, 1, 1), (150 / 255.0 - 0.5) / 0.25, 1e-5);
}

TEST(ImageTransform, BilinearDownscaleMatchesHandComputedAntialiasedWeights)
{
  // 8 x 8 grey, columns 0, 10, ..., 70; halved with the triangle filter widened to 2 pixels.
  // Output 0 takes inputs 0..2 with weights .75 .75 .25 (sum 1.75): (0*.75 + 10*.75 + 20*.25)
  // / 1.75 = 7.14 -> 7. Output 1: inputs 1..4, weights .25 .75 .75 .25: (2.5 + 15 + 22.5 + 10) / 2
  // = 25. Output 2: 45. Output 3: inputs 5..7, (12.5 + 45 + 52.5) / 1.75 = 62.86 -> 63.
  bmfl::Image image = makeImage(8, 8, 1);
  for (int y = 0; y < 8; ++y)
  {
    for (int x = 0; x < 8; ++x)
    {
      pixel(image, x, y, 0) = static_cast<std::uint8_t>(10 * x);
    }
  }
  bmfl::PreprocessConfig config;
  config.resizeShortSide = 4;
  config.cropSize = 4;
  config.interpolation = "bilinear";
  config.grayscaleToRgb = false;
  config.mean = { 0.0 };
  config.std = { 1.0 };
  const bmfl::ImageTensor tensor = bmfl::evaluationTransform(image, config);
  ASSERT_EQ(tensor.channels, 1);
  const int expected[4] = { 7, 25, 45, 63 };
  for (int y = 0; y < 4; ++y)
  {
    for (int x = 0; x < 4; ++x)
    {
      EXPECT_NEAR(tensor.at(0, y, x) * 255.0, expected[x], 1e-3) << "x " << x << " y " << y;
    }
  }
  // The same through resizeImage, and the fused resize + crop agrees with resize then crop.
  const bmfl::Image resized = bmfl::resizeImage(image, 4, 4, "bilinear");
  EXPECT_EQ(resized.pixels[0], 7);
  EXPECT_EQ(resized.pixels[3], 63);
}

TEST(ImageTransform, NearestUpscaleOfGreyBecomesRgbAndCropsTheCentre)
{
  // 2 x 3 grey (w x h) -> short side 4 -> 4 x 6 (nearest: each pixel doubled) -> crop 4: rows 1..4.
  bmfl::Image image = makeImage(2, 3, 1);
  const std::uint8_t values[3][2] = { { 0, 51 }, { 102, 153 }, { 204, 255 } };
  for (int y = 0; y < 3; ++y)
  {
    for (int x = 0; x < 2; ++x)
    {
      pixel(image, x, y, 0) = values[y][x];
    }
  }
  bmfl::PreprocessConfig config;
  config.resizeShortSide = 4;
  config.cropSize = 4;
  config.interpolation = "nearest";
  config.grayscaleToRgb = true;
  config.mean = { 0.0, 0.0, 0.0 };
  config.std = { 1.0, 1.0, 1.0 };
  const bmfl::ImageTensor tensor = bmfl::evaluationTransform(image, config);
  ASSERT_EQ(tensor.channels, 3);
  // Resized rows: 0,0,1,1,2,2; crop top = round((6 - 4) / 2) = 1 -> rows 0,1,1,2 of the input.
  const int sourceRow[4] = { 0, 1, 1, 2 };
  for (int c = 0; c < 3; ++c)
  {
    for (int y = 0; y < 4; ++y)
    {
      for (int x = 0; x < 4; ++x)
      {
        EXPECT_NEAR(tensor.at(c, y, x), values[sourceRow[y]][x / 2] / 255.0, 1e-6);
      }
    }
  }
}

TEST(ImageTransform, CropLargerThanImagePadsWithZero)
{
  bmfl::Image image = makeImage(2, 2, 1);
  std::fill(image.pixels.begin(), image.pixels.end(), 255);
  const bmfl::Image cropped = bmfl::centerCrop(image, 4);
  // Offsets round((2 - 4) / 2) = -1: the image sits at rows/columns 1..2.
  EXPECT_EQ(cropped.pixels[0], 0);
  EXPECT_EQ(cropped.pixels[5], 255);
  EXPECT_EQ(cropped.pixels[10], 255);
  EXPECT_EQ(cropped.pixels[15], 0);
}

TEST(ImageTransform, BicubicOfAConstantImageStaysConstant)
{
  bmfl::Image image = makeImage(37, 23, 3);
  std::fill(image.pixels.begin(), image.pixels.end(), 117);
  bmfl::PreprocessConfig config; // 256 / 224 bicubic, ImageNet mean/std
  const bmfl::ImageTensor tensor = bmfl::evaluationTransform(image, config);
  ASSERT_EQ(tensor.values.size(), 3u * 224u * 224u);
  for (int c = 0; c < 3; ++c)
  {
    const double expected = (117 / 255.0 - config.mean[static_cast<std::size_t>(c)]) /
                            config.std[static_cast<std::size_t>(c)];
    EXPECT_NEAR(tensor.at(c, 0, 0), expected, 1e-5);
    EXPECT_NEAR(tensor.at(c, 223, 223), expected, 1e-5);
    EXPECT_NEAR(tensor.at(c, 100, 17), expected, 1e-5);
  }
}

TEST(ImageTransform, FusedResizeAndCropEqualsResizeThenCrop)
{
  // A non-square picture with detail everywhere; the transform computes only the crop window, and
  // must give exactly what resizing the whole image and then cropping gives.
  bmfl::Image image = makeImage(123, 77, 3);
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
  {
    image.pixels[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  }
  for (const std::string interpolation : { "bicubic", "bilinear", "lanczos", "area", "nearest" })
  {
    bmfl::PreprocessConfig config;
    config.resizeShortSide = 40;
    config.cropSize = 32;
    config.interpolation = interpolation;
    config.mean = { 0.0 };
    config.std = { 1.0 };
    const bmfl::ImageTensor fused = bmfl::evaluationTransform(image, config);
    const bmfl::Image expected =
      bmfl::centerCrop(bmfl::resizeImage(image, 63, 40, interpolation), 32);
    for (int c = 0; c < 3; ++c)
    {
      for (int y = 0; y < 32; ++y)
      {
        for (int x = 0; x < 32; ++x)
        {
          const std::size_t at =
            (static_cast<std::size_t>(y) * 32 + static_cast<std::size_t>(x)) * 3 +
            static_cast<std::size_t>(c);
          ASSERT_NEAR(fused.at(c, y, x) * 255.0f, expected.pixels[at], 1e-3)
            << interpolation << " c " << c << " y " << y << " x " << x;
        }
      }
    }
  }
}

TEST(ImageTransform, RejectsUnusableConfigurations)
{
  const bmfl::Image image = makeImage(4, 4, 3);
  bmfl::PreprocessConfig config;
  config.interpolation = "sinc";
  EXPECT_THROW(bmfl::evaluationTransform(image, config), std::invalid_argument);
  config = {};
  config.std = { 0.2, 0.0, 0.2 };
  EXPECT_THROW(bmfl::evaluationTransform(image, config), std::invalid_argument);
  config = {};
  config.mean = { 0.5, 0.5 };
  config.std = { 0.5, 0.5 };
  EXPECT_THROW(bmfl::evaluationTransform(image, config), std::invalid_argument);
}

} // namespace

TEST(ImageTransform, ConvertChannelsUsesPilLumaAndReplication)
{
  bmfl::Image colour;
  colour.width = 2;
  colour.height = 1;
  colour.channels = 3;
  colour.pixels = { 255, 0, 0, 10, 200, 30 };
  const bmfl::Image grey = bmfl::convertChannels(colour, 1);
  ASSERT_EQ(grey.channels, 1);
  // PIL: L = (299 R + 587 G + 114 B) / 1000 -> 76 for pure red, 124 for (10, 200, 30).
  EXPECT_EQ(grey.pixels, (std::vector<std::uint8_t>{ 76, 124 }));
  const bmfl::Image back = bmfl::convertChannels(grey, 3);
  EXPECT_EQ(back.pixels, (std::vector<std::uint8_t>{ 76, 76, 76, 124, 124, 124 }));
  EXPECT_EQ(bmfl::convertChannels(colour, 3).pixels, colour.pixels);
  EXPECT_THROW(bmfl::convertChannels(colour, 2), std::invalid_argument);
}
