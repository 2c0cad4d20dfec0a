// A bundle whose brain encoder has its own input (Adeli et al.'s padded NSD images) apart from
// the classifier's: the engine and the trainer run the frozen encoder once per input, the brain
// encoder reads its own pass, and a bundle without one runs one pass as before.
#include "TinyModel.h"

#include "bmfl/InferenceEngine.h"
#include "bmfl/Json.h"
#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

namespace
{

using bmfl::test::TemporaryFolder;

std::vector<float> noise(std::size_t count, std::uint64_t seed)
{
  std::mt19937_64 random(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(count);
  for (float& value : values)
  {
    value = normal(random);
  }
  return values;
}

// Batches of other sizes take other BLAS paths: equal up to rounding.
void expectClose(const std::vector<float>& actual,
                 const std::vector<float>& expected,
                 const std::string& what)
{
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i)
  {
    ASSERT_NEAR(actual[i], expected[i], 1e-4f) << what << " [" << i << "]";
  }
}

float largestDifference(const std::vector<float>& a, const std::vector<float>& b)
{
  float largest = 0.0f;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
  {
    largest = std::max(largest, std::abs(a[i] - b[i]));
  }
  return largest;
}

void editManifest(const std::string& bundle, const std::function<void(bmfl::JsonValue&)>& edit)
{
  const std::string path = bundle + "/manifest.json";
  bmfl::JsonValue root = bmfl::readJsonFile(path);
  edit(root);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bmfl::writeJson(root);
}

class TwoResolutions : public ::testing::Test
{
protected:
  // One trainer's weights saved twice: with the brain encoder's own input and without.
  static void SetUpTestSuite()
  {
    Folder = new TemporaryFolder("bmfl-two-resolutions");
    bmfl::TrainerOptions options;
    options.device = "cpu";
    options.seed = 3;
    bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                          bmfl::test::tinySpace(),
                          bmfl::test::tinyClassNames(),
                          bmfl::test::tinyPreprocess(),
                          options);
    trainer.saveBundle(*Folder / "plain.bmfl", {});
    trainer.setBrainPreprocess(bmfl::test::tinyBrainPreprocess());
    trainer.saveBundle(*Folder / "brain.bmfl", {});
  }
  static void TearDownTestSuite()
  {
    delete Folder;
    Folder = nullptr;
  }

  static std::unique_ptr<bmfl::InferenceEngine> open(const std::string& name, int batchSize = 16)
  {
    bmfl::EngineOptions options;
    options.device = "cpu";
    options.batchSize = batchSize;
    return bmfl::InferenceEngine::open(*Folder / name, options);
  }

  // Classifier inputs (28 px) with brain encoder inputs (42 px) of other content.
  static std::vector<bmfl::PreparedImage> images(std::size_t count)
  {
    std::vector<bmfl::PreparedImage> prepared;
    for (std::size_t i = 0; i < count; ++i)
    {
      bmfl::PreparedImage image;
      image.id = "image-" + std::to_string(i);
      image.channels = 1;
      image.height = 28;
      image.width = 28;
      image.pixels = noise(28 * 28, 100 + i);
      image.brainHeight = 42;
      image.brainWidth = 42;
      image.brainPixels = noise(42 * 42, 200 + i);
      prepared.push_back(std::move(image));
    }
    return prepared;
  }

  static bmfl::PreparedImage alone(const std::string& id, std::vector<float> pixels, int side)
  {
    return { id, 1, side, side, std::move(pixels), 0, 0, {} };
  }

  static TemporaryFolder* Folder;
};

TemporaryFolder* TwoResolutions::Folder = nullptr;

