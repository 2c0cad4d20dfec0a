#pragma once

// A tiny BMFL model and data made by the tests themselves: 28x28 grey images with 7x7 patches
// (a 4x4 grid), embedding width 32, two blocks, 10 classes, a vertex space of 110 vertices.

#include "bmfl/ModelBundle.h"
#include "bmfl/Training.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace bmfl::test
{

inline BmflModelConfig tinyConfig()
{
  BmflModelConfig config;
  config.encoder.imageSize = 28;
  config.encoder.patchSize = 7;
  config.encoder.inChannels = 1;
  config.encoder.embedDim = 32;
  config.encoder.depth = 2;
  config.encoder.heads = 4;
  config.encoder.mlpRatio = 2.0;
  config.encoder.positionGrid = 4;
  config.brainEncoder.width = 32;
  config.brainEncoder.heads = 4;
  config.brainEncoder.feedForward = 64;
  config.brainEncoder.decoderLayers = 1;
  config.brainEncoder.queryLabelSet = "streams";
  config.brainTransformer.sliceLength = 16;
  config.brainTransformer.width = 32;
  config.brainTransformer.depth = 1;
  config.brainTransformer.heads = 4;
  config.brainTransformer.mlpRatio = 2.0;
  config.brainTransformer.roiLabelSet = "rois";
  config.fusion.heads = 4;
  config.numClasses = 10;
  config.pccWeight = 0.5;
  return config;
}

inline VertexSpace tinySpace()
{
  VertexSpace space;
  space.name = "tiny";
  space.templateName = "fsaverage5";
  for (int i = 0; i < 60; ++i)
  {
    space.left.push_back(3 * i);
  }
  for (int i = 0; i < 50; ++i)
  {
    space.right.push_back(2 * i + 1);
  }
  VertexLabels streams{ "streams", { "unknown", "early", "ventral", "lateral" }, {}, {} };
  VertexLabels rois{ "rois", { "none", "V1", "V2", "FFA" }, {}, {} };
  for (std::size_t i = 0; i < space.left.size(); ++i)
  {
    streams.left.push_back(static_cast<std::int32_t>(i % 4));
    rois.left.push_back(static_cast<std::int32_t>(i < 20 ? 1 : i < 35 ? 2 : i < 40 ? 3 : 0));
  }
  for (std::size_t i = 0; i < space.right.size(); ++i)
  {
    streams.right.push_back(static_cast<std::int32_t>((i + 1) % 4));
    rois.right.push_back(static_cast<std::int32_t>(i < 25 ? 1 : i < 30 ? 3 : 0));
  }
  space.labelSets = { streams, rois };
  return space;
}

inline PreprocessConfig tinyPreprocess()
{
  PreprocessConfig preprocess;
  preprocess.resizeShortSide = 28;
  preprocess.cropSize = 28;
  preprocess.interpolation = "bilinear";
  preprocess.grayscaleToRgb = false;
  preprocess.mean = { 0.286 };
  preprocess.std = { 0.353 };
  return preprocess;
}

/// The brain encoder's own input of the tiny model, as Adeli et al.'s (no resize, a centre crop,
/// normalised, zero-padded bottom/right to a multiple of the patch): 40 px padded to 42 (6x6).
inline PreprocessConfig tinyBrainPreprocess()
{
  PreprocessConfig preprocess = tinyPreprocess();
  preprocess.resizeShortSide = 0;
  preprocess.cropSize = 40;
  preprocess.padToMultiple = 7;
  return preprocess;
}

inline std::vector<std::string> tinyClassNames()
{
  return { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot" };
}

/// A CPU trainer of the tiny model, seeded, with its feature cache in cacheDir.
inline std::unique_ptr<Trainer> tinyTrainer(std::uint64_t seed, const std::string& cacheDir)
{
  TrainerOptions options;
  options.device = "cpu";
  options.seed = seed;
  options.featureCacheDir = cacheDir;
  return std::make_unique<Trainer>(
    tinyConfig(), tinySpace(), tinyClassNames(), tinyPreprocess(), options);
}

/// Images whose class decides a bright band's row, plus noise; fMRI that is a fixed linear
/// function of each image's mean brightness per quadrant, plus a little noise: learnable.
inline std::vector<TrainingExample> tinyExamples(std::size_t count, std::uint64_t seed)
{
  std::mt19937_64 random(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  const VertexSpace space = tinySpace();
  std::mt19937_64 weightRandom(99);
  std::vector<float> weights(space.size() * 4);
  for (float& weight : weights)
  {
    weight = noise(weightRandom);
  }
  std::vector<TrainingExample> examples;
  for (std::size_t n = 0; n < count; ++n)
  {
    TrainingExample example;
    example.id = "tiny-" + std::to_string(seed) + "-" + std::to_string(n);
    example.label = static_cast<int>(n % 10);
    example.image.resize(28 * 28);
    float quadrant[4] = { 0, 0, 0, 0 };
    const float contrast = 0.5f + 1.5f * std::abs(noise(random));
    for (int y = 0; y < 28; ++y)
    {
      for (int x = 0; x < 28; ++x)
      {
        const bool band = y / 3 == example.label || x / 3 == 9 - example.label;
        const float value = (band ? contrast : -0.5f) + 0.3f * noise(random);
        example.image[static_cast<std::size_t>(y * 28 + x)] = value;
        quadrant[(y / 14) * 2 + x / 14] += value / 196.0f;
      }
    }
    example.fmri.resize(space.size());
    for (std::size_t v = 0; v < space.size(); ++v)
    {
      float value = 0.0f;
      for (int q = 0; q < 4; ++q)
      {
        value += weights[v * 4 + static_cast<std::size_t>(q)] * quadrant[q];
      }
      example.fmri[v] = value + 0.05f * noise(random);
    }
    examples.push_back(std::move(example));
  }
  return examples;
}

/// A fresh folder under the system temp folder, removed when the test ends.
class TemporaryFolder
{
public:
  explicit TemporaryFolder(const std::string& stem)
  {
    static int counter = 0;
    Path = (std::filesystem::temp_directory_path() /
            (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
             .string();
    std::filesystem::remove_all(Path);
    std::filesystem::create_directories(Path);
  }
  ~TemporaryFolder()
  {
    std::error_code ignored;
    std::filesystem::remove_all(Path, ignored);
  }
  const std::string& path() const { return Path; }
  std::string operator/(const std::string& name) const
  {
    return (std::filesystem::path(Path) / name).string();
  }

private:
  std::string Path;
};

} // namespace bmfl::test
