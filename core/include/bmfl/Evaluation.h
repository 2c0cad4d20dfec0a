#pragma once

#include "bmfl/ImageDataset.h"
#include "bmfl/ImageNetC.h"
#include "bmfl/InferenceEngine.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

/// A proportion's 95% confidence interval.
struct Interval
{
  double low = 0.0;
  double high = 0.0;
};

/// The Wilson score interval of `successes` out of `trials` at 95% (z = 1.96): unlike the
/// normal approximation it stays inside [0, 1] and behaves for accuracies near 0 or 1.
Interval wilsonInterval(std::size_t successes, std::size_t trials);

/// Two-sided exact McNemar test of paired classifiers: p-value of `onlyFirstCorrect` vs
/// `onlySecondCorrect` discordant pairs under the null that either is equally likely
/// (binomial, p = 1/2). 1 when there are no discordant pairs.
double mcNemarExactP(std::size_t onlyFirstCorrect, std::size_t onlySecondCorrect);

/// The class a probability vector predicts. When outputIndices is given (ImageNet-A/R: the
/// dataset covers 200 of the model's 1000 classes) the argmax runs over those columns only and
/// the result is the position within outputIndices, i.e. the dataset's own label.
int predictedLabel(const std::vector<float>& probabilities, const std::vector<int>& outputIndices);

/// One labelled image's verdicts, kept so two evaluations can be paired image by image (and a
/// browser can filter the images by them).
struct ImageVerdict
{
  std::size_t index = 0; ///< the image's index in its dataset
  bool baselineRight = false;
  bool bmflRight = false;
  /// The dataset's label and each head's predicted label (in the dataset's label space); -1
  /// where the evaluation kept only the verdicts.
  std::int32_t trueLabel = -1;
  std::int32_t baselineLabel = -1;
  std::int32_t bmflLabel = -1;
};

/// Paired accuracy of the baseline and BMFL heads on one dataset (or one part of it).
struct DatasetAccuracy
{
  std::string dataset;
  /// For a row of one part of a dataset (ImageNet-C: "imagenet-c:PATH" and "gaussian_noise/3"):
  /// the whole dataset's name and the part; empty otherwise.
  std::string whole;
  std::string part;
  std::size_t images = 0;
  std::size_t baselineCorrect = 0;
  std::size_t bmflCorrect = 0;
  std::size_t onlyBaselineCorrect = 0; ///< discordant pairs, for McNemar's test
  std::size_t onlyBmflCorrect = 0;

  double baselineAccuracy() const;
  double bmflAccuracy() const;
  Interval baselineInterval() const { return wilsonInterval(baselineCorrect, images); }
  Interval bmflInterval() const { return wilsonInterval(bmflCorrect, images); }
  double mcNemarP() const { return mcNemarExactP(onlyBaselineCorrect, onlyBmflCorrect); }
  /// Every labelled image's verdicts in index order, where the evaluation kept them
  /// (evaluateDatasets keeps them, with the labels, only when asked: keepVerdicts).
  std::vector<ImageVerdict> verdicts;

  /// Adds one image's verdicts.
  void add(bool baselineRight, bool bmflRight);
};

/// The BMFL heads of two models on the same images, paired: e.g. BMFL against its shuffled-fMRI
/// control, which asks whether the per-image brain signal changes any verdict.
struct PairedAccuracy
{
  std::string dataset;
  std::size_t images = 0;
  std::size_t firstCorrect = 0;
  std::size_t secondCorrect = 0;
  std::size_t onlyFirstCorrect = 0;
  std::size_t onlySecondCorrect = 0;

  double firstAccuracy() const;
  double secondAccuracy() const;
  double mcNemarP() const { return mcNemarExactP(onlyFirstCorrect, onlySecondCorrect); }
};

/// Pairs the BMFL verdicts of two evaluations of one dataset. Throws std::invalid_argument when
/// either kept no verdicts or they cover different images.
PairedAccuracy pairBmflVerdicts(const DatasetAccuracy& first, const DatasetAccuracy& second);

struct EvaluationOptions
{
  int batchSize = 64;
  std::size_t limit = 0; ///< at most this many images per dataset (0: all)
  int workers = 0;       ///< decoding threads (0: one per core)
  /// Keep every labelled image's ImageVerdict, labels included, in DatasetAccuracy::verdicts
  /// (24 bytes an image; the workbench's browser filters by them). Off: counts only.
  bool keepVerdicts = false;
};

/// Progress of an evaluation: which dataset, how far, and its running accuracy.
using EvaluationProgress = std::function<void(std::size_t datasetIndex,
                                              std::size_t done,
                                              std::size_t total,
                                              const DatasetAccuracy& running)>;

/// The datasets as the rows of an evaluation table: ImageNet-C split into one dataset per
/// corruption and severity (splitIntoParts; Hendrycks & Dietterich report each, and the mCE is
/// formed from them), every other dataset whole.
std::vector<std::shared_ptr<const ImageDataset>> evaluationRows(
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets);

/// Streams each dataset through the engine with the bundle's evaluation transform (as
/// datasetPreprocess adapts it: ImageNet-C is centre-cropped without resize) and counts
/// the verdicts of both heads on the labelled images. Stops after the current batch when
/// cancel becomes true (the returned rows then hold what was counted). Throws FileError for an
/// unreadable image and std::invalid_argument when a dataset's classes do not fit the model.
std::vector<DatasetAccuracy> evaluateDatasets(
  InferenceEngine& engine,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets,
  const EvaluationOptions& options = {},
  const EvaluationProgress& progress = {},
  const std::atomic<bool>* cancel = nullptr);

/// ImageNet-C as Hendrycks & Dietterich score it, for both heads: the rows of one ImageNet-C
/// dataset's parts (CORRUPTION/SEVERITY) summarised per corruption (CE) and over the 15 (mCE),
/// and, against the clean ImageNet-val row, relative CE and relative mCE.
struct ImageNetCRows
{
  std::string dataset;       ///< "imagenet-c:PATH"
  std::size_t images = 0;    ///< over all its rows
  ImageNetCSummary baseline; ///< from the baseline head's top-1 errors
  ImageNetCSummary bmfl;
  /// The imagenet-val row whose errors are the clean errors (the first with images); empty when
  /// the rows have none, and then there are no relative scores.
  std::string cleanDataset;
  /// Images per corruption, in the order of baseline.corruptions.
  std::vector<std::size_t> corruptionImages;
};

/// One ImageNetCRows per ImageNet-C dataset among the rows (rows whose whole is "imagenet-c:..."
/// and whose part is CORRUPTION/SEVERITY, each with images), in order of first appearance.
std::vector<ImageNetCRows> summarizeImageNetCRows(const std::vector<DatasetAccuracy>& rows);

/// The table as `bmfl evaluate` prints it: a row per dataset (part) with both heads' accuracies,
/// 95% intervals, the difference and McNemar's p, then each ImageNet-C dataset's CE/mCE block.
std::string accuracyTable(const std::vector<DatasetAccuracy>& rows);

/// The table as CSV: a header, one row per dataset (part), then for each ImageNet-C dataset its
/// summary rows: statistic CE and relative_CE per corruption ("imagenet-c:PATH,CORRUPTION"), mCE
/// and relative_mCE ("imagenet-c:PATH"), in baseline_value and bmfl_value (fractions: 0.75 is a
/// CE of 75%). Written atomically to a file.
std::string accuracyCsv(const std::vector<DatasetAccuracy>& rows);
void writeAccuracyCsv(const std::vector<DatasetAccuracy>& rows, const std::string& path);

} // namespace bmfl
