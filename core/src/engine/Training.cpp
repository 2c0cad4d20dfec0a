#include "bmfl/Training.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Sha256.h"
#include "bmfl/Timestamp.h"
#include "engine/BundleModules.h"
#include "engine/DistributedTensors.h"
#include "engine/FeatureCache.h"
#include "engine/Gradients.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

std::vector<TrainingExample> ExampleSource::examples(const std::vector<std::size_t>& indices) const
{
  std::vector<TrainingExample> result;
  result.reserve(indices.size());
  for (std::size_t index : indices)
  {
    result.push_back(example(index));
  }
  return result;
}

namespace
{

constexpr double NotYet = std::numeric_limits<double>::quiet_NaN();

// Torch's own errors (out of memory, a failed kernel) stop at the room's edge as one line:
// c10::Error carries a C++ backtrace after its first line.
template<class Result, class Work>
Result atTorchEdge(const char* what, Work&& work)
{
  try
  {
    return work();
  }
  catch (const c10::Error& error)
  {
    throw std::runtime_error(std::string(what) + " failed: " + torchErrorLine(error));
  }
}

std::string preprocessingText(const PreprocessConfig& preprocess)
{
  std::ostringstream text;
  text.precision(17);
  text << preprocess.resizeShortSide << ' ' << preprocess.cropSize << ' '
       << preprocess.interpolation << ' ' << preprocess.grayscaleToRgb;
  for (double value : preprocess.mean)
  {
    text << ' ' << value;
  }
  for (double value : preprocess.std)
  {
    text << ' ' << value;
  }
  if (preprocess.padToMultiple > 1)
  {
    text << " pad " << preprocess.padToMultiple;
  }
  return text.str();
}

torch::Tensor fromVector(const std::vector<float>& values, torch::IntArrayRef shape)
{
  return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat).clone();
}

torch::Tensor fromHalf(const std::vector<std::uint16_t>& bits, torch::IntArrayRef shape)
{
  return torch::from_blob(const_cast<std::uint16_t*>(bits.data()), shape, torch::kHalf)
    .to(torch::kFloat);
}

// A seeded shuffle of [0, n): its first validationFraction is held out for validation.
void splitIndices(std::size_t n,
                  double validationFraction,
                  std::uint64_t seed,
                  std::vector<std::size_t>& train,
                  std::vector<std::size_t>& validation)
{
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{ 0 });
  std::mt19937_64 random(seed);
  std::shuffle(order.begin(), order.end(), random);
  auto validationCount =
    static_cast<std::size_t>(std::llround(static_cast<double>(n) * validationFraction));
  if (validationFraction > 0.0 && validationCount == 0 && n >= 2)
  {
    validationCount = 1;
  }
  validationCount = std::min(validationCount, n > 0 ? n - 1 : 0);
  validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(validationCount));
  train.assign(order.begin() + static_cast<std::ptrdiff_t>(validationCount), order.end());
}

using StateCopy = std::map<std::string, torch::Tensor>;

StateCopy copyState(const torch::nn::Module& module)
{
  StateCopy copy;
  for (const auto& item : module.named_parameters(true))
  {
    copy[item.key()] = item.value().detach().clone();
  }
  for (const auto& item : module.named_buffers(true))
  {
    if (item.value().defined())
    {
      copy["buffer:" + item.key()] = item.value().detach().clone();
    }
  }
  return copy;
}

void restoreState(torch::nn::Module& module, const StateCopy& copy)
{
  torch::NoGradGuard noGrad;
  for (auto& item : module.named_parameters(true))
  {
    item.value().copy_(copy.at(item.key()));
  }
  for (auto& item : module.named_buffers(true))
  {
    if (item.value().defined())
    {
      item.value().copy_(copy.at("buffer:" + item.key()));
    }
  }
}

// Mean over vertices of the Pearson r across samples (vertices without variance are skipped).
double meanVertexCorrelation(const torch::Tensor& predicted, const torch::Tensor& target)
{
  if (predicted.size(0) < 2)
  {
    return NotYet;
  }
  const torch::Tensor p = predicted - predicted.mean(0, true);
  const torch::Tensor t = target - target.mean(0, true);
  const torch::Tensor r = (p * t).sum(0) / torch::sqrt((p * p).sum(0) * (t * t).sum(0));
  const torch::Tensor finite = torch::isfinite(r);
  if (finite.sum().item<std::int64_t>() == 0)
  {
    return NotYet;
  }
  return r.masked_select(finite).mean().item<double>();
}

/// Back-propagates a step's loss and updates the weights, first clipping the gradient norm of
/// `clipped` to clipNorm when clipNorm > 0. Returns the loss.
double optimise(torch::optim::Optimizer& optimizer,
                const torch::Tensor& loss,
                const std::vector<torch::Tensor>& clipped = {},
                double clipNorm = 0.0)
{
  zeroGradients(optimizer);
  loss.backward();
  if (clipNorm > 0.0)
  {
    torch::nn::utils::clip_grad_norm_(clipped, clipNorm);
  }
  optimizer.step();
  return loss.item<double>();
}

/// The share of a global batch [first, first + count) that rank trains on (all of it alone).
std::pair<std::size_t, std::size_t> rankShare(const DistributedGroup* group,
                                              std::size_t first,
                                              std::size_t count)
{
  if (group == nullptr)
  {
    return { first, count };
  }
  const auto rank = static_cast<std::size_t>(group->rank());
  const auto ranks = static_cast<std::size_t>(group->size());
  const std::size_t begin = first + count * rank / ranks;
  const std::size_t end = first + count * (rank + 1) / ranks;
  return { begin, end - begin };
}

/// A data-parallel step: each rank's loss is the mean over its share (shareCount of count
/// examples; no loss for none), its gradients are weighted by its share and summed over the
/// ranks, which gives every rank the gradient of one process's mean loss over the global batch.
/// Then as optimise (clipping the summed gradient). Returns the global batch's loss.
double optimiseShared(DistributedGroup& group,
                      torch::optim::Optimizer& optimizer,
                      const torch::Tensor& loss,
                      std::size_t shareCount,
                      std::size_t count,
                      const std::vector<torch::Tensor>& parameters,
                      double clipNorm = 0.0)
{
  zeroGradients(optimizer);
  const double weight = static_cast<double>(shareCount) / static_cast<double>(count);
  std::vector<double> lossAndDefined(1 + parameters.size(), 0.0);
  if (shareCount > 0)
  {
    (loss * weight).backward();
    lossAndDefined[0] = loss.item<double>() * weight;
  }
  // A parameter that takes part on any rank gets a gradient on all (zero where it took no part,
  // e.g. a rank without examples); one that takes part nowhere keeps none, as in one process.
  for (std::size_t i = 0; i < parameters.size(); ++i)
  {
    lossAndDefined[i + 1] = parameters[i].grad().defined() ? 1.0 : 0.0;
  }
  group.sum(lossAndDefined, "step loss");
  std::vector<torch::Tensor> gradients;
  for (std::size_t i = 0; i < parameters.size(); ++i)
  {
    if (lossAndDefined[i + 1] == 0.0)
    {
      continue;
    }
    torch::Tensor parameter = parameters[i];
    if (!parameter.grad().defined())
    {
      parameter.mutable_grad() = torch::zeros_like(parameter);
    }
    gradients.push_back(parameter.grad());
  }
  sumOverRanks(group, gradients, "gradient all-reduce");
  if (clipNorm > 0.0)
  {
    torch::nn::utils::clip_grad_norm_(parameters, clipNorm);
  }
  optimizer.step();
  return lossAndDefined[0];
}

/// One training stage's own parts; runEpochs supplies the loop every stage shares: shuffle,
/// steps with cancel checks and progress, the epoch's mean loss, validation, the best epoch.
struct StageLoop
{
  std::string stage;      ///< progress name: "image encoder", "brain encoder", ...
  std::string metricName; ///< "val accuracy", "val mean vertex r"
  int epochs = 0;
  std::size_t batchSize = 0;
  /// Whether the weights kept are the best epoch's by validation metric, or the last epoch's.
  bool keepBest = true;
  /// Puts the modules in training mode at the start of an epoch.
  std::function<void()> beginEpoch;
  /// Trains on trainIndices[first, first + count) and returns the step's loss.
  std::function<double(int epoch, std::size_t first, std::size_t count)> step;
  /// Whether there are validation examples: without them an epoch's validation loss and metric
  /// are NaN and validate is not called.
  bool hasValidation = true;
  /// The epoch's validation loss and metric.
  std::function<std::pair<double, double>()> validate;
  /// Called when an epoch becomes the kept one (copy its weights here).
  std::function<void()> keepEpoch;
  /// Resuming a checkpoint: the epoch to continue, and where in it (trainIndices then hold that
  /// epoch's order already, so it is not shuffled again).
  bool resumeMidEpoch = false;
  int startEpoch = 1;
  std::size_t startFirst = 0;
  double startLossSum = 0.0;
  std::int64_t startStep = 0;
  /// Called after each step with the epoch, the next step's first index, the epoch's loss sum and
  /// steps so far (where a checkpoint is written).
  std::function<void(int epoch, std::size_t nextFirst, double lossSum, std::int64_t step)>
    afterStep;
  /// Data-parallel ranks stop together: a cancel on any of them stops all before the same step.
  DistributedGroup* group = nullptr;
};

