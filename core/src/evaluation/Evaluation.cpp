#include "bmfl/Evaluation.h"

#include "Predictions.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/Printable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace bmfl
{

namespace
{
constexpr double kZ95 = 1.959963984540054;

std::string csvField(const std::string& text)
{
  if (text.find_first_of(",\"\n") == std::string::npos)
  {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text)
  {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

std::string number(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

/// printf into a string.
template<typename... Arguments>
std::string format(const char* pattern, Arguments... arguments)
{
  const int size = std::snprintf(nullptr, 0, pattern, arguments...);
  std::string text(static_cast<std::size_t>(std::max(size, 0)) + 1, '\0');
  std::snprintf(text.data(), text.size(), pattern, arguments...);
  text.pop_back();
  return text;
}

std::string percent(double fraction)
{
  return format("%5.1f%%", 100.0 * fraction);
}

std::string optionalPercent(const std::optional<double>& fraction)
{
  return fraction ? percent(*fraction) : std::string("    -");
}

/// ImageNet-C's scores per corruption and over the 15, for both heads (Hendrycks & Dietterich).
std::string imageNetCTable(const ImageNetCRows& summary)
{
  std::string text =
    format("\nImageNet-C %s: corruption errors normalised by AlexNet's (lower is better)\n",
           printable(summary.dataset).c_str());
  text += format("%-20s %7s  %11s %11s  %11s %11s\n",
                 "corruption",
                 "images",
                 "baseline CE",
                 "BMFL CE",
                 "baseline rCE",
                 "BMFL rCE");
  for (std::size_t c = 0; c < summary.baseline.corruptions.size(); ++c)
  {
    const CorruptionScore& baseline = summary.baseline.corruptions[c];
    const CorruptionScore& bmfl = summary.bmfl.corruptions[c];
    text += format("%-20s %7zu  %11s %11s  %11s %11s\n",
                   printable(baseline.corruption).c_str(),
                   summary.corruptionImages[c],
                   optionalPercent(baseline.corruptionError).c_str(),
                   optionalPercent(bmfl.corruptionError).c_str(),
                   optionalPercent(baseline.relativeCorruptionError).c_str(),
                   optionalPercent(bmfl.relativeCorruptionError).c_str());
  }
  text += format("%-20s %7zu  %11s %11s\n",
                 "mCE",
                 summary.images,
                 optionalPercent(summary.baseline.meanCorruptionError).c_str(),
                 optionalPercent(summary.bmfl.meanCorruptionError).c_str());
  if (summary.cleanDataset.empty())
  {
    text += "relative mCE needs the clean ImageNet-val error: add --dataset imagenet-val:PATH\n";
  }
  else
  {
    text += format("%-20s %7s  %11s %11s  (clean error from %s)\n",
                   "relative mCE",
                   "",
                   optionalPercent(summary.baseline.relativeMeanCorruptionError).c_str(),
                   optionalPercent(summary.bmfl.relativeMeanCorruptionError).c_str(),
                   printable(summary.cleanDataset).c_str());
  }
  if (!summary.baseline.complete)
  {
    text += "incomplete: not all 15 corruptions with all 5 severities; not comparable with "
            "published mCEs\n";
  }
  return text;
}

/// Names of ImageNet-C datasets start with their spec kind.
bool isImageNetC(const std::string& name)
{
  return name.rfind("imagenet-c:", 0) == 0;
}
} // namespace

Interval wilsonInterval(std::size_t successes, std::size_t trials)
{
  if (trials == 0)
  {
    return { 0.0, 1.0 };
  }
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double denominator = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denominator;
  const double half = kZ95 * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator;
  return { std::max(0.0, centre - half), std::min(1.0, centre + half) };
}

double mcNemarExactP(std::size_t onlyFirstCorrect, std::size_t onlySecondCorrect)
{
  const std::size_t n = onlyFirstCorrect + onlySecondCorrect;
  if (n == 0)
  {
    return 1.0;
  }
  const std::size_t k = std::min(onlyFirstCorrect, onlySecondCorrect);
  // Two-sided: twice the lower binomial tail, in log space so thousands of pairs do not
  // underflow or overflow.
  const double logHalfPowerN = static_cast<double>(n) * std::log(0.5);
  double tail = 0.0;
  for (std::size_t i = 0; i <= k; ++i)
  {
    const double logChoose = std::lgamma(static_cast<double>(n) + 1.0) -
                             std::lgamma(static_cast<double>(i) + 1.0) -
                             std::lgamma(static_cast<double>(n - i) + 1.0);
    tail += std::exp(logChoose + logHalfPowerN);
  }
  return std::min(1.0, 2.0 * tail);
}

int predictedLabel(const std::vector<float>& probabilities, const std::vector<int>& outputIndices)
{
  if (outputIndices.empty())
  {
    return probabilities.empty()
             ? -1
             : static_cast<int>(std::max_element(probabilities.begin(), probabilities.end()) -
                                probabilities.begin());
  }
  int best = -1;
  float bestProbability = -1.0F;
  for (std::size_t position = 0; position < outputIndices.size(); ++position)
  {
    const int column = outputIndices[position];
    if (column < 0 || static_cast<std::size_t>(column) >= probabilities.size())
    {
      throw std::invalid_argument("output index " + std::to_string(column) +
                                  " is beyond the model's " + std::to_string(probabilities.size()) +
                                  " classes");
    }
    if (probabilities[static_cast<std::size_t>(column)] > bestProbability)
    {
      bestProbability = probabilities[static_cast<std::size_t>(column)];
      best = static_cast<int>(position);
    }
  }
  return best;
}

double DatasetAccuracy::baselineAccuracy() const
{
  return images > 0 ? static_cast<double>(baselineCorrect) / static_cast<double>(images) : 0.0;
}

double DatasetAccuracy::bmflAccuracy() const
{
  return images > 0 ? static_cast<double>(bmflCorrect) / static_cast<double>(images) : 0.0;
}

void DatasetAccuracy::add(bool baselineRight, bool bmflRight)
{
  ++images;
  baselineCorrect += baselineRight ? 1 : 0;
  bmflCorrect += bmflRight ? 1 : 0;
  onlyBaselineCorrect += baselineRight && !bmflRight ? 1 : 0;
  onlyBmflCorrect += bmflRight && !baselineRight ? 1 : 0;
}

double PairedAccuracy::firstAccuracy() const
{
  return images > 0 ? static_cast<double>(firstCorrect) / static_cast<double>(images) : 0.0;
}

double PairedAccuracy::secondAccuracy() const
{
  return images > 0 ? static_cast<double>(secondCorrect) / static_cast<double>(images) : 0.0;
}

PairedAccuracy pairBmflVerdicts(const DatasetAccuracy& first, const DatasetAccuracy& second)
{
  if (first.verdicts.size() != first.images || second.verdicts.size() != second.images)
  {
    throw std::invalid_argument("pairing " + first.dataset + " with " + second.dataset +
                                ": an evaluation kept no per-image verdicts");
  }
  if (first.dataset != second.dataset || first.images != second.images)
  {
    throw std::invalid_argument("pairing " + first.dataset + " (" + std::to_string(first.images) +
                                " images) with " + second.dataset + " (" +
                                std::to_string(second.images) + " images): not the same images");
  }
  PairedAccuracy paired;
  paired.dataset = first.dataset;
  for (std::size_t i = 0; i < first.verdicts.size(); ++i)
  {
    const ImageVerdict& a = first.verdicts[i];
    const ImageVerdict& b = second.verdicts[i];
    if (a.index != b.index)
    {
      throw std::invalid_argument("pairing " + first.dataset + ": image " +
                                  std::to_string(a.index) + " meets image " +
                                  std::to_string(b.index) + "; not the same images");
    }
    ++paired.images;
    paired.firstCorrect += a.bmflRight ? 1 : 0;
    paired.secondCorrect += b.bmflRight ? 1 : 0;
    paired.onlyFirstCorrect += a.bmflRight && !b.bmflRight ? 1 : 0;
    paired.onlySecondCorrect += b.bmflRight && !a.bmflRight ? 1 : 0;
  }
  return paired;
}

std::vector<std::shared_ptr<const ImageDataset>> evaluationRows(
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets)
{
  std::vector<std::shared_ptr<const ImageDataset>> rows;
  for (const std::shared_ptr<const ImageDataset>& dataset : datasets)
  {
    const std::optional<ImageDataset::Part> part = dataset->partOf();
    if (!isImageNetC(part ? part->whole : dataset->name()))
    {
      rows.push_back(dataset);
      continue;
    }
    for (std::shared_ptr<const ImageDataset>& one : splitIntoParts(dataset))
    {
      rows.push_back(std::move(one));
    }
  }
  return rows;
}

namespace detail
{

std::vector<PreprocessConfig> checkedTransforms(
  const BundleManifest& manifest,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets)
{
  const std::size_t modelClasses = manifest.classNames.size();
  std::vector<PreprocessConfig> transforms;
  for (const std::shared_ptr<const ImageDataset>& dataset : datasets)
  {
    if (dataset->outputIndices().empty() && dataset->classNames().size() != modelClasses)
    {
      throw std::invalid_argument(dataset->name() + " has " +
                                  std::to_string(dataset->classNames().size()) +
                                  " classes; the model has " + std::to_string(modelClasses));
    }
    transforms.push_back(datasetPreprocess(*dataset, manifest.preprocess));
  }
  return transforms;
}

bool streamPredictions(InferenceEngine& engine,
                       const std::shared_ptr<const ImageDataset>& dataset,
                       const PreprocessConfig& transform,
                       const IndexRange& range,
                       const EvaluationOptions& options,
                       const std::function<void(const PredictionBatch&)>& onBatch,
                       const std::atomic<bool>* cancel)
{
  if (options.batchSize < 1)
  {
    throw std::invalid_argument("evaluation batch size must be at least 1");
  }
  StreamOptions streamOptions;
  streamOptions.transform = transform;
  streamOptions.brainTransform = engine.manifest().brainPreprocess;
  streamOptions.channels = engine.manifest().model.encoder.inChannels;
  streamOptions.workers = options.workers;
  streamOptions.cancel = cancel;
  streamOptions.begin = range.begin;
  streamOptions.end = range.end;
  DatasetStream stream(dataset, streamOptions);

  std::vector<PreparedImage> images;
  PredictionBatch batch;
  auto flush = [&]()
  {
    if (images.empty())
    {
      return;
    }
    batch.results = engine.run(images);
    onBatch(batch);
    images.clear();
    batch.indices.clear();
    batch.labels.clear();
  };
  auto cancelled = [&]() { return cancel != nullptr && cancel->load(); };
  DatasetItem item;
  while (stream.next(item))
  {
    PreparedImage image;
    image.id = item.id;
    image.channels = item.tensor.channels;
    image.height = item.tensor.height;
    image.width = item.tensor.width;
    image.pixels = std::move(item.tensor.values);
    image.brainHeight = item.brainTensor.height;
    image.brainWidth = item.brainTensor.width;
    image.brainPixels = std::move(item.brainTensor.values);
    images.push_back(std::move(image));
    batch.indices.push_back(item.index);
    batch.labels.push_back(item.label);
    if (images.size() == static_cast<std::size_t>(options.batchSize))
    {
      flush();
    }
    if (cancelled())
    {
      break;
    }
  }
  if (cancelled())
  {
    return false;
  }
  flush();
  return true;
}

} // namespace detail

std::vector<DatasetAccuracy> evaluateDatasets(
  InferenceEngine& engine,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets,
  const EvaluationOptions& options,
  const EvaluationProgress& progress,
  const std::atomic<bool>* cancel)
{
  if (options.batchSize < 1)
  {
    throw std::invalid_argument("evaluation batch size must be at least 1");
  }
  // Every dataset is checked before any is evaluated.
  const std::vector<PreprocessConfig> transforms =
    detail::checkedTransforms(engine.manifest(), datasets);
  std::vector<DatasetAccuracy> rows;
  for (std::size_t d = 0; d < datasets.size(); ++d)
  {
    const ImageDataset& dataset = *datasets[d];
    const std::vector<int> outputIndices = dataset.outputIndices();
    DatasetAccuracy row;
    row.dataset = dataset.name();
    if (const std::optional<ImageDataset::Part> part = dataset.partOf())
    {
      row.whole = part->whole;
      row.part = part->part;
    }
    const std::size_t total =
      options.limit > 0 ? std::min(options.limit, dataset.size()) : dataset.size();
    std::size_t done = 0;
    const bool finished = detail::streamPredictions(
      engine,
      datasets[d],
      transforms[d],
      { 0, total },
      options,
      [&](const detail::PredictionBatch& batch)
      {
        for (std::size_t i = 0; i < batch.results.size(); ++i)
        {
          if (batch.labels[i] < 0)
          {
            continue; // unlabelled images count in no accuracy
          }
          const int label = batch.labels[i];
          const int baseline =
            predictedLabel(batch.results[i].baselineProbabilities, outputIndices);
          const int bmfl = predictedLabel(batch.results[i].bmflProbabilities, outputIndices);
          row.add(baseline == label, bmfl == label);
          if (options.keepVerdicts)
          {
            row.verdicts.push_back(
              { batch.indices[i], baseline == label, bmfl == label, label, baseline, bmfl });
          }
        }
        done += batch.results.size();
        if (progress)
        {
          progress(d, done, total, row);
        }
      },
      cancel);
    rows.push_back(row);
    if (!finished)
    {
      break;
    }
  }
  return rows;
}

std::vector<ImageNetCRows> summarizeImageNetCRows(const std::vector<DatasetAccuracy>& rows)
{
  const DatasetAccuracy* clean = nullptr;
  for (const DatasetAccuracy& row : rows)
  {
    if (clean == nullptr && row.whole.empty() && row.images > 0 &&
        row.dataset.rfind("imagenet-val:", 0) == 0)
    {
      clean = &row;
    }
  }
  struct Errors
  {
    std::string dataset;
    std::size_t images = 0;
    // corruption -> severity -> (baseline error, BMFL error)
    std::map<std::string, std::map<std::string, std::pair<double, double>>> bySeverity;
    std::map<std::string, std::size_t> imagesOf;
  };
  std::vector<Errors> datasets;
  for (const DatasetAccuracy& row : rows)
  {
    const std::size_t slash = row.part.find('/');
    if (!isImageNetC(row.whole) || slash == std::string::npos || row.images == 0)
    {
      continue;
    }
    auto found = std::find_if(datasets.begin(),
                              datasets.end(),
                              [&](const Errors& errors) { return errors.dataset == row.whole; });
    if (found == datasets.end())
    {
      datasets.push_back({ row.whole, 0, {}, {} });
      found = datasets.end() - 1;
    }
    const std::string corruption = row.part.substr(0, slash);
    found->images += row.images;
    found->imagesOf[corruption] += row.images;
    found->bySeverity[corruption][row.part.substr(slash + 1)] = { 1.0 - row.baselineAccuracy(),
                                                                  1.0 - row.bmflAccuracy() };
  }
  std::vector<ImageNetCRows> summaries;
  for (const Errors& errors : datasets)
  {
    std::map<std::string, std::vector<double>> baseline;
    std::map<std::string, std::vector<double>> bmfl;
    for (const auto& [corruption, severities] : errors.bySeverity)
    {
      for (const auto& [severity, error] : severities) // severities "1".."5", in order
      {
        baseline[corruption].push_back(error.first);
        bmfl[corruption].push_back(error.second);
      }
    }
    ImageNetCRows summary;
    summary.dataset = errors.dataset;
    summary.images = errors.images;
    std::optional<double> baselineClean;
    std::optional<double> bmflClean;
    if (clean != nullptr)
    {
      summary.cleanDataset = clean->dataset;
      baselineClean = 1.0 - clean->baselineAccuracy();
      bmflClean = 1.0 - clean->bmflAccuracy();
    }
    summary.baseline = summarizeImageNetC(baseline, baselineClean);
    summary.bmfl = summarizeImageNetC(bmfl, bmflClean);
    for (const CorruptionScore& score : summary.baseline.corruptions)
    {
      summary.corruptionImages.push_back(errors.imagesOf.at(score.corruption));
    }
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

std::string accuracyTable(const std::vector<DatasetAccuracy>& rows)
{
  std::string text = format("%-34s %7s  %-22s %-22s %7s  %9s\n",
                            "dataset",
                            "images",
                            "baseline [95% CI]",
                            "BMFL [95% CI]",
                            "delta",
                            "McNemar p");
  for (const DatasetAccuracy& row : rows)
  {
    const Interval baseline = row.baselineInterval();
    const Interval bmfl = row.bmflInterval();
    const std::string baselineText = format("%s [%.1f, %.1f]",
                                            percent(row.baselineAccuracy()).c_str(),
                                            100 * baseline.low,
                                            100 * baseline.high);
    const std::string bmflText = format(
      "%s [%.1f, %.1f]", percent(row.bmflAccuracy()).c_str(), 100 * bmfl.low, 100 * bmfl.high);
    text += format("%-34s %7zu  %-22s %-22s %+6.1f  %9.3g\n",
                   printable(row.dataset).c_str(),
                   row.images,
                   baselineText.c_str(),
                   bmflText.c_str(),
                   100.0 * (row.bmflAccuracy() - row.baselineAccuracy()),
                   row.mcNemarP());
  }
  for (const ImageNetCRows& summary : summarizeImageNetCRows(rows))
  {
    text += imageNetCTable(summary);
  }
  return text;
}

std::string accuracyCsv(const std::vector<DatasetAccuracy>& rows)
{
  std::ostringstream csv;
  csv << "dataset,images,baseline_accuracy,baseline_ci95_low,baseline_ci95_high,bmfl_accuracy,"
         "bmfl_ci95_low,bmfl_ci95_high,only_baseline_correct,only_bmfl_correct,mcnemar_p,"
         "statistic,baseline_value,bmfl_value\n";
  for (const DatasetAccuracy& row : rows)
  {
    const Interval baseline = row.baselineInterval();
    const Interval bmfl = row.bmflInterval();
    csv << csvField(row.dataset) << ',' << row.images << ',' << number(row.baselineAccuracy())
        << ',' << number(baseline.low) << ',' << number(baseline.high) << ','
        << number(row.bmflAccuracy()) << ',' << number(bmfl.low) << ',' << number(bmfl.high) << ','
        << row.onlyBaselineCorrect << ',' << row.onlyBmflCorrect << ',' << number(row.mcNemarP())
        << ",,,\n";
  }
  // Summary rows: the accuracy columns empty, the statistic and both heads' values filled.
  auto statistic = [&](const std::string& dataset,
                       std::size_t images,
                       const char* name,
                       const std::optional<double>& baseline,
                       const std::optional<double>& bmfl)
  {
    if (baseline && bmfl)
    {
      csv << csvField(dataset) << ',' << images << ",,,,,,,,,," << name << ',' << number(*baseline)
          << ',' << number(*bmfl) << '\n';
    }
  };
  for (const ImageNetCRows& summary : summarizeImageNetCRows(rows))
  {
    for (std::size_t c = 0; c < summary.baseline.corruptions.size(); ++c)
    {
      const CorruptionScore& baseline = summary.baseline.corruptions[c];
      const CorruptionScore& bmfl = summary.bmfl.corruptions[c];
      const std::string dataset = summary.dataset + "," + baseline.corruption;
      statistic(
        dataset, summary.corruptionImages[c], "CE", baseline.corruptionError, bmfl.corruptionError);
      statistic(dataset,
                summary.corruptionImages[c],
                "relative_CE",
                baseline.relativeCorruptionError,
                bmfl.relativeCorruptionError);
    }
    statistic(summary.dataset,
              summary.images,
              "mCE",
              summary.baseline.meanCorruptionError,
              summary.bmfl.meanCorruptionError);
    statistic(summary.dataset,
              summary.images,
              "relative_mCE",
              summary.baseline.relativeMeanCorruptionError,
              summary.bmfl.relativeMeanCorruptionError);
  }
  return csv.str();
}

void writeAccuracyCsv(const std::vector<DatasetAccuracy>& rows, const std::string& path)
{
  writeTextFileAtomically(path, accuracyCsv(rows));
}

} // namespace bmfl
