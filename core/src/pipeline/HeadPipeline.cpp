#include "bmfl/HeadPipeline.h"

#include "DistributedLaunch.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Timestamp.h"

#include "bmfl/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

Image cropImage(const Image& image, int left, int top, int width, int height)
{
  Image crop;
  crop.width = width;
  crop.height = height;
  crop.channels = image.channels;
  const auto rowBytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(image.channels);
  crop.pixels.resize(rowBytes * static_cast<std::size_t>(height));
  for (int row = 0; row < height; ++row)
  {
    const std::size_t from =
      (static_cast<std::size_t>(top + row) * static_cast<std::size_t>(image.width) +
       static_cast<std::size_t>(left)) *
      static_cast<std::size_t>(image.channels);
    std::copy_n(image.pixels.begin() + static_cast<std::ptrdiff_t>(from),
                rowBytes,
                crop.pixels.begin() + static_cast<std::ptrdiff_t>(rowBytes * row));
  }
  return crop;
}

// torchvision's RandomResizedCrop(size, scale=(0.08, 1), ratio=(3/4, 4/3)), then
// RandomHorizontalFlip: ten tries at a random area and aspect ratio, else the centre crop at the
// nearest allowed ratio.
Image randomResizedCropAndFlip(const Image& image,
                               int size,
                               const std::string& interpolation,
                               std::mt19937_64& random)
{
  const double area = static_cast<double>(image.width) * static_cast<double>(image.height);
  std::uniform_real_distribution<double> scale(0.08, 1.0);
  std::uniform_real_distribution<double> logRatio(std::log(3.0 / 4.0), std::log(4.0 / 3.0));
  int width = 0;
  int height = 0;
  int left = 0;
  int top = 0;
  bool found = false;
  for (int attempt = 0; attempt < 10 && !found; ++attempt)
  {
    const double targetArea = area * scale(random);
    const double ratio = std::exp(logRatio(random));
    width = static_cast<int>(std::lround(std::sqrt(targetArea * ratio)));
    height = static_cast<int>(std::lround(std::sqrt(targetArea / ratio)));
    if (width > 0 && height > 0 && width <= image.width && height <= image.height)
    {
      left = std::uniform_int_distribution<int>(0, image.width - width)(random);
      top = std::uniform_int_distribution<int>(0, image.height - height)(random);
      found = true;
    }
  }
  if (!found)
  {
    const double inRatio = static_cast<double>(image.width) / static_cast<double>(image.height);
    width = image.width;
    height = image.height;
    if (inRatio < 3.0 / 4.0)
    {
      height = std::min(image.height, static_cast<int>(std::lround(width / (3.0 / 4.0))));
    }
    else if (inRatio > 4.0 / 3.0)
    {
      width = std::min(image.width, static_cast<int>(std::lround(height * (4.0 / 3.0))));
    }
    left = (image.width - width) / 2;
    top = (image.height - height) / 2;
  }
  Image result = resizeImage(cropImage(image, left, top, width, height), size, size, interpolation);
  if (std::bernoulli_distribution(0.5)(random))
  {
    const auto channels = static_cast<std::size_t>(result.channels);
    for (int row = 0; row < result.height; ++row)
    {
      auto* line = result.pixels.data() + static_cast<std::size_t>(row) *
                                            static_cast<std::size_t>(result.width) * channels;
      for (int column = 0; column < result.width / 2; ++column)
      {
        std::swap_ranges(line + static_cast<std::size_t>(column) * channels,
                         line + static_cast<std::size_t>(column + 1) * channels,
                         line + static_cast<std::size_t>(result.width - 1 - column) * channels);
      }
    }
  }
  return result;
}

