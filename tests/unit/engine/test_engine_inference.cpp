#include "TinyModel.h"

#include "bmfl/InferenceEngine.h"
#include "bmfl/Json.h"
#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace
{

using bmfl::test::TemporaryFolder;

// One bundle for the whole suite: made once, read by every test.
class Inference : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    Folder = new TemporaryFolder("bmfl-inference");
    bmfl::TrainerOptions options;
    options.device = "cpu";
    options.seed = 3;
    bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                          bmfl::test::tinySpace(),
                          bmfl::test::tinyClassNames(),
                          bmfl::test::tinyPreprocess(),
                          options);
    trainer.saveBundle(*Folder / "conv.bmfl", {});
    bmfl::BmflModelConfig roi = bmfl::test::tinyConfig();
    roi.brainTransformer.tokenizer = "roi_tokens";
    bmfl::Trainer roiTrainer(roi,
                             bmfl::test::tinySpace(),
                             bmfl::test::tinyClassNames(),
                             bmfl::test::tinyPreprocess(),
                             options);
    roiTrainer.saveBundle(*Folder / "roi.bmfl", {});
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
    options.topK = 3;
    return bmfl::InferenceEngine::open(*Folder / name, options);
  }

  static std::vector<bmfl::PreparedImage> images(std::size_t count)
  {
    std::vector<bmfl::PreparedImage> prepared;
    for (const bmfl::TrainingExample& example : bmfl::test::tinyExamples(count, 21))
    {
      prepared.push_back({ example.id, 1, 28, 28, example.image, 0, 0, {} });
    }
    return prepared;
  }

  static TemporaryFolder* Folder;
};

TemporaryFolder* Inference::Folder = nullptr;

float sum(const std::vector<float>& values)
{
  return std::accumulate(values.begin(), values.end(), 0.0f);
}

TEST_F(Inference, ResultsHaveTheBundlesShapesAndProbabilitiesSumToOne)
{
  const auto engine = open("conv.bmfl");
  EXPECT_EQ(engine->deviceName(), "cpu");
  const std::vector<bmfl::ImageResult> results = engine->run(images(5));
  ASSERT_EQ(results.size(), 5u);
  for (const bmfl::ImageResult& result : results)
  {
    EXPECT_EQ(result.bmflProbabilities.size(), 10u);
    EXPECT_EQ(result.baselineProbabilities.size(), 10u);
    EXPECT_NEAR(sum(result.bmflProbabilities), 1.0f, 1e-5f);
    EXPECT_NEAR(sum(result.baselineProbabilities), 1.0f, 1e-5f);
    ASSERT_EQ(result.bmflTopK.size(), 3u);
    EXPECT_GE(result.bmflTopK[0].probability, result.bmflTopK[1].probability);
    EXPECT_GE(result.bmflTopK[1].probability, result.bmflTopK[2].probability);
    EXPECT_EQ(
      result.bmflTopK[0].name,
      bmfl::test::tinyClassNames()[static_cast<std::size_t>(result.bmflTopK[0].classIndex)]);
    EXPECT_EQ(result.bmflTopK[0].probability,
              result.bmflProbabilities[static_cast<std::size_t>(result.bmflTopK[0].classIndex)]);
    EXPECT_EQ(result.predictedFmri.size(), 110u);
    // 110 vertices in slices of 16: 7 tokens, the last covering 14 vertices.
    ASSERT_EQ(result.brainTokens.size(), 7u);
    EXPECT_EQ(result.brainTokens[6].firstVertex, 96u);
    EXPECT_EQ(result.brainTokens[6].vertexCount, 14u);
    // Named by the ROIs most of their vertices lie in (label set "rois"), then the vertices.
    EXPECT_EQ(result.brainTokens[3].name, "V1 (left+right, vertices 48-63)");
    EXPECT_EQ(result.brainTokens[1].name, "V2/V1 (left, vertices 16-31)");
    ASSERT_EQ(result.imageToBrainAttention.size(), 7u);
    EXPECT_NEAR(sum(result.imageToBrainAttention), 1.0f, 1e-5f);
    EXPECT_EQ(result.gridHeight, 4);
    EXPECT_EQ(result.gridWidth, 4);
    ASSERT_EQ(result.brainToImageAttention.size(), 16u);
    EXPECT_NEAR(sum(result.brainToImageAttention), 1.0f, 1e-5f);
  }
  EXPECT_EQ(results[2].id, images(5)[2].id);
}

