#include "bmfl/Training.h"

#include "bmfl/FileError.h"
#include "bmfl/Sha256.h"
#include "bmfl/Timestamp.h"
#include "engine/BundleModules.h"
#include "engine/FeatureCache.h"

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
#include <tuple>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

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
  optimizer.zero_grad();
  loss.backward();
  if (clipNorm > 0.0)
  {
    torch::nn::utils::clip_grad_norm_(clipped, clipNorm);
  }
  optimizer.step();
  return loss.item<double>();
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
  for (int epoch = 1; epoch <= loop.epochs; ++epoch)
  {
    std::shuffle(trainIndices.begin(), trainIndices.end(), random);
    loop.beginEpoch();
    double lossSum = 0.0;
    std::int64_t step = 0;
    for (std::size_t first = 0; first < trainIndices.size(); first += batchSize)
    {
      if (control.cancel != nullptr && control.cancel->load())
      {
        report.cancelled = true;
        return;
      }
      const double lossValue =
        loop.step(epoch, first, std::min(batchSize, trainIndices.size() - first));
      lossSum += lossValue;
      ++step;
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
  std::string encoderKey;      ///< digest of encoder weights + preprocessing: keys cached features
  std::string brainFeatureKey; ///< the same for the brain encoder's input (brainPreprocess)
  FeatureCacheStats stats;
  std::vector<DatasetRecord> datasets;
  std::vector<std::pair<std::string, double>> metrics;
  int epochs = 0;

  ~State()
  {
    if (ownsCacheFolder)
    {
      std::error_code ignored;
      fs::remove_all(cacheFolder, ignored);
    }
  }

  void setUp(const TrainerOptions& options)
  {
    device = resolveDevice(options.device);
    modules.to(device);
    cacheFolder = options.featureCacheDir;
    if (cacheFolder.empty())
    {
      static std::atomic<unsigned> counter{ 0 };
      cacheFolder =
        (fs::temp_directory_path() /
         ("bmfl-feature-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
          .string();
      ownsCacheFolder = true;
    }
    refreshEncoderKey();
  }

  void refreshEncoderKey()
  {
    const std::string weights = moduleChecksum(*modules.encoder);
    // The cached queries are those of the brain encoder's block (the last one unless chosen).
    const int block = queryBlock();
    const std::string blockText = block == -1 ? "" : "\nquery block " + std::to_string(block);
    encoderKey = sha256Hex(weights + "\n" + preprocessingText(preprocess) + blockText);
    brainFeatureKey =
      brainPreprocess
        ? sha256Hex(weights + "\nbrain " + preprocessingText(*brainPreprocess) + blockText)
        : std::string();
  }

  int queryBlock() const { return brainQueryBlock(config.brainEncoder); }

  FeatureCache cache() const { return FeatureCache(cacheFolder, encoderKey); }
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

  // The frozen encoder's features of images (each side * side pixels) stored under their ids.
  void storeFeatures(const FeatureCache& store,
                     const std::vector<std::string>& ids,
                     const std::vector<const std::vector<float>*>& images,
                     std::int64_t side)
  {
    torch::Tensor batch = torch::empty(
      { static_cast<std::int64_t>(images.size()), config.encoder.inChannels, side, side });
    for (std::size_t i = 0; i < images.size(); ++i)
    {
      std::memcpy(batch[static_cast<std::int64_t>(i)].data_ptr<float>(),
                  images[i]->data(),
                  images[i]->size() * sizeof(float));
    }
    const ImageFeatures features = modules.encoder->forward(batch.to(device), queryBlock());
    stats.encoderImages += static_cast<std::int64_t>(images.size());
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

  // Runs the frozen encoder once per image whose features are not cached yet, in batches (a
  // second time on the brain encoder's input when it has its own). Returns false when cancelled.
  bool ensureFeatures(const ExampleSource& source, int batchSize, const TrainingControl& control)
  {
    const FeatureCache store = cache();
    store.removeStaleTemporaries();
    const std::optional<FeatureCache> brainStore =
      brainPreprocess ? std::optional<FeatureCache>(brainCache()) : std::nullopt;
    if (brainStore)
    {
      brainStore->removeStaleTemporaries();
    }
    std::vector<TrainingExample> pending;
    const auto flush = [&]()
    {
      if (pending.empty())
      {
        return;
      }
      torch::NoGradGuard noGrad;
      modules.encoder->eval();
      std::vector<std::string> ids;
      std::vector<const std::vector<float>*> images;
      std::vector<const std::vector<float>*> brainImages;
      for (const TrainingExample& example : pending)
      {
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
    for (std::size_t index = 0; index < source.size(); ++index)
    {
      if (control.cancel != nullptr && control.cancel->load())
      {
        return false;
      }
      reportPass("image features", index, source.size(), control);
      const std::string id = source.id(index);
      if (store.hasFeatures(id) && (!brainStore || brainStore->hasFeatures(id)))
      {
        ++stats.featureHits;
        continue;
      }
      ++stats.featureMisses;
      TrainingExample example = source.example(index);
      checkImage(example);
      pending.push_back(std::move(example));
      if (static_cast<int>(pending.size()) >= batchSize)
      {
        flush();
      }
    }
    flush();
    return true;
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
      cls.push_back(fromVector(entry.cls, { entry.dim }));
      patches.push_back(fromVector(entry.patches, { entry.tokens, entry.dim }));
      lastQuery.push_back(fromVector(entry.lastQuery, { entry.tokens, entry.dim }));
      features.gridHeight = entry.gridHeight;
      features.gridWidth = entry.gridWidth;
    }
    features.cls = torch::stack(cls).to(device);
    features.patches = torch::stack(patches).to(device);
    features.lastQuery = torch::stack(lastQuery).to(device);
    return features;
  }

  // Predicted fMRI of every example under the current brain encoder, cached on disk.
  bool ensureFmri(const ExampleSource& source,
                  int batchSize,
                  const std::string& brainKey,
                  const TrainingControl& control)
  {
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
    for (std::size_t index = 0; index < source.size(); ++index)
    {
      if (control.cancel != nullptr && control.cancel->load())
      {
        return false;
      }
      reportPass("predicted fMRI", index, source.size(), control);
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
    flush();
    return true;
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
  Impl->setUp(options);
}

std::unique_ptr<Trainer> Trainer::fromBundle(const std::string& bundleDir,
                                             const TrainerOptions& options)
{
  auto state = std::make_unique<State>();
  const BundleManifest manifest = readBundleManifest(bundleDir);
  state->config = manifest.model;
  state->space = manifest.vertexSpace;
  state->classNames = manifest.classNames;
  state->preprocess = manifest.preprocess;
  state->brainPreprocess = manifest.brainPreprocess;
  state->datasets = manifest.provenance.datasets;
  state->metrics = manifest.provenance.finalMetrics;
  state->epochs = manifest.provenance.epochs;
  state->modules = loadBundleModules(bundleDir, manifest);
  state->setUp(options);
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
      TrainingReport report;
      report.bestMetric = NotYet;
      const std::size_t vertexCount = state.space.size();

      // Targets in memory (one row per example), checked before any work.
      std::vector<std::string> ids(source.size());
      torch::Tensor targets = torch::empty(
        { static_cast<std::int64_t>(source.size()), static_cast<std::int64_t>(vertexCount) });
      for (std::size_t i = 0; i < source.size(); ++i)
      {
        const TrainingExample example = source.example(i);
        if (example.fmri.size() != vertexCount)
        {
          throw std::invalid_argument(
            "training example " + example.id + " has " + std::to_string(example.fmri.size()) +
            " fMRI values but the vertex space has " + std::to_string(vertexCount));
        }
        ids[i] = example.id;
        std::memcpy(targets[static_cast<std::int64_t>(i)].data_ptr<float>(),
                    example.fmri.data(),
                    vertexCount * sizeof(float));
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
      if (!state.ensureFeatures(source, options.batchSize, control))
      {
        report.cancelled = true;
        return report;
      }
      state.recordDataset(source);

      BrainEncoder& model = state.modules.brainEncoder;
      torch::manual_seed(options.seed);
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
      loop.metricName = "val mean vertex r";
      loop.epochs = options.epochs;
      loop.batchSize = static_cast<std::size_t>(options.batchSize);
      loop.beginEpoch = [&]() { model->train(); };
      loop.step = [&](int /*epoch*/, std::size_t first, std::size_t count)
      {
        const torch::Tensor target = batchOf(trainIndices, first, count, batchIds);
        const torch::Tensor predicted = model->forward(state.loadBrainFeatures(batchIds));
        return optimise(optimizer,
                        torch::mse_loss(predicted, target),
                        model->parameters(),
                        options.gradientClipNorm);
      };
      // Validation: MSE and mean per-vertex Pearson r over the held-out images.
      loop.hasValidation = !validationIndices.empty();
      loop.validate = [&]()
      {
        torch::NoGradGuard noGrad;
        model->eval();
        std::vector<torch::Tensor> predictions;
        std::vector<torch::Tensor> truths;
        for (std::size_t first = 0; first < validationIndices.size(); first += loop.batchSize)
        {
          truths.push_back(batchOf(validationIndices,
                                   first,
                                   std::min(loop.batchSize, validationIndices.size() - first),
                                   batchIds));
          predictions.push_back(model->forward(state.loadBrainFeatures(batchIds)));
        }
        const torch::Tensor predicted = torch::cat(predictions).to(torch::kCPU);
        const torch::Tensor truth = torch::cat(truths).to(torch::kCPU);
        return std::make_pair(torch::mse_loss(predicted, truth).item<double>(),
                              meanVertexCorrelation(predicted, truth));
      };
      loop.keepEpoch = [&]() { best = copyState(*model); };
      runEpochs(loop, trainIndices, random, control, report);
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

TrainingReport Trainer::State::trainHead(HeadKind kind,
                                         const ExampleSource& source,
                                         const HeadTrainingOptions& options,
                                         const TrainingControl& control)
{
  if (options.epochs <= 0 || options.batchSize <= 0)
  {
    throw std::invalid_argument("epochs and batch size must be positive");
  }
  const bool bmfl = kind == HeadKind::Bmfl;
  const std::string stage = bmfl ? "bmfl head" : "baseline head";
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
  if (!ensureFeatures(source, options.batchSize, control))
  {
    report.cancelled = true;
    return report;
  }
  const std::string brainKey = bmfl ? moduleChecksum(*modules.brainEncoder) : std::string();
  if (bmfl && !ensureFmri(source, options.batchSize, brainKey, control))
  {
    report.cancelled = true;
    return report;
  }
  recordDataset(source);

  torch::nn::Module& head =
    bmfl ? static_cast<torch::nn::Module&>(*modules.bmflHead) : *modules.baselineHead;
  torch::manual_seed(options.seed);
  std::mt19937_64 random(options.seed);
  torch::optim::AdamW optimizer(
    head.parameters(),
    torch::optim::AdamWOptions(options.learningRate).weight_decay(options.weightDecay));
  const auto forward = [&](const std::vector<std::string>& batchIds,
                           const torch::Tensor& targets,
                           torch::Tensor& logits)
  {
    const ImageFeatures features = loadFeatures(batchIds);
    if (bmfl)
    {
      const FusionOutput out = modules.bmflHead->forward(features, loadFmri(batchIds, brainKey));
      logits = out.logits;
      return bmflLoss(out, targets, config.pccWeight);
    }
    logits = modules.baselineHead->forward(features);
    return torch::nn::functional::cross_entropy(logits, targets);
  };
  const auto batchOf = [&](const std::vector<std::size_t>& indices,
                           std::size_t first,
                           std::size_t count,
                           std::vector<std::string>& batchIds)
  {
    batchIds.clear();
    std::vector<std::int64_t> batchLabels;
    for (std::size_t i = first; i < first + count; ++i)
    {
      batchIds.push_back(ids[indices[i]]);
      batchLabels.push_back(labels[indices[i]]);
    }
    return torch::tensor(batchLabels, torch::kLong).to(device);
  };

  std::vector<std::string> batchIds;
  StageLoop loop;
  loop.stage = stage;
  loop.metricName = "val accuracy";
  loop.epochs = options.epochs;
  loop.batchSize = static_cast<std::size_t>(options.batchSize);
  loop.keepBest = false; // a head keeps its last epoch
  loop.beginEpoch = [&]() { head.train(); };
  loop.step = [&](int /*epoch*/, std::size_t first, std::size_t count)
  {
    const torch::Tensor targets = batchOf(trainIndices, first, count, batchIds);
    torch::Tensor logits;
    return optimise(optimizer, forward(batchIds, targets, logits));
  };
  loop.hasValidation = !validationIndices.empty();
  loop.validate = [&]()
  {
    torch::NoGradGuard noGrad;
    head.eval();
    double lossTotal = 0.0;
    std::int64_t correct = 0;
    for (std::size_t first = 0; first < validationIndices.size(); first += loop.batchSize)
    {
      const std::size_t count = std::min(loop.batchSize, validationIndices.size() - first);
      const torch::Tensor targets = batchOf(validationIndices, first, count, batchIds);
      torch::Tensor logits;
      lossTotal += forward(batchIds, targets, logits).item<double>() * static_cast<double>(count);
      correct += logits.argmax(1).eq(targets).sum().item<std::int64_t>();
    }
    const auto total = static_cast<double>(validationIndices.size());
    return std::make_pair(lossTotal / total, static_cast<double>(correct) / total);
  };
  loop.keepEpoch = []() {};
  runEpochs(loop, trainIndices, random, control, report);
  head.eval();
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
      const std::string brainKey = moduleChecksum(*state.modules.brainEncoder);
      if (!state.ensureFeatures(examples, batchSize, control) ||
          !state.ensureFmri(examples, batchSize, brainKey, control))
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
      for (std::size_t first = 0; first < examples.size();
           first += static_cast<std::size_t>(batchSize))
      {
        if (control.cancel != nullptr && control.cancel->load())
        {
          predictions.cancelled = true;
          break;
        }
        ids.clear();
        const std::size_t end =
          std::min(examples.size(), first + static_cast<std::size_t>(batchSize));
        for (std::size_t i = first; i < end; ++i)
        {
          ids.push_back(examples.id(i));
        }
        const ImageFeatures features = state.loadFeatures(ids);
        append(state.modules.baselineHead->forward(features), predictions.baseline);
        append(state.modules.bmflHead->forward(features, state.loadFmri(ids, brainKey)).logits,
               predictions.bmfl);
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