class DatasetSource : public ExampleSource
{
public:
  DatasetSource(std::shared_ptr<const ImageDataset> dataset,
                int inChannels,
                const PreprocessConfig& preprocess,
                const std::optional<PreprocessConfig>& brain,
                std::size_t limit,
                int workers)
    : Data(std::move(dataset))
    , Channels(inChannels)
    , Preprocess(datasetPreprocess(*Data, preprocess))
    , Brain(brain)
    , Count(limit == 0 ? Data->size() : std::min(limit, Data->size()))
    , Workers(workers > 0 ? workers
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency())))
  {
  }

  std::size_t size() const override { return Count; }
  std::string name() const override
  {
    return Count == Data->size() ? Data->name()
                                 : Data->name() + " (first " + std::to_string(Count) + ")";
  }
  std::string id(std::size_t index) const override { return Data->itemId(index); }
  int label(std::size_t index) const override { return Data->label(index); }
  TrainingExample example(std::size_t index) const override { return make(index, nullptr); }
  std::vector<TrainingExample> examples(const std::vector<std::size_t>& indices) const override
  {
    return makeAll(indices, nullptr);
  }
  std::vector<TrainingExample> augmentedExamples(const std::vector<std::size_t>& indices,
                                                 std::uint64_t seed) const override
  {
    return makeAll(indices, &seed);
  }

private:
  TrainingExample make(std::size_t index, const std::uint64_t* seed) const
  {
    Image image = Data->loadImage(index);
    PreprocessConfig preprocess = Preprocess;
    if (seed != nullptr)
    {
      std::mt19937_64 random(*seed);
      image =
        randomResizedCropAndFlip(image, Preprocess.cropSize, Preprocess.interpolation, random);
      preprocess.resizeShortSide = 0; // the crop is the model's size already
    }
    PreparedImage prepared = prepareImage(image, Data->itemId(index), Channels, preprocess, Brain);
    TrainingExample example;
    example.id = std::move(prepared.id);
    example.image = std::move(prepared.pixels);
    example.brainImage = std::move(prepared.brainPixels);
    example.label = Data->label(index);
    return example;
  }

  // Decodes the batch on up to Workers threads; the first error is rethrown.
  std::vector<TrainingExample> makeAll(const std::vector<std::size_t>& indices,
                                       const std::uint64_t* seed) const
  {
    std::vector<TrainingExample> result(indices.size());
    forEachInParallel(indices.size(),
                      static_cast<std::size_t>(Workers),
                      [&](std::size_t i)
                      {
                        // Each image's augmentation is drawn from its own seed: the same at any
                        // thread count.
                        const std::uint64_t itemSeed =
                          seed != nullptr ? *seed + 0x9E3779B97F4A7C15ULL * (i + 1) : 0;
                        result[i] = make(indices[i], seed != nullptr ? &itemSeed : nullptr);
                      });
    return result;
  }

  std::shared_ptr<const ImageDataset> Data;
  int Channels;
  PreprocessConfig Preprocess;
  std::optional<PreprocessConfig> Brain;
  std::size_t Count;
  int Workers;
};

fs::path besideOutput(const std::string& out, const std::string& suffix)
{
  const fs::path target = fs::absolute(fs::path(out).lexically_normal());
  const fs::path name =
    target.filename().empty() ? target.parent_path().filename() : target.filename();
  const fs::path parent =
    target.filename().empty() ? target.parent_path().parent_path() : target.parent_path();
  return parent / ("." + name.string() + suffix);
}

std::string mebibytes(std::uintmax_t bytes)
{
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(1);
  text << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return text.str();
}

void finished(const TrainingReport& report)
{
  if (report.cancelled)
  {
    throw PipelineCancelled();
  }
}

} // namespace

std::unique_ptr<ExampleSource> datasetExampleSource(std::shared_ptr<const ImageDataset> dataset,
                                                    int inChannels,
                                                    const PreprocessConfig& preprocess,
                                                    const std::optional<PreprocessConfig>& brain,
                                                    std::size_t limit,
                                                    int workers)
{
  return std::make_unique<DatasetSource>(
    std::move(dataset), inChannels, preprocess, brain, limit, workers);
}

