// ImageNet-C as Hendrycks & Dietterich evaluate it, end to end on the tests' tiny model: a tree in
// the release's layout (CORRUPTION/SEVERITY/wnid/*.JPEG, 224 x 224) whose labels are chosen from
// the model's own predictions on the centre crop without resize, so that every row's baseline
// error is known before evaluating: a row per corruption and severity, and the mCE and relative
// mCE computed here by hand from the errors.
#include "../engine/TinyModel.h"

#include "bmfl/Evaluation.h"
#include "bmfl/ImageNetC.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/InferenceEngine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace
{

namespace fs = std::filesystem;
using bmfl::test::TemporaryFolder;

constexpr int ImagesPerPart = 4;

std::vector<std::string> wnids()
{
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i)
  {
    names.push_back("n0000000" + std::to_string(i));
  }
  return names;
}

std::string makeBundle(const TemporaryFolder& folder)
{
  bmfl::TrainerOptions options;
  options.device = "cpu";
  options.seed = 1;
  bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                        bmfl::test::tinySpace(),
                        wnids(),
                        bmfl::test::tinyPreprocess(),
                        options);
  bmfl::TrainingProvenance provenance;
  provenance.command = "test_evaluation_imagenet_c";
  provenance.seed = 1;
  const std::string bundle = folder / "bundle";
  trainer.saveBundle(bundle, provenance);
  return bundle;
}

/// A 224 x 224 grey picture: gradients and stripes that differ from variant to variant.
bmfl::Image picture(int variant)
{
  bmfl::Image image;
  image.width = 224;
  image.height = 224;
  image.channels = 1;
  image.pixels.resize(image.byteCount());
  for (int y = 0; y < 224; ++y)
  {
    for (int x = 0; x < 224; ++x)
    {
      const int stripe = ((x + variant * 3) / (2 + variant % 5) + y / (3 + variant % 7)) % 2;
      image.pixels[static_cast<std::size_t>(y) * 224 + static_cast<std::size_t>(x)] =
        static_cast<std::uint8_t>((x * variant + y * 5) % 160 + 80 * stripe);
    }
  }
  return image;
}

/// The baseline head's class for an image file under a transform.
int baselineClass(bmfl::InferenceEngine& engine,
                  const std::string& file,
                  const bmfl::PreprocessConfig& transform)
{
  const bmfl::ImageTensor tensor =
    bmfl::evaluationTransform(bmfl::decodeImageFile(file), transform);
  bmfl::PreparedImage prepared;
  prepared.id = file;
  prepared.channels = tensor.channels;
  prepared.height = tensor.height;
  prepared.width = tensor.width;
  prepared.pixels = tensor.values;
  return bmfl::predictedLabel(engine.run({ prepared }).at(0).baselineProbabilities, {});
}

/// Writes an image as JPEG where its label puts it: the class the model predicts for it under
/// the transform when it is to be right, the next class when it is to be wrong. Returns the wnid.
std::string writeLabelled(bmfl::InferenceEngine& engine,
                          const bmfl::PreprocessConfig& transform,
                          const bmfl::Image& image,
                          const fs::path& folder,
                          const std::string& name,
                          bool right)
{
  fs::create_directories(folder);
  const std::string staged = (folder / ("staged-" + name)).string();
  bmfl::writeImageFile(image, staged);
  const int predicted = baselineClass(engine, staged, transform);
  const std::string wnid =
    wnids()[static_cast<std::size_t>(right ? predicted : (predicted + 1) % 10)];
  fs::create_directories(folder / wnid);
  fs::rename(staged, folder / wnid / name);
  return wnid;
}

/// Wrong images of a part: 0..4 of 4 by corruption and severity, so errors vary.
int wrongIn(std::size_t corruption, int severity)
{
  return static_cast<int>((corruption + static_cast<std::size_t>(severity)) % 5);
}

} // namespace