/// Runs a stage's epochs over trainIndices (shuffled in place with random each epoch) and fills
/// report.epochs, bestEpoch, bestMetric and cancelled.
void runEpochs(const StageLoop& loop,
               std::vector<std::size_t>& trainIndices,
               std::mt19937_64& random,
               const TrainingControl& control,
               TrainingReport& report)
{
  const std::size_t batchSize = loop.batchSize;
  const auto steps = static_cast<std::int64_t>((trainIndices.size() + batchSize - 1) / batchSize);
  for (int epoch = loop.startEpoch; epoch <= loop.epochs; ++epoch)
  {
    const bool resumed = loop.resumeMidEpoch && epoch == loop.startEpoch;
    if (!resumed)
    {
      std::shuffle(trainIndices.begin(), trainIndices.end(), random);
    }
    loop.beginEpoch();
    double lossSum = resumed ? loop.startLossSum : 0.0;
    std::int64_t step = resumed ? loop.startStep : 0;
    for (std::size_t first = resumed ? loop.startFirst : 0; first < trainIndices.size();
         first += batchSize)
    {
      bool cancel = control.cancel != nullptr && control.cancel->load();
      if (loop.group != nullptr)
      {
        cancel = loop.group->any(cancel, "cancel check");
      }
      if (cancel)
      {
        report.cancelled = true;
        return;
      }
      const double lossValue =
        loop.step(epoch, first, std::min(batchSize, trainIndices.size() - first));
      lossSum += lossValue;
      ++step;
      if (loop.afterStep)
      {
        loop.afterStep(epoch, first + batchSize, lossSum, step);
      }
      if (control.progress && step < steps)
      {
        control.progress(
          { loop.stage, epoch, loop.epochs, step, steps, lossValue, NotYet, loop.metricName });
      }
    }
    EpochReport epochReport;
    epochReport.trainLoss = lossSum / static_cast<double>(std::max<std::int64_t>(step, 1));
    std::tie(epochReport.validationLoss, epochReport.validationMetric) =
      loop.hasValidation ? loop.validate() : std::make_pair(NotYet, NotYet);
    report.epochs.push_back(epochReport);
    // The best epoch by validation metric (the first one while the metric is undefined).
    const double metric = epochReport.validationMetric;
    const bool kept =
      !loop.keepBest || report.bestEpoch == 0 ||
      (std::isfinite(metric) && (!std::isfinite(report.bestMetric) || metric > report.bestMetric));
    if (kept)
    {
      report.bestEpoch = epoch;
      report.bestMetric = metric;
      loop.keepEpoch();
    }
    if (control.progress)
    {
      control.progress({ loop.stage,
                         epoch,
                         loop.epochs,
                         steps,
                         steps,
                         epochReport.trainLoss,
                         metric,
                         loop.metricName });
    }
  }
}

} // namespace

struct Trainer::State
{
  BmflModelConfig config;
  VertexSpace space;
  std::vector<std::string> classNames;
  PreprocessConfig preprocess;
  std::optional<PreprocessConfig> brainPreprocess; ///< the brain encoder's own input, if any
  BmflModules modules;
  torch::Device device{ torch::kCPU };
  std::string cacheFolder;
  bool ownsCacheFolder = false;
  bool compact = false;        ///< TrainerOptions::compactFeatureCache
  bool cacheFeatures = true;   ///< TrainerOptions::cacheFeatures
  std::string encoderKey;      ///< digest of encoder weights + preprocessing: keys cached features
  std::string brainFeatureKey; ///< the same for the brain encoder's input (brainPreprocess)
  FeatureCacheStats stats;
  // The brain encoder's checksum and the tensors it was computed from (their storage and
  // version counter: an optimizer step or a load changes the version).
  std::vector<std::pair<const void*, std::int64_t>> brainChecksumStamp;
  std::string brainChecksum;
  std::vector<DatasetRecord> datasets;
  std::vector<std::pair<std::string, double>> metrics;
  int epochs = 0;
  std::shared_ptr<DistributedGroup> group; ///< data-parallel ranks (null: one process)

  ~State()
  {
    if (ownsCacheFolder)
    {
      std::error_code ignored;
      fs::remove_all(cacheFolder, ignored);
    }
  }

