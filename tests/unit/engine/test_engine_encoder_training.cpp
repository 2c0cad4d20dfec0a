#include "TinyModel.h"

#include "bmfl/FileError.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>

namespace
{

using bmfl::test::TemporaryFolder;
using bmfl::test::tinyTrainer;

bmfl::EncoderTrainingOptions encoderOptions(std::uint64_t seed)
{
  bmfl::EncoderTrainingOptions options;
  options.epochs = 4;
  options.batchSize = 32;
  options.learningRate = 3e-3;
  options.weightDecay = 0.01;
  options.maxTranslation = 1;
  options.validationFraction = 0.2;
  options.seed = seed;
  return options;
}

bmfl::HeadTrainingOptions headOptions()
{
  bmfl::HeadTrainingOptions options;
  options.epochs = 1;
  options.batchSize = 32;
  options.seed = 2;
  return options;
}

TEST(EncoderTraining, ValidationAccuracyIsFarAboveChance)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(400, 3));
  int epochEnds = 0;
  bmfl::TrainingControl control;
  control.progress = [&](const bmfl::TrainingProgress& progress)
  {
    if (progress.stage == "image encoder" && progress.step == progress.steps)
    {
      ++epochEnds;
      EXPECT_EQ(progress.metricName, "val accuracy");
    }
  };
  const bmfl::TrainingReport report =
    trainer->trainImageEncoder(examples, encoderOptions(5), control);
  EXPECT_FALSE(report.cancelled);
  EXPECT_EQ(epochEnds, 4);
  ASSERT_EQ(report.epochs.size(), 4u);
  EXPECT_EQ(report.validationExamples, 80);
  EXPECT_EQ(report.trainExamples, 320);
  for (const bmfl::EpochReport& epoch : report.epochs)
  {
    std::printf("train %.4f  val ce %.4f  val acc %.4f\n",
                epoch.trainLoss,
                epoch.validationLoss,
                epoch.validationMetric);
  }
  // Ten classes: chance is 0.1. The kept weights are those of the best epoch.
  EXPECT_GT(report.bestMetric, 0.6);
  double best = 0.0;
  for (const bmfl::EpochReport& epoch : report.epochs)
  {
    best = std::max(best, epoch.validationMetric);
  }
  EXPECT_EQ(report.bestMetric, best);
  EXPECT_EQ(report.bestMetric,
            report.epochs[static_cast<std::size_t>(report.bestEpoch - 1)].validationMetric);
}

TEST(EncoderTraining, StepScheduleAndFlipAlsoLearn)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(300, 4));
  bmfl::EncoderTrainingOptions options = encoderOptions(6);
  options.schedule = "step";
  options.stepEpochs = 2;
  options.stepFactor = 0.3;
  options.maxTranslation = 0;
  // A flip moves the synthetic column band, so the row band alone must carry the class.
  options.horizontalFlip = true;
  const bmfl::TrainingReport report = trainer->trainImageEncoder(examples, options);
  EXPECT_GT(report.bestMetric, 0.4);
}

TEST(EncoderTraining, OneSeedGivesIdenticalWeightsAndAnotherDoesNot)
{
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(160, 7));
  bmfl::EncoderTrainingOptions options = encoderOptions(9);
  options.epochs = 2;
  options.horizontalFlip = true;
  std::string checksums[3];
  double metrics[3];
  const std::uint64_t stageSeeds[3] = { 9, 9, 10 };
  for (int run = 0; run < 3; ++run)
  {
    TemporaryFolder cache("bmfl-cache");
    const auto trainer = tinyTrainer(1, cache.path());
    options.seed = stageSeeds[run];
    metrics[run] = trainer->trainImageEncoder(examples, options).bestMetric;
    checksums[run] = trainer->weightsChecksum();
  }
  EXPECT_EQ(checksums[0], checksums[1]);
  EXPECT_EQ(metrics[0], metrics[1]);
  EXPECT_NE(checksums[0], checksums[2]);
}

