#include "TinyModel.h"

#include "bmfl/InferenceEngine.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

using bmfl::test::TemporaryFolder;
using bmfl::test::tinyTrainer;

bmfl::HeadTrainingOptions headOptions(int epochs)
{
  bmfl::HeadTrainingOptions options;
  options.epochs = epochs;
  options.batchSize = 16;
  options.learningRate = 3e-3;
  options.weightDecay = 1e-4;
  options.seed = 11;
  return options;
}

TEST(Training, BrainEncoderLowersValidationErrorOnALearnableTarget)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(200, 1));
  bmfl::BrainEncoderTrainingOptions options;
  options.epochs = 8;
  options.batchSize = 16;
  options.learningRate = 2e-3;
  options.gradientClipNorm = 1.0;
  options.seed = 4;
  int epochEnds = 0;
  int cachingReports = 0;
  bmfl::TrainingControl control;
  control.progress = [&](const bmfl::TrainingProgress& progress)
  {
    if (progress.stage == "image features")
    {
      EXPECT_EQ(progress.steps, 200);
      ++cachingReports;
      return;
    }
    EXPECT_EQ(progress.stage, "brain encoder");
    if (progress.step == progress.steps)
    {
      ++epochEnds;
      EXPECT_TRUE(std::isfinite(progress.metric));
    }
  };
  const bmfl::TrainingReport report = trainer->trainBrainEncoder(examples, options, control);
  EXPECT_EQ(epochEnds, 8);
  EXPECT_EQ(cachingReports, 3); // after 64, 128 and 192 images
  ASSERT_EQ(report.epochs.size(), 8u);
  EXPECT_EQ(report.validationExamples, 20);
  EXPECT_EQ(report.trainExamples, 180);
  for (const bmfl::EpochReport& epoch : report.epochs)
  {
    std::printf("train %.4f  val mse %.4f  val r %.4f\n",
                epoch.trainLoss,
                epoch.validationLoss,
                epoch.validationMetric);
  }
  EXPECT_LT(report.epochs.back().validationLoss, 0.5 * report.epochs.front().validationLoss);
  EXPECT_GT(report.bestMetric, 0.7);
  EXPECT_GE(report.bestMetric, report.epochs.front().validationMetric);
}

TEST(Training, HeadsLearnTheSyntheticClasses)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(200, 2));
  const bmfl::TrainingReport baseline = trainer->trainBaselineHead(examples, headOptions(15));
  const bmfl::TrainingReport bmfl = trainer->trainBmflHead(examples, headOptions(15));
  std::printf(
    "baseline val accuracy %.3f, bmfl val accuracy %.3f\n", baseline.bestMetric, bmfl.bestMetric);
  EXPECT_GT(baseline.bestMetric, 0.4);
  EXPECT_GT(bmfl.bestMetric, 0.4);
  EXPECT_LT(bmfl.epochs.back().trainLoss, bmfl.epochs.front().trainLoss);
}

TEST(Training, TwoRunsWithOneSeedGiveIdenticalWeights)
{
  const std::vector<bmfl::TrainingExample> data = bmfl::test::tinyExamples(48, 3);
  const auto run = [&](std::uint64_t seed)
  {
    TemporaryFolder cache("bmfl-cache");
    const auto trainer = tinyTrainer(seed, cache.path());
    const bmfl::VectorExampleSource examples("synthetic", data);
    bmfl::BrainEncoderTrainingOptions brain;
    brain.epochs = 2;
    brain.batchSize = 8;
    brain.seed = seed;
    trainer->trainBrainEncoder(examples, brain);
    trainer->trainBmflHead(examples, headOptions(2));
    trainer->trainBaselineHead(examples, headOptions(1));
    return trainer->weightsChecksum();
  };
  const std::string first = run(5);
  EXPECT_EQ(run(5), first);
  EXPECT_NE(run(6), first);
}