TEST_F(Inference, RoiTokensFollowTheLabelSet)
{
  const auto engine = open("roi.bmfl");
  // Left: V1, V2, FFA; right: V1, FFA (the tiny space's "rois" labels).
  const std::vector<bmfl::BrainToken>& tokens = engine->brainTokens();
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].name, "V1 (left)");
  EXPECT_EQ(tokens[0].vertexCount, 20u);
  EXPECT_EQ(tokens[2].name, "FFA (left)");
  EXPECT_EQ(tokens[4].name, "FFA (right)");
  EXPECT_EQ(tokens[4].roiLabel, 3);
  const std::vector<bmfl::ImageResult> results = engine->run(images(2));
  ASSERT_EQ(results[0].imageToBrainAttention.size(), 5u);
  EXPECT_NEAR(sum(results[0].imageToBrainAttention), 1.0f, 1e-5f);
}

TEST_F(Inference, BatchSplittingGivesTheSameResults)
{
  const std::vector<bmfl::PreparedImage> input = images(7);
  const std::vector<bmfl::ImageResult> whole = open("conv.bmfl", 16)->run(input);
  std::vector<std::pair<std::size_t, std::size_t>> reports;
  const std::vector<bmfl::ImageResult> split =
    open("conv.bmfl", 3)
      ->run(input, [&](std::size_t done, std::size_t total) { reports.emplace_back(done, total); });
  EXPECT_EQ(reports,
            (std::vector<std::pair<std::size_t, std::size_t>>{ { 3, 7 }, { 6, 7 }, { 7, 7 } }));
  ASSERT_EQ(split.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i)
  {
    EXPECT_EQ(split[i].id, whole[i].id);
    for (std::size_t c = 0; c < 10; ++c)
    {
      EXPECT_NEAR(split[i].bmflProbabilities[c], whole[i].bmflProbabilities[c], 1e-5f);
      EXPECT_NEAR(split[i].baselineProbabilities[c], whole[i].baselineProbabilities[c], 1e-5f);
    }
    for (std::size_t v = 0; v < whole[i].predictedFmri.size(); ++v)
    {
      EXPECT_NEAR(split[i].predictedFmri[v], whole[i].predictedFmri[v], 1e-4f);
    }
  }
}

TEST_F(Inference, ConcurrentCallsFromTwoThreadsAgreeWithOneThread)
{
  const auto engine = open("conv.bmfl", 2);
  const std::vector<bmfl::PreparedImage> input = images(4);
  const std::vector<bmfl::ImageResult> reference = engine->run(input);
  std::vector<bmfl::ImageResult> first;
  std::vector<bmfl::ImageResult> second;
  std::thread a([&] { first = engine->run(input); });
  std::thread b([&] { second = engine->run(input); });
  a.join();
  b.join();
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
  {
    EXPECT_EQ(first[i].bmflProbabilities, reference[i].bmflProbabilities);
    EXPECT_EQ(second[i].bmflProbabilities, reference[i].bmflProbabilities);
  }
}

TEST_F(Inference, CancelStopsAfterTheCurrentBatch)
{
  const auto engine = open("conv.bmfl", 2);
  std::atomic<bool> cancel{ false };
  const std::vector<bmfl::ImageResult> results = engine->run(
    images(8), [&](std::size_t, std::size_t) { cancel = true; }, &cancel);
  EXPECT_EQ(results.size(), 2u);
}

TEST_F(Inference, ImagesTheModelCannotTakeAreRefusedByName)
{
  const auto engine = open("conv.bmfl");
  std::vector<bmfl::PreparedImage> input = images(2);
  input[1].id = "odd.png";
  input[1].height = 27;
  input[1].pixels.resize(27 * 28);
  try
  {
    engine->run(input);
    FAIL() << "an image of 27 rows was accepted";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_NE(std::string(error.what()).find("image odd.png is 1x27x28"), std::string::npos)
      << error.what();
  }
  input = images(1);
  input[0].pixels.pop_back();
  EXPECT_THROW(engine->run(input), std::invalid_argument);
  // A model takes any multiple of its patch size: 35x21 runs with a 5x3 grid.
  input = images(1);
  input[0].height = 35;
  input[0].width = 21;
  input[0].pixels.assign(35 * 21, 0.5f);
  const std::vector<bmfl::ImageResult> results = engine->run(input);
  EXPECT_EQ(results[0].gridHeight, 5);
  EXPECT_EQ(results[0].gridWidth, 3);
  EXPECT_EQ(results[0].brainToImageAttention.size(), 15u);
}

TEST_F(Inference, BadOptionsAreRefused)
{
  bmfl::EngineOptions options;
  options.batchSize = 0;
  EXPECT_THROW(bmfl::InferenceEngine::open(*Folder / "conv.bmfl", options), std::invalid_argument);
  options.batchSize = 4;
  options.device = "tpu";
  EXPECT_THROW(bmfl::InferenceEngine::open(*Folder / "conv.bmfl", options), std::invalid_argument);
}

} // namespace
