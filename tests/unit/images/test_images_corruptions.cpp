// The corruption suite: each type changes the image, is deterministic, and grows with severity.
#include "TestTree.h"

#include "bmfl/Corruptions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

namespace
{

double meanAbsoluteDifference(const bmfl::Image& a, const bmfl::Image& b)
{
  EXPECT_EQ(a.pixels.size(), b.pixels.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i)
  {
    sum += std::abs(static_cast<int>(a.pixels[i]) - static_cast<int>(b.pixels[i]));
  }
  return sum / static_cast<double>(a.pixels.size());
}

/// Corruptions whose published parameters do not make the change grow with severity, and why:
/// elastic_transform: severities 1-2 use a large affine jitter and a smooth field, 3-5 a small
/// jitter and a fine field; saturate: severities 1-2 desaturate, 3-5 oversaturate (clipped);
/// pixelate: blocks of a whole number of pixels (factor 0.5, 0.25) stay aligned with the image and
/// differ less from it than misaligned fractional blocks (0.6, 0.3) do, although they keep less
/// detail (PixelateKeepsFewerRowsWithSeverity checks that instead).
const std::set<std::string> NotMonotone = { "elastic_transform", "saturate", "pixelate" };

/// glass_blur's severity 2 trades one of severity 1's two shuffling rounds for twice the distance:
/// the two change an image about equally (within a few per cent); from severity 2 on it grows.
const std::map<std::string, int> GrowsFromSeverity = { { "glass_blur", 2 } };

TEST(Corruptions, StandardSetIsFifteenImplementedTypesWithoutFrost)
{
  const std::vector<std::string>& standard = bmfl::standardCorruptions();
  EXPECT_EQ(standard.size(), 15u);
  EXPECT_EQ(std::set<std::string>(standard.begin(), standard.end()).size(), 15u);
  for (const std::string& name : standard)
  {
    EXPECT_TRUE(bmfl::isCorruption(name)) << name;
  }
  EXPECT_FALSE(bmfl::isCorruption("frost"));
  EXPECT_EQ(bmfl::corruptionNames().size(), 17u);
}

class EachCorruption : public ::testing::TestWithParam<std::string>
{
};

TEST_P(EachCorruption, ChangesTheImageDeterministicallyAndGrowsWithSeverity)
{
  const std::string name = GetParam();
  for (int channels : { 3, 1 })
  {
    if (name == "saturate" && channels == 1)
    {
      continue; // a grey image has no saturation: it is returned unchanged (documented)
    }
    const bmfl::Image clean = bmfl::test::syntheticImage(96, 80, channels);
    std::vector<double> differences;
    for (int severity = 1; severity <= 5; ++severity)
    {
      const bmfl::Image corrupted = bmfl::applyCorruption(clean, name, severity, 1234);
      ASSERT_EQ(corrupted.width, clean.width);
      ASSERT_EQ(corrupted.height, clean.height);
      ASSERT_EQ(corrupted.channels, clean.channels);
      const bmfl::Image again = bmfl::applyCorruption(clean, name, severity, 1234);
      EXPECT_EQ(corrupted.pixels, again.pixels) << name << " severity " << severity;
      differences.push_back(meanAbsoluteDifference(clean, corrupted));
      EXPECT_GT(differences.back(), 0.5)
        << name << " severity " << severity << " channels " << channels;
    }
    if (NotMonotone.count(name) > 0)
    {
      continue;
    }
    const auto from = GrowsFromSeverity.find(name);
    const std::size_t first =
      from == GrowsFromSeverity.end() ? 1 : static_cast<std::size_t>(from->second);
    for (std::size_t s = first; s < differences.size(); ++s)
    {
      EXPECT_GT(differences[s], differences[s - 1])
        << name << ": severity " << s + 1 << " changes less than severity " << s << " (channels "
        << channels << "): " << ::testing::PrintToString(differences);
    }
    if (first > 1)
    {
      EXPECT_NEAR(differences[1], differences[0], 0.05 * differences[0]) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes,
                         EachCorruption,
                         ::testing::ValuesIn(bmfl::corruptionNames()),
                         [](const ::testing::TestParamInfo<std::string>& parameter)
                         { return parameter.param; });

TEST(Corruptions, PixelateKeepsFewerRowsWithSeverity)
{
  const bmfl::Image clean = bmfl::test::syntheticImage(96, 80, 3);
  const std::size_t rowBytes = 96 * 3;
  std::vector<int> distinctRows;
  for (int severity = 1; severity <= 5; ++severity)
  {
    const bmfl::Image image = bmfl::applyCorruption(clean, "pixelate", severity, 0);
    int changes = 1;
    for (std::size_t y = 1; y < 80; ++y)
    {
      changes +=
        !std::equal(image.pixels.begin() + static_cast<std::ptrdiff_t>(y * rowBytes),
                    image.pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * rowBytes),
                    image.pixels.begin() + static_cast<std::ptrdiff_t>((y - 1) * rowBytes));
    }
    distinctRows.push_back(changes);
  }
  // 80 rows reduced to int(80 * c) for c = 0.6, 0.5, 0.4, 0.3, 0.25.
  EXPECT_EQ(distinctRows, (std::vector<int>{ 48, 40, 32, 24, 20 }));
}

TEST(Corruptions, RandomTypesDependOnTheSeed)
{
  const bmfl::Image clean = bmfl::test::syntheticImage(64, 64, 3);
  for (const std::string name : { "gaussian_noise",
                                  "shot_noise",
                                  "impulse_noise",
                                  "speckle_noise",
                                  "glass_blur",
                                  "motion_blur",
                                  "snow",
                                  "fog",
                                  "elastic_transform" })
  {
    EXPECT_NE(bmfl::applyCorruption(clean, name, 3, 1).pixels,
              bmfl::applyCorruption(clean, name, 3, 2).pixels)
      << name;
  }
}

TEST(Corruptions, RejectsUnknownNamesAndSeverities)
{
  const bmfl::Image clean = bmfl::test::syntheticImage(16, 16, 3);
  EXPECT_THROW(bmfl::applyCorruption(clean, "frost", 1, 0), std::invalid_argument);
  EXPECT_THROW(bmfl::applyCorruption(clean, "fog", 0, 0), std::invalid_argument);
  EXPECT_THROW(bmfl::applyCorruption(clean, "fog", 6, 0), std::invalid_argument);
}

TEST(Corruptions, SketchDrawsDarkLinesOnWhitePaper)
{
  // Left half dark, right half light: one vertical edge at x = 16.
  bmfl::Image image;
  image.width = 32;
  image.height = 24;
  image.channels = 3;
  image.pixels.resize(image.byteCount());
  for (int y = 0; y < 24; ++y)
  {
    for (int x = 0; x < 32; ++x)
    {
      for (int c = 0; c < 3; ++c)
      {
        image.pixels[static_cast<std::size_t>((y * 32 + x) * 3 + c)] = x < 16 ? 40 : 200;
      }
    }
  }
  const bmfl::Image sketch = bmfl::renderSketch(image);
  ASSERT_EQ(sketch.channels, 3);
  const auto at = [&](int x, int y)
  { return sketch.pixels[static_cast<std::size_t>((y * 32 + x) * 3)]; };
  EXPECT_EQ(at(3, 12), 255);  // flat: paper
  EXPECT_EQ(at(28, 12), 255); // flat: paper
  EXPECT_LT(at(16, 12), 80);  // the edge: a dark line
  EXPECT_LT(at(15, 12), 128);
  EXPECT_EQ(bmfl::renderSketch(image).pixels, sketch.pixels);
  const bmfl::Image grey = bmfl::renderSketch(bmfl::test::syntheticImage(40, 30, 1));
  EXPECT_EQ(grey.channels, 1);
}

TEST(Corruptions, ItemSeedsDifferByItemCorruptionAndSeverity)
{
  const std::uint64_t base = bmfl::itemSeed(7, "fog", 3, 10);
  EXPECT_EQ(base, bmfl::itemSeed(7, "fog", 3, 10));
  EXPECT_NE(base, bmfl::itemSeed(7, "fog", 3, 11));
  EXPECT_NE(base, bmfl::itemSeed(7, "fog", 4, 10));
  EXPECT_NE(base, bmfl::itemSeed(7, "snow", 3, 10));
  EXPECT_NE(base, bmfl::itemSeed(8, "fog", 3, 10));
}

/// A base dataset in memory, for the on-the-fly wrappers.
class GreyDataset final : public bmfl::ImageDataset
{
public:
  std::string name() const override { return "grey"; }
  std::size_t size() const override { return 24; }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::string itemId(std::size_t index) const override { return std::to_string(index); }
  int label(std::size_t index) const override { return static_cast<int>(index % 3); }
  bmfl::Image loadImage(std::size_t index) const override
  {
    return bmfl::test::syntheticImage(28, 28, 1, static_cast<int>(index));
  }

private:
  std::vector<std::string> Classes = { "a", "b", "c" };
};

TEST(Corruptions, CorruptedDatasetAppliesOneCorruptionOnTheFly)
{
  const auto base = std::make_shared<GreyDataset>();
  const auto noisy = bmfl::corruptDataset(base, "gaussian_noise", 4, 99);
  EXPECT_EQ(noisy->size(), base->size());
  EXPECT_EQ(noisy->label(5), base->label(5));
  EXPECT_EQ(noisy->subset(5), "gaussian_noise/4");
  EXPECT_EQ(noisy->loadImage(5).pixels,
            bmfl::applyCorruption(
              base->loadImage(5), "gaussian_noise", 4, bmfl::itemSeed(99, "gaussian_noise", 4, 5))
              .pixels);
  EXPECT_EQ(bmfl::corruptDataset(base, "sketch", 0, 0)->loadImage(2).pixels,
            bmfl::renderSketch(base->loadImage(2)).pixels);
  EXPECT_THROW(bmfl::corruptDataset(base, "frost", 1, 0), std::invalid_argument);
}

TEST(Corruptions, SixOodSetsCycleTheirCorruptionsAndSeverities)
{
  const std::vector<bmfl::OodSetDefinition>& sets = bmfl::fashionMnistOodSets();
  ASSERT_EQ(sets.size(), 6u);
  std::set<std::string> keys;
  for (const bmfl::OodSetDefinition& set : sets)
  {
    keys.insert(set.key);
    for (const std::string& corruption : set.corruptions)
    {
      EXPECT_TRUE(corruption == "sketch" || bmfl::isCorruption(corruption)) << corruption;
    }
  }
  EXPECT_EQ(
    keys, (std::set<std::string>{ "noise", "blur", "weather", "digital", "geometric", "sketch" }));
  const auto base = std::make_shared<GreyDataset>();
  const auto noise = bmfl::makeOodSet(base, "noise");
  EXPECT_EQ(noise->name(), "fashion-mnist-ood:noise");
  // Item i: corruption i % 4, severity 2 + (i / 4) % 4.
  EXPECT_EQ(noise->subset(0), "gaussian_noise/2");
  EXPECT_EQ(noise->subset(1), "shot_noise/2");
  EXPECT_EQ(noise->subset(4), "gaussian_noise/3");
  EXPECT_EQ(noise->subset(23), "speckle_noise/3");
  // Deterministic across instances, and different from the clean image.
  EXPECT_EQ(noise->loadImage(7).pixels, bmfl::makeOodSet(base, "noise")->loadImage(7).pixels);
  EXPECT_NE(noise->loadImage(7).pixels, base->loadImage(7).pixels);
  EXPECT_EQ(bmfl::makeOodSet(base, "sketch")->subset(3), "sketch");
  EXPECT_THROW(bmfl::makeOodSet(base, "rain"), std::invalid_argument);
}

} // namespace