TEST(Training, FeatureCacheRemovesTemporariesOfKilledRunsOnly)
{
  namespace fs = std::filesystem;
  TemporaryFolder cache("bmfl-cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(8, 4));
  tinyTrainer(1, cache.path())->trainBaselineHead(examples, headOptions(1));
  fs::path entry;
  for (const auto& item : fs::recursive_directory_iterator(cache.path()))
  {
    if (item.path().extension() == ".features")
    {
      entry = item.path();
      break;
    }
  }
  ASSERT_FALSE(entry.empty());
  // A pid that certainly ran and ended: a child that exits at once, reaped.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0)
  {
    ::_exit(0);
  }
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const fs::path folder = entry.parent_path();
  const std::string hidden = "." + entry.filename().string() + ".tmp-";
  const std::string stale = hidden + std::to_string(child) + "-1";
  const std::string recent = hidden + std::to_string(child) + "-2";
  const std::string live = hidden + std::to_string(::getpid()) + "-3";
  const std::string foreign = ".notes.txt.tmp-" + std::to_string(child) + "-4";
  const auto anHourAgo = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const std::string& name : { stale, recent, live, foreign })
  {
    std::ofstream(folder / name) << "half written";
    if (name != recent)
    {
      fs::last_write_time(folder / name, anHourAgo);
    }
  }
  tinyTrainer(1, cache.path())->trainBaselineHead(examples, headOptions(1));
  EXPECT_FALSE(fs::exists(folder / stale));
  EXPECT_TRUE(fs::exists(folder / recent));
  EXPECT_TRUE(fs::exists(folder / live));
  EXPECT_TRUE(fs::exists(folder / foreign));
}

TEST(Training, FeatureCacheRunsTheEncoderOncePerImage)
{
  TemporaryFolder cache("bmfl-cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(40, 4));
  {
    const auto trainer = tinyTrainer(1, cache.path());
    trainer->trainBmflHead(examples, headOptions(3));
    bmfl::FeatureCacheStats stats = trainer->cacheStats();
    EXPECT_EQ(stats.encoderImages, 40);
    EXPECT_EQ(stats.featureMisses, 40);
    EXPECT_EQ(stats.fmriMisses, 40);
    // A second head, and a second BMFL run: no encoder work at all.
    trainer->trainBaselineHead(examples, headOptions(2));
    trainer->trainBmflHead(examples, headOptions(1));
    stats = trainer->cacheStats();
    EXPECT_EQ(stats.encoderImages, 40);
    EXPECT_EQ(stats.featureHits, 80);
    EXPECT_EQ(stats.fmriHits, 40);
    EXPECT_EQ(stats.fmriMisses, 40);
    // New brain encoder weights invalidate the cached fMRI, not the image features.
    bmfl::BrainEncoderTrainingOptions brain;
    brain.epochs = 1;
    trainer->trainBrainEncoder(examples, brain);
    trainer->trainBmflHead(examples, headOptions(1));
    stats = trainer->cacheStats();
    EXPECT_EQ(stats.encoderImages, 40);
    EXPECT_EQ(stats.fmriMisses, 80);
  }
  // Another trainer with the same encoder weights (same seed) reuses the folder.
  const auto again = tinyTrainer(1, cache.path());
  again->trainBaselineHead(examples, headOptions(1));
  EXPECT_EQ(again->cacheStats().encoderImages, 0);
  EXPECT_EQ(again->cacheStats().featureHits, 40);
  // Different encoder weights never read those entries.
  const auto other = tinyTrainer(2, cache.path());
  other->trainBaselineHead(examples, headOptions(1));
  EXPECT_EQ(other->cacheStats().encoderImages, 40);

  // A damaged entry is a miss: recomputed and rewritten, never an error.
  std::string damaged;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cache.path()))
  {
    if (entry.path().extension() == ".features")
    {
      damaged = entry.path().string();
      break;
    }
  }
  ASSERT_FALSE(damaged.empty());
  std::filesystem::resize_file(damaged, std::filesystem::file_size(damaged) / 2);
  const auto repaired = tinyTrainer(1, cache.path());
  repaired->trainBaselineHead(examples, headOptions(1));
  const auto repairedOther = tinyTrainer(2, cache.path());
  repairedOther->trainBaselineHead(examples, headOptions(1));
  EXPECT_EQ(repaired->cacheStats().encoderImages + repairedOther->cacheStats().encoderImages, 1);
}

TEST(Training, LoadedEncoderWeightsKeyTheCacheByTheirValues)
{
  // DINOv2's head width is 64: a width-64, one-head encoder's archive reads as a checkpoint.
  bmfl::BmflModelConfig config = bmfl::test::tinyConfig();
  config.encoder.embedDim = 64;
  config.encoder.heads = 1;
  TemporaryFolder folder("bmfl-encoder-weights");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(20, 8));
  const auto trainerWithSeed = [&](std::uint64_t seed)
  {
    bmfl::TrainerOptions options;
    options.device = "cpu";
    options.seed = seed;
    options.featureCacheDir = folder / "cache";
    return std::make_unique<bmfl::Trainer>(config,
                                           bmfl::test::tinySpace(),
                                           bmfl::test::tinyClassNames(),
                                           bmfl::test::tinyPreprocess(),
                                           options);
  };
  const auto first = trainerWithSeed(1);
  first->trainBaselineHead(examples, headOptions(1));
  first->saveBundle(folder / "first.bmfl", {});
  EXPECT_EQ(first->cacheStats().encoderImages, 20);

  const auto second = trainerWithSeed(2);
  second->loadEncoderWeights(folder / "first.bmfl/encoder.pt");
  second->trainBaselineHead(examples, headOptions(1));
  EXPECT_EQ(second->cacheStats().encoderImages, 0); // same weights, same cache entries
}

