// The brain encoder's own transform (Adeli et al.: no resize, normalise, zero-pad bottom/right to
// a multiple of the patch) and prepareImage, which gives a bundle's model both inputs.
#include "TinyModel.h"

#include "bmfl/ImageTransform.h"
#include "bmfl/InferenceEngine.h"

#include <gtest/gtest.h>

namespace
{

bmfl::Image gradient(int width, int height, int channels)
{
  bmfl::Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(image.byteCount());
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
  {
    image.pixels[i] = static_cast<std::uint8_t>((i * 7) % 251);
  }
  return image;
}

bmfl::PreprocessConfig adeli()
{
  bmfl::PreprocessConfig config;
  config.resizeShortSide = 0;
  config.cropSize = 425;
  config.padToMultiple = 14;
  return config;
}

// NSD's 425 px images: normalised, then zeros bottom and right up to 434 px, a 31x31 grid.
TEST(BrainTransform, AdelisInputIsNormalisedThenZeroPaddedTo434)
{
  const bmfl::Image image = gradient(425, 425, 3);
  const bmfl::PreprocessConfig config = adeli();
  const bmfl::ImageTensor tensor = bmfl::evaluationTransform(image, config);
  ASSERT_EQ(tensor.channels, 3);
  ASSERT_EQ(tensor.height, 434);
  ASSERT_EQ(tensor.width, 434);
  for (int c = 0; c < 3; ++c)
  {
    for (const auto& [row, column] :
         { std::pair{ 0, 0 }, { 424, 424 }, { 17, 300 }, { 424, 0 }, { 0, 424 } })
    {
      const std::size_t at = (static_cast<std::size_t>(row) * 425 + column) * 3 + c;
      const double expected =
        (image.pixels[at] / 255.0 - config.mean[static_cast<std::size_t>(c)]) /
        config.std[static_cast<std::size_t>(c)];
      EXPECT_NEAR(tensor.at(c, row, column), expected, 1e-5) << row << "," << column;
    }
    for (int i = 0; i < 434; ++i)
    {
      for (int pad = 425; pad < 434; ++pad)
      {
        ASSERT_EQ(tensor.at(c, pad, i), 0.0f);
        ASSERT_EQ(tensor.at(c, i, pad), 0.0f);
      }
    }
  }
}

// Without padding the transform is what it was; without resize the crop takes the pixels as
// they are.
TEST(BrainTransform, NoPaddingAndNoResizeKeepThePixels)
{
  const bmfl::Image image = gradient(50, 60, 1);
  bmfl::PreprocessConfig config;
  config.resizeShortSide = 0;
  config.cropSize = 28;
  config.grayscaleToRgb = false;
  config.mean = { 0.5 };
  config.std = { 0.25 };
  const bmfl::ImageTensor plain = bmfl::evaluationTransform(image, config);
  const bmfl::Image crop = bmfl::centerCrop(image, 28);
  ASSERT_EQ(plain.height, 28);
  for (std::size_t i = 0; i < plain.values.size(); ++i)
  {
    ASSERT_EQ(plain.values[i],
              crop.pixels[i] * static_cast<float>(1.0 / (255.0 * 0.25)) -
                static_cast<float>(0.5 / 0.25));
  }
  config.padToMultiple = 7; // 28 is a multiple already
  EXPECT_EQ(bmfl::evaluationTransform(image, config).values, plain.values);
  config.padToMultiple = -1;
  EXPECT_THROW(bmfl::evaluationTransform(image, config), std::invalid_argument);
}

TEST(BrainTransform, PrepareImageGivesBothInputsOnlyWhenTheBundleHasTwo)
{
  const bmfl::Image image = gradient(40, 40, 1);
  const bmfl::PreprocessConfig classifier = bmfl::test::tinyPreprocess();
  const bmfl::PreprocessConfig brain = bmfl::test::tinyBrainPreprocess();
  const bmfl::PreparedImage one = bmfl::prepareImage(image, "one", 1, classifier, std::nullopt);
  EXPECT_EQ(one.id, "one");
  EXPECT_EQ(one.pixels, bmfl::evaluationTransform(image, classifier).values);
  EXPECT_EQ(one.height, 28);
  EXPECT_TRUE(one.brainPixels.empty());
  const bmfl::PreparedImage two = bmfl::prepareImage(image, "two", 1, classifier, brain);
  EXPECT_EQ(two.pixels, one.pixels);
  EXPECT_EQ(two.brainHeight, 42);
  EXPECT_EQ(two.brainWidth, 42);
  EXPECT_EQ(two.brainPixels, bmfl::evaluationTransform(image, brain).values);
  // A colour image for a grey model is converted first.
  EXPECT_EQ(bmfl::prepareImage(gradient(40, 40, 3), "rgb", 1, classifier, brain).brainPixels.size(),
            42u * 42u);
}

} // namespace