  void setUp(const TrainerOptions& options, bool loadedWeights)
  {
    device = resolveDevice(options.device);
    modules.to(device);
    compact = options.compactFeatureCache || !options.cacheFeatures;
    cacheFeatures = options.cacheFeatures;
    if (options.distributed && options.distributed->size() > 1)
    {
      group = options.distributed;
    }
    cacheFolder = options.featureCacheDir;
    if (group && cacheFolder.empty() && cacheFeatures)
    {
      throw std::invalid_argument("data-parallel training shares its feature extraction through "
                                  "a cache folder every rank sees: give featureCacheDir");
    }
    if (cacheFolder.empty() && cacheFeatures)
    {
      static std::atomic<unsigned> counter{ 0 };
      cacheFolder =
        (fs::temp_directory_path() /
         ("bmfl-feature-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
          .string();
      ownsCacheFolder = true;
    }
    if (!loadedWeights)
    {
      refreshEncoderKey();
      return;
    }
    // A bundle's frozen encoders are final: their checksums key the cache, the brain encoder's
    // hashed beside the image encoder's (a failure there surfaces when it is asked for again).
    std::thread brainHash(
      [this]()
      {
        try
        {
          brainEncoderChecksum();
        }
        catch (...)
        {
          brainChecksum.clear();
        }
      });
    try
    {
      refreshEncoderKey();
    }
    catch (...)
    {
      brainHash.join();
      throw;
    }
    brainHash.join();
  }

  void refreshEncoderKey()
  {
    const std::string weights = moduleChecksum(*modules.encoder);
    // The cached queries are those of the brain encoder's block (the last one unless chosen).
    const int block = queryBlock();
    const std::string blockText = block == -1 ? "" : "\nquery block " + std::to_string(block);
    encoderKey = sha256Hex(weights + "\n" + preprocessingText(preprocess) + blockText +
                           (compact ? "\ncompact fp16" : ""));
    brainFeatureKey =
      brainPreprocess
        ? sha256Hex(weights + "\nbrain " + preprocessingText(*brainPreprocess) + blockText)
        : std::string();
  }

  int queryBlock() const { return brainQueryBlock(config.brainEncoder); }

  // moduleChecksum of the brain encoder (it keys the cached predicted fMRI), hashed again only
  // when one of its tensors was replaced or changed: 72 MB at 39,548 vertices.
  const std::string& brainEncoderChecksum()
  {
    std::vector<std::pair<const void*, std::int64_t>> stamp;
    for (const auto& tensors :
         { modules.brainEncoder->parameters(), modules.brainEncoder->buffers() })
    {
      for (const torch::Tensor& tensor : tensors)
      {
        // Inference tensors have no version counter (and cannot change in place).
        stamp.emplace_back(tensor.defined() ? tensor.data_ptr() : nullptr,
                           !tensor.defined()       ? -1
                           : tensor.is_inference() ? -2
                                                   : tensor._version());
      }
    }
    if (brainChecksum.empty() || stamp != brainChecksumStamp)
    {
      brainChecksum = moduleChecksum(*modules.brainEncoder);
      brainChecksumStamp = std::move(stamp);
    }
    return brainChecksum;
  }

  // The seed of LibTorch's generator (dropout) on this rank: rank 0's is seed, as in one
  // process; the others' are drawn apart from it (and from the step when resumed).
  std::uint64_t rankSeed(std::uint64_t seed, std::int64_t step) const
  {
    if (!group || group->rank() == 0)
    {
      return seed;
    }
    return seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(group->rank()) +
           0xBF58476D1CE4E5B9ULL * static_cast<std::uint64_t>(step);
  }

  // Only rank 0 reports progress.
  TrainingControl rankControl(const TrainingControl& control) const
  {
    TrainingControl result = control;
    if (group && group->rank() != 0)
    {
      result.progress = nullptr;
    }
    return result;
  }

  // Whether this rank does item index of a pass shared out over the ranks (every one alone).
  bool mine(std::size_t index) const
  {
    return !group || index % static_cast<std::size_t>(group->size()) ==
                       static_cast<std::size_t>(group->rank());
  }

  // The end of a pass shared out: the ranks wait for each other (however long the others take)
  // and stop together when any was cancelled. Returns whether to go on.
  bool passDone(bool cancelled, const std::string& pass) const
  {
    if (!group)
    {
      return !cancelled;
    }
    return !group->any(cancelled, pass, true);
  }

  void refuseCompact(const std::string& stage) const
  {
    if (compact)
    {
      throw std::invalid_argument("a trainer with a compact or no feature cache trains heads "
                                  "only, not " +
                                  stage);
    }
  }

  FeatureCache cache() const { return FeatureCache(cacheFolder, encoderKey, compact); }
  FeatureCache brainCache() const { return FeatureCache(cacheFolder, brainFeatureKey); }

  // The side of the brain encoder's input: its crop padded up to a multiple.
  std::int64_t brainSide() const
  {
    const std::int64_t multiple = std::max(brainPreprocess->padToMultiple, 1);
    return (brainPreprocess->cropSize + multiple - 1) / multiple * multiple;
  }

  std::size_t brainImageValues() const
  {
    const auto side = static_cast<std::size_t>(brainSide());
    return static_cast<std::size_t>(config.encoder.inChannels) * side * side;
  }

  void recordDataset(const ExampleSource& source)
  {
    recordDataset(source.name(), static_cast<std::int64_t>(source.size()));
  }

  void recordDataset(const std::string& name, std::int64_t size)
  {
    for (const DatasetRecord& record : datasets)
    {
      if (record.name == name)
      {
        return;
      }
    }
    datasets.push_back({ name, size });
  }

  void recordMetric(const std::string& name, double value)
  {
    for (auto& metric : metrics)
    {
      if (metric.first == name)
      {
        metric.second = value;
        return;
      }
    }
    metrics.emplace_back(name, value);
  }

  void checkImage(const TrainingExample& example) const
  {
    const auto expected = static_cast<std::size_t>(config.encoder.inChannels) *
                          static_cast<std::size_t>(config.encoder.imageSize) *
                          static_cast<std::size_t>(config.encoder.imageSize);
    if (example.image.size() != expected)
    {
      throw std::invalid_argument(
        "training example " + example.id + " has " + std::to_string(example.image.size()) +
        " pixel values but the model takes " + std::to_string(config.encoder.inChannels) + "x" +
        std::to_string(config.encoder.imageSize) + "x" + std::to_string(config.encoder.imageSize));
    }
    if (brainPreprocess && example.brainImage.size() != brainImageValues())
    {
      throw std::invalid_argument("training example " + example.id + " has " +
                                  std::to_string(example.brainImage.size()) +
                                  " brain encoder input values but the brain preprocessing gives " +
                                  std::to_string(brainImageValues()));
    }
  }

  // The caching passes report every 64 images (epoch 0): on a large data set they are the long
  // part of the first run.
  static void reportPass(const char* stage,
                         std::size_t index,
                         std::size_t total,
                         const TrainingControl& control)
  {
    if (control.progress && index % 64 == 0 && index > 0)
    {
      control.progress({ stage,
                         0,
                         0,
                         static_cast<std::int64_t>(index),
                         static_cast<std::int64_t>(total),
                         NotYet,
                         NotYet,
                         "" });
    }
  }

  // The frozen encoder's features of images (each side * side pixels).
  ImageFeatures encode(const std::vector<const std::vector<float>*>& images, std::int64_t side)
  {
    torch::Tensor batch = torch::empty(
      { static_cast<std::int64_t>(images.size()), config.encoder.inChannels, side, side });
    for (std::size_t i = 0; i < images.size(); ++i)
    {
      std::memcpy(batch[static_cast<std::int64_t>(i)].data_ptr<float>(),
                  images[i]->data(),
                  images[i]->size() * sizeof(float));
    }
    ImageFeatures features = modules.encoder->forward(batch.to(device), queryBlock());
    stats.encoderImages += static_cast<std::int64_t>(images.size());
    return features;
  }

  // What the heads read of a batch of examples, computed by the frozen encoders: the CLS and
  // patch tokens rounded to fp16 (as a compact cache stores them; no queries) and the brain
  // encoder's predicted fMRI.
  std::pair<ImageFeatures, torch::Tensor> headInputs(const std::vector<TrainingExample>& batch)
  {
    torch::NoGradGuard noGrad;
    modules.encoder->eval();
    modules.brainEncoder->eval();
    std::vector<const std::vector<float>*> images;
    std::vector<const std::vector<float>*> brainImages;
    for (const TrainingExample& example : batch)
    {
      checkImage(example);
      images.push_back(&example.image);
      brainImages.push_back(&example.brainImage);
    }
    ImageFeatures features = encode(images, config.encoder.imageSize);
    const torch::Tensor fmri =
      modules.brainEncoder->forward(brainPreprocess ? encode(brainImages, brainSide()) : features);
    features.cls = features.cls.to(torch::kHalf).to(torch::kFloat);
    features.patches = features.patches.to(torch::kHalf).to(torch::kFloat);
    features.lastQuery = torch::Tensor();
    return { features, fmri };
  }

  static std::vector<std::uint16_t> halfBits(const torch::Tensor& values)
  {
    const torch::Tensor half = values.to(torch::kCPU).to(torch::kHalf).contiguous();
    std::vector<std::uint16_t> bits(static_cast<std::size_t>(half.numel()));
    std::memcpy(bits.data(), half.data_ptr(), bits.size() * sizeof(std::uint16_t));
    return bits;
  }

  // A batch's features stored under their ids (a compact cache: with the predicted fMRI under
  // brainKey).
  void storeFeatures(const FeatureCache& store,
                     const std::vector<std::string>& ids,
                     const std::vector<const std::vector<float>*>& images,
                     std::int64_t side)
  {
    const ImageFeatures features = encode(images, side);
    for (std::size_t i = 0; i < images.size(); ++i)
    {
      const auto row = static_cast<std::int64_t>(i);
      CachedFeatures entry;
      entry.dim = features.cls.size(1);
      entry.tokens = features.patches.size(1);
      entry.gridHeight = features.gridHeight;
      entry.gridWidth = features.gridWidth;
      entry.cls = tensorToFloats(features.cls[row]);
      entry.patches = tensorToFloats(features.patches[row]);
      entry.lastQuery = tensorToFloats(features.lastQuery[row]);
      store.storeFeatures(ids[i], entry);
    }
  }

  void storeCompact(const FeatureCache& store,
                    const std::vector<TrainingExample>& batch,
                    const std::string& brainKey)
  {
    const auto [features, fmri] = headInputs(batch);
    for (std::size_t i = 0; i < batch.size(); ++i)
    {
      const auto row = static_cast<std::int64_t>(i);
      CachedFeatures entry;
      entry.dim = features.cls.size(1);
      entry.tokens = features.patches.size(1);
      entry.gridHeight = features.gridHeight;
      entry.gridWidth = features.gridWidth;
      entry.halfCls = halfBits(features.cls[row]);
      entry.halfPatches = halfBits(features.patches[row]);
      store.storeFeatures(batch[i].id, entry);
      store.storeFmri(batch[i].id, brainKey, tensorToFloats(fmri[row]));
    }
  }

  // Runs the frozen encoder once per image whose features are not cached yet, in batches (a
  // second time on the brain encoder's input when it has its own; a compact cache also stores
  // the predicted fMRI then). Returns false when cancelled.
  bool ensureFeatures(const ExampleSource& source, int batchSize, const TrainingControl& control)
  {
    if (!cacheFeatures)
    {
      return true;
    }
    const FeatureCache store = cache();
    store.removeStaleTemporaries();
    const std::optional<FeatureCache> brainStore =
      brainPreprocess && !compact ? std::optional<FeatureCache>(brainCache()) : std::nullopt;
    if (brainStore)
    {
      brainStore->removeStaleTemporaries();
    }
    const std::string brainKey = compact ? brainEncoderChecksum() : std::string();
    std::vector<std::size_t> pendingIndices;
    const auto flush = [&]()
    {
      if (pendingIndices.empty())
      {
        return;
      }
      std::vector<TrainingExample> pending = source.examples(pendingIndices);
      pendingIndices.clear();
      if (compact)
      {
        storeCompact(store, pending, brainKey);
        return;
      }
      torch::NoGradGuard noGrad;
      modules.encoder->eval();
      std::vector<std::string> ids;
      std::vector<const std::vector<float>*> images;
      std::vector<const std::vector<float>*> brainImages;
      for (const TrainingExample& example : pending)
      {
        checkImage(example);
        ids.push_back(example.id);
        images.push_back(&example.image);
        brainImages.push_back(&example.brainImage);
      }
      storeFeatures(store, ids, images, config.encoder.imageSize);
      if (brainStore)
      {
        storeFeatures(*brainStore, ids, brainImages, brainSide());
      }
      pending.clear();
    };
    bool cancelled = false;
    for (std::size_t index = 0; index < source.size(); ++index)
    {
      if (control.cancel != nullptr && control.cancel->load())
      {
        cancelled = true;
        break;
      }
      reportPass("image features", index, source.size(), control);
      if (!mine(index))
      {
        continue;
      }
      const std::string id = source.id(index);
      if (store.hasFeatures(id) && (!brainStore || brainStore->hasFeatures(id)) &&
          (!compact || store.hasFmri(id, brainKey, space.size())))
      {
        ++stats.featureHits;
        continue;
      }
      ++stats.featureMisses;
      pendingIndices.push_back(index);
      if (static_cast<int>(pendingIndices.size()) >= batchSize)
      {
        flush();
      }
    }
    if (!cancelled)
    {
      flush();
    }
    return passDone(cancelled, "feature extraction");
  }

  ImageFeatures loadFeatures(const std::vector<std::string>& ids) const
  {
    return loadFeaturesFrom(cache(), ids);
  }

  // What the brain encoder reads: the features of its own input when it has one.
  ImageFeatures loadBrainFeatures(const std::vector<std::string>& ids) const
  {
    return loadFeaturesFrom(brainPreprocess ? brainCache() : cache(), ids);
  }

  ImageFeatures loadFeaturesFrom(const FeatureCache& store,
                                 const std::vector<std::string>& ids) const
  {
    std::vector<torch::Tensor> cls;
    std::vector<torch::Tensor> patches;
    std::vector<torch::Tensor> lastQuery;
    ImageFeatures features;
    for (const std::string& id : ids)
    {
      CachedFeatures entry;
      if (!store.loadFeatures(id, entry))
      {
        throw FileError(store.folder(),
                        "the feature cache lost the entry of " + id + " during training");
      }
      if (compact)
      {
        cls.push_back(fromHalf(entry.halfCls, { entry.dim }));
        patches.push_back(fromHalf(entry.halfPatches, { entry.tokens, entry.dim }));
        features.gridHeight = entry.gridHeight;
        features.gridWidth = entry.gridWidth;
        continue;
      }
      cls.push_back(fromVector(entry.cls, { entry.dim }));
      patches.push_back(fromVector(entry.patches, { entry.tokens, entry.dim }));
      lastQuery.push_back(fromVector(entry.lastQuery, { entry.tokens, entry.dim }));
      features.gridHeight = entry.gridHeight;
      features.gridWidth = entry.gridWidth;
    }
    features.cls = torch::stack(cls).to(device);
    features.patches = torch::stack(patches).to(device);
    if (!compact)
    {
      features.lastQuery = torch::stack(lastQuery).to(device);
    }
    return features;
  }

  // Predicted fMRI of every example under the current brain encoder, cached on disk.
  bool ensureFmri(const ExampleSource& source,
                  int batchSize,
                  const std::string& brainKey,
                  const TrainingControl& control)
  {
    if (compact)
    {
      return true; // stored with the features (ensureFeatures), or computed at each step
    }
    const FeatureCache store = cache();
    std::vector<std::string> pending;
    const auto flush = [&]()
    {
      if (pending.empty())
      {
        return;
      }
      torch::NoGradGuard noGrad;
      modules.brainEncoder->eval();
      const torch::Tensor fmri = modules.brainEncoder->forward(loadBrainFeatures(pending));
      for (std::size_t i = 0; i < pending.size(); ++i)
      {
        store.storeFmri(pending[i], brainKey, tensorToFloats(fmri[static_cast<std::int64_t>(i)]));
      }
      pending.clear();
    };
    bool cancelled = false;
    for (std::size_t index = 0; index < source.size(); ++index)
    {
      if (control.cancel != nullptr && control.cancel->load())
      {
        cancelled = true;
        break;
      }
      reportPass("predicted fMRI", index, source.size(), control);
      if (!mine(index))
      {
        continue;
      }
      const std::string id = source.id(index);
      if (store.hasFmri(id, brainKey, space.size()))
      {
        ++stats.fmriHits;
        continue;
      }
      ++stats.fmriMisses;
      pending.push_back(id);
      if (static_cast<int>(pending.size()) >= batchSize)
      {
        flush();
      }
    }
    if (!cancelled)
    {
      flush();
    }
    return passDone(cancelled, "predicted fMRI extraction");
  }

  torch::Tensor loadFmri(const std::vector<std::string>& ids, const std::string& brainKey) const
  {
    const FeatureCache store = cache();
    std::vector<torch::Tensor> rows;
    for (const std::string& id : ids)
    {
      std::vector<float> values;
      if (!store.loadFmri(id, brainKey, space.size(), values))
      {
        throw FileError(store.folder(),
                        "the feature cache lost the fMRI of " + id + " during training");
      }
      rows.push_back(fromVector(values, { static_cast<std::int64_t>(values.size()) }));
    }
    return torch::stack(rows).to(device);
  }

  enum class HeadKind
  {
    Bmfl,
    Baseline
  };

  TrainingReport trainHead(HeadKind kind,
                           const ExampleSource& source,
                           const HeadTrainingOptions& options,
                           const TrainingControl& control);
};

Trainer::Trainer(std::unique_ptr<State> state)
  : Impl(std::move(state))
{
}

Trainer::Trainer(const BmflModelConfig& config,
                 const VertexSpace& space,
                 std::vector<std::string> classNames,
                 const PreprocessConfig& preprocess,
                 const TrainerOptions& options)
  : Impl(std::make_unique<State>())
{
  if (classNames.size() != static_cast<std::size_t>(config.numClasses))
  {
    throw std::invalid_argument("numClasses is " + std::to_string(config.numClasses) + " but " +
                                std::to_string(classNames.size()) + " class names were given");
  }
  Impl->config = config;
  Impl->space = space;
  Impl->classNames = std::move(classNames);
  Impl->preprocess = preprocess;
  // The seed fixes the initial weights: two trainers with one seed start identical.
  torch::manual_seed(options.seed);
  Impl->modules = buildModules(config, space, "training configuration");
  Impl->setUp(options, false);
}

std::unique_ptr<Trainer> Trainer::fromBundle(const std::string& bundleDir,
                                             const TrainerOptions& options)
{
  return fromBundle(bundleDir, readBundleManifest(bundleDir), options);
}

std::unique_ptr<Trainer> Trainer::fromBundle(const std::string& bundleDir,
                                             const BundleManifest& manifest,
                                             const TrainerOptions& options)
{
  auto state = std::make_unique<State>();
  state->config = manifest.model;
  state->space = manifest.vertexSpace;
  state->classNames = manifest.classNames;
  state->preprocess = manifest.preprocess;
  state->brainPreprocess = manifest.brainPreprocess;
  state->datasets = manifest.provenance.datasets;
  state->metrics = manifest.provenance.finalMetrics;
  state->epochs = manifest.provenance.epochs;
  state->modules = loadBundleModules(bundleDir, manifest);
  state->setUp(options, true);
  return std::unique_ptr<Trainer>(new Trainer(std::move(state)));
}

Trainer::~Trainer() = default;

void Trainer::setBrainPreprocess(const std::optional<PreprocessConfig>& brainPreprocess)
{
  if (brainPreprocess)
  {
    const int multiple = std::max(brainPreprocess->padToMultiple, 1);
    const int side = (brainPreprocess->cropSize + multiple - 1) / multiple * multiple;
    if (brainPreprocess->cropSize < 1 || side % Impl->config.encoder.patchSize != 0)
    {
      throw std::invalid_argument("the brain preprocessing gives images of " +
                                  std::to_string(side) +
                                  " pixels a side, not a positive multiple of the patch size " +
                                  std::to_string(Impl->config.encoder.patchSize));
    }
  }
  Impl->brainPreprocess = brainPreprocess;
  Impl->refreshEncoderKey();
}

void Trainer::loadEncoderWeights(const std::string& checkpointPath)
{
  try
  {
    Impl->modules.encoder->to(torch::kCPU);
    loadDinoV2Weights(Impl->modules.encoder, checkpointPath);
    for (torch::Tensor& parameter : Impl->modules.encoder->parameters())
    {
      parameter.set_requires_grad(false);
    }
    Impl->modules.encoder->to(Impl->device);
  }
  catch (const c10::Error& error)
  {
    throw FileError(checkpointPath, "cannot be loaded: " + torchErrorLine(error));
  }
  Impl->refreshEncoderKey();
}

namespace
{

// The stand-in encoder is trained on images in memory, so the augmentation works on tensors: a
// flip of the width axis and an integer shift that repeats the border pixels (the background of
// a centred object) rather than wrapping the image around.
torch::Tensor augmentImage(const torch::Tensor& image,
                           const EncoderTrainingOptions& options,
                           std::mt19937_64& random)
{
  torch::Tensor result = image;
  if (options.horizontalFlip && std::bernoulli_distribution(0.5)(random))
  {
    result = result.flip({ 2 });
  }
  if (options.maxTranslation > 0)
  {
    std::uniform_int_distribution<std::int64_t> shift(-options.maxTranslation,
                                                      options.maxTranslation);
    const std::int64_t dx = shift(random);
    const std::int64_t dy = shift(random);
    const std::int64_t pad = options.maxTranslation;
    const std::int64_t height = image.size(1);
    const std::int64_t width = image.size(2);
    const torch::Tensor padded = torch::nn::functional::pad(
      result.unsqueeze(0),
      torch::nn::functional::PadFuncOptions({ pad, pad, pad, pad }).mode(torch::kReplicate));
    result = padded[0].narrow(1, pad - dy, height).narrow(2, pad - dx, width).contiguous();
  }
  return result;
}

double scheduledLearningRate(const EncoderTrainingOptions& options,
                             int epoch,
                             std::int64_t stepsDone,
                             std::int64_t totalSteps)
{
  if (options.schedule == "step")
  {
    return options.learningRate * std::pow(options.stepFactor, (epoch - 1) / options.stepEpochs);
  }
  const double progress = static_cast<double>(stepsDone) / static_cast<double>(totalSteps);
  return 0.5 * options.learningRate * (1.0 + std::cos(M_PI * progress));
}

void setEncoderTrainable(DinoVisionTransformer& encoder, bool trainable)
{
  for (torch::Tensor& parameter : encoder->parameters())
  {
    parameter.set_requires_grad(trainable);
  }
}

} // namespace

TrainingReport Trainer::trainImageEncoder(const ExampleSource& source,
                                          const EncoderTrainingOptions& options,
                                          const TrainingControl& control)
{
  return atTorchEdge<TrainingReport>(
    "training the image encoder",
    [&]() -> TrainingReport
    {
      if (options.epochs <= 0 || options.batchSize <= 0)
      {
        throw std::invalid_argument("epochs and batch size must be positive");
      }
      if (options.schedule != "cosine" && options.schedule != "step")
      {
        throw std::invalid_argument(
          "the learning-rate schedule must be \"cosine\" or \"step\", not \"" + options.schedule +
          "\"");
      }
      if (options.schedule == "step" && (options.stepEpochs <= 0 || options.stepFactor <= 0.0))
      {
        throw std::invalid_argument("a step schedule needs positive stepEpochs and stepFactor");
      }
      if (options.maxTranslation < 0 || options.maxTranslation >= Impl->config.encoder.imageSize)
      {
        throw std::invalid_argument("maxTranslation must lie in [0, imageSize)");
      }
      State& state = *Impl;
      state.refuseCompact("the image encoder");
      if (state.group)
      {
        throw std::invalid_argument("the image encoder stage trains in one process");
      }
      const ImageEncoderConfig& encoderConfig = state.config.encoder;
      TrainingReport report;
      report.bestMetric = NotYet;

      // Every image in memory once: epochs revisit them in new orders and augmentations.
      const auto count = static_cast<std::int64_t>(source.size());
      const std::int64_t side = encoderConfig.imageSize;
      torch::Tensor images = torch::empty({ count, encoderConfig.inChannels, side, side });
      std::vector<std::int64_t> labels(source.size());
      for (std::size_t i = 0; i < source.size(); ++i)
      {
        if (control.cancel != nullptr && control.cancel->load())
        {
          report.cancelled = true;
          return report;
        }
        State::reportPass("encoder images", i, source.size(), control);
        const TrainingExample example = source.example(i);
        state.checkImage(example);
        if (example.label < 0 || example.label >= state.config.numClasses)
        {
          throw std::invalid_argument("training example " + example.id + " has label " +
                                      std::to_string(example.label) + " but the model has " +
                                      std::to_string(state.config.numClasses) + " classes");
        }
        labels[i] = example.label;
        std::memcpy(images[static_cast<std::int64_t>(i)].data_ptr<float>(),
                    example.image.data(),
                    example.image.size() * sizeof(float));
      }
      std::vector<std::size_t> trainIndices;
      std::vector<std::size_t> validationIndices;
      splitIndices(
        source.size(), options.validationFraction, options.seed, trainIndices, validationIndices);
      report.trainExamples = static_cast<std::int64_t>(trainIndices.size());
      report.validationExamples = static_cast<std::int64_t>(validationIndices.size());
      if (trainIndices.empty())
      {
        throw std::invalid_argument("no training examples");
      }

      DinoVisionTransformer& encoder = state.modules.encoder;
      torch::manual_seed(options.seed);
      std::mt19937_64 random(options.seed);
      // The head sees what the later stages use: the [CLS] token and the patch tokens (pooled).
      torch::nn::Linear head(2 * encoderConfig.embedDim, state.config.numClasses);
      head->to(state.device);
      setEncoderTrainable(encoder, true);
      std::vector<torch::Tensor> parameters = encoder->parameters();
      for (const torch::Tensor& parameter : head->parameters())
      {
        parameters.push_back(parameter);
      }
      torch::optim::AdamW optimizer(
        parameters,
        torch::optim::AdamWOptions(options.learningRate).weight_decay(options.weightDecay));
      const auto logitsOf = [&](const torch::Tensor& batch)
      {
        const ImageFeatures features = encoder->forward(batch.to(state.device));
        return head->forward(torch::cat({ features.cls, features.patches.mean(1) }, 1));
      };
      const auto batchOf = [&](const std::vector<std::size_t>& indices,
                               std::size_t first,
                               std::size_t size,
                               bool augment,
                               torch::Tensor& targets)
      {
        std::vector<torch::Tensor> rows;
        std::vector<std::int64_t> batchLabels;
        for (std::size_t i = first; i < first + size; ++i)
        {
          const torch::Tensor image = images[static_cast<std::int64_t>(indices[i])];
          rows.push_back(augment ? augmentImage(image, options, random) : image);
          batchLabels.push_back(labels[indices[i]]);
        }
        targets = torch::tensor(batchLabels, torch::kLong).to(state.device);
        return torch::stack(rows);
      };

      // The starting weights are the fallback: a stage cancelled before its first epoch ends leaves
      // the encoder as it was.
      StateCopy best = copyState(*encoder);
      const auto batchSize = static_cast<std::size_t>(options.batchSize);
      const auto steps =
        static_cast<std::int64_t>((trainIndices.size() + batchSize - 1) / batchSize);
      const std::int64_t totalSteps = steps * options.epochs;
      std::int64_t stepsDone = 0;
      StageLoop loop;
      loop.stage = "image encoder";
      loop.metricName = "val accuracy";
      loop.epochs = options.epochs;
      loop.batchSize = batchSize;
      loop.beginEpoch = [&]()
      {
        encoder->train();
        head->train();
      };
      loop.step = [&](int epoch, std::size_t first, std::size_t size)
      {
        const double learningRate = scheduledLearningRate(options, epoch, stepsDone, totalSteps);
        for (auto& group : optimizer.param_groups())
        {
          static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learningRate);
        }
        torch::Tensor targets;
        const torch::Tensor batch = batchOf(trainIndices, first, size, true, targets);
        ++stepsDone;
        return optimise(optimizer,
                        torch::nn::functional::cross_entropy(logitsOf(batch), targets),
                        parameters,
                        options.gradientClipNorm);
      };
      loop.hasValidation = !validationIndices.empty();
      loop.validate = [&]()
      {
        torch::NoGradGuard noGrad;
        encoder->eval();
        head->eval();
        double lossTotal = 0.0;
        std::int64_t correct = 0;
        for (std::size_t first = 0; first < validationIndices.size(); first += batchSize)
        {
          const std::size_t size = std::min(batchSize, validationIndices.size() - first);
          torch::Tensor targets;
          const torch::Tensor logits =
            logitsOf(batchOf(validationIndices, first, size, false, targets));
          lossTotal += torch::nn::functional::cross_entropy(logits, targets).item<double>() *
                       static_cast<double>(size);
          correct += logits.argmax(1).eq(targets).sum().item<std::int64_t>();
        }
        const auto total = static_cast<double>(validationIndices.size());
        return std::make_pair(lossTotal / total, static_cast<double>(correct) / total);
      };
      loop.keepEpoch = [&]() { best = copyState(*encoder); };
      runEpochs(loop, trainIndices, random, control, report);
      restoreState(*encoder, best);
      setEncoderTrainable(encoder, false);
      encoder->eval();
      // New weights, new key: features cached under the old encoder are never read again.
      state.refreshEncoderKey();
      if (!report.epochs.empty())
      {
        state.recordDataset("image encoder (supervised stand-in for DINOv2, not pretrained): " +
                              source.name(),
                            static_cast<std::int64_t>(source.size()));
        state.recordMetric("image_encoder_val_accuracy", report.bestMetric);
      }
      state.epochs = std::max(state.epochs, static_cast<int>(report.epochs.size()));
      return report;
    });
}

TrainingReport Trainer::trainBrainEncoder(const ExampleSource& source,
                                          const BrainEncoderTrainingOptions& options,
                                          const TrainingControl& control)
{
  return atTorchEdge<TrainingReport>(
    "training the brain encoder",
    [&]() -> TrainingReport
    {
      if (options.epochs <= 0 || options.batchSize <= 0)
      {
        throw std::invalid_argument("epochs and batch size must be positive");
      }
      State& state = *Impl;
      state.refuseCompact("the brain encoder");
      TrainingReport report;
      report.bestMetric = NotYet;
      const std::size_t vertexCount = state.space.size();

      // Targets in memory (one row per example), checked before any work.
      std::vector<std::string> ids(source.size());
      torch::Tensor targets = torch::empty(
        { static_cast<std::int64_t>(source.size()), static_cast<std::int64_t>(vertexCount) });
      for (std::size_t i = 0; i < source.size(); ++i)
      {
        ids[i] = source.id(i);
        const std::vector<float> fmri = source.fmri(i);
        if (fmri.size() != vertexCount)
        {
          throw std::invalid_argument(
            "training example " + ids[i] + " has " + std::to_string(fmri.size()) +
            " fMRI values but the vertex space has " + std::to_string(vertexCount));
        }
        std::memcpy(targets[static_cast<std::int64_t>(i)].data_ptr<float>(),
                    fmri.data(),
                    vertexCount * sizeof(float));
      }
      std::vector<std::size_t> trainIndices = options.trainIndices;
      std::vector<std::size_t> validationIndices = options.validationIndices;
      if (trainIndices.empty())
      {
        splitIndices(
          source.size(), options.validationFraction, options.seed, trainIndices, validationIndices);
      }
      for (const std::vector<std::size_t>* part : { &trainIndices, &validationIndices })
      {
        for (std::size_t index : *part)
        {
          if (index >= source.size())
          {
            throw std::invalid_argument("split index " + std::to_string(index) + " is past the " +
                                        std::to_string(source.size()) + " examples");
          }
        }
      }
      report.trainExamples = static_cast<std::int64_t>(trainIndices.size());
      report.validationExamples = static_cast<std::int64_t>(validationIndices.size());
      if (trainIndices.empty())
      {
        throw std::invalid_argument("no training examples");
      }
      // The columns the loss and metric read: each hemisphere's (perHemisphere) or all, each
      // only labelled vertices of the query label set when asked.
      const VertexLabels* queryLabels = state.space.labels(state.config.brainEncoder.queryLabelSet);
      std::vector<torch::Tensor> lossColumns;
      std::vector<torch::Tensor> metricColumns;
      {
        const std::size_t leftCount = state.space.left.size();
        std::vector<std::vector<std::int64_t>> loss(options.perHemisphere ? 2 : 1);
        std::vector<std::vector<std::int64_t>> metric(loss.size());
        for (std::size_t vertex = 0; vertex < vertexCount; ++vertex)
        {
          const std::size_t part = options.perHemisphere && vertex >= leftCount ? 1 : 0;
          metric[part].push_back(static_cast<std::int64_t>(vertex));
          const bool labelled = queryLabels == nullptr ||
                                (vertex < leftCount ? queryLabels->left[vertex]
                                                    : queryLabels->right[vertex - leftCount]) > 0;
          if (!options.labelledVerticesOnly || labelled)
          {
            loss[part].push_back(static_cast<std::int64_t>(vertex));
          }
        }
        for (std::size_t part = 0; part < loss.size(); ++part)
        {
          if (loss[part].empty())
          {
            throw std::invalid_argument("no labelled vertex for the loss in a hemisphere");
          }
          lossColumns.push_back(torch::tensor(loss[part], torch::kLong).to(state.device));
          metricColumns.push_back(torch::tensor(metric[part], torch::kLong));
        }
      }
      const auto lossOf = [&](const torch::Tensor& predicted, const torch::Tensor& target)
      {
        torch::Tensor loss = torch::zeros({}, predicted.options());
        for (const torch::Tensor& columns : lossColumns)
        {
          loss = loss + torch::mse_loss(predicted.index_select(1, columns.to(predicted.device())),
                                        target.index_select(1, columns.to(target.device())));
        }
        return loss;
      };
      const auto metricOf = [&](const torch::Tensor& predicted, const torch::Tensor& target)
      {
        double sum = 0.0;
        for (const torch::Tensor& columns : metricColumns)
        {
          sum += meanVertexCorrelation(predicted.index_select(1, columns),
                                       target.index_select(1, columns));
        }
        return sum / static_cast<double>(metricColumns.size());
      };
      if (!state.ensureFeatures(source, options.batchSize, state.rankControl(control)))
      {
        report.cancelled = true;
        return report;
      }
      state.recordDataset(source);

      BrainEncoder& model = state.modules.brainEncoder;
      torch::manual_seed(state.rankSeed(options.seed, 0));
      std::mt19937_64 random(options.seed);
      torch::optim::AdamW optimizer(
        model->parameters(),
        torch::optim::AdamWOptions(options.learningRate).weight_decay(options.weightDecay));
      const auto batchOf = [&](const std::vector<std::size_t>& indices,
                               std::size_t first,
                               std::size_t count,
                               std::vector<std::string>& batchIds)
      {
        batchIds.clear();
        std::vector<std::int64_t> rows;
        for (std::size_t i = first; i < first + count; ++i)
        {
          batchIds.push_back(ids[indices[i]]);
          rows.push_back(static_cast<std::int64_t>(indices[i]));
        }
        return targets.index_select(0, torch::tensor(rows, torch::kLong)).to(state.device);
      };

      StateCopy best;
      std::vector<std::string> batchIds;
      StageLoop loop;
      loop.stage = "brain encoder";
      loop.metricName =
        options.perHemisphere ? "val (mean r lh + mean r rh) / 2" : "val mean vertex r";
      loop.epochs = options.epochs;
      loop.batchSize = static_cast<std::size_t>(options.batchSize);
      loop.beginEpoch = [&]() { model->train(); };
      loop.group = state.group.get();
      loop.step = [&](int /*epoch*/, std::size_t first, std::size_t count)
      {
        if (!state.group)
        {
          const torch::Tensor target = batchOf(trainIndices, first, count, batchIds);
          const torch::Tensor predicted = model->forward(state.loadBrainFeatures(batchIds));
          return optimise(
            optimizer, lossOf(predicted, target), model->parameters(), options.gradientClipNorm);
        }
        const auto [shareFirst, shareCount] = rankShare(state.group.get(), first, count);
        torch::Tensor loss;
        if (shareCount > 0)
        {
          const torch::Tensor target = batchOf(trainIndices, shareFirst, shareCount, batchIds);
          loss = lossOf(model->forward(state.loadBrainFeatures(batchIds)), target);
        }
        return optimiseShared(*state.group,
                              optimizer,
                              loss,
                              shareCount,
                              count,
                              model->parameters(),
                              options.gradientClipNorm);
      };
      // Validation: MSE and mean per-vertex Pearson r over the held-out images.
      loop.hasValidation = !validationIndices.empty();
      loop.validate = [&]()
      {
        torch::NoGradGuard noGrad;
        model->eval();
        // Each rank predicts its share; the rows are gathered (a sum over zero-filled rows is
        // exact), so every rank scores all of them as one process would.
        const auto [shareFirst, shareCount] =
          rankShare(state.group.get(), 0, validationIndices.size());
        std::vector<torch::Tensor> predictions;
        for (std::size_t first = shareFirst; first < shareFirst + shareCount;
             first += loop.batchSize)
        {
          batchOf(validationIndices,
                  first,
                  std::min(loop.batchSize, shareFirst + shareCount - first),
                  batchIds);
          predictions.push_back(model->forward(state.loadBrainFeatures(batchIds)).to(torch::kCPU));
        }
        torch::Tensor predicted =
          state.group ? torch::zeros({ static_cast<std::int64_t>(validationIndices.size()),
                                       static_cast<std::int64_t>(vertexCount) })
                      : torch::cat(predictions);
        if (state.group)
        {
          if (!predictions.empty())
          {
            predicted
              .narrow(
                0, static_cast<std::int64_t>(shareFirst), static_cast<std::int64_t>(shareCount))
              .copy_(torch::cat(predictions));
          }
          sumOverRanks(*state.group, { predicted }, "validation");
        }
        const torch::Tensor truth =
          batchOf(validationIndices, 0, validationIndices.size(), batchIds).to(torch::kCPU);
        return std::make_pair(lossOf(predicted, truth).item<double>(), metricOf(predicted, truth));
      };
      loop.keepEpoch = [&]() { best = copyState(*model); };
      runEpochs(loop, trainIndices, random, state.rankControl(control), report);
      if (!best.empty())
      {
        restoreState(*model, best);
        state.recordMetric("brain_encoder_val_mean_vertex_r", report.bestMetric);
      }
      model->eval();
      state.epochs = std::max(state.epochs, static_cast<int>(report.epochs.size()));
      return report;
    });
}

namespace
{

// The learning rate of step stepsDone (0-based) of totalSteps: constant, or a linear warm-up
// over warmupSteps followed by a cosine decay to 0.
double headLearningRate(const HeadTrainingOptions& options,
                        std::int64_t stepsDone,
                        std::int64_t stepsPerEpoch,
                        std::int64_t totalSteps)
{
  if (options.schedule == "constant")
  {
    return options.learningRate;
  }
  const auto warmupSteps = static_cast<std::int64_t>(
    std::llround(options.warmupEpochs * static_cast<double>(stepsPerEpoch)));
  if (stepsDone < warmupSteps)
  {
    return options.learningRate * static_cast<double>(stepsDone + 1) /
           static_cast<double>(warmupSteps);
  }
  const double progress = static_cast<double>(stepsDone - warmupSteps) /
                          static_cast<double>(std::max<std::int64_t>(totalSteps - warmupSteps, 1));
  return 0.5 * options.learningRate * (1.0 + std::cos(M_PI * progress));
}

torch::Tensor bytesTensor(const std::string& text)
{
  return torch::tensor(std::vector<std::uint8_t>(text.begin(), text.end()), torch::kUInt8);
}

std::string tensorBytes(const torch::Tensor& tensor)
{
  const torch::Tensor bytes = tensor.to(torch::kUInt8).contiguous();
  return std::string(static_cast<const char*>(bytes.data_ptr()),
                     static_cast<std::size_t>(bytes.numel()));
}

// Where a head stage stands: written to and read from its checkpoint file.
struct HeadCheckpoint
{
  int epoch = 1;             ///< the epoch to continue
  std::size_t nextFirst = 0; ///< the first index of its next step
  double lossSum = 0.0;
  std::int64_t step = 0;
  std::int64_t stepsDone = 0; ///< steps of the whole stage so far (the schedule's position)
  bool complete = false;
};

} // namespace

TrainingReport Trainer::State::trainHead(HeadKind kind,
                                         const ExampleSource& source,
                                         const HeadTrainingOptions& options,
                                         const TrainingControl& control)
{
  if (options.epochs <= 0 || options.batchSize <= 0)
  {
    throw std::invalid_argument("epochs and batch size must be positive");
  }
  if (options.optimizer != "adamw" && options.optimizer != "sgd")
  {
    throw std::invalid_argument("the optimizer must be \"adamw\" or \"sgd\", not \"" +
                                options.optimizer + "\"");
  }
  if (options.schedule != "constant" && options.schedule != "cosine")
  {
    throw std::invalid_argument("the head schedule must be \"constant\" or \"cosine\", not \"" +
                                options.schedule + "\"");
  }
  if (options.warmupEpochs < 0.0 || options.warmupEpochs > options.epochs ||
      options.checkpointEvery < 0)
  {
    throw std::invalid_argument("warm-up epochs must lie in [0, epochs] and the checkpoint "
                                "interval must not be negative");
  }
  const bool bmfl = kind == HeadKind::Bmfl;
  const std::string stage = bmfl ? "bmfl head" : "baseline head";
  // Augmented images are new at every step: the encoders run on them, nothing is cached.
  const bool onTheFly = options.augment || !cacheFeatures;
  TrainingReport report;
  std::vector<std::string> ids(source.size());
  std::vector<std::int64_t> labels(source.size());
  for (std::size_t i = 0; i < source.size(); ++i)
  {
    ids[i] = source.id(i);
    labels[i] = source.label(i);
    if (labels[i] < 0 || labels[i] >= config.numClasses)
    {
      throw std::invalid_argument("training example " + ids[i] + " has label " +
                                  std::to_string(labels[i]) + " but the model has " +
                                  std::to_string(config.numClasses) + " classes");
    }
  }
  std::vector<std::size_t> trainIndices;
  std::vector<std::size_t> validationIndices;
  splitIndices(
    source.size(), options.validationFraction, options.seed, trainIndices, validationIndices);
  report.trainExamples = static_cast<std::int64_t>(trainIndices.size());
  report.validationExamples = static_cast<std::int64_t>(validationIndices.size());
  if (trainIndices.empty())
  {
    throw std::invalid_argument("no training examples");
  }
  if (!onTheFly && !ensureFeatures(source, options.batchSize, rankControl(control)))
  {
    report.cancelled = true;
    return report;
  }
  const std::string brainKey = bmfl ? brainEncoderChecksum() : std::string();
  if (bmfl && !onTheFly && !ensureFmri(source, options.batchSize, brainKey, rankControl(control)))
  {
    report.cancelled = true;
    return report;
  }
  recordDataset(source);

  torch::nn::Module& head =
    bmfl ? static_cast<torch::nn::Module&>(*modules.bmflHead) : *modules.baselineHead;
  // Dropout draws its own per rank; the data order (random) is every rank's.
  torch::manual_seed(rankSeed(options.seed, 0));
  std::mt19937_64 random(options.seed);
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (options.optimizer == "sgd")
  {
    optimizer = std::make_unique<torch::optim::SGD>(head.parameters(),
                                                    torch::optim::SGDOptions(options.learningRate)
                                                      .momentum(options.momentum)
                                                      .weight_decay(options.weightDecay));
  }
  else
  {
    optimizer = std::make_unique<torch::optim::AdamW>(
      head.parameters(),
      torch::optim::AdamWOptions(options.learningRate).weight_decay(options.weightDecay));
  }
  // The heads' inputs of a batch: from the cache, or from the encoders (augmented or not).
  const auto inputsOf = [&](const std::vector<std::size_t>& indices,
                            bool augmented,
                            std::uint64_t augmentSeed) -> std::pair<ImageFeatures, torch::Tensor>
  {
    if (onTheFly)
    {
      return headInputs(augmented ? source.augmentedExamples(indices, augmentSeed)
                                  : source.examples(indices));
    }
    std::vector<std::string> batchIds;
    for (std::size_t index : indices)
    {
      batchIds.push_back(ids[index]);
    }
    return { loadFeatures(batchIds), bmfl ? loadFmri(batchIds, brainKey) : torch::Tensor() };
  };
  const auto forward = [&](const std::pair<ImageFeatures, torch::Tensor>& inputs,
                           const torch::Tensor& targets,
                           torch::Tensor& logits)
  {
    if (bmfl)
    {
      const FusionOutput out = modules.bmflHead->forward(inputs.first, inputs.second);
      logits = out.logits;
      return bmflLoss(out, targets, config.pccWeight);
    }
    logits = modules.baselineHead->forward(inputs.first);
    return torch::nn::functional::cross_entropy(logits, targets);
  };
  const auto batchOf = [&](const std::vector<std::size_t>& indices,
                           std::size_t first,
                           std::size_t count,
                           std::vector<std::size_t>& batch)
  {
    batch.assign(indices.begin() + static_cast<std::ptrdiff_t>(first),
                 indices.begin() + static_cast<std::ptrdiff_t>(first + count));
    std::vector<std::int64_t> batchLabels;
    for (std::size_t index : batch)
    {
      batchLabels.push_back(labels[index]);
    }
    return torch::tensor(batchLabels, torch::kLong).to(device);
  };

  const auto stepsPerEpoch = static_cast<std::int64_t>(
    (trainIndices.size() + static_cast<std::size_t>(options.batchSize) - 1) /
    static_cast<std::size_t>(options.batchSize));
  const std::int64_t totalSteps = stepsPerEpoch * options.epochs;
  HeadCheckpoint position;

  // The checkpoint: everything the rest of the stage depends on.
  std::ostringstream fingerprintText;
  fingerprintText.precision(17);
  fingerprintText << stage << '|' << source.name() << '|' << source.size() << '|' << options.epochs
                  << '|' << options.batchSize << '|' << options.learningRate << '|'
                  << options.weightDecay << '|' << options.validationFraction << '|' << options.seed
                  << '|' << options.optimizer << '|' << options.momentum << '|' << options.schedule
                  << '|' << options.warmupEpochs << '|' << options.augment << '|' << encoderKey
                  << '|' << brainKey;
  const std::string fingerprint = sha256Hex(fingerprintText.str());
  const auto saveCheckpoint = [&]()
  {
    torch::serialize::OutputArchive archive;
    archive.write("fingerprint", bytesTensor(fingerprint));
    archive.write("position",
                  torch::tensor({ static_cast<std::int64_t>(position.epoch),
                                  static_cast<std::int64_t>(position.nextFirst),
                                  position.step,
                                  position.stepsDone,
                                  static_cast<std::int64_t>(position.complete) },
                                torch::kLong));
    archive.write("loss_sum", torch::tensor({ position.lossSum }, torch::kDouble));
    archive.write("order",
                  torch::tensor(std::vector<std::int64_t>(trainIndices.begin(), trainIndices.end()),
                                torch::kLong));
    std::ostringstream randomText;
    randomText << random;
    archive.write("random", bytesTensor(randomText.str()));
    archive.write("torch_random", at::detail::getDefaultCPUGenerator().get_state());
    std::vector<double> epochValues;
    for (const EpochReport& epoch : report.epochs)
    {
      epochValues.insert(epochValues.end(),
                         { epoch.trainLoss, epoch.validationLoss, epoch.validationMetric });
    }
    archive.write("epochs", torch::tensor(epochValues, torch::kDouble));
    archive.write(
      "best",
      torch::tensor({ static_cast<double>(report.bestEpoch), report.bestMetric }, torch::kDouble));
    for (const auto& item : head.named_parameters(true))
    {
      archive.write("head." + item.key(), item.value().detach().to(torch::kCPU));
    }
    torch::serialize::OutputArchive optimizerArchive;
    optimizer->save(optimizerArchive);
    archive.write("optimizer", optimizerArchive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    writeTextFileAtomically(options.checkpointPath, bytes.str());
  };
  const auto loadCheckpoint = [&]()
  {
    try
    {
      torch::serialize::InputArchive archive;
      archive.load_from(options.checkpointPath);
      // A fresh tensor per key: read() into a defined tensor keeps that tensor's type.
      const auto read = [&](const std::string& key)
      {
        torch::Tensor value;
        archive.read(key, value);
        return value;
      };
      torch::Tensor value;
      value = read("fingerprint");
      if (tensorBytes(value) != fingerprint)
      {
        throw FileError(options.checkpointPath,
                        "is a checkpoint of another run (other options, data or weights); "
                        "remove it to start again");
      }
      value = read("position");
      position.epoch = static_cast<int>(value[0].item<std::int64_t>());
      position.nextFirst = static_cast<std::size_t>(value[1].item<std::int64_t>());
      position.step = value[2].item<std::int64_t>();
      position.stepsDone = value[3].item<std::int64_t>();
      position.complete = value[4].item<std::int64_t>() != 0;
      value = read("loss_sum");
      position.lossSum = value[0].item<double>();
      value = read("order");
      if (static_cast<std::size_t>(value.numel()) != trainIndices.size())
      {
        throw FileError(options.checkpointPath, "holds a data order of another size");
      }
      for (std::size_t i = 0; i < trainIndices.size(); ++i)
      {
        trainIndices[i] =
          static_cast<std::size_t>(value[static_cast<std::int64_t>(i)].item<std::int64_t>());
      }
      value = read("random");
      std::istringstream randomText(tensorBytes(value));
      randomText >> random;
      value = read("torch_random");
      at::Generator generator = at::detail::getDefaultCPUGenerator();
      generator.set_state(value);
      value = read("epochs");
      for (std::int64_t i = 0; i + 2 < value.numel(); i += 3)
      {
        report.epochs.push_back(
          { value[i].item<double>(), value[i + 1].item<double>(), value[i + 2].item<double>() });
      }
      value = read("best");
      report.bestEpoch = static_cast<int>(value[0].item<double>());
      report.bestMetric = value[1].item<double>();
      torch::NoGradGuard noGrad;
      for (auto& item : head.named_parameters(true))
      {
        value = read("head." + item.key());
        item.value().copy_(value);
      }
      torch::serialize::InputArchive optimizerArchive;
      archive.read("optimizer", optimizerArchive);
      optimizer->load(optimizerArchive);
    }
    catch (const c10::Error& error)
    {
      throw FileError(options.checkpointPath,
                      "is not a checkpoint of this head: " + torchErrorLine(error));
    }
  };
  const bool checkpointing = !options.checkpointPath.empty();
  if (checkpointing && fs::exists(options.checkpointPath))
  {
    loadCheckpoint(); // on every rank: rank 0 wrote it
    if (group && group->rank() != 0)
    {
      torch::manual_seed(rankSeed(options.seed, position.stepsDone));
    }
  }
  // Only rank 0 writes checkpoints.
  const bool writesCheckpoints = checkpointing && (!group || group->rank() == 0);

  std::vector<std::size_t> batch;
  StageLoop loop;
  loop.stage = stage;
  loop.metricName = "val accuracy";
  loop.epochs = position.complete ? 0 : options.epochs;
  loop.batchSize = static_cast<std::size_t>(options.batchSize);
  loop.keepBest = false; // a head keeps its last epoch
  loop.resumeMidEpoch = position.nextFirst > 0;
  loop.startEpoch = position.epoch;
  loop.startFirst = position.nextFirst;
  loop.startLossSum = position.lossSum;
  loop.startStep = position.step;
  loop.beginEpoch = [&]() { head.train(); };
  loop.group = group.get();
  loop.step = [&](int epoch, std::size_t first, std::size_t count)
  {
    if (options.schedule != "constant")
    {
      const double learningRate =
        headLearningRate(options, position.stepsDone, stepsPerEpoch, totalSteps);
      for (auto& parameterGroup : optimizer->param_groups())
      {
        parameterGroup.options().set_lr(learningRate);
      }
    }
    std::uint64_t augmentSeed = options.seed * 0x9E3779B97F4A7C15ULL +
                                static_cast<std::uint64_t>(epoch) * 0x100000001B3ULL +
                                static_cast<std::uint64_t>(first);
    ++position.stepsDone;
    torch::Tensor logits;
    if (!group)
    {
      const torch::Tensor targets = batchOf(trainIndices, first, count, batch);
      const auto inputs = inputsOf(batch, options.augment, augmentSeed);
      return optimise(*optimizer, forward(inputs, targets, logits));
    }
    // This rank's share, augmented as the whole batch would be (ExampleSource's item seeds).
    const auto [shareFirst, shareCount] = rankShare(group.get(), first, count);
    augmentSeed += 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(shareFirst - first);
    torch::Tensor loss;
    if (shareCount > 0)
    {
      const torch::Tensor targets = batchOf(trainIndices, shareFirst, shareCount, batch);
      loss = forward(inputsOf(batch, options.augment, augmentSeed), targets, logits);
    }
    return optimiseShared(*group, *optimizer, loss, shareCount, count, head.parameters());
  };
  loop.afterStep = [&](int epoch, std::size_t nextFirst, double lossSum, std::int64_t step)
  {
    if (writesCheckpoints && options.checkpointEvery > 0 &&
        position.stepsDone % options.checkpointEvery == 0)
    {
      position.epoch = epoch;
      position.nextFirst = nextFirst;
      position.lossSum = lossSum;
      position.step = step;
      saveCheckpoint();
    }
  };
  loop.hasValidation = !validationIndices.empty();
  loop.validate = [&]()
  {
    torch::NoGradGuard noGrad;
    head.eval();
    // Each rank scores its share of the validation set; the sums are added over the ranks.
    const auto [shareFirst, shareCount] = rankShare(group.get(), 0, validationIndices.size());
    std::vector<double> sums{ 0.0, 0.0 }; // loss total, correct
    for (std::size_t first = shareFirst; first < shareFirst + shareCount; first += loop.batchSize)
    {
      const std::size_t count = std::min(loop.batchSize, shareFirst + shareCount - first);
      const torch::Tensor targets = batchOf(validationIndices, first, count, batch);
      torch::Tensor logits;
      sums[0] += forward(inputsOf(batch, false, 0), targets, logits).item<double>() *
                 static_cast<double>(count);
      sums[1] += static_cast<double>(logits.argmax(1).eq(targets).sum().item<std::int64_t>());
    }
    if (group)
    {
      group->sum(sums, "validation");
    }
    const auto total = static_cast<double>(validationIndices.size());
    return std::make_pair(sums[0] / total, sums[1] / total);
  };
  loop.keepEpoch = []() {};
  runEpochs(loop, trainIndices, random, rankControl(control), report);
  head.eval();
  if (writesCheckpoints && !report.cancelled && !position.complete)
  {
    position.complete = true;
    saveCheckpoint();
  }
  if (!report.epochs.empty())
  {
    recordMetric(bmfl ? "bmfl_val_accuracy" : "baseline_val_accuracy", report.bestMetric);
  }
  epochs = std::max(epochs, static_cast<int>(report.epochs.size()));
  return report;
}

TrainingReport Trainer::trainBmflHead(const ExampleSource& examples,
                                      const HeadTrainingOptions& options,
                                      const TrainingControl& control)
{
  return atTorchEdge<TrainingReport>(
    "training the BMFL head",
    [&]() -> TrainingReport
    { return Impl->trainHead(State::HeadKind::Bmfl, examples, options, control); });
}

TrainingReport Trainer::trainBaselineHead(const ExampleSource& examples,
                                          const HeadTrainingOptions& options,
                                          const TrainingControl& control)
{
  return atTorchEdge<TrainingReport>(
    "training the baseline head",
    [&]() -> TrainingReport
    { return Impl->trainHead(State::HeadKind::Baseline, examples, options, control); });
}

HeadPredictions Trainer::predictHeads(const ExampleSource& examples,
                                      int batchSize,
                                      const TrainingControl& control)
{
  return atTorchEdge<HeadPredictions>(
    "predicting with the heads",
    [&]() -> HeadPredictions
    {
      if (batchSize <= 0)
      {
        throw std::invalid_argument("batch size must be positive");
      }
      State& state = *Impl;
      HeadPredictions predictions;
      const std::string brainKey = state.brainEncoderChecksum();
      const TrainingControl rankControl = state.rankControl(control);
      if (!state.ensureFeatures(examples, batchSize, rankControl) ||
          !state.ensureFmri(examples, batchSize, brainKey, rankControl))
      {
        predictions.cancelled = true;
        return predictions;
      }
      torch::NoGradGuard noGrad;
      state.modules.baselineHead->eval();
      state.modules.bmflHead->eval();
      const auto append = [](const torch::Tensor& logits, std::vector<int>& classes)
      {
        const torch::Tensor best = logits.argmax(1).to(torch::kCPU);
        for (std::int64_t i = 0; i < best.size(0); ++i)
        {
          classes.push_back(static_cast<int>(best[i].item<std::int64_t>()));
        }
      };
      std::vector<std::string> ids;
      std::vector<std::size_t> indices;
      // Each rank predicts its share (all of them alone); the classes are summed over the ranks
      // into zero-filled vectors, so every rank returns all of them.
      const auto [shareFirst, shareCount] = rankShare(state.group.get(), 0, examples.size());
      if (state.group)
      {
        predictions.baseline.assign(shareFirst, 0);
        predictions.bmfl.assign(shareFirst, 0);
      }
      for (std::size_t first = shareFirst; first < shareFirst + shareCount;
           first += static_cast<std::size_t>(batchSize))
      {
        if (control.cancel != nullptr && control.cancel->load())
        {
          predictions.cancelled = true;
          break;
        }
        ids.clear();
        indices.clear();
        const std::size_t end =
          std::min(shareFirst + shareCount, first + static_cast<std::size_t>(batchSize));
        for (std::size_t i = first; i < end; ++i)
        {
          ids.push_back(examples.id(i));
          indices.push_back(i);
        }
        const auto [features, fmri] =
          state.cacheFeatures
            ? std::make_pair(state.loadFeatures(ids), state.loadFmri(ids, brainKey))
            : state.headInputs(examples.examples(indices));
        append(state.modules.baselineHead->forward(features), predictions.baseline);
        append(state.modules.bmflHead->forward(features, fmri).logits, predictions.bmfl);
      }
      if (state.group)
      {
        predictions.cancelled = state.group->any(predictions.cancelled, "prediction", true);
        if (predictions.cancelled)
        {
          predictions.baseline.clear();
          predictions.bmfl.clear();
          return predictions;
        }
        std::vector<double> classes(2 * examples.size(), 0.0);
        for (std::size_t i = shareFirst; i < shareFirst + shareCount; ++i)
        {
          classes[i] = predictions.baseline[i];
          classes[examples.size() + i] = predictions.bmfl[i];
        }
        state.group->sum(classes, "prediction");
        predictions.baseline.resize(examples.size());
        predictions.bmfl.resize(examples.size());
        for (std::size_t i = 0; i < examples.size(); ++i)
        {
          predictions.baseline[i] = static_cast<int>(classes[i]);
          predictions.bmfl[i] = static_cast<int>(classes[examples.size() + i]);
        }
      }
      return predictions;
    });
}

void Trainer::resetBmflHead(const BmflHeadConfig& headConfig, std::uint64_t seed)
{
  BmflModelConfig changed = Impl->config;
  changed.brainTransformer = headConfig.brainTransformer;
  changed.fusion = headConfig.fusion;
  changed.pccWeight = headConfig.pccWeight;
  validateModelConfig(changed, Impl->space, "BMFL head configuration");
  torch::manual_seed(seed);
  BmflHead head(changed, changed.encoder.embedDim, Impl->space);
  head->to(Impl->device);
  Impl->modules.bmflHead = head;
  Impl->config = changed;
}

const BmflModelConfig& Trainer::config() const
{
  return Impl->config;
}

void Trainer::saveBundle(const std::string& bundleDir, const TrainingProvenance& provenance) const
{
  BundleManifest manifest;
  manifest.model = Impl->config;
  manifest.classNames = Impl->classNames;
  manifest.preprocess = Impl->preprocess;
  manifest.brainPreprocess = Impl->brainPreprocess;
  manifest.vertexSpace = Impl->space;
  manifest.provenance = provenance;
  // What the trainer saw fills what the caller left empty.
  if (manifest.provenance.datasets.empty())
  {
    manifest.provenance.datasets = Impl->datasets;
  }
  if (manifest.provenance.finalMetrics.empty())
  {
    manifest.provenance.finalMetrics = Impl->metrics;
  }
  if (manifest.provenance.epochs == 0)
  {
    manifest.provenance.epochs = Impl->epochs;
  }
  if (manifest.provenance.date.empty())
  {
    manifest.provenance.date = utcTimestamp();
  }
  if (manifest.provenance.libraryVersions.empty())
  {
    manifest.provenance.libraryVersions.emplace_back("libtorch", TORCH_VERSION);
  }
  bmfl::saveBundle(bundleDir, std::move(manifest), Impl->modules);
}

FeatureCacheStats Trainer::cacheStats() const
{
  return Impl->stats;
}

std::uintmax_t Trainer::cacheBytesPerImage() const
{
  const ImageEncoderConfig& encoder = Impl->config.encoder;
  const auto dim = static_cast<std::uintmax_t>(encoder.embedDim);
  const auto grid = static_cast<std::uintmax_t>(encoder.imageSize / encoder.patchSize);
  const std::uintmax_t tokens = grid * grid;
  const std::uintmax_t fmri = 4 * Impl->space.size();
  // Headers: magic, id, key and shape; about 150 bytes each.
  const std::uintmax_t headers = 300;
  if (Impl->compact)
  {
    return 2 * dim * (1 + tokens) + fmri + headers;
  }
  return 4 * dim * (1 + 2 * tokens) + fmri + headers;
}

std::map<std::string, std::vector<float>> Trainer::namedWeights() const
{
  std::map<std::string, std::vector<float>> weights;
  const auto add = [&](const std::string& name, const torch::Tensor& tensor)
  {
    const torch::Tensor values = tensor.detach().to(torch::kCPU).to(torch::kFloat).contiguous();
    weights[name].assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
  };
  for (const auto& [name, module] : Impl->modules.named())
  {
    for (const auto& item : module->named_parameters(true))
    {
      add(name + "." + item.key(), item.value());
    }
    for (const auto& item : module->named_buffers(true))
    {
      if (item.value().defined())
      {
        add(name + ".buffer:" + item.key(), item.value());
      }
    }
  }
  return weights;
}

std::string Trainer::weightsChecksum() const
{
  std::string all;
  for (const auto& [name, module] : Impl->modules.named())
  {
    all += name + ":" + moduleChecksum(*module) + "\n";
  }
  return sha256Hex(all);
}

} // namespace bmfl