std::string headPipelineCacheDir(const HeadPipelineOptions& options)
{
  if (options.cacheDir == "off")
  {
    return {};
  }
  return options.cacheDir.empty() ? besideOutput(options.out, ".feature-cache").string()
                                  : options.cacheDir;
}

void checkHeadPipelineOptions(const HeadPipelineOptions& options)
{
  if (options.baselineProtocol != "bmfl" && options.baselineProtocol != "dinov2")
  {
    throw std::invalid_argument("--baseline-protocol must be bmfl or dinov2, not " +
                                options.baselineProtocol);
  }
  if (options.epochs <= 0 || options.batchSize <= 0 || options.learningRate <= 0.0 ||
      options.warmupEpochs < 0.0 || options.warmupEpochs > options.epochs)
  {
    throw std::invalid_argument("epochs, batch and learning rate must be positive, and the "
                                "warm-up no longer than the epochs");
  }
  if (options.modelIn == options.out)
  {
    throw std::invalid_argument("--out must differ from --model-in");
  }
  readBundleManifest(options.modelIn); // a one-line FileError for a folder that is no bundle
  checkBundleTarget(options.out);
  const std::string cache = headPipelineCacheDir(options);
  std::error_code error;
  if (!cache.empty() && fs::exists(cache, error) && !fs::is_directory(cache, error))
  {
    throw FileError(cache, "is not a folder; the feature cache needs one");
  }
}

