#include "bmfl/CachedEvaluation.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/Json.h"
#include "bmfl/ParallelFor.h"
#include "bmfl/Sha256.h"
#include "bmfl/Training.h"
#include "evaluation/Predictions.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr const char* CacheManifestName = "bmfl-feature-cache.json";
constexpr const char* CacheFormat = "bmfl feature cache";

std::string memberText(const JsonValue& root, const char* key)
{
  const JsonValue* member = root.find(key);
  return member == nullptr ? std::string("none") : writeJson(*member, 0);
}

std::string weightsChecksum(const BundleManifest& manifest, const std::string& module)
{
  const BundleWeights* weights = manifest.weightsOf(module);
  return weights == nullptr ? std::string() : weights->sha256;
}

std::string keyOf(const BundleManifest& manifest)
{
  const JsonValue json = manifestToJson(manifest, "");
  return sha256Hex("encoder " + weightsChecksum(manifest, "encoder") + "\nbrain encoder " +
                   weightsChecksum(manifest, "brainEncoder") + "\npreprocess " +
                   memberText(json, "preprocess") + "\nbrain preprocess " +
                   memberText(json, "brainPreprocess"));
}

// The cache folder of this key: made (with its record) when missing or empty, refused when it
// records another key or is no cache folder at all.
void claimCacheFolder(const std::string& dir, const BundleManifest& manifest)
{
  const std::string key = keyOf(manifest);
  const fs::path record = fs::path(dir) / CacheManifestName;
  std::error_code error;
  if (fs::exists(record, error))
  {
    requireRegularFile(record.string(), "feature cache record");
    const JsonValue json = readJsonFile(record.string());
    const JsonValue* format = json.find("format");
    const JsonValue* stored = json.find("key");
    if (format == nullptr || !format->isString() || format->asString() != CacheFormat ||
        stored == nullptr || !stored->isString())
    {
      throw FileError(record.string(), "is not a feature cache record");
    }
    if (stored->asString() != key)
    {
      throw FileError(dir,
                      "holds the features of another image encoder, brain encoder or transform "
                      "(key " +
                        stored->asString().substr(0, 12) + ", this bundle's " + key.substr(0, 12) +
                        "): give another cache folder");
    }
    return;
  }
  if (fs::exists(dir, error) && (!fs::is_directory(dir, error) || !fs::is_empty(dir, error)))
  {
    throw FileError(dir,
                    std::string("is not a feature cache folder (no ") + CacheManifestName + ")");
  }
  fs::create_directories(dir, error);
  if (error)
  {
    throw FileError(dir, "cannot be created: " + error.message());
  }
  JsonValue json = JsonValue::object();
  json.set("format", CacheFormat);
  json.set("version", 1);
  json.set("key", key);
  json.set("encoder", weightsChecksum(manifest, "encoder"));
  json.set("brainEncoder", weightsChecksum(manifest, "brainEncoder"));
  writeTextFileAtomically(record.string(), writeJson(json) + "\n");
}

// One evaluation row's images, transformed as evaluateDatasets transforms them. Their cache ids
// name the dataset too: an OOD set's image and the clean one it was made from differ.
class RowSource : public ExampleSource
{
public:
  RowSource(std::shared_ptr<const ImageDataset> dataset,
            const BundleManifest& manifest,
            PreprocessConfig transform,
            std::size_t count,
            int workers)
    : Data(std::move(dataset))
    , Channels(manifest.model.encoder.inChannels)
    , Transform(std::move(transform))
    , Brain(manifest.brainPreprocess)
    , Count(count)
    , Workers(static_cast<std::size_t>(std::max(workers, 1)))
  {
  }