TEST(EncoderTraining, FeaturesCachedBeforeTheStageAreNotReusedAfterIt)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(120, 8));
  trainer->trainBaselineHead(examples, headOptions());
  EXPECT_EQ(trainer->cacheStats().encoderImages, 120);
  bmfl::EncoderTrainingOptions options = encoderOptions(3);
  options.epochs = 1;
  trainer->trainImageEncoder(examples, options);
  trainer->trainBaselineHead(examples, headOptions());
  EXPECT_EQ(trainer->cacheStats().encoderImages, 240);
  EXPECT_EQ(trainer->cacheStats().featureHits, 0);
  // After the stage the encoder is frozen again: its features are cached and reused.
  trainer->trainBaselineHead(examples, headOptions());
  EXPECT_EQ(trainer->cacheStats().encoderImages, 240);
  EXPECT_EQ(trainer->cacheStats().featureHits, 120);
}

TEST(EncoderTraining, CancelLeavesTheStartingWeights)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(200, 9));
  const std::string before = trainer->weightsChecksum();
  std::atomic<bool> cancel{ false };
  int stepsAfterCancel = 0;
  bmfl::TrainingControl control;
  control.cancel = &cancel;
  control.progress = [&](const bmfl::TrainingProgress& progress)
  {
    if (cancel)
    {
      ++stepsAfterCancel;
    }
    if (progress.stage == "image encoder" && progress.step == 2)
    {
      cancel = true;
    }
  };
  const bmfl::TrainingReport report =
    trainer->trainImageEncoder(examples, encoderOptions(1), control);
  EXPECT_TRUE(report.cancelled);
  EXPECT_TRUE(report.epochs.empty());
  EXPECT_EQ(stepsAfterCancel, 0);
  EXPECT_EQ(trainer->weightsChecksum(), before);
}

TEST(EncoderTraining, BadOptionsAndLabelsAreRefused)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(20, 1));
  bmfl::EncoderTrainingOptions options = encoderOptions(1);
  options.schedule = "linear";
  EXPECT_THROW(trainer->trainImageEncoder(examples, options), std::invalid_argument);
  options = encoderOptions(1);
  options.maxTranslation = 28;
  EXPECT_THROW(trainer->trainImageEncoder(examples, options), std::invalid_argument);
  std::vector<bmfl::TrainingExample> bad = bmfl::test::tinyExamples(4, 1);
  bad[2].label = 10;
  EXPECT_THROW(trainer->trainImageEncoder(bmfl::VectorExampleSource("bad", bad), encoderOptions(1)),
               std::invalid_argument);
}

TEST(EncoderTraining, SavedBundleSaysTheEncoderIsASupervisedStandIn)
{
  TemporaryFolder folder("bmfl-bundle");
  const auto trainer = tinyTrainer(1, folder / "cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(60, 2));
  bmfl::EncoderTrainingOptions options = encoderOptions(1);
  options.epochs = 1;
  trainer->trainImageEncoder(examples, options);
  trainer->saveBundle(folder / "bundle", {});
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(folder / "bundle");
  ASSERT_FALSE(manifest.provenance.datasets.empty());
  EXPECT_NE(manifest.provenance.datasets[0].name.find("supervised stand-in for DINOv2"),
            std::string::npos);
  bool hasMetric = false;
  for (const auto& [name, value] : manifest.provenance.finalMetrics)
  {
    hasMetric = hasMetric || name == "image_encoder_val_accuracy";
  }
  EXPECT_TRUE(hasMetric);
}

} // namespace

