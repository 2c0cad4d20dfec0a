// The pipeline's stages run directly (no CLI): on the tiny model of the engine tests, and the demo
// experiment on Fashion-MNIST at tiny sizes.

#include "TestEnvironment.h"
#include "TinyModel.h"

#include "bmfl/DemoPipeline.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/Pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace
{

using namespace bmfl;
using bmfl::test::TemporaryFolder;

std::string readText(const std::string& path)
{
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

PipelineControl quietControl(const std::atomic<bool>* cancel = nullptr)
{
  PipelineControl control;
  control.training.cancel = cancel;
  return control;
}

TEST(PipelineRegions, PearsonPerVertexAveragedPerRegion)
{
  VertexSpace space;
  space.name = "five";
  space.templateName = "fsaverage5";
  space.left = { 0, 1, 2 };
  space.right = { 0, 1 };
  space.labelSets = { { "areas", { "unknown", "A", "B" }, { 1, 1, 2 }, { 2, 0 } } };
  // Vertex 0 and 3, 4 follow the prediction (r 1), vertex 1 is its negative (r -1), vertex 2's
  // prediction is constant (no r).
  const std::vector<float> series{ 1.0f, 2.0f, 4.0f, 3.0f };
  std::vector<std::vector<float>> predicted;
  std::vector<std::vector<float>> measured;
  for (float value : series)
  {
    predicted.push_back({ value, value, 7.0f, value, value });
    measured.push_back({ 2.0f * value + 1.0f, -value, value, value, 0.5f * value });
  }
  const std::vector<RegionScore> scores =
    regionCorrelations(space, predicted, measured, { "missing", "areas" }, "every vertex");
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0].labelSet, "all");
  EXPECT_EQ(scores[0].region, "every vertex");
  EXPECT_EQ(scores[0].vertices, 4u);
  EXPECT_NEAR(scores[0].meanR, 0.5, 1e-12);
  EXPECT_EQ(scores[1].region, "A");
  EXPECT_EQ(scores[1].vertices, 2u);
  EXPECT_NEAR(scores[1].meanR, 0.0, 1e-12);
  EXPECT_EQ(scores[2].region, "B");
  EXPECT_EQ(scores[2].vertices, 1u);
  EXPECT_NEAR(scores[2].meanR, 1.0, 1e-12);

  measured.pop_back();
  EXPECT_THROW(regionCorrelations(space, predicted, measured, {}, "all"), std::invalid_argument);
}