TEST(Training, CancelStopsAtTheNextStep)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(64, 5));
  std::atomic<bool> cancel{ false };
  int callsAfterCancel = 0;
  bmfl::TrainingControl control;
  control.cancel = &cancel;
  control.progress = [&](const bmfl::TrainingProgress& progress)
  {
    if (cancel)
    {
      ++callsAfterCancel;
    }
    if (progress.step == 2)
    {
      cancel = true;
    }
  };
  const std::string before = trainer->weightsChecksum();
  const bmfl::TrainingReport report = trainer->trainBmflHead(examples, headOptions(5), control);
  EXPECT_TRUE(report.cancelled);
  EXPECT_TRUE(report.epochs.empty());
  EXPECT_EQ(callsAfterCancel, 0);
  EXPECT_NE(trainer->weightsChecksum(), before); // two steps were taken

  // Cancelled before it starts: not even the encoder runs.
  const auto fresh = tinyTrainer(1, (cache / "other"));
  const bmfl::TrainingReport none = fresh->trainBrainEncoder(examples, {}, control);
  EXPECT_TRUE(none.cancelled);
  EXPECT_EQ(fresh->cacheStats().encoderImages, 0);
}

TEST(Training, BadExamplesAreRefusedByName)
{
  TemporaryFolder cache("bmfl-cache");
  const auto trainer = tinyTrainer(1, cache.path());
  std::vector<bmfl::TrainingExample> data = bmfl::test::tinyExamples(8, 6);
  data[3].fmri.resize(7);
  try
  {
    trainer->trainBrainEncoder(bmfl::VectorExampleSource("bad", data), {});
    FAIL() << "a short fMRI vector was accepted";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_NE(std::string(error.what()).find(data[3].id + " has 7 fMRI values"), std::string::npos);
  }
  data = bmfl::test::tinyExamples(8, 6);
  data[2].label = 10;
  EXPECT_THROW(trainer->trainBaselineHead(bmfl::VectorExampleSource("bad", data), {}),
               std::invalid_argument);
  data = bmfl::test::tinyExamples(8, 6);
  data[1].image.resize(10);
  EXPECT_THROW(trainer->trainBaselineHead(bmfl::VectorExampleSource("bad", data), {}),
               std::invalid_argument);
}

TEST(Training, SavedBundleRecordsProvenanceAndRunsInTheEngine)
{
  TemporaryFolder folder("bmfl-train-bundle");
  const auto trainer = tinyTrainer(1, folder / "cache");
  const bmfl::VectorExampleSource examples("synthetic", bmfl::test::tinyExamples(30, 7));
  trainer->trainBaselineHead(examples, headOptions(2));
  bmfl::TrainingProvenance provenance;
  provenance.command = "test";
  provenance.seed = 1;
  trainer->saveBundle(folder / "trained.bmfl", provenance);
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(folder / "trained.bmfl");
  ASSERT_EQ(manifest.provenance.datasets.size(), 1u);
  EXPECT_EQ(manifest.provenance.datasets[0].name, "synthetic");
  EXPECT_EQ(manifest.provenance.datasets[0].size, 30);
  EXPECT_EQ(manifest.provenance.epochs, 2);
  ASSERT_EQ(manifest.provenance.finalMetrics.size(), 1u);
  EXPECT_EQ(manifest.provenance.finalMetrics[0].first, "baseline_val_accuracy");
  EXPECT_EQ(manifest.provenance.date.size(), 20u);
  EXPECT_EQ(manifest.provenance.libraryVersions[0].first, "libtorch");
  bmfl::EngineOptions options;
  options.device = "cpu";
  const auto engine = bmfl::InferenceEngine::open(folder / "trained.bmfl", options);
  const bmfl::TrainingExample first = examples.example(0);
  EXPECT_EQ(engine->run({ { first.id, 1, 28, 28, first.image, 0, 0, {} } }).size(), 1u);
}

} // namespace