HeadPipelineResult runHeadPipeline(const HeadPipelineOptions& options,
                                   const PipelineControl& control)
{
  checkHeadPipelineOptions(options);
  HeadPipelineResult result;
  StageClock clock(control);
  const BundleManifest manifest = readBundleManifest(options.modelIn);
  DatasetOptions datasetOptions;
  datasetOptions.classNames = manifest.classNames;
  const auto trainSet = openImageDataset(options.trainSpec, datasetOptions);
  const auto valSet =
    options.valSpec.empty() ? nullptr : openImageDataset(options.valSpec, datasetOptions);
  const int channels = manifest.model.encoder.inChannels;
  const auto trainSource = datasetExampleSource(trainSet,
                                                channels,
                                                manifest.preprocess,
                                                manifest.brainPreprocess,
                                                options.limit,
                                                options.workers);
  const auto valSource =
    valSet ? datasetExampleSource(
               valSet, channels, manifest.preprocess, manifest.brainPreprocess, 0, options.workers)
           : nullptr;
  control.note(
    "train: " + trainSource->name() + ", " + std::to_string(trainSource->size()) + " images" +
    (valSource
       ? "; val: " + valSource->name() + ", " + std::to_string(valSource->size()) + " images"
       : std::string()));

  TrainerOptions trainerOptions;
  trainerOptions.device = options.device;
  trainerOptions.distributed =
    joinLaunch(options.launch, options.distributed, trainerOptions.device, control);
  const std::shared_ptr<DistributedGroup>& group = trainerOptions.distributed;
  const bool writer = !group || group->rank() == 0;
  trainerOptions.seed = options.seed;
  trainerOptions.compactFeatureCache = true;
  result.cacheDir = headPipelineCacheDir(options);
  trainerOptions.cacheFeatures = !result.cacheDir.empty();
  trainerOptions.featureCacheDir = result.cacheDir;
  const std::unique_ptr<Trainer> trainer = Trainer::fromBundle(options.modelIn, trainerOptions);

  const bool baselineAugmented = options.augment || options.baselineProtocol == "dinov2";
  if (result.cacheDir.empty())
  {
    control.note("feature cache off: the frozen encoders run at every step");
  }
  else if (options.augment)
  {
    control.note("augmentation on: features of new crops cannot be cached; the frozen encoders "
                 "run at every step (the cache holds only the validation set's)");
  }
  else
  {
    const std::size_t images =
      trainSource->size() + (valSource ? valSource->size() : std::size_t{ 0 });
    const std::uintmax_t perImage = trainer->cacheBytesPerImage();
    control.note("feature cache " + result.cacheDir + ": " + std::to_string(images) + " images x " +
                 std::to_string(perImage) + " bytes = " + mebibytes(perImage * images) +
                 " (fp16 CLS and patch tokens, predicted fMRI)" +
                 (baselineAugmented ? "; the dinov2 baseline runs the encoders on its crops" : ""));
  }

  const fs::path stateDir = besideOutput(options.out, ".train-state");
  std::error_code error;
  fs::create_directories(stateDir, error);
  if (error)
  {
    throw FileError(stateDir.string(), "cannot create the checkpoint folder: " + error.message());
  }
  HeadTrainingOptions head;
  head.epochs = options.epochs;
  head.batchSize = options.batchSize;
  head.learningRate = options.learningRate;
  head.weightDecay = options.weightDecay;
  head.validationFraction = 0.0; // the --val set is the held-out one
  head.seed = options.seed;
  head.schedule = "cosine";
  head.warmupEpochs = options.warmupEpochs;
  head.augment = options.augment;
  head.checkpointEvery = options.checkpointEvery;
  HeadTrainingOptions baseline = head;
  if (options.baselineProtocol == "dinov2")
  {
    baseline.optimizer = "sgd";
    baseline.momentum = 0.9;
    baseline.weightDecay = 0.0;
    baseline.augment = true;
  }
  baseline.checkpointPath = (stateDir / "baseline-head.ckpt").string();
  head.checkpointPath = (stateDir / "bmfl-head.ckpt").string();
  finished(trainer->trainBaselineHead(*trainSource, baseline, control.training));
  clock.end("baseline head");
  finished(trainer->trainBmflHead(*trainSource, head, control.training));
  clock.end("BMFL head");

  // Rank 0 writes; the other ranks take their share of the evaluation, then wait for it.
  std::optional<StagedFolder> bundle;
  if (writer)
  {
    bundle.emplace(options.out);
    TrainingProvenance provenance;
    provenance.command = options.commandLine;
    provenance.seed = options.seed;
    trainer->saveBundle(bundle->path(), provenance);
  }

  PipelineReport report;
  report.title = "BMFL heads on " + trainSource->name() + ": training report";
  report.writtenBy = "bmfl train";
  report.commandLine = options.commandLine;
  report.seed = options.seed;
  report.date = utcTimestamp();
  report.modelNotes = {
    "Both encoders are frozen, as in " + options.modelIn +
      "; only the BMFL head and the baseline "
      "linear head were trained here (" +
      std::to_string(options.epochs) + " epochs each).",
    std::string("Baseline protocol: ") +
      (options.baselineProtocol == "dinov2"
         ? "DINOv2's linear evaluation (SGD, momentum 0.9, cosine, RandomResizedCrop + flip)."
         : "as the BMFL head (AdamW, warm-up + cosine).")
  };
  report.datasets.push_back(
    { trainSource->name() + " (training)", static_cast<std::int64_t>(trainSource->size()) });
  report.epochs = { { "each head", options.epochs } };
  report.classes = manifest.classNames.size();
  if (valSource)
  {
    report.datasets.push_back(
      { valSource->name() + " (evaluation)", static_cast<std::int64_t>(valSource->size()) });
    report.variants = { paperHeadVariants(trainer->config()).front() };
    report.variants.front().rows =
      evaluateHeadsStage(*trainer, { valSource.get() }, options.batchSize, control);
    result.rows = report.variants.front().rows;
    clock.end("evaluation on " + valSource->name());
  }
  if (!writer)
  {
    group->barrier("waiting for rank 0 to write the bundle", true);
    return result;
  }
  report.timings = clock.timings();
  report.totalBytes = folderBytes(bundle->path());
  writeTextFileAtomically((fs::path(bundle->path()) / "REPORT.md").string(),
                          pipelineReportMarkdown(report));
  bundle->commit();
  result.totalBytes = report.totalBytes;
  fs::remove_all(stateDir, error);
  if (group)
  {
    group->barrier("waiting for rank 0 to write the bundle", true);
  }
  return result;
}

} // namespace bmfl