TEST_F(TwoResolutions, TheBrainEncoderReadsTheEncoderPassOfItsOwnInput)
{
  const auto brain = open("brain.bmfl");
  const auto plain = open("plain.bmfl");
  const std::vector<bmfl::PreparedImage> inputs = images(3);
  const std::vector<bmfl::ImageResult> results = brain->run(inputs);
  ASSERT_EQ(results.size(), 3u);
  for (std::size_t i = 0; i < inputs.size(); ++i)
  {
    // The same weights on one input at a time: the classifier's and the brain encoder's.
    const bmfl::ImageResult classifier = plain->run({ alone("c", inputs[i].pixels, 28) }).at(0);
    const bmfl::ImageResult brainOnly = plain->run({ alone("b", inputs[i].brainPixels, 42) }).at(0);
    EXPECT_EQ(results[i].id, inputs[i].id);
    expectClose(results[i].predictedFmri, brainOnly.predictedFmri, "fMRI");
    EXPECT_GT(largestDifference(results[i].predictedFmri, classifier.predictedFmri), 1e-2f);
    expectClose(results[i].baselineProbabilities, classifier.baselineProbabilities, "baseline");
    // The attention over image patches is over the classifier's 4x4 grid.
    EXPECT_EQ(results[i].gridHeight, 4);
    EXPECT_EQ(results[i].gridWidth, 4);
    EXPECT_EQ(results[i].brainToImageAttention.size(), 16u);
  }
  // Batches of one give what one batch of three gives.
  const auto single = open("brain.bmfl", 1);
  const std::vector<bmfl::ImageResult> oneByOne = single->run(inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i)
  {
    expectClose(oneByOne[i].predictedFmri, results[i].predictedFmri, "fMRI");
    expectClose(oneByOne[i].bmflProbabilities, results[i].bmflProbabilities, "bmfl");
  }
}

TEST_F(TwoResolutions, AnImageWithoutTheBrainInputIsRefusedByName)
{
  const auto brain = open("brain.bmfl");
  std::vector<bmfl::PreparedImage> inputs = images(1);
  inputs[0].brainPixels.clear();
  inputs[0].brainHeight = 0;
  inputs[0].brainWidth = 0;
  try
  {
    brain->run(inputs);
    FAIL() << "no error";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_EQ(std::string(error.what()),
              "image image-0's brain encoder input is 1x0x0 but the model takes 1-channel images "
              "with sides that are multiples of 7");
  }
  inputs = images(1);
  inputs[0].brainPixels.pop_back();
  EXPECT_THROW(brain->run(inputs), std::invalid_argument);
}

// A bundle without brainPreprocess ignores brain pixels: one pass, results as before.
TEST_F(TwoResolutions, WithoutABrainPreprocessOnePassReadsThePixels)
{
  const auto plain = open("plain.bmfl");
  const std::vector<bmfl::PreparedImage> inputs = images(2);
  const std::vector<bmfl::ImageResult> results = plain->run(inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i)
  {
    const bmfl::ImageResult classifier = plain->run({ alone("c", inputs[i].pixels, 28) }).at(0);
    expectClose(results[i].predictedFmri, classifier.predictedFmri, "fMRI");
    expectClose(results[i].bmflProbabilities, classifier.bmflProbabilities, "bmfl");
  }
}

// featureBlock chooses the block whose queries feed the brain encoder; -1 and the last block's
// index are Adeli et al.'s default.
TEST_F(TwoResolutions, TheFeatureBlockChoosesTheQueries)
{
  TemporaryFolder folder("bmfl-feature-block");
  const std::string bundle = folder / "block.bmfl";
  std::filesystem::copy(*Folder / "plain.bmfl", bundle);
  const std::vector<bmfl::PreparedImage> inputs = images(2);
  const std::vector<bmfl::ImageResult> last = open("plain.bmfl")->run(inputs);
  const auto resultsWithBlock = [&](int block)
  {
    editManifest(bundle,
                 [&](bmfl::JsonValue& root)
                 {
                   bmfl::JsonValue& brain = *root.find("architecture")->find("brainEncoder");
                   *brain.find("featureSource") = "block_query";
                   *brain.find("featureBlock") = block;
                 });
    bmfl::EngineOptions options;
    options.device = "cpu";
    return bmfl::InferenceEngine::open(bundle, options)->run(inputs);
  };
  for (const int block : { -1, 1 })
  {
    const std::vector<bmfl::ImageResult> results = resultsWithBlock(block);
    EXPECT_EQ(results[0].predictedFmri, last[0].predictedFmri) << block;
    EXPECT_EQ(results[1].bmflProbabilities, last[1].bmflProbabilities) << block;
  }
  const std::vector<bmfl::ImageResult> first = resultsWithBlock(0);
  EXPECT_GT(largestDifference(first[0].predictedFmri, last[0].predictedFmri), 1e-2f);
  EXPECT_EQ(first[0].baselineProbabilities, last[0].baselineProbabilities);
}

