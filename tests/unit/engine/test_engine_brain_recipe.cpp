// Adeli et al.'s recipe in the Trainer (`bmfl train-brain-encoder`): a given split, the loss per
// hemisphere and, for ROI sets other than the streams, on labelled vertices only.

#include "TinyModel.h"

#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace
{

using bmfl::test::TemporaryFolder;
using bmfl::test::tinyTrainer;

bmfl::BrainEncoderTrainingOptions recipe()
{
  bmfl::BrainEncoderTrainingOptions options;
  options.epochs = 1;
  options.batchSize = 8;
  options.seed = 2;
  options.perHemisphere = true;
  return options;
}

/// Tiny examples whose unlabelled vertices (streams label 0) have no measurement (NaN).
std::vector<bmfl::TrainingExample> unmeasuredOutsideLabels()
{
  const bmfl::VertexSpace space = bmfl::test::tinySpace();
  const bmfl::VertexLabels& streams = *space.labels("streams");
  std::vector<bmfl::TrainingExample> examples = bmfl::test::tinyExamples(40, 3);
  for (bmfl::TrainingExample& example : examples)
  {
    for (std::size_t vertex = 0; vertex < space.size(); ++vertex)
    {
      const bool left = vertex < space.left.size();
      if ((left ? streams.left[vertex] : streams.right[vertex - space.left.size()]) == 0)
      {
        example.fmri[vertex] = std::numeric_limits<float>::quiet_NaN();
      }
    }
  }
  return examples;
}

TEST(BrainEncoderRecipe, LossOnLabelledVerticesOnlyNeverReadsTheOthers)
{
  const bmfl::VectorExampleSource examples("unmeasured", unmeasuredOutsideLabels());
  {
    TemporaryFolder cache("bmfl-cache");
    bmfl::BrainEncoderTrainingOptions options = recipe();
    options.labelledVerticesOnly = true;
    const bmfl::TrainingReport report =
      tinyTrainer(1, cache.path())->trainBrainEncoder(examples, options);
    ASSERT_EQ(report.epochs.size(), 1u);
    EXPECT_TRUE(std::isfinite(report.epochs[0].trainLoss));
    EXPECT_TRUE(std::isfinite(report.epochs[0].validationLoss));
  }
  {
    TemporaryFolder cache("bmfl-cache");
    const bmfl::TrainingReport report =
      tinyTrainer(1, cache.path())->trainBrainEncoder(examples, recipe());
    ASSERT_EQ(report.epochs.size(), 1u);
    EXPECT_TRUE(std::isnan(report.epochs[0].trainLoss)); // every vertex read
  }
}

TEST(BrainEncoderRecipe, AGivenSplitIsUsedAndCheckedAgainstTheExamples)
{
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(40, 1));
  bmfl::BrainEncoderTrainingOptions options = recipe();
  options.trainIndices.resize(30);
  std::iota(options.trainIndices.begin(), options.trainIndices.end(), std::size_t{ 10 });
  options.validationIndices = { 0, 1, 2, 3, 4 };
  {
    TemporaryFolder cache("bmfl-cache");
    const bmfl::TrainingReport report =
      tinyTrainer(1, cache.path())->trainBrainEncoder(examples, options);
    EXPECT_EQ(report.trainExamples, 30);
    EXPECT_EQ(report.validationExamples, 5);
    EXPECT_TRUE(std::isfinite(report.bestMetric));
  }
  options.validationIndices.push_back(40);
  TemporaryFolder cache("bmfl-cache");
  EXPECT_THROW(tinyTrainer(1, cache.path())->trainBrainEncoder(examples, options),
               std::invalid_argument);
}

} // namespace
