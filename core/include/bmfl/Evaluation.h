#pragma once

#include "bmfl/ImageDataset.h"
#include "bmfl/InferenceEngine.h"

#include <atomic>
#include <cstddef>
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

/// One labelled image's verdicts, kept so two evaluations can be paired image by image.
struct ImageVerdict
{
  std::size_t index = 0; ///< the image's index in its dataset
  bool baselineRight = false;
  bool bmflRight = false;
};

/// Paired accuracy of the baseline and BMFL heads on one dataset (or one part of it).
struct DatasetAccuracy
{
  std::string dataset;
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
  /// (evaluateDatasets keeps only the counts).
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
};

/// Progress of an evaluation: which dataset, how far, and its running accuracy.
using EvaluationProgress = std::function<void(std::size_t datasetIndex,
                                              std::size_t done,
                                              std::size_t total,
                                              const DatasetAccuracy& running)>;

/// Streams each dataset through the engine with the bundle's evaluation transform and counts
/// the verdicts of both heads on the labelled images. Stops after the current batch when
/// cancel becomes true (the returned rows then hold what was counted). Throws FileError for an
/// unreadable image and std::invalid_argument when a dataset's classes do not fit the model.
std::vector<DatasetAccuracy> evaluateDatasets(
  InferenceEngine& engine,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets,
  const EvaluationOptions& options = {},
  const EvaluationProgress& progress = {},
  const std::atomic<bool>* cancel = nullptr);

/// The table as CSV (header + one row per dataset), and written atomically to a file.
std::string accuracyCsv(const std::vector<DatasetAccuracy>& rows);
void writeAccuracyCsv(const std::vector<DatasetAccuracy>& rows, const std::string& path);

} // namespace bmfl