// The trainer caches a second encoder pass on each example's brain input and trains the brain
// encoder on it: here only the brain input carries what the fMRI depends on.
TEST(TwoResolutionTraining, TheBrainEncoderLearnsFromItsOwnInput)
{
  TemporaryFolder folder("bmfl-two-resolution-training");
  std::vector<bmfl::TrainingExample> examples = bmfl::test::tinyExamples(200, 4);
  for (std::size_t n = 0; n < examples.size(); ++n)
  {
    bmfl::TrainingExample& example = examples[n];
    example.brainImage.assign(42 * 42, 0.0f);
    for (std::size_t y = 0; y < 28; ++y)
    {
      std::copy_n(example.image.begin() + static_cast<std::ptrdiff_t>(y * 28),
                  28,
                  example.brainImage.begin() + static_cast<std::ptrdiff_t>((y + 6) * 42 + 6));
    }
    example.image = noise(28 * 28, 1000 + n);
  }
  bmfl::BrainEncoderTrainingOptions options;
  options.epochs = 8;
  options.batchSize = 16;
  options.learningRate = 2e-3;
  options.gradientClipNorm = 1.0;
  options.seed = 4;
  const bmfl::VectorExampleSource source("two resolutions", examples);
  // The control reads the classifier's input, which carries nothing: it cannot learn.
  const std::unique_ptr<bmfl::Trainer> control = bmfl::test::tinyTrainer(5, folder / "control");
  const double controlMetric = control->trainBrainEncoder(source, options).bestMetric;
  const std::unique_ptr<bmfl::Trainer> trainer = bmfl::test::tinyTrainer(5, folder / "cache");
  trainer->setBrainPreprocess(bmfl::test::tinyBrainPreprocess());
  const bmfl::TrainingReport report = trainer->trainBrainEncoder(source, options);
  EXPECT_EQ(trainer->cacheStats().encoderImages, 400); // two passes per image
  std::printf(
    "val r: brain input %.3f, classifier input (control) %.3f\n", report.bestMetric, controlMetric);
  EXPECT_GT(report.bestMetric, controlMetric + 0.2);

  trainer->saveBundle(folder / "brain.bmfl", {});
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(folder / "brain.bmfl");
  ASSERT_TRUE(manifest.brainPreprocess.has_value());
  EXPECT_EQ(manifest.brainPreprocess->padToMultiple, 7);

  // An example without its brain input is refused by name.
  std::vector<bmfl::TrainingExample> missing = bmfl::test::tinyExamples(2, 9);
  missing[1].brainImage.assign(42 * 42, 0.0f);
  const bmfl::VectorExampleSource bad("missing", missing);
  try
  {
    trainer->predictHeads(bad, 2);
    FAIL() << "no error";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_EQ(std::string(error.what()),
              "training example tiny-9-0 has 0 brain encoder input values but the brain "
              "preprocessing gives 1764");
  }
}

TEST(TwoResolutionTraining, ABrainInputThatIsNoPatchGridIsRefused)
{
  TemporaryFolder folder("bmfl-two-resolution-training");
  const std::unique_ptr<bmfl::Trainer> trainer = bmfl::test::tinyTrainer(5, folder / "cache");
  bmfl::PreprocessConfig brain = bmfl::test::tinyBrainPreprocess();
  brain.padToMultiple = 0;
  EXPECT_THROW(trainer->setBrainPreprocess(brain), std::invalid_argument);
}

} // namespace
