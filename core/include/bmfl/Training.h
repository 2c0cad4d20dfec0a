#pragma once

#include "bmfl/ModelBundle.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bmfl
{

class DistributedGroup;

/// One training image, preprocessed: float CHW pixels as the bundle's PreprocessConfig makes them.
struct TrainingExample
{
  std::string id;           ///< stable across runs: it keys the feature cache
  std::vector<float> image; ///< inChannels * imageSize * imageSize values
  /// The brain encoder's own input when the trainer has a brain preprocessing
  /// (Trainer::setBrainPreprocess): inChannels * side * side values, side its padded crop.
  std::vector<float> brainImage;
  int label = -1;          ///< class index, for the heads
  std::vector<float> fmri; ///< target fMRI in the vertex space, for the brain encoder (or empty)
};

/// Where examples come from: a vector in memory, or a data set read lazily.
class ExampleSource
{
public:
  virtual ~ExampleSource() = default;
  virtual std::size_t size() const = 0;
  virtual TrainingExample example(std::size_t index) const = 0;
  /// A name and size for the bundle's provenance.
  virtual std::string name() const = 0;
  /// The id and label alone: passes over cached features need no pixels, so a source that
  /// decodes images lazily should answer these without decoding.
  virtual std::string id(std::size_t index) const { return example(index).id; }
  virtual int label(std::size_t index) const { return example(index).label; }
  /// The fMRI alone (the brain encoder's targets), likewise without decoding where it can.
  virtual std::vector<float> fmri(std::size_t index) const { return example(index).fmri; }
  /// Several examples at once, in the order given: a source that decodes images overrides this
  /// to decode them in parallel. Only one batch is held in memory at a time.
  virtual std::vector<TrainingExample> examples(const std::vector<std::size_t>& indices) const;
  /// The examples as training augmentation draws them from seed (the same seed, the same
  /// images); a source without augmentation returns examples(indices). Item i is drawn from
  /// seed + 0x9E3779B97F4A7C15 * (i + 1) alone: the items from position k of a batch drawn with
  /// seed are those of the slice from k drawn with seed + 0x9E3779B97F4A7C15 * k (data-parallel
  /// ranks draw their slices so).
  virtual std::vector<TrainingExample> augmentedExamples(const std::vector<std::size_t>& indices,
                                                         std::uint64_t /*seed*/) const
  {
    return examples(indices);
  }
};

class VectorExampleSource : public ExampleSource
{
public:
  VectorExampleSource(std::string name, std::vector<TrainingExample> examples)
    : Name(std::move(name))
    , Examples(std::move(examples))
  {
  }
  std::size_t size() const override { return Examples.size(); }
  TrainingExample example(std::size_t index) const override { return Examples.at(index); }
  std::string name() const override { return Name; }
  std::string id(std::size_t index) const override { return Examples.at(index).id; }
  int label(std::size_t index) const override { return Examples.at(index).label; }
  std::vector<float> fmri(std::size_t index) const override { return Examples.at(index).fmri; }

private:
  std::string Name;
  std::vector<TrainingExample> Examples;
};

struct TrainingProgress
{
  /// "image encoder", "brain encoder", "bmfl head", "baseline head"; or, with epoch 0 and no loss,
  /// a caching pass: "encoder images" (the image encoder's stage reading its images), "image
  /// features" (the frozen encoder) or "predicted fMRI" (the brain encoder)
  std::string stage;
  int epoch = 0; ///< 1-based
  int epochs = 0;
  std::int64_t step = 0; ///< 1-based within the epoch
  std::int64_t steps = 0;
  double loss = 0.0; ///< this step's training loss
  /// At the end of an epoch (step == steps): the validation metric (mean per-vertex Pearson r
  /// for the brain encoder, accuracy for a head); NaN during an epoch.
  double metric = 0.0;
  std::string metricName;
};

/// How a long job reports and how it is stopped: progress is called after every step, cancel is
/// read before every step.
struct TrainingControl
{
  std::function<void(const TrainingProgress&)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct BrainEncoderTrainingOptions
{
  int epochs = 20;
  int batchSize = 32;
  double learningRate = 1e-4; ///< AdamW (Adeli et al. 2023)
  double weightDecay = 1e-4;
  double gradientClipNorm = 0.1;   ///< 0: no clipping
  double validationFraction = 0.1; ///< random split from seed
  std::uint64_t seed = 0;
  /// A given split (indices into the examples, e.g. Adeli et al.'s saved idxs.npy): used instead
  /// of the random one when trainIndices is not empty.
  std::vector<std::size_t> trainIndices;
  std::vector<std::size_t> validationIndices;
  /// Adeli et al.'s recipe: loss MSE(left) + MSE(right), each over the hemisphere's vertices, and
  /// validation metric (mean r left + mean r right) / 2. Off: MSE and mean r over all vertices.
  bool perHemisphere = false;
  /// The loss only over vertices labelled (> 0) in the brain encoder's query label set (Adeli et
  /// al.'s loss for every readout but the streams).
  bool labelledVerticesOnly = false;
};

/// Supervised training of the image encoder with a temporary linear head on
/// concat([CLS], mean patch token) and cross-entropy. Where no pretrained DINOv2 weights can be had
/// (offline demo), this is the stand-in: the encoder then knows only the training labels.
struct EncoderTrainingOptions
{
  int epochs = 10;
  int batchSize = 128;
  double learningRate = 1e-3; ///< AdamW, the peak of the schedule
  double weightDecay = 0.05;
  double gradientClipNorm = 1.0; ///< 0: no clipping
  /// "cosine": from learningRate to 0 over all steps; "step": times stepFactor every stepEpochs.
  std::string schedule = "cosine";
  int stepEpochs = 5;
  double stepFactor = 0.1;
  bool horizontalFlip = false; ///< flip each training image with probability 1/2
  int maxTranslation = 0;      ///< shift each training image by up to this many pixels (x and y)
  double validationFraction = 0.1;
  std::uint64_t seed = 0; ///< split, shuffles, augmentation and the head's initial weights
};

struct HeadTrainingOptions
{
  int epochs = 10;
  int batchSize = 64;
  double learningRate = 1e-3; ///< the peak of the schedule
  double weightDecay = 0.05;
  double validationFraction = 0.1;
  std::uint64_t seed = 0;
  /// "adamw", or "sgd" with momentum (DINOv2's linear evaluation protocol).
  std::string optimizer = "adamw";
  double momentum = 0.9;
  /// "constant", or "cosine": linear warm-up over warmupEpochs, then cosine decay to 0.
  std::string schedule = "constant";
  double warmupEpochs = 0.0;
  /// Each step trains on ExampleSource::augmentedExamples (drawn from seed, epoch and step),
  /// with the frozen encoders run on them: no feature is cached.
  bool augment = false;
  /// A file holding the stage's state (weights, optimizer, schedule position, data order, random
  /// states), written atomically every checkpointEvery steps and at the end; when it is there at
  /// the start, the stage resumes from it (a finished stage just restores its weights). Empty:
  /// none. A checkpoint of another run (other options or data) is refused with a FileError.
  std::string checkpointPath;
  std::int64_t checkpointEvery = 0;
};

struct EpochReport
{
  double trainLoss = 0.0;        ///< mean over the epoch's steps
  double validationLoss = 0.0;   ///< MSE for the brain encoder, cross-entropy for a head
  double validationMetric = 0.0; ///< mean per-vertex Pearson r, or accuracy
};

struct TrainingReport
{
  std::vector<EpochReport> epochs; ///< one per finished epoch
  int bestEpoch = 0;               ///< 1-based; the weights kept (brain encoder), else the last
  double bestMetric = 0.0;
  bool cancelled = false;
  std::int64_t trainExamples = 0;
  std::int64_t validationExamples = 0;
};

/// Counters of the on-disk feature cache, for tests and logs.
struct FeatureCacheStats
{
  std::int64_t encoderImages = 0; ///< images the image encoder actually ran on
  std::int64_t featureHits = 0;
  std::int64_t featureMisses = 0;
  std::int64_t fmriHits = 0;   ///< predicted fMRI read from the cache
  std::int64_t fmriMisses = 0; ///< predicted fMRI computed by the brain encoder
};

/// The class each head predicts for each example (in the source's order).
struct HeadPredictions
{
  std::vector<int> baseline;
  std::vector<int> bmfl;
  bool cancelled = false; ///< then both hold the examples done so far
};

/// The part of the architecture that belongs to the BMFL head: what an ablation may change
/// while both encoders stay frozen.
struct BmflHeadConfig
{
  BrainTransformerConfig brainTransformer;
  FusionConfig fusion;
  double pccWeight = 0.5;

  static BmflHeadConfig of(const BmflModelConfig& model)
  {
    return { model.brainTransformer, model.fusion, model.pccWeight };
  }
};

struct TrainerOptions
{
  std::string device = "auto"; ///< as EngineOptions::device
  std::uint64_t seed = 0;      ///< initialises the modules
  /// Folder of the feature cache: features of the frozen encoder (and the brain encoder's
  /// predicted fMRI) are stored per image, keyed by image id, encoder weights and
  /// preprocessing. Empty: a fresh temporary folder, removed with the trainer.
  std::string featureCacheDir;
  /// What `bmfl train` caches: only what the heads read (CLS and patch tokens in fp16, and the
  /// predicted fMRI, computed as the features are extracted), not the queries. Such a trainer
  /// trains heads only (trainImageEncoder and trainBrainEncoder refuse).
  bool compactFeatureCache = false;
  /// false: no feature cache at all; the frozen encoders run at every step and prediction (the
  /// features rounded to fp16 as a compact cache would store them).
  bool cacheFeatures = true;
  /// Data-parallel training over the processes of this group (Distributed.h); null or one
  /// process: none. Every rank makes the same calls with the same sources and options: each
  /// draws the same shuffled order from the seed, trains on its share of each global batch
  /// (batchSize examples, as one process) and the gradients are summed, weighted by each rank's
  /// share, so that a step equals one process's; validation and predictHeads score a share each
  /// and sum; feature extraction is shared out (featureCacheDir must then be one folder all
  /// ranks see). Only rank 0 reports progress and writes checkpoints; the caller saves the
  /// bundle on rank 0 alone. Dropout draws differ by rank (a run with dropout matches one
  /// process in distribution, not bit for bit). trainImageEncoder stays single-process.
  std::shared_ptr<DistributedGroup> distributed;
};

/// Trains a BMFL model in stages: optionally the image encoder (supervised, where no DINOv2
/// weights exist), then the brain encoder on (image, fMRI) pairs against the frozen
/// image encoder, then the BMFL head and the baseline linear probe on (image, label) pairs with
/// both encoders frozen. Every stage is deterministic for a seed. Torch-free facade.
/// Seeding goes through LibTorch's global generator (dropout draws from it): run one Trainer at
/// a time in a process.
class Trainer
{
public:
  Trainer(const BmflModelConfig& config,
          const VertexSpace& space,
          std::vector<std::string> classNames,
          const PreprocessConfig& preprocess,
          const TrainerOptions& options = {});
  /// Starts from a saved bundle's weights (to fine-tune a stage, or train heads on a new set).
  static std::unique_ptr<Trainer> fromBundle(const std::string& bundleDir,
                                             const TrainerOptions& options = {});
  /// The same with the bundle's manifest already read (readBundleManifest checks every file's
  /// checksum: read it once).
  static std::unique_ptr<Trainer> fromBundle(const std::string& bundleDir,
                                             const BundleManifest& manifest,
                                             const TrainerOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Loads DINOv2 weights into the image encoder (checked against the architecture).
  void loadEncoderWeights(const std::string& checkpointPath);

  /// Gives the brain encoder its own input (saved as the bundle's brainPreprocess): the frozen
  /// encoder then runs a second time, on each example's brainImage, for the brain encoder.
  /// nullopt: the brain encoder reads the features of image (one pass). Throws
  /// std::invalid_argument for a transform whose padded crop is no multiple of the patch size.
  void setBrainPreprocess(const std::optional<PreprocessConfig>& brainPreprocess);

  /// Supervised training of the image encoder (see EncoderTrainingOptions); keeps the weights of
  /// the epoch with the best validation accuracy (the starting weights when cancelled before an
  /// epoch ends), then freezes the encoder for the later stages. Features cached before this
  /// stage are keyed by the old weights and never reused. Throws std::invalid_argument for bad
  /// options or an example without a fitting image or label.
  TrainingReport trainImageEncoder(const ExampleSource& examples,
                                   const EncoderTrainingOptions& options,
                                   const TrainingControl& control = {});

  /// MSE against each example's fmri; keeps the weights of the epoch with the best validation
  /// mean per-vertex Pearson r. Throws std::invalid_argument for an example without a fitting
  /// image or fMRI.
  TrainingReport trainBrainEncoder(const ExampleSource& examples,
                                   const BrainEncoderTrainingOptions& options,
                                   const TrainingControl& control = {});

  /// Cross-entropy (+ pccWeight * (1 - PCC) for BMFL) on cached features.
  TrainingReport trainBmflHead(const ExampleSource& examples,
                               const HeadTrainingOptions& options,
                               const TrainingControl& control = {});
  TrainingReport trainBaselineHead(const ExampleSource& examples,
                                   const HeadTrainingOptions& options,
                                   const TrainingControl& control = {});

  /// Both heads' predictions on cached features (the frozen encoders run once per image and
  /// are cached like training images): evaluates an ablation or a lever straight after its
  /// training, without running the image encoder again. Labels are not read. Throws
  /// std::invalid_argument for an example without a fitting image.
  HeadPredictions predictHeads(const ExampleSource& examples,
                               int batchSize,
                               const TrainingControl& control = {});

  /// Replaces the BMFL head by a freshly initialised one (from seed) for another head
  /// configuration, keeping both encoders and the baseline head: an ablation or a lever (PCC
  /// weight, ROI tokens vs conv slices, fusion width) then trains its own head on the same frozen
  /// encoders and is saved as its own bundle. Throws FileError("BMFL head configuration",
  /// problem) for a configuration no head can be built from; the trainer is then unchanged.
  void resetBmflHead(const BmflHeadConfig& head, std::uint64_t seed);

  /// The architecture the trainer builds and saves (with the last resetBmflHead applied).
  const BmflModelConfig& config() const;

  /// Writes the model as a bundle (atomically), with this provenance.
  void saveBundle(const std::string& bundleDir, const TrainingProvenance& provenance) const;

  FeatureCacheStats cacheStats() const;
  /// Bytes a cache entry of one image takes (features and predicted fMRI), for a size estimate
  /// before extraction starts.
  std::uintmax_t cacheBytesPerImage() const;
  /// SHA-256 over every module's weights: equal for equal weights (determinism tests).
  std::string weightsChecksum() const;
  /// Every tensor of every module ("module.name": its values flattened, as float), e.g. to
  /// compare two bundles loaded with fromBundle numerically.
  std::map<std::string, std::vector<float>> namedWeights() const;

private:
  struct State;
  explicit Trainer(std::unique_ptr<State> state);
  std::unique_ptr<State> Impl;
};

} // namespace bmfl