TEST(EvaluationImageNetC, RowPerCorruptionAndSeverityAndTheMceByHand)
{
  TemporaryFolder folder("bmfl-imagenet-c-test");
  const std::string bundle = makeBundle(folder);
  bmfl::EngineOptions engineOptions;
  engineOptions.device = "cpu";
  const std::unique_ptr<bmfl::InferenceEngine> engine =
    bmfl::InferenceEngine::open(bundle, engineOptions);
  const bmfl::PreprocessConfig model = engine->manifest().preprocess;
  ASSERT_EQ(model.cropSize, 28);
  bmfl::PreprocessConfig cropOnly = model; // Hendrycks: CenterCrop only
  cropOnly.resizeShortSide = 0;

  // The 15 corruptions x 5 severities and one extra; the labels from the crop-only predictions.
  const fs::path root = fs::path(folder.path()) / "imagenet-c";
  std::vector<std::string> corruptions = bmfl::imageNetCCorruptions();
  corruptions.push_back("speckle_noise");
  int variant = 0;
  for (std::size_t c = 0; c < corruptions.size(); ++c)
  {
    for (int severity = 1; severity <= 5; ++severity)
    {
      for (int i = 0; i < ImagesPerPart; ++i)
      {
        ++variant;
        writeLabelled(*engine,
                      cropOnly,
                      picture(variant),
                      root / corruptions[c] / std::to_string(severity),
                      "ILSVRC2012_val_" + std::to_string(variant) + ".JPEG",
                      i >= wrongIn(c, severity));
      }
    }
  }
  // The clean ImageNet val images (a flat folder and its label list), under the model's own
  // transform: 1 of 4 wrong.
  const fs::path val = fs::path(folder.path()) / "val";
  std::ostringstream labels;
  for (int i = 0; i < 4; ++i)
  {
    const std::string name = "clean_" + std::to_string(i) + ".JPEG";
    const std::string wnid = writeLabelled(*engine, model, picture(1000 + i), val, name, i > 0);
    fs::rename(val / wnid / name, val / name);
    labels << name << ' ' << wnid << '\n';
  }
  std::ofstream(val / "val.txt") << labels.str();

  bmfl::DatasetOptions datasetOptions;
  datasetOptions.classNames = wnids();
  const std::string spec = "imagenet-c:" + root.string();
  std::vector<std::shared_ptr<const bmfl::ImageDataset>> datasets =
    bmfl::evaluationRows({ bmfl::openImageDataset(spec, datasetOptions) });
  ASSERT_EQ(datasets.size(), 80u);
  datasets.push_back(bmfl::openImageDataset("imagenet-val:" + val.string(), datasetOptions));
  bmfl::EvaluationOptions options;
  options.batchSize = 32;
  options.workers = 2;
  const std::vector<bmfl::DatasetAccuracy> rows =
    bmfl::evaluateDatasets(*engine, datasets, options);
  ASSERT_EQ(rows.size(), 81u);

  // One row per corruption and severity, in the published order, each with the baseline error
  // its labels were made for: the model saw the centre crop without resize.
  std::map<std::string, std::vector<double>> baselineErrors;
  std::map<std::string, std::vector<double>> bmflErrors;
  for (std::size_t c = 0; c < corruptions.size(); ++c)
  {
    for (int severity = 1; severity <= 5; ++severity)
    {
      const bmfl::DatasetAccuracy& row = rows[c * 5 + static_cast<std::size_t>(severity) - 1];
      const std::string part = corruptions[c] + "/" + std::to_string(severity);
      EXPECT_EQ(row.dataset, spec + "," + part);
      EXPECT_EQ(row.whole, spec);
      EXPECT_EQ(row.part, part);
      ASSERT_EQ(row.images, static_cast<std::size_t>(ImagesPerPart));
      EXPECT_DOUBLE_EQ(1.0 - row.baselineAccuracy(), wrongIn(c, severity) / 4.0) << part;
      baselineErrors[corruptions[c]].push_back(1.0 - row.baselineAccuracy());
      bmflErrors[corruptions[c]].push_back(1.0 - row.bmflAccuracy());
    }
  }
  const bmfl::DatasetAccuracy& clean = rows.back();
  EXPECT_DOUBLE_EQ(clean.baselineAccuracy(), 0.75);

  // By hand: CE_c = sum_s E / sum_s E_AlexNet = mean_s E / AlexNet's mean; relative CE_c =
  // (mean_s E - E_clean) / (AlexNet's mean - AlexNet's clean); both means over the 15.
  auto byHand = [&](const std::map<std::string, std::vector<double>>& errors, double cleanError)
  {
    double ce = 0.0;
    double relative = 0.0;
    for (const std::string& corruption : bmfl::imageNetCCorruptions())
    {
      const std::vector<double>& e = errors.at(corruption);
      double sum = 0.0;
      for (double value : e)
      {
        sum += value;
      }
      const double alexNet = *bmfl::alexNetImageNetCError(corruption);
      ce += sum / (5.0 * alexNet);
      relative += (sum - 5.0 * cleanError) / (5.0 * (alexNet - 0.43478));
    }
    return std::make_pair(ce / 15.0, relative / 15.0);
  };
  const auto baselineByHand = byHand(baselineErrors, 0.25);
  const auto bmflByHand = byHand(bmflErrors, 1.0 - clean.bmflAccuracy());

  const std::vector<bmfl::ImageNetCRows> summaries = bmfl::summarizeImageNetCRows(rows);
  ASSERT_EQ(summaries.size(), 1u);
  const bmfl::ImageNetCRows& summary = summaries[0];
  EXPECT_EQ(summary.dataset, spec);
  EXPECT_EQ(summary.images, 80u * ImagesPerPart);
  EXPECT_EQ(summary.cleanDataset, "imagenet-val:" + val.string());
  EXPECT_TRUE(summary.baseline.complete);
  ASSERT_EQ(summary.baseline.corruptions.size(), 16u);
  EXPECT_EQ(summary.baseline.corruptions.back().corruption, "speckle_noise");
  EXPECT_FALSE(summary.baseline.corruptions.back().corruptionError.has_value());
  EXPECT_NEAR(*summary.baseline.meanCorruptionError, baselineByHand.first, 1e-12);
  EXPECT_NEAR(*summary.baseline.relativeMeanCorruptionError, baselineByHand.second, 1e-12);
  EXPECT_NEAR(*summary.bmfl.meanCorruptionError, bmflByHand.first, 1e-12);
  EXPECT_NEAR(*summary.bmfl.relativeMeanCorruptionError, bmflByHand.second, 1e-12);

  // The CSV: the 81 rows, then CE and relative CE per corruption of the 15, mCE, relative mCE.
  const std::string csv = bmfl::accuracyCsv(rows);
  std::istringstream lines(csv);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line))
  {
    all.push_back(line);
  }
  ASSERT_EQ(all.size(), 1u + 81u + 2u * 15u + 2u);
  EXPECT_EQ(all[0].substr(all[0].rfind(",mcnemar_p")),
            ",mcnemar_p,statistic,baseline_value,bmfl_value");
  EXPECT_EQ(all[1].rfind("\"" + spec + ",gaussian_noise/1\",4,", 0), 0u) << all[1];
  EXPECT_EQ(all[82].rfind("\"" + spec + ",gaussian_noise\",20,,,,,,,,,,CE,", 0), 0u) << all[82];
  auto values = [](const std::string& row)
  {
    const std::size_t last = row.rfind(',');
    const std::size_t before = row.rfind(',', last - 1);
    return std::make_pair(std::stod(row.substr(before + 1, last - before - 1)),
                          std::stod(row.substr(last + 1)));
  };
  const std::string mceRow = all[all.size() - 2];
  const std::string relativeRow = all.back();
  EXPECT_EQ(mceRow.rfind(spec + ",320,,,,,,,,,,mCE,", 0), 0u) << mceRow;
  EXPECT_EQ(relativeRow.rfind(spec + ",320,,,,,,,,,,relative_mCE,", 0), 0u) << relativeRow;
  EXPECT_NEAR(values(mceRow).first, baselineByHand.first, 1e-5);
  EXPECT_NEAR(values(mceRow).second, bmflByHand.first, 1e-5);
  EXPECT_NEAR(values(relativeRow).first, baselineByHand.second, 1e-5);
  EXPECT_NEAR(values(relativeRow).second, bmflByHand.second, 1e-5);

  // Without the clean row there is no relative mCE (the command says it needs imagenet-val).
  const std::vector<bmfl::DatasetAccuracy> noClean(rows.begin(), rows.end() - 1);
  const bmfl::ImageNetCRows alone = bmfl::summarizeImageNetCRows(noClean).at(0);
  EXPECT_TRUE(alone.cleanDataset.empty());
  EXPECT_FALSE(alone.baseline.relativeMeanCorruptionError.has_value());
  EXPECT_EQ(bmfl::accuracyCsv(noClean).find("relative"), std::string::npos);
}

