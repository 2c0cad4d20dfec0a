#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/AtomicFile.h"
#include "bmfl/Corruptions.h"
#include "bmfl/Evaluation.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Resources.h"
#include "bmfl/SimulatedSubject.h"
#include "bmfl/Timestamp.h"
#include "bmfl/Training.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace bmfl::cli
{

namespace
{

namespace fs = std::filesystem;

std::atomic<bool> interrupted{ false };

void onInterrupt(int)
{
  interrupted.store(true);
}

/// Thrown when Ctrl-C stops a stage: nothing of the bundle is kept.
struct Interrupted
{
};

void stopIfInterrupted()
{
  if (interrupted.load())
  {
    throw Interrupted{};
  }
}

/// The sizes of one run; --quick shrinks every one of them so a test finishes in seconds.
struct DemoSizes
{
  std::size_t trainImages = 0; ///< 0: all of fashion-mnist:train
  std::size_t calibrationImages = 1000;
  std::size_t brainTrainImages = 12000;
  std::size_t brainHeldOutImages = 2000;
  std::size_t evaluationImages = 0; ///< per dataset; 0: all
  // About 24 minutes on two idle cores in all (REPORT.md lists each stage's time).
  int encoderEpochs = 8;
  int brainEpochs = 10;
  int headEpochs = 2;
};

struct DemoArguments
{
  std::string out;
  std::uint64_t seed = 1;
  bool quick = false;
  int epochs = 0; ///< overrides every stage's epochs when positive
  long evaluationImages = -1;
  std::string device = "cpu";
  std::string commandLine;
};

DemoSizes demoSizes(const DemoArguments& arguments)
{
  DemoSizes sizes;
  if (arguments.quick)
  {
    sizes.trainImages = 800;
    sizes.calibrationImages = 200;
    sizes.brainTrainImages = 400;
    sizes.brainHeldOutImages = 100;
    sizes.evaluationImages = 200;
    sizes.encoderEpochs = 1;
    sizes.brainEpochs = 1;
    sizes.headEpochs = 1;
  }
  if (arguments.epochs > 0)
  {
    sizes.encoderEpochs = arguments.epochs;
    sizes.brainEpochs = arguments.epochs;
    sizes.headEpochs = arguments.epochs;
  }
  if (arguments.evaluationImages >= 0)
  {
    sizes.evaluationImages = static_cast<std::size_t>(arguments.evaluationImages);
  }
  return sizes;
}

/// The demo architecture: every value a config field, none in the model code.
BmflModelConfig demoConfig()
{
  BmflModelConfig config;
  config.encoder.imageSize = 28;
  config.encoder.patchSize = 4;
  config.encoder.inChannels = 1;
  config.encoder.embedDim = 64;
  config.encoder.depth = 4;
  config.encoder.heads = 4;
  config.encoder.mlpRatio = 4.0;
  config.encoder.positionGrid = 7;
  config.brainEncoder.width = 64;
  config.brainEncoder.heads = 4;
  config.brainEncoder.feedForward = 128;
  config.brainEncoder.decoderLayers = 1;
  config.brainEncoder.queryLabelSet = "streams";
  config.brainTransformer.tokenizer = "conv_slices";
  config.brainTransformer.sliceLength = 64;
  config.brainTransformer.width = 64;
  config.brainTransformer.depth = 2;
  config.brainTransformer.heads = 4;
  config.fusion.heads = 4;
  config.numClasses = 10;
  config.pccWeight = 0.5;
  return config;
}

PreprocessConfig demoPreprocess()
{
  PreprocessConfig preprocess;
  preprocess.resizeShortSide = 28;
  preprocess.cropSize = 28;
  preprocess.interpolation = "bilinear";
  preprocess.grayscaleToRgb = false;
  preprocess.mean = { 0.2860 };
  preprocess.std = { 0.3530 };
  return preprocess;
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string formatted(const char* format, double value)
{
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

/// One image of the demo data: the model's input and what the simulated subject sees.
struct DemoImage
{
  std::string id;
  int label = -1;
  std::vector<float> normalised; ///< the bundle's evaluation transform
  std::vector<float> grey;       ///< 28 x 28, values in [0, 1]
};

/// Reads every wanted item of a dataset (decoded on worker threads) in index order.
/// keepGrey: also keep the [0, 1] pixels the simulated subject sees.
std::vector<DemoImage> readImages(const std::shared_ptr<const ImageDataset>& dataset,
                                  const std::vector<std::size_t>& wanted,
                                  const PreprocessConfig& preprocess,
                                  bool keepGrey = true)
{
  std::vector<bool> keep(dataset->size(), false);
  for (std::size_t index : wanted)
  {
    keep[index] = true;
  }
  StreamOptions options;
  options.transform.reset();
  options.cancel = &interrupted;
  if (!wanted.empty())
  {
    options.end = *std::max_element(wanted.begin(), wanted.end()) + 1;
  }
  DatasetStream stream(dataset, options);
  std::map<std::size_t, DemoImage> byIndex;
  DatasetItem item;
  while (stream.next(item))
  {
    if (!keep[item.index])
    {
      continue;
    }
    const Image grey = item.image.channels == 1 ? item.image : convertChannels(item.image, 1);
    DemoImage image;
    image.id = dataset->name() + "/" + item.id;
    image.label = item.label;
    image.normalised = evaluationTransform(grey, preprocess).values;
    if (keepGrey)
    {
      image.grey.resize(grey.pixels.size());
      std::transform(grey.pixels.begin(),
                     grey.pixels.end(),
                     image.grey.begin(),
                     [](std::uint8_t value) { return static_cast<float>(value) / 255.0f; });
    }
    byIndex.emplace(item.index, std::move(image));
  }
  stopIfInterrupted();
  std::vector<DemoImage> images;
  for (std::size_t index : wanted)
  {
    images.push_back(std::move(byIndex.at(index)));
  }
  return images;
}

/// The first `count` of a seeded permutation of [0, size), or all of it in order for 0.
std::vector<std::size_t> seededSelection(std::size_t size, std::size_t count, std::uint64_t seed)
{
  std::vector<std::size_t> order(size);
  std::iota(order.begin(), order.end(), std::size_t{ 0 });
  if (count == 0 || count >= size)
  {
    return order;
  }
  std::mt19937_64 random(seed);
  std::shuffle(order.begin(), order.end(), random);
  order.resize(count);
  std::sort(order.begin(), order.end());
  return order;
}

/// Noise-free responses of the subject to images, on two threads (the SOC model is the slow
/// part of the brain stage).
std::vector<std::vector<float>> noiselessResponses(const SimulatedSubject& subject,
                                                   const std::vector<const DemoImage*>& images,
                                                   const char* what)
{
  std::vector<std::vector<float>> responses(images.size());
  std::atomic<std::size_t> next{ 0 };
  std::atomic<std::size_t> done{ 0 };
  const auto work = [&]()
  {
    for (std::size_t i = next++; i < images.size() && !interrupted.load(); i = next++)
    {
      responses[i] = subject.noiselessResponse(images[i]->grey.data(), 28, 28);
      ++done;
    }
  };
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t)
  {
    workers.emplace_back(work);
  }
  const bool interactive = isatty(STDERR_FILENO) != 0;
  std::thread reporter(
    [&]()
    {
      while (done.load() < images.size() && !interrupted.load())
      {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::fprintf(stderr,
                     "%s  sim01 %s responses %zu/%zu%s",
                     interactive ? "\r" : "",
                     what,
                     done.load(),
                     images.size(),
                     interactive ? "" : "\n");
      }
    });
  work();
  for (std::thread& worker : workers)
  {
    worker.join();
  }
  reporter.join();
  if (interactive)
  {
    std::fprintf(stderr, "\n");
  }
  stopIfInterrupted();
  return responses;
}

/// Stage progress on stderr: a line per epoch, and the running step where a terminal shows it.
TrainingControl progressControl()
{
  TrainingControl control;
  control.cancel = &interrupted;
  const bool interactive = isatty(STDERR_FILENO) != 0;
  control.progress = [interactive](const TrainingProgress& progress)
  {
    if (progress.epoch == 0)
    {
      if (interactive || progress.step % 4096 == 0)
      {
        std::fprintf(stderr,
                     "%s  caching %s %lld/%lld%s",
                     interactive ? "\r" : "",
                     progress.stage.c_str(),
                     static_cast<long long>(progress.step),
                     static_cast<long long>(progress.steps),
                     interactive ? "" : "\n");
      }
      return;
    }
    const bool epochEnd = progress.step == progress.steps;
    if (epochEnd || interactive || progress.step % 100 == 0)
    {
      std::fprintf(stderr,
                   "%s  %s epoch %d/%d step %lld/%lld loss %.4f",
                   interactive ? "\r" : "",
                   progress.stage.c_str(),
                   progress.epoch,
                   progress.epochs,
                   static_cast<long long>(progress.step),
                   static_cast<long long>(progress.steps),
                   progress.loss);
      if (epochEnd)
      {
        std::fprintf(stderr, "  %s %.4f", progress.metricName.c_str(), progress.metric);
      }
      std::fprintf(stderr, "%s", interactive && !epochEnd ? "" : "\n");
    }
  };
  return control;
}

void checkFinished(const TrainingReport& report)
{
  if (report.cancelled)
  {
    throw Interrupted{};
  }
}

/// Mean over vertices of each label's Pearson r between predicted and measured responses.
struct RegionScore
{
  std::string labelSet;
  std::string region;
  std::size_t vertices = 0;
  double meanR = 0.0;
};

std::vector<RegionScore> regionCorrelations(const VertexSpace& space,
                                            const std::vector<std::vector<float>>& predicted,
                                            const std::vector<std::vector<float>>& measured)
{
  const std::size_t vertexCount = space.size();
  std::vector<double> vertexR(vertexCount, std::nan(""));
  const auto n = static_cast<double>(predicted.size());
  for (std::size_t v = 0; v < vertexCount; ++v)
  {
    double meanP = 0.0;
    double meanM = 0.0;
    for (std::size_t i = 0; i < predicted.size(); ++i)
    {
      meanP += predicted[i][v];
      meanM += measured[i][v];
    }
    meanP /= n;
    meanM /= n;
    double covariance = 0.0;
    double varianceP = 0.0;
    double varianceM = 0.0;
    for (std::size_t i = 0; i < predicted.size(); ++i)
    {
      const double p = predicted[i][v] - meanP;
      const double m = measured[i][v] - meanM;
      covariance += p * m;
      varianceP += p * p;
      varianceM += m * m;
    }
    if (varianceP > 0.0 && varianceM > 0.0)
    {
      vertexR[v] = covariance / std::sqrt(varianceP * varianceM);
    }
  }
  std::vector<RegionScore> scores;
  RegionScore all{ "all", "all simulated vertices", 0, 0.0 };
  for (double r : vertexR)
  {
    if (std::isfinite(r))
    {
      all.meanR += r;
      ++all.vertices;
    }
  }
  all.meanR /= static_cast<double>(std::max<std::size_t>(all.vertices, 1));
  scores.push_back(all);
  for (const char* setName : { "visual-areas", "streams" })
  {
    const VertexLabels* labels = space.labels(setName);
    if (labels == nullptr)
    {
      continue;
    }
    for (std::size_t label = 1; label < labels->names.size(); ++label)
    {
      RegionScore score{ setName, labels->names[label], 0, 0.0 };
      for (std::size_t v = 0; v < vertexCount; ++v)
      {
        const std::int32_t vertexLabel =
          v < space.left.size() ? labels->left[v] : labels->right[v - space.left.size()];
        if (vertexLabel == static_cast<std::int32_t>(label) && std::isfinite(vertexR[v]))
        {
          score.meanR += vertexR[v];
          ++score.vertices;
        }
      }
      if (score.vertices > 0)
      {
        score.meanR /= static_cast<double>(score.vertices);
        scores.push_back(score);
      }
    }
  }
  return scores;
}

struct StageTiming
{
  std::string stage;
  double seconds = 0.0;
};

/// A BMFL head trained on the same frozen encoders: the model itself, an ablation (kept as its
/// own bundle) or one of the paper's levers (measured only: saving every lever's bundle would
/// double the demo's size).
struct VariantResult
{
  enum class Kind
  {
    Model,
    Ablation,
    Lever
  };
  std::string name;        ///< "BMFL", "no PCC", ...
  std::string description; ///< what differs from the BMFL model
  Kind kind = Kind::Model;
  std::string folder; ///< its bundle, relative to the bundle folder; empty for a lever
  BmflHeadConfig head;
  std::vector<DatasetAccuracy> rows;
};

const char* variantKindName(VariantResult::Kind kind)
{
  switch (kind)
  {
    case VariantResult::Kind::Model:
      return "model";
    case VariantResult::Kind::Ablation:
      return "ablation";
    case VariantResult::Kind::Lever:
      return "lever";
  }
  return "";
}

/// The ablations and levers of the report, each one change to the BMFL model's head.
std::vector<VariantResult> demoVariants(const BmflModelConfig& model)
{
  const BmflHeadConfig reference = BmflHeadConfig::of(model);
  using Kind = VariantResult::Kind;
  std::vector<VariantResult> variants;
  variants.push_back({ "BMFL",
                       "cross-attention fusion, " + reference.brainTransformer.tokenizer +
                         " brain tokens of width " +
                         std::to_string(reference.brainTransformer.width) + ", pccWeight " +
                         formatted("%g", reference.pccWeight),
                       Kind::Model,
                       ".",
                       reference,
                       {} });
  const auto add = [&](std::string name, std::string description, Kind kind, std::string folder)
  {
    variants.push_back(
      { std::move(name), std::move(description), kind, std::move(folder), reference, {} });
    return &variants.back().head;
  };
  add("no PCC", "pccWeight 0", Kind::Ablation, "ablations/no-pcc")->pccWeight = 0.0;
  add("concatenation", "fusion mode concatenation", Kind::Ablation, "ablations/concatenation")
    ->fusion.mode = "concatenation";
  add("shuffled brain",
      "predicted fMRI shuffled across the batch in training",
      Kind::Ablation,
      "ablations/shuffled-brain")
    ->fusion.shuffleBrain = true;
  add("PCC weight 2", "pccWeight 2", Kind::Lever, "")->pccWeight = 2.0;
  BmflHeadConfig* roi =
    add("ROI tokens",
        "one brain token per visual area (roi_tokens over visual-areas) instead of conv slices",
        Kind::Lever,
        "");
  roi->brainTransformer.tokenizer = "roi_tokens";
  roi->brainTransformer.roiLabelSet = "visual-areas";
  for (const int width :
       { reference.brainTransformer.width / 2, reference.brainTransformer.width * 2 })
  {
    add("fusion width " + std::to_string(width),
        "brain tokens of width " + std::to_string(width) + " (projected to the image width " +
          std::to_string(model.encoder.embedDim) + " for the cross-attention)",
        Kind::Lever,
        "")
      ->brainTransformer.width = width;
  }
  return variants;
}

std::string percentWithInterval(double accuracy, const Interval& interval)
{
  char text[64];
  std::snprintf(text,
                sizeof text,
                "%.1f%% [%.1f, %.1f]",
                100.0 * accuracy,
                100.0 * interval.low,
                100.0 * interval.high);
  return text;
}

std::uintmax_t folderBytes(const std::string& folder)
{
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
  {
    if (entry.is_regular_file())
    {
      bytes += entry.file_size();
    }
  }
  return bytes;
}

struct ReportInputs
{
  const DemoArguments* arguments = nullptr;
  const DemoSizes* sizes = nullptr;
  std::string date;
  std::vector<StageTiming> timings;
  std::vector<DatasetRecord> datasetSizes;
  TrainingReport encoderReport;
  TrainingReport brainReport;
  std::vector<RegionScore> regions;
  double noiseCeiling = 0.0;
  std::size_t heldOutImages = 0;
  std::vector<VariantResult> variants;
  std::size_t classes = 0;
  std::uintmax_t totalBytes = 0;
};

std::string reportMarkdown(const ReportInputs& in)
{
  std::ostringstream md;
  md << "# BMFL demo bundle: training report\n\n"
     << "Written by `bmfl train-demo` from what it measured in this run; nothing here is typed "
        "in by hand.\n\n"
     << "- Command: `" << in.arguments->commandLine << "`\n"
     << "- Seed: " << in.arguments->seed << "\n"
     << "- Date (UTC): " << in.date << "\n"
     << "- Mode: " << (in.arguments->quick ? "--quick (tiny sizes, for tests only)" : "full")
     << "\n"
     << "- Bundle size on disk (all weights, every variant): "
     << formatted("%.2f", static_cast<double>(in.totalBytes) / (1024.0 * 1024.0)) << " MiB\n\n"
     << "## What this model is, honestly\n\n"
     << "- The fMRI is **simulated**: subject `sim01`, a second-order-contrast pRF model on the "
        "Benson 2014 retinotopy template (docs/SIMULATED_SUBJECT.md), single-trial responses "
        "with measurement noise. No human brain data is involved.\n"
     << "- The image encoder has DINOv2's architecture but **not** DINOv2's weights: no "
        "pretrained weights can be obtained offline, so it was trained here, supervised, on "
        "fashion-mnist:train with a temporary linear head (a stand-in; it knows only these "
        "labels). Best validation accuracy of that stage: "
     << formatted("%.4f", in.encoderReport.bestMetric) << " (epoch " << in.encoderReport.bestEpoch
     << ").\n"
     << "- Every accuracy below comes from images held out from all training. The heads are "
        "evaluated on the frozen encoders' cached outputs; `bmfl evaluate` on the saved bundles "
        "gives the same verdicts.\n\n"
     << "## Stage timings\n\n| stage | seconds |\n|---|---:|\n";
  double total = 0.0;
  for (const StageTiming& timing : in.timings)
  {
    md << "| " << timing.stage << " | " << formatted("%.1f", timing.seconds) << " |\n";
    total += timing.seconds;
  }
  md << "| total | " << formatted("%.1f", total) << " |\n\n";
  md << "## Data sets\n\n| data set | images |\n|---|---:|\n";
  for (const DatasetRecord& record : in.datasetSizes)
  {
    md << "| " << record.name << " | " << record.size << " |\n";
  }
  md << "\nEpochs: image encoder " << in.sizes->encoderEpochs << ", brain encoder "
     << in.sizes->brainEpochs << ", each head " << in.sizes->headEpochs << ".\n\n";

  md << "## Brain encoder on held-out images\n\n"
     << "Pearson r per vertex between the predicted response and sim01's measured single-trial "
        "response over "
     << in.heldOutImages
     << " held-out fashion-mnist:test images, averaged per region. The noise ceiling for "
        "single-trial targets (noiseCeilingR(1), the r a perfect model reaches) is "
     << formatted("%.3f", in.noiseCeiling) << ". Best validation mean vertex r in training: "
     << formatted("%.4f", in.brainReport.bestMetric) << " (epoch " << in.brainReport.bestEpoch
     << ").\n\n"
     << "| label set | region | vertices | mean r | fraction of ceiling |\n"
     << "|---|---|---:|---:|---:|\n";
  for (const RegionScore& score : in.regions)
  {
    md << "| " << score.labelSet << " | " << score.region << " | " << score.vertices << " | "
       << formatted("%.3f", score.meanR) << " | "
       << formatted("%.2f", score.meanR / in.noiseCeiling) << " |\n";
  }

  const auto list = [](const std::vector<std::string>& names)
  {
    std::string text;
    for (const std::string& name : names)
    {
      text += (text.empty() ? "" : ", ") + name;
    }
    return text.empty() ? std::string("none") : text;
  };
  const auto againstBaseline = [&](const VariantResult& variant)
  {
    md << "| dataset | images | baseline [95% CI] | " << variant.name
       << " [95% CI] | delta (points) | McNemar p |\n"
       << "|---|---:|---|---|---:|---:|\n";
    std::vector<std::string> notBetter;
    std::vector<std::string> significantlyBetter;
    for (const DatasetAccuracy& row : variant.rows)
    {
      const double delta = row.bmflAccuracy() - row.baselineAccuracy();
      md << "| " << row.dataset << " | " << row.images << " | "
         << percentWithInterval(row.baselineAccuracy(), row.baselineInterval()) << " | "
         << percentWithInterval(row.bmflAccuracy(), row.bmflInterval()) << " | "
         << formatted("%+.1f", 100.0 * delta) << " | " << formatted("%.3g", row.mcNemarP())
         << " |\n";
      if (delta <= 0.0)
      {
        notBetter.push_back(row.dataset);
      }
      else if (row.mcNemarP() < 0.05)
      {
        significantlyBetter.push_back(row.dataset);
      }
    }
    md << "\n";
    if (notBetter.empty())
    {
      md << variant.name << " is more accurate than the baseline on every data set here.";
    }
    else
    {
      md << variant.name << " does **not** beat the baseline on: " << list(notBetter) << ".";
    }
    md << " Significantly better (McNemar p < 0.05): " << list(significantlyBetter) << ".\n";
  };

  const VariantResult& model = in.variants.front();
  md << "\n## Accuracy: baseline (linear probe) vs BMFL\n\n"
     << "BMFL: " << model.description
     << ". Wilson 95% intervals; exact McNemar p of the paired verdicts against the baseline on "
        "the same images. The baseline is one linear probe on the frozen encoder, the same in "
        "every table.\n\n";
  againstBaseline(model);
  // A difference between two heads that both guess says nothing about robustness.
  const double chance = 1.0 / static_cast<double>(std::max<std::size_t>(in.classes, 1));
  std::vector<std::string> atChance;
  for (const DatasetAccuracy& row : model.rows)
  {
    const Interval baseline = row.baselineInterval();
    const Interval bmfl = row.bmflInterval();
    if (baseline.low <= chance && chance <= baseline.high && bmfl.low <= chance &&
        chance <= bmfl.high)
    {
      atChance.push_back(row.dataset);
    }
  }
  if (!atChance.empty())
  {
    md << "\nBoth heads are at chance (1/" << in.classes
       << " inside both 95% intervals) on: " << list(atChance)
       << "; differences there say nothing about robustness.\n";
  }

  md << "\n## Ablations and levers, paired with BMFL\n\n"
     << "Every row is one BMFL head trained on the same frozen encoders with one change, and "
        "evaluated on the same images as BMFL. A cell is the accuracy, its difference from BMFL "
        "in points, and the exact McNemar p of the paired verdicts against BMFL. Ablation bundles "
        "are kept in `ablations/`; the levers are measured here and not saved.\n\n"
     << "| variant | kind | change |";
  for (const DatasetAccuracy& row : model.rows)
  {
    md << " " << row.dataset << " |";
  }
  md << "\n|---|---|---|";
  for (std::size_t d = 0; d < model.rows.size(); ++d)
  {
    md << "---:|";
  }
  md << "\n| BMFL | model | - |";
  for (const DatasetAccuracy& row : model.rows)
  {
    md << " " << formatted("%.1f", 100.0 * row.bmflAccuracy()) << " |";
  }
  md << "\n";
  struct Finding
  {
    std::string variant;
    std::vector<std::string> better; ///< data sets where the variant beats BMFL, p < 0.05
    std::vector<std::string> worse;
  };
  std::vector<Finding> findings;
  for (std::size_t v = 1; v < in.variants.size(); ++v)
  {
    const VariantResult& variant = in.variants[v];
    Finding finding{ variant.name, {}, {} };
    md << "| " << variant.name << " | " << variantKindName(variant.kind) << " | "
       << variant.description << " |";
    for (std::size_t d = 0; d < variant.rows.size() && d < model.rows.size(); ++d)
    {
      const PairedAccuracy paired = pairBmflVerdicts(model.rows[d], variant.rows[d]);
      const double delta = paired.secondAccuracy() - paired.firstAccuracy();
      md << " " << formatted("%.1f", 100.0 * paired.secondAccuracy()) << " ("
         << formatted("%+.1f", 100.0 * delta) << ", p " << formatted("%.2g", paired.mcNemarP())
         << ") |";
      if (paired.mcNemarP() < 0.05)
      {
        (delta > 0.0 ? finding.better : finding.worse).push_back(paired.dataset);
      }
    }
    md << "\n";
    findings.push_back(finding);
  }
  bool bmflBeatsBaseline = false;
  for (const DatasetAccuracy& row : model.rows)
  {
    bmflBeatsBaseline =
      bmflBeatsBaseline || (row.bmflAccuracy() > row.baselineAccuracy() && row.mcNemarP() < 0.05);
  }
  md << "\nWhere each change makes a significant difference (McNemar p < 0.05 against BMFL):\n\n";
  for (const Finding& finding : findings)
  {
    md << "- " << finding.variant << ": ";
    if (finding.better.empty() && finding.worse.empty())
    {
      md << "no significant difference on any data set.\n";
    }
    else
    {
      md << "more accurate than BMFL on " << list(finding.better) << "; less accurate on "
         << list(finding.worse) << ".\n";
    }
    if (finding.variant != "shuffled brain")
    {
      continue;
    }
    // The control that asks whether the image's own brain response matters at all.
    md << "  - ";
    if (finding.worse.empty())
    {
      md << "BMFL is significantly more accurate than its shuffled-fMRI control on no data set "
            "here: at this scale, pairing each image with its own brain response is not shown "
            "to matter for BMFL's accuracy.";
      if (bmflBeatsBaseline)
      {
        md << " Where BMFL beats the linear probe, the gain comes from what it shares with "
              "this control: the larger head (attention over the patch tokens).";
      }
    }
    else
    {
      md << "The image's own predicted brain response matters on " << list(finding.worse)
         << ": there BMFL beats the same head trained with shuffled fMRI.";
    }
    md << " The predicted fMRI is computed from the frozen encoder's own features, so it can "
          "add no information the image features lack, only a different representation of "
          "them.\n";
  }

  md << "\n## Each ablation and lever against the baseline\n";
  for (std::size_t v = 1; v < in.variants.size(); ++v)
  {
    const VariantResult& variant = in.variants[v];
    md << "\n### " << variant.name << " (" << variantKindName(variant.kind) << ": "
       << variant.description;
    if (variant.kind == VariantResult::Kind::Ablation)
    {
      md << "; bundle `" << variant.folder << "`";
    }
    md << ")\n\n";
    againstBaseline(variant);
  }
  return md.str();
}

int runTrainDemo(const DemoArguments& parsed)
{
  // Every option is checked before hours of training: the output must be a bundle (replaced) or
  // an empty or new folder, never a folder of other things.
  checkBundleTarget(parsed.out);
  const DemoSizes sizes = demoSizes(parsed);
  interrupted.store(false);
  std::signal(SIGINT, onInterrupt);
  try
  {
    ReportInputs report;
    report.arguments = &parsed;
    report.sizes = &sizes;
    report.date = utcTimestamp();
    const auto stageStart = std::chrono::steady_clock::now();
    auto lastStage = stageStart;
    const auto endStage = [&](const std::string& stage)
    {
      report.timings.push_back({ stage, secondsSince(lastStage) });
      std::fprintf(stderr, "[%7.1f s] %s done\n", secondsSince(stageStart), stage.c_str());
      lastStage = std::chrono::steady_clock::now();
    };

    // Data: Fashion-MNIST as the model sees it and as the subject sees it.
    const PreprocessConfig preprocess = demoPreprocess();
    DatasetOptions datasetOptions;
    datasetOptions.classNames = fashionMnistClassNames();
    const auto trainSet = openImageDataset("fashion-mnist:train", datasetOptions);
    const auto testSet = openImageDataset("fashion-mnist:test", datasetOptions);
    std::vector<std::shared_ptr<const ImageDataset>> evaluationSets{ testSet };
    for (const OodSetDefinition& definition : fashionMnistOodSets())
    {
      evaluationSets.push_back(
        openImageDataset("fashion-mnist-ood:" + definition.key, datasetOptions));
    }
    std::fprintf(stderr, "reading %s and %s\n", trainSet->name().c_str(), testSet->name().c_str());
    const std::vector<DemoImage> trainImages = readImages(
      trainSet, seededSelection(trainSet->size(), sizes.trainImages, parsed.seed), preprocess);
    const std::vector<DemoImage> heldOutImages =
      readImages(testSet,
                 seededSelection(testSet->size(), sizes.brainHeldOutImages, parsed.seed + 1),
                 preprocess);
    std::vector<TrainingExample> labelled;
    for (const DemoImage& image : trainImages)
    {
      labelled.push_back({ image.id, image.normalised, image.label, {} });
    }
    const VectorExampleSource trainSource(trainSet->name(), std::move(labelled));
    report.datasetSizes.push_back({ trainSet->name() + " (image encoder, heads)",
                                    static_cast<std::int64_t>(trainImages.size()) });
    endStage("read Fashion-MNIST");

    // The simulated subject, calibrated on training images.
    SimulatedSubject subject(
      loadBensonRetinotopy(
        resourceDirectory() + "/atlases/neuropythy/fsaverage/surf", "fsaverage5", 10242),
      SimulationConfig{});
    {
      std::vector<const DemoImage*> calibration;
      for (std::size_t index :
           seededSelection(trainImages.size(), sizes.calibrationImages, parsed.seed + 2))
      {
        calibration.push_back(&trainImages[index]);
      }
      subject.calibrate(noiselessResponses(subject, calibration, "calibration"));
      report.datasetSizes.push_back({ "sim01 calibration (fashion-mnist:train)",
                                      static_cast<std::int64_t>(calibration.size()) });
    }
    endStage("simulated subject: calibration");

    TrainerOptions trainerOptions;
    trainerOptions.device = parsed.device;
    trainerOptions.seed = parsed.seed;
    Trainer trainer(
      demoConfig(), subject.vertexSpace(), fashionMnistClassNames(), preprocess, trainerOptions);
    const TrainingControl control = progressControl();

    // (a) The image encoder: supervised stand-in for DINOv2.
    EncoderTrainingOptions encoderOptions;
    encoderOptions.epochs = sizes.encoderEpochs;
    encoderOptions.batchSize = 128;
    encoderOptions.learningRate = 1e-3;
    encoderOptions.weightDecay = 0.05;
    encoderOptions.gradientClipNorm = 1.0;
    encoderOptions.schedule = "cosine";
    encoderOptions.horizontalFlip = true;
    encoderOptions.maxTranslation = 2;
    encoderOptions.seed = parsed.seed;
    report.encoderReport = trainer.trainImageEncoder(trainSource, encoderOptions, control);
    checkFinished(report.encoderReport);
    endStage("(a) image encoder, supervised");

    // (b) sim01's single-trial responses, and the brain encoder trained on them with MSE.
    std::vector<const DemoImage*> brainImages;
    for (std::size_t index :
         seededSelection(trainImages.size(), sizes.brainTrainImages, parsed.seed + 3))
    {
      brainImages.push_back(&trainImages[index]);
    }
    const std::vector<std::vector<float>> brainNoiseless =
      noiselessResponses(subject, brainImages, "training");
    std::vector<TrainingExample> brainExamples;
    for (std::size_t i = 0; i < brainImages.size(); ++i)
    {
      brainExamples.push_back({ brainImages[i]->id,
                                brainImages[i]->normalised,
                                brainImages[i]->label,
                                subject.measuredResponse(brainNoiseless[i], i, 0) });
    }
    const VectorExampleSource brainSource("sim01 single-trial responses to fashion-mnist:train",
                                          std::move(brainExamples));
    report.datasetSizes.push_back(
      { brainSource.name() + " (brain encoder)", static_cast<std::int64_t>(brainSource.size()) });
    BrainEncoderTrainingOptions brainOptions;
    brainOptions.epochs = sizes.brainEpochs;
    brainOptions.batchSize = 64;
    brainOptions.learningRate = 5e-4;
    brainOptions.gradientClipNorm = 1.0;
    brainOptions.seed = parsed.seed;
    report.brainReport = trainer.trainBrainEncoder(brainSource, brainOptions, control);
    checkFinished(report.brainReport);
    endStage("(b) sim01 responses + brain encoder");

    // (c) The BMFL head and the baseline linear probe on the frozen encoders.
    HeadTrainingOptions headOptions;
    headOptions.epochs = sizes.headEpochs;
    headOptions.batchSize = 128;
    headOptions.learningRate = 1e-3;
    headOptions.weightDecay = 0.05;
    headOptions.seed = parsed.seed;
    checkFinished(trainer.trainBaselineHead(trainSource, headOptions, control));
    checkFinished(trainer.trainBmflHead(trainSource, headOptions, control));
    StagedFolder bundle(parsed.out);
    TrainingProvenance provenance;
    provenance.command = parsed.commandLine +
                         " (simulated subject sim01; image encoder: supervised stand-in for "
                         "DINOv2, no pretrained weights)";
    provenance.seed = parsed.seed;
    trainer.saveBundle(bundle.path(), provenance);
    endStage("(c) BMFL head + baseline head");

    // The brain encoder on held-out test images, through the bundle as users run it.
    EngineOptions engineOptions;
    engineOptions.device = parsed.device;
    engineOptions.batchSize = 128;
    {
      const auto engine = InferenceEngine::open(bundle.path(), engineOptions);
      std::vector<PreparedImage> prepared;
      std::vector<const DemoImage*> heldOut;
      for (const DemoImage& image : heldOutImages)
      {
        prepared.push_back({ image.id, 1, 28, 28, image.normalised });
        heldOut.push_back(&image);
      }
      const std::vector<ImageResult> results = engine->run(prepared, {}, &interrupted);
      stopIfInterrupted();
      const std::vector<std::vector<float>> heldOutNoiseless =
        noiselessResponses(subject, heldOut, "held-out");
      std::vector<std::vector<float>> predicted;
      std::vector<std::vector<float>> measured;
      for (std::size_t i = 0; i < results.size(); ++i)
      {
        predicted.push_back(results[i].predictedFmri);
        // Stimulus ids past the training ones: a held-out trial never repeats a training trial.
        measured.push_back(subject.measuredResponse(heldOutNoiseless[i], 1'000'000 + i, 0));
      }
      report.regions = regionCorrelations(subject.vertexSpace(), predicted, measured);
      report.noiseCeiling = subject.noiseCeilingR(1);
      report.heldOutImages = results.size();
      report.datasetSizes.push_back({ "sim01 single-trial responses to fashion-mnist:test "
                                      "(brain encoder held-out)",
                                      static_cast<std::int64_t>(results.size()) });
    }
    endStage("brain encoder held-out evaluation");

    // (d) The test set and the six OOD sets, read once: the frozen encoders run once per image
    // (their outputs cached like the training images'), then every head is evaluated on them.
    std::vector<VectorExampleSource> evaluationSources;
    for (const auto& dataset : evaluationSets)
    {
      // The first images in index order, as `bmfl evaluate --limit N` reads them.
      std::vector<std::size_t> first(sizes.evaluationImages == 0
                                       ? dataset->size()
                                       : std::min(dataset->size(), sizes.evaluationImages));
      std::iota(first.begin(), first.end(), std::size_t{ 0 });
      std::vector<TrainingExample> examples;
      for (DemoImage& image : readImages(dataset, first, preprocess, false))
      {
        examples.push_back({ image.id, std::move(image.normalised), image.label, {} });
      }
      report.datasetSizes.push_back(
        { dataset->name() + " (evaluation)", static_cast<std::int64_t>(examples.size()) });
      evaluationSources.emplace_back(dataset->name(), std::move(examples));
    }
    const auto evaluate = [&](VariantResult& variant)
    {
      for (const VectorExampleSource& source : evaluationSources)
      {
        std::fprintf(
          stderr, "  evaluating %s on %s\n", variant.name.c_str(), source.name().c_str());
        const HeadPredictions predictions = trainer.predictHeads(source, 256, control);
        if (predictions.cancelled)
        {
          throw Interrupted{};
        }
        DatasetAccuracy row;
        row.dataset = source.name();
        for (std::size_t i = 0; i < source.size(); ++i)
        {
          const bool baselineRight = predictions.baseline[i] == source.label(i);
          const bool bmflRight = predictions.bmfl[i] == source.label(i);
          row.add(baselineRight, bmflRight);
          row.verdicts.push_back({ i, baselineRight, bmflRight });
        }
        variant.rows.push_back(row);
      }
    };
    report.variants = demoVariants(trainer.config());
    report.classes = fashionMnistClassNames().size();
    evaluate(report.variants.front());
    endStage("(d) evaluation sets read and encoded; BMFL and baseline evaluated");

    // (e) Ablations and levers: each a new BMFL head on the same frozen encoders, evaluated on
    // the same images; the ablations are also saved as bundles.
    for (VariantResult& variant : report.variants)
    {
      if (variant.kind == VariantResult::Kind::Model)
      {
        continue;
      }
      std::fprintf(stderr, "%s: %s\n", variantKindName(variant.kind), variant.name.c_str());
      trainer.resetBmflHead(variant.head, parsed.seed);
      checkFinished(trainer.trainBmflHead(trainSource, headOptions, control));
      evaluate(variant);
      if (variant.kind == VariantResult::Kind::Ablation)
      {
        TrainingProvenance variantProvenance = provenance;
        variantProvenance.command += " [ablation: " + variant.description + "]";
        trainer.saveBundle((fs::path(bundle.path()) / variant.folder).string(), variantProvenance);
      }
    }
    endStage("(e) ablation and lever heads, trained and evaluated");

    report.totalBytes = folderBytes(bundle.path());
    writeTextFileAtomically((fs::path(bundle.path()) / "REPORT.md").string(),
                            reportMarkdown(report));
    bundle.commit();
    std::signal(SIGINT, SIG_DFL);
    std::printf("wrote %s (%.2f MiB) and %s/REPORT.md\n",
                parsed.out.c_str(),
                static_cast<double>(report.totalBytes) / (1024.0 * 1024.0),
                parsed.out.c_str());
    return 0;
  }
  catch (const Interrupted&)
  {
    std::cerr << "\nbmfl train-demo: interrupted; no bundle was written\n";
    std::signal(SIGINT, SIG_DFL);
    return 130;
  }
  catch (...)
  {
    std::signal(SIGINT, SIG_DFL);
    throw; // one line from main; the staging folder is gone with the unwound StagedFolder
  }
}

CommandRun defineTrainDemo(CLI::App& command)
{
  auto parsed = std::make_shared<DemoArguments>();
  parsed->out = (fs::path(BMFL_SOURCE_MODELS_DIR) / "demo").string();
  command.add_option("--out", parsed->out, "the bundle folder (replaced only if it is a bundle)")
    ->capture_default_str()
    ->type_name("DIR");
  command.add_option("--seed", parsed->seed, "random seed")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command.add_flag("--quick", parsed->quick, "tiny sizes, for tests: seconds, not minutes");
  command.add_option("--epochs", parsed->epochs, "epochs of every stage (default: per stage)")
    ->check(wholeNumber(1, 10000));
  command
    .add_option("--eval-images", parsed->evaluationImages, "images per evaluation set (0: all)")
    ->check(wholeNumber(0, INT32_MAX));
  command.add_option("--device", parsed->device, "where training runs")
    ->check(deviceName())
    ->capture_default_str();
  return [parsed, &command]()
  {
    // The provenance records the options as given.
    parsed->commandLine = "bmfl train-demo";
    for (const CLI::Option* option : command.get_options())
    {
      if (option->count() == 0 || option->get_name() == "--help")
      {
        continue;
      }
      parsed->commandLine += " " + option->get_name();
      for (const std::string& value :
           option->get_type_size() == 0 ? std::vector<std::string>{} : option->results())
      {
        parsed->commandLine += " " + value;
      }
    }
    return runTrainDemo(*parsed);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(trainDemo,
                      "train-demo",
                      "rebuild the demo bundle from Fashion-MNIST and the simulated subject sim01",
                      defineTrainDemo);

} // namespace bmfl::cli

#endif