TEST(PipelineReport, SectionsFollowTheMeasurements)
{
  PipelineReport report;
  report.title = "a test report";
  report.writtenBy = "bmfl test";
  report.commandLine = "bmfl test --seed 4";
  report.seed = 4;
  report.timings = { { "stage one", 1.25 }, { "stage two", 2.0 } };
  report.datasets = { { "images", 12 } };
  report.epochs = { { "brain encoder", 3 } };
  report.brain.heldOutImages = 10;
  report.brain.measured = "the measured response";
  report.brain.heldOut = "held-out images";
  report.brain.regions = { { "all", "all vertices", 5, 0.25 } };

  // Without a noise ceiling: no ceiling sentence or column; without variants: no accuracy.
  std::string md = pipelineReportMarkdown(report);
  EXPECT_NE(md.find("# a test report\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| total | 3.2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Epochs: brain encoder 3.\n"), std::string::npos) << md;
  EXPECT_NE(md.find("over 10 held-out images"), std::string::npos) << md;
  EXPECT_NE(md.find("| all | all vertices | 5 | 0.250 |\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("ceiling"), std::string::npos) << md;
  EXPECT_EQ(md.find("## What this model is"), std::string::npos) << md;
  EXPECT_EQ(md.find("## Accuracy"), std::string::npos) << md;

  report.brain.noiseCeiling = 0.5;
  report.brain.noiseCeilingSource = "from repeats";
  HeadVariant model;
  model.name = "BMFL";
  model.description = "the model";
  DatasetAccuracy row;
  row.dataset = "set";
  row.add(true, true);
  row.add(false, true);
  model.rows = { row };
  report.variants = { model };
  report.classes = 2;
  md = pipelineReportMarkdown(report);
  EXPECT_NE(md.find("The noise ceiling from repeats is 0.500."), std::string::npos) << md;
  EXPECT_NE(md.find("| all | all vertices | 5 | 0.250 | 0.50 |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("## Accuracy: baseline (linear probe) vs BMFL"), std::string::npos) << md;
  EXPECT_NE(md.find("| set | 2 | 50.0% ["), std::string::npos) << md;
  EXPECT_EQ(md.find("## Ablations and levers"), std::string::npos) << md;
}

TEST(PipelineVariants, ThePapersAblationsAndLevers)
{
  const std::vector<HeadVariant> variants = paperHeadVariants(test::tinyConfig());
  ASSERT_EQ(variants.size(), 8u);
  EXPECT_EQ(variants[0].kind, HeadVariant::Kind::Model);
  EXPECT_EQ(variants[0].folder, ".");
  std::size_t ablations = 0;
  for (const HeadVariant& variant : variants)
  {
    if (variant.kind == HeadVariant::Kind::Ablation)
    {
      ++ablations;
      EXPECT_EQ(variant.folder.rfind("ablations/", 0), 0u) << variant.name;
    }
    if (variant.kind == HeadVariant::Kind::Lever)
    {
      EXPECT_TRUE(variant.folder.empty()) << variant.name;
    }
  }
  EXPECT_EQ(ablations, 3u);
  EXPECT_TRUE(variants[3].head.fusion.shuffleBrain);
  EXPECT_EQ(variants[7].head.brainTransformer.width, 64);
}

/// Every stage on the tiny model, in the order the commands run them.
TEST(PipelineStages, TinyModelFromImageEncoderToReport)
{
  TemporaryFolder folder("bmfl-pipeline-stages");
  const auto trainer = test::tinyTrainer(5, folder / "cache");
  const PipelineControl control = quietControl();
  const VectorExampleSource train("tiny train", test::tinyExamples(60, 1));
  const VectorExampleSource held("tiny held-out", test::tinyExamples(20, 2));

  EncoderTrainingOptions encoderOptions;
  encoderOptions.epochs = 1;
  encoderOptions.batchSize = 16;
  encoderOptions.seed = 5;
  const TrainingReport encoder = trainImageEncoderStage(*trainer, train, encoderOptions, control);
  EXPECT_EQ(encoder.epochs.size(), 1u);

  BrainEncoderTrainingOptions brainOptions;
  brainOptions.epochs = 1;
  brainOptions.batchSize = 16;
  brainOptions.seed = 5;
  const TrainingReport brain = trainBrainEncoderStage(*trainer, train, brainOptions, control);
  EXPECT_EQ(brain.epochs.size(), 1u);

  HeadTrainingOptions headOptions;
  headOptions.epochs = 1;
  headOptions.batchSize = 16;
  headOptions.seed = 5;
  trainHeadsStage(*trainer, train, headOptions, control);
  const std::string bundle = folder / "bundle";
  TrainingProvenance provenance;
  provenance.command = "test";
  trainer->saveBundle(bundle, provenance);

  // The brain encoder through the saved bundle, scored on held-out images.
  std::vector<PreparedImage> images;
  std::vector<std::vector<float>> measured;
  for (std::size_t i = 0; i < held.size(); ++i)
  {
    const TrainingExample example = held.example(i);
    PreparedImage image;
    image.id = example.id;
    image.channels = 1;
    image.height = 28;
    image.width = 28;
    image.pixels = example.image;
    images.push_back(image);
    measured.push_back(example.fmri);
  }
  EngineOptions engineOptions;
  engineOptions.device = "cpu";
  const auto predicted = predictFmriStage(bundle, images, engineOptions, control);
  ASSERT_EQ(predicted.size(), held.size());
  const std::vector<RegionScore> regions =
    regionCorrelations(test::tinySpace(), predicted, measured, { "rois" }, "all");
  ASSERT_EQ(regions.size(), 4u); // all, V1, V2, FFA
  EXPECT_EQ(regions[0].vertices, test::tinySpace().size());

  // Both heads on an evaluation set: one row with every image's verdicts.
  const std::vector<const ExampleSource*> sets{ &held };
  std::vector<HeadVariant> variants = paperHeadVariants(trainer->config());
  variants.resize(5); // the model, the three ablations and the PCC-weight lever
  variants.front().rows = evaluateHeadsStage(*trainer, sets, 8, control);
  ASSERT_EQ(variants.front().rows.size(), 1u);
  EXPECT_EQ(variants.front().rows[0].dataset, "tiny held-out");
  EXPECT_EQ(variants.front().rows[0].images, held.size());
  EXPECT_EQ(variants.front().rows[0].verdicts.size(), held.size());

  // The ablations are saved as bundles beside the model, the lever is not.
  trainHeadVariantsStage(
    *trainer, variants, train, headOptions, sets, 8, bundle, provenance, control);
  for (const HeadVariant& variant : variants)
  {
    ASSERT_EQ(variant.rows.size(), 1u) << variant.name;
    EXPECT_EQ(variant.rows[0].verdicts.size(), held.size()) << variant.name;
  }
  for (const char* ablation : { "no-pcc", "concatenation", "shuffled-brain" })
  {
    const auto engine =
      InferenceEngine::open(bundle + "/ablations/" + ablation, engineOptions); // loads
    EXPECT_NE(engine->manifest().provenance.command.find("[ablation: "), std::string::npos);
  }
  EXPECT_EQ(trainer->config().pccWeight, 2.0); // the last variant's head

  PipelineReport report;
  report.variants = variants;
  report.classes = 10;
  const std::string md = pipelineReportMarkdown(report);
  EXPECT_NE(md.find("| PCC weight 2 | lever | pccWeight 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("- shuffled brain: "), std::string::npos) << md;
  EXPECT_NE(md.find("### no PCC (ablation: pccWeight 0; bundle `ablations/no-pcc`)"),
            std::string::npos)
    << md;
}

TEST(PipelineStages, CancelStopsAStage)
{
  TemporaryFolder folder("bmfl-pipeline-cancel");
  const auto trainer = test::tinyTrainer(5, folder / "cache");
  const std::atomic<bool> cancel{ true };
  const VectorExampleSource train("tiny train", test::tinyExamples(20, 1));
  EncoderTrainingOptions options;
  options.epochs = 1;
  EXPECT_THROW(trainImageEncoderStage(*trainer, train, options, quietControl(&cancel)),
               PipelineCancelled);
  HeadTrainingOptions headOptions;
  headOptions.epochs = 1;
  EXPECT_THROW(trainHeadsStage(*trainer, train, headOptions, quietControl(&cancel)),
               PipelineCancelled);
}

bool fashionMnistInstalled()
{
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") ||
         std::getenv("BMFL_FASHION_MNIST_DIR") != nullptr;
}

DemoOptions tinyDemo(const std::string& out)
{
  DemoOptions options;
  options.out = out;
  options.seed = 7;
  options.commandLine = "test_pipeline";
  DemoSizes& sizes = options.sizes;
  sizes.trainImages = 120;
  sizes.calibrationImages = 30;
  sizes.brainTrainImages = 60;
  sizes.brainHeldOutImages = 30;
  sizes.evaluationImages = 20;
  sizes.encoderEpochs = 1;
  sizes.brainEpochs = 1;
  sizes.headEpochs = 1;
  return options;
}

TEST(DemoPipeline, TinySizesWriteTheBundleAndItsReport)
{
  if (!fashionMnistInstalled())
  {
    BMFL_SKIP_UNLESS_CI("Fashion-MNIST not installed (package dataset-fashion-mnist)");
  }
  TemporaryFolder folder("bmfl-pipeline-demo");
  const std::string out = folder / "demo";
  std::vector<std::string> lines;
  PipelineControl control;
  control.log = [&lines](const std::string& line) { lines.push_back(line); };
  const DemoResult result = runDemoPipeline(tinyDemo(out), control);

  const PipelineReport& report = result.report;
  EXPECT_EQ(report.timings.size(), 8u);
  EXPECT_EQ(report.brain.heldOutImages, 30u);
  EXPECT_GT(report.brain.noiseCeiling, 0.0);
  ASSERT_EQ(report.variants.size(), 8u);
  for (const HeadVariant& variant : report.variants)
  {
    ASSERT_EQ(variant.rows.size(), 7u) << variant.name; // the test set and six OOD sets
    EXPECT_EQ(variant.rows[0].images, 20u);
  }
  const std::string md = readText(out + "/REPORT.md");
  EXPECT_EQ(md, pipelineReportMarkdown(report));
  EXPECT_NE(md.find("| streams | early |"), std::string::npos) << md;
  EXPECT_NE(md.find("- Mode: full\n"), std::string::npos) << md;
  EXPECT_TRUE(std::filesystem::exists(out + "/ablations/shuffled-brain/manifest.json"));
  EXPECT_FALSE(std::filesystem::exists(out + "/levers"));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "lever: conv slices"), lines.end());
}

TEST(DemoPipeline, CancelledBeforeTheEndWritesNothing)
{
  if (!fashionMnistInstalled())
  {
    BMFL_SKIP_UNLESS_CI("Fashion-MNIST not installed (package dataset-fashion-mnist)");
  }
  TemporaryFolder folder("bmfl-pipeline-demo-cancel");
  const std::string out = folder / "demo";
  std::atomic<bool> cancel{ false };
  PipelineControl control = quietControl(&cancel);
  // Stopped while the first ablation trains: the bundle is being staged then.
  int bmflHeads = 0;
  control.training.progress = [&cancel, &bmflHeads](const TrainingProgress& progress)
  {
    if (progress.stage == "bmfl head" && progress.epoch == 1 && progress.step == 1 &&
        ++bmflHeads == 2)
    {
      cancel.store(true);
    }
  };
  EXPECT_THROW(runDemoPipeline(tinyDemo(out), control), PipelineCancelled);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::is_empty(folder.path())) << "a staging folder was left";
}

} // namespace