namespace
{

TEST(EncoderTraining, ResetBmflHeadTrainsAnAblationOnTheSameEncoders)
{
  TemporaryFolder folder("bmfl-ablation");
  const auto trainer = tinyTrainer(1, folder / "cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(80, 5));
  trainer->trainBmflHead(examples, headOptions());
  const bmfl::FeatureCacheStats before = trainer->cacheStats();
  bmfl::BmflHeadConfig head = bmfl::BmflHeadConfig::of(trainer->config());
  head.fusion.mode = "concatenation";
  head.pccWeight = 0.0;
  trainer->resetBmflHead(head, 4);
  EXPECT_EQ(trainer->config().fusion.mode, "concatenation");
  EXPECT_EQ(trainer->config().pccWeight, 0.0);
  const bmfl::TrainingReport report = trainer->trainBmflHead(examples, headOptions());
  EXPECT_FALSE(report.cancelled);
  // The encoders are unchanged: features and predicted fMRI come from the cache.
  EXPECT_EQ(trainer->cacheStats().encoderImages, before.encoderImages);
  EXPECT_EQ(trainer->cacheStats().fmriMisses, before.fmriMisses);
  trainer->saveBundle(folder / "bundle", {});
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(folder / "bundle");
  EXPECT_EQ(manifest.model.fusion.mode, "concatenation");
  EXPECT_EQ(manifest.model.pccWeight, 0.0);

  head.fusion.mode = "sum"; // no such fusion
  EXPECT_THROW(trainer->resetBmflHead(head, 4), bmfl::FileError);
  EXPECT_EQ(trainer->config().fusion.mode, "concatenation");
}

TEST(EncoderTraining, ResetBmflHeadChangesTheBrainTokenizerAndFusionWidth)
{
  TemporaryFolder folder("bmfl-lever");
  const auto trainer = tinyTrainer(1, folder / "cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(80, 5));
  bmfl::BmflHeadConfig head = bmfl::BmflHeadConfig::of(trainer->config());
  head.brainTransformer.tokenizer = "roi_tokens";
  head.brainTransformer.width = 2 * head.brainTransformer.width;
  trainer->resetBmflHead(head, 4);
  EXPECT_FALSE(trainer->trainBmflHead(examples, headOptions()).cancelled);
  trainer->saveBundle(folder / "bundle", {});
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(folder / "bundle");
  EXPECT_EQ(manifest.model.brainTransformer.tokenizer, "roi_tokens");
  EXPECT_EQ(manifest.model.brainTransformer.width, head.brainTransformer.width);

  head.brainTransformer.roiLabelSet = "no-such-labels";
  EXPECT_THROW(trainer->resetBmflHead(head, 4), bmfl::FileError);
  EXPECT_EQ(trainer->config().brainTransformer.roiLabelSet,
            manifest.model.brainTransformer.roiLabelSet);
}

} // namespace

namespace
{

int argmax(const std::vector<float>& values)
{
  return static_cast<int>(std::max_element(values.begin(), values.end()) - values.begin());
}

TEST(EncoderTraining, HeadPredictionsOnCachedFeaturesMatchTheSavedBundle)
{
  TemporaryFolder folder("bmfl-predict-heads");
  const auto trainer = tinyTrainer(1, folder / "cache");
  const bmfl::VectorExampleSource training("synthetic", bmfl::test::tinyExamples(80, 5));
  trainer->trainBaselineHead(training, headOptions());
  trainer->trainBmflHead(training, headOptions());
  const std::vector<bmfl::TrainingExample> heldOut = bmfl::test::tinyExamples(37, 6);
  const bmfl::VectorExampleSource heldOutSource("held out", heldOut);
  const bmfl::HeadPredictions predictions = trainer->predictHeads(heldOutSource, 16);
  ASSERT_FALSE(predictions.cancelled);
  ASSERT_EQ(predictions.baseline.size(), heldOut.size());
  ASSERT_EQ(predictions.bmfl.size(), heldOut.size());

  // The bundle as users run it gives the same classes.
  trainer->saveBundle(folder / "bundle", {});
  bmfl::EngineOptions engineOptions;
  engineOptions.device = "cpu";
  const auto engine = bmfl::InferenceEngine::open(folder / "bundle", engineOptions);
  std::vector<bmfl::PreparedImage> images;
  for (const bmfl::TrainingExample& example : heldOut)
  {
    images.push_back({ example.id, 1, 28, 28, example.image, 0, 0, {} });
  }
  const std::vector<bmfl::ImageResult> results = engine->run(images);
  ASSERT_EQ(results.size(), heldOut.size());
  for (std::size_t i = 0; i < results.size(); ++i)
  {
    EXPECT_EQ(predictions.baseline[i], argmax(results[i].baselineProbabilities)) << i;
    EXPECT_EQ(predictions.bmfl[i], argmax(results[i].bmflProbabilities)) << i;
  }

  std::atomic<bool> cancel{ true };
  bmfl::TrainingControl control;
  control.cancel = &cancel;
  EXPECT_TRUE(trainer->predictHeads(heldOutSource, 16, control).cancelled);
  EXPECT_THROW(trainer->predictHeads(heldOutSource, 0), std::invalid_argument);
}

} // namespace