TEST(EvaluationImageNetC, KeepVerdictsStoresLabelsAndBothHeadsPredictions)
{
  TemporaryFolder folder("bmfl-keep-verdicts-test");
  bmfl::EngineOptions engineOptions;
  engineOptions.device = "cpu";
  const std::unique_ptr<bmfl::InferenceEngine> engine =
    bmfl::InferenceEngine::open(makeBundle(folder), engineOptions);
  // Four labelled images, the first labelled with a class the baseline head does not predict.
  const fs::path root = fs::path(folder.path()) / "classes";
  for (int i = 0; i < 4; ++i)
  {
    writeLabelled(*engine,
                  engine->manifest().preprocess,
                  picture(2000 + i),
                  root,
                  "image_" + std::to_string(i) + ".png",
                  i > 0);
  }
  bmfl::DatasetOptions datasetOptions;
  datasetOptions.classNames = wnids();
  const std::shared_ptr<const bmfl::ImageDataset> dataset =
    bmfl::openImageDataset("folder:" + root.string(), datasetOptions);
  bmfl::EvaluationOptions options;
  options.workers = 1;
  // By default only the counts.
  EXPECT_TRUE(bmfl::evaluateDatasets(*engine, { dataset }, options).at(0).verdicts.empty());

  options.keepVerdicts = true;
  const bmfl::DatasetAccuracy row = bmfl::evaluateDatasets(*engine, { dataset }, options).at(0);
  ASSERT_EQ(row.verdicts.size(), 4u);
  std::size_t baselineRight = 0;
  for (std::size_t i = 0; i < row.verdicts.size(); ++i)
  {
    const bmfl::ImageVerdict& verdict = row.verdicts[i];
    EXPECT_EQ(verdict.index, i);
    EXPECT_EQ(verdict.trueLabel, dataset->label(i));
    ASSERT_GE(verdict.baselineLabel, 0);
    ASSERT_LT(verdict.baselineLabel, 10);
    ASSERT_GE(verdict.bmflLabel, 0);
    ASSERT_LT(verdict.bmflLabel, 10);
    EXPECT_EQ(verdict.baselineRight, verdict.baselineLabel == verdict.trueLabel);
    EXPECT_EQ(verdict.bmflRight, verdict.bmflLabel == verdict.trueLabel);
    baselineRight += verdict.baselineRight ? 1 : 0;
    // The baseline's label is the class its head predicts for the image itself.
    const std::string file = (root / dataset->itemId(i)).string();
    EXPECT_EQ(verdict.baselineLabel, baselineClass(*engine, file, engine->manifest().preprocess))
      << file;
  }
  EXPECT_EQ(baselineRight, 3u);
  EXPECT_EQ(row.baselineCorrect, 3u);
}