  std::size_t size() const override { return Count; }
  std::string name() const override { return Data->name(); }
  std::string id(std::size_t index) const override
  {
    return Data->name() + "\n" + Data->itemId(index);
  }
  int label(std::size_t index) const override { return Data->label(index); }
  TrainingExample example(std::size_t index) const override
  {
    PreparedImage prepared =
      prepareImage(Data->loadImage(index), id(index), Channels, Transform, Brain);
    TrainingExample example;
    example.id = std::move(prepared.id);
    example.image = std::move(prepared.pixels);
    example.brainImage = std::move(prepared.brainPixels);
    example.label = Data->label(index);
    return example;
  }
  // Decodes on up to Workers threads, each taking the next image; the first error is rethrown.
  std::vector<TrainingExample> examples(const std::vector<std::size_t>& indices) const override
  {
    std::vector<TrainingExample> result(indices.size());
    forEachInParallel(
      indices.size(), Workers, [&](std::size_t i) { result[i] = example(indices[i]); });
    return result;
  }

private:
  std::shared_ptr<const ImageDataset> Data;
  int Channels;
  PreprocessConfig Transform;
  std::optional<PreprocessConfig> Brain;
  std::size_t Count;
  std::size_t Workers;
};

} // namespace

std::string featureCacheKey(const std::string& bundleDir)
{
  return keyOf(readBundleManifest(bundleDir));
}

CachedEvaluationResult evaluateDatasetsCached(const std::string& bundleDir,
                                              const std::vector<std::string>& datasetSpecs,
                                              const CachedEvaluationOptions& options,
                                              const CachedEvaluationProgress& progress,
                                              const std::atomic<bool>* cancel)
{
  if (options.batchSize < 1)
  {
    throw std::invalid_argument("evaluation batch size must be at least 1");
  }
  if (options.cacheDir.empty())
  {
    throw std::invalid_argument("an evaluation from cached features needs a cache folder");
  }
  const BundleManifest manifest = readBundleManifest(bundleDir);
  DatasetOptions datasetOptions;
  datasetOptions.classNames = manifest.classNames;
  std::vector<std::shared_ptr<const ImageDataset>> opened;
  for (const std::string& spec : datasetSpecs)
  {
    opened.push_back(openImageDataset(spec, datasetOptions));
  }
  const std::vector<std::shared_ptr<const ImageDataset>> datasets = evaluationRows(opened);
  const std::vector<PreprocessConfig> transforms = detail::checkedTransforms(manifest, datasets);
  for (const auto& dataset : datasets)
  {
    if (!dataset->outputIndices().empty())
    {
      throw std::invalid_argument(dataset->name() +
                                  " scores a subset of the model's classes: evaluate it from "
                                  "images, without a feature cache");
    }
  }
  claimCacheFolder(options.cacheDir, manifest);
  TrainerOptions trainerOptions;
  trainerOptions.device = options.device;
  trainerOptions.featureCacheDir = (fs::path(options.cacheDir) / "entries").string();
  trainerOptions.compactFeatureCache = true;
  const std::unique_ptr<Trainer> trainer = Trainer::fromBundle(bundleDir, manifest, trainerOptions);
  const int workers = options.workers > 0
                        ? options.workers
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  TrainingControl control;
  control.cancel = cancel;
  CachedEvaluationResult result;
  for (std::size_t d = 0; d < datasets.size(); ++d)
  {
    const std::size_t total =
      options.limit > 0 ? std::min(options.limit, datasets[d]->size()) : datasets[d]->size();
    const RowSource source(datasets[d], manifest, transforms[d], total, workers);
    const HeadPredictions predictions = trainer->predictHeads(source, options.batchSize, control);
    if (predictions.cancelled)
    {
      result.cancelled = true;
      break;
    }
    DatasetAccuracy row;
    row.dataset = datasets[d]->name();
    if (const std::optional<ImageDataset::Part> part = datasets[d]->partOf())
    {
      row.whole = part->whole;
      row.part = part->part;
    }
    for (std::size_t i = 0; i < total; ++i)
    {
      const int label = datasets[d]->label(i);
      if (label >= 0) // unlabelled images count in no accuracy
      {
        row.add(predictions.baseline[i] == label, predictions.bmfl[i] == label);
      }
    }
    result.rows.push_back(std::move(row));
    if (progress)
    {
      progress(datasets[d]->name(), total);
    }
  }
  const FeatureCacheStats stats = trainer->cacheStats();
  result.cachedImages = static_cast<std::size_t>(stats.featureHits);
  result.computedImages = static_cast<std::size_t>(stats.featureMisses);
  return result;
}

} // namespace bmfl
