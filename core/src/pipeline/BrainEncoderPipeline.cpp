#include "bmfl/BrainEncoderPipeline.h"

#include "bmfl/Algonauts.h"
#include "bmfl/AtomicFile.h"
#include "bmfl/Correlation.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/Npy.h"
#include "bmfl/Timestamp.h"

#include "DistributedLaunch.h"
#include "Formatted.h"
#include "bmfl/ParallelFor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <thread>

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

using pipeline_detail::formatted;

/// What --encoder gives: the architecture, where its weights are, the classifier's input and
/// (for a bundle) its classes.
struct EncoderSource
{
  ImageEncoderConfig config;
  std::string weights; ///< the file loadEncoderWeights reads
  PreprocessConfig preprocess;
  std::vector<std::string> classNames;
};

EncoderSource openEncoder(const std::string& path)
{
  EncoderSource source;
  if (fs::is_directory(path))
  {
    const BundleManifest manifest = readBundleManifest(path);
    const BundleWeights* weights = manifest.weightsOf("encoder");
    if (weights == nullptr)
    {
      throw FileError(path, "the bundle has no encoder weights");
    }
    source.config = manifest.model.encoder;
    source.weights = (fs::path(path) / weights->file).string();
    source.preprocess = manifest.preprocess;
    source.classNames = manifest.classNames;
    return source;
  }
  requireRegularFile(path, "a DINOv2 checkpoint or a model bundle folder");
  source.config = inspectDinoV2Checkpoint(path);
  source.weights = path;
  // DINOv2's evaluation transform (resize 256, centre crop 224, ImageNet mean and std).
  source.config.imageSize = source.preprocess.cropSize;
  return source;
}

/// Adeli et al.'s decoder on the encoder's width, a query per label of the ROI set and
/// hemisphere; the heads' architecture follows the encoder's width and heads.
BmflModelConfig modelConfig(const EncoderSource& encoder,
                            const BrainEncoderPipelineOptions& options,
                            const VertexSpace& space,
                            std::size_t classes)
{
  BmflModelConfig config;
  config.encoder = encoder.config;
  BrainEncoderConfig& brain = config.brainEncoder;
  brain.featureSource = options.featureBlock == -1 ? "last_block_query" : "block_query";
  brain.featureBlock = options.featureBlock;
  brain.width = encoder.config.embedDim;
  brain.heads = 16;
  brain.feedForward = 2048;
  brain.decoderLayers = 1;
  brain.dropout = 0.1;
  brain.queryLabelSet = options.roiSet;
  config.brainTransformer.roiLabelSet = options.roiSet;
  config.brainTransformer.sliceLength =
    std::min(config.brainTransformer.sliceLength, static_cast<int>(space.size()));
  config.brainTransformer.width = encoder.config.embedDim;
  config.brainTransformer.heads = encoder.config.heads;
  config.fusion.heads = encoder.config.heads;
  config.numClasses = static_cast<int>(classes);
  return config;
}

/// Adeli et al.'s input: the NSD image as it is (centre crop brainSize, no resize), normalised,
/// zero-padded bottom/right to a multiple of the patch.
PreprocessConfig brainPreprocess(const BrainEncoderPipelineOptions& options, int patch)
{
  PreprocessConfig preprocess;
  preprocess.resizeShortSide = 0;
  preprocess.cropSize = options.brainSize;
  preprocess.padToMultiple = patch;
  return preprocess;
}

/// The given train indices (validation = the rest, in order), or a seeded 90/10 split of a
/// permutation as Adeli et al.'s np.random.shuffle.
void chooseSplit(const BrainEncoderPipelineOptions& options,
                 std::size_t images,
                 std::vector<std::size_t>& train,
                 std::vector<std::size_t>& validation)
{
  train.clear();
  validation.clear();
  if (!options.splitFile.empty())
  {
    requireRegularFile(options.splitFile, "a .npy of training image indices");
    const NpyArray array = readNpy(options.splitFile);
    if (array.type == NpyElementType::Float32 || array.type == NpyElementType::Float64 ||
        array.shape.size() != 1)
    {
      throw FileError(options.splitFile, "expected a 1-D integer array of training image indices");
    }
    std::vector<bool> taken(images, false);
    for (const std::int64_t index : array.integers())
    {
      if (index < 0 || static_cast<std::uint64_t>(index) >= images)
      {
        throw FileError(options.splitFile,
                        "index " + std::to_string(index) + " is outside the subject's " +
                          std::to_string(images) + " images" +
                          (options.limit > 0 ? " (--limit)" : ""));
      }
      if (taken[static_cast<std::size_t>(index)])
      {
        throw FileError(options.splitFile, "index " + std::to_string(index) + " appears twice");
      }
      taken[static_cast<std::size_t>(index)] = true;
      train.push_back(static_cast<std::size_t>(index));
    }
    for (std::size_t index = 0; index < images; ++index)
    {
      if (!taken[index])
      {
        validation.push_back(index);
      }
    }
  }
  else
  {
    std::vector<std::size_t> order(images);
    std::iota(order.begin(), order.end(), std::size_t{ 0 });
    std::mt19937_64 random(options.training.seed);
    std::shuffle(order.begin(), order.end(), random);
    const auto trainCount = static_cast<std::size_t>(static_cast<double>(images) * 0.9);
    train.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(trainCount));
    // Held out in image order, as the complement of a given split.
    validation.assign(order.begin() + static_cast<std::ptrdiff_t>(trainCount), order.end());
    std::sort(validation.begin(), validation.end());
  }
  if (train.empty() || validation.size() < 2)
  {
    throw FileError(options.splitFile.empty() ? options.subject : options.splitFile,
                    "the split leaves " + std::to_string(train.size()) + " training and " +
                      std::to_string(validation.size()) +
                      " held-out images; at least 1 and 2 are needed");
  }
}

void saveIndices(const std::string& path, const std::vector<std::size_t>& indices)
{
  writeNpy(path,
           makeNpyArray(NpyElementType::Int64,
                        { indices.size() },
                        std::vector<std::int64_t>(indices.begin(), indices.end())));
}

/// The subject's training images (the first `count`) with their measured fMRI, decoded when an
/// example is asked for.
class SubjectExamples : public ExampleSource
{
public:
  SubjectExamples(const AlgonautsSubject& subject,
                  std::size_t count,
                  int inChannels,
                  PreprocessConfig preprocess,
                  PreprocessConfig brain)
    : Subject(subject)
    , Count(count)
    , InChannels(inChannels)
    , Preprocess(std::move(preprocess))
    , Brain(std::move(brain))
    , Fmri(readAlgonautsFmriRows(subject, 0, count))
  {
  }
  std::size_t size() const override { return Count; }
  std::string name() const override { return "algonauts-" + Subject.subject + " training images"; }
  std::string id(std::size_t index) const override
  {
    return "algonauts-" + Subject.subject + "/" +
           fs::path(Subject.trainingImages.at(index)).filename().string();
  }
  int label(std::size_t /*index*/) const override { return -1; }
  TrainingExample example(std::size_t index) const override
  {
    const PreparedImage image = prepared(index);
    TrainingExample example;
    example.id = image.id;
    example.image = image.pixels;
    example.brainImage = image.brainPixels;
    example.fmri = fmri(index);
    return example;
  }
  /// A batch decoded on every core; the first error is rethrown.
  std::vector<TrainingExample> examples(const std::vector<std::size_t>& indices) const override
  {
    std::vector<TrainingExample> result(indices.size());
    forEachInParallel(indices.size(),
                      std::max(1u, std::thread::hardware_concurrency()),
                      [&](std::size_t i) { result[i] = example(indices[i]); });
    return result;
  }
  PreparedImage prepared(std::size_t index) const
  {
    const std::string& path = Subject.trainingImages.at(index);
    try
    {
      return prepareImage(decodeImageFile(path), id(index), InChannels, Preprocess, Brain);
    }
    catch (const std::invalid_argument& error)
    {
      throw FileError(path, error.what());
    }
  }
  std::vector<float> fmri(std::size_t index) const override
  {
    const std::size_t vertices = Subject.space.size();
    const auto first = Fmri.begin() + static_cast<std::ptrdiff_t>(index * vertices);
    return { first, first + static_cast<std::ptrdiff_t>(vertices) };
  }

private:
  const AlgonautsSubject& Subject;
  std::size_t Count;
  int InChannels;
  PreprocessConfig Preprocess;
  PreprocessConfig Brain;
  std::vector<float> Fmri; ///< Count rows of the space's vertices
};

/// Mean over vertices [first, end) of the per-vertex Pearson r across images (vertices without
/// variance left out).
double meanR(const std::vector<std::vector<float>>& predicted,
             const std::vector<std::vector<float>>& measured,
             std::size_t first,
             std::size_t end)
{
  double sum = 0.0;
  std::size_t defined = 0;
  for (std::size_t vertex = first; vertex < end; ++vertex)
  {
    if (const std::optional<double> r = pearsonR(
          predicted.size(),
          [&](std::size_t i) { return predicted[i][vertex]; },
          [&](std::size_t i) { return measured[i][vertex]; }))
    {
      sum += *r;
      ++defined;
    }
  }
  return defined == 0 ? std::nan("") : sum / static_cast<double>(defined);
}

} // namespace

std::vector<std::string> readClassNamesFile(const std::string& path)
{
  requireRegularFile(path, "a class list (one name per line)");
  std::ifstream file(path);
  if (!file)
  {
    throw FileError(path, "cannot open");
  }
  std::vector<std::string> names;
  std::string line;
  while (std::getline(file, line))
  {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())) != 0)
    {
      line.pop_back();
    }
    if (!line.empty())
    {
      names.push_back(line);
    }
  }
  if (file.bad())
  {
    throw FileError(path, "cannot be read");
  }
  if (names.size() < 2)
  {
    throw FileError(path, "holds " + std::to_string(names.size()) + " class names; at least 2");
  }
  return names;
}

void checkBrainEncoderPipeline(const BrainEncoderPipelineOptions& options)
{
  checkBundleTarget(options.out);
  const EncoderSource encoder = openEncoder(options.encoder);
  const AlgonautsSubject subject = openAlgonautsSubject(options.subject);
  if (subject.space.labels(options.roiSet) == nullptr)
  {
    throw FileError((fs::path(options.subject) / "roi_masks").string(),
                    "has no " + options.roiSet + " ROI files (lh." + options.roiSet +
                      "_challenge_space.npy)");
  }
  const std::vector<std::string>& classes =
    options.classNames.empty() ? encoder.classNames : options.classNames;
  if (classes.empty())
  {
    throw FileError(options.encoder,
                    "is a checkpoint without classes: give the heads' classes (--classes FILE)");
  }
  validateModelConfig(
    modelConfig(encoder, options, subject.space, classes.size()), subject.space, options.encoder);
  validatePreprocessConfig(brainPreprocess(options, encoder.config.patchSize));
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
  chooseSplit(options,
              options.limit == 0 ? subject.imageCount()
                                 : std::min(options.limit, subject.imageCount()),
              train,
              validation);
}

BrainEncoderPipelineResult runBrainEncoderPipeline(const BrainEncoderPipelineOptions& options,
                                                   const PipelineControl& control)
{
  checkBrainEncoderPipeline(options);
  BrainEncoderPipelineResult result;
  PipelineReport& report = result.report;
  report.title = "BMFL brain encoder (Adeli et al. 2023 recipe): training report";
  report.writtenBy = "bmfl train-brain-encoder";
  report.commandLine = options.commandLine;
  report.seed = options.training.seed;
  report.date = utcTimestamp();
  report.epochs = { { "brain encoder", options.training.epochs } };
  StageClock clock(control);

  const EncoderSource encoder = openEncoder(options.encoder);
  const std::vector<std::string> classes =
    options.classNames.empty() ? encoder.classNames : options.classNames;
  const AlgonautsSubject subject = openAlgonautsSubject(options.subject);
  const std::size_t images =
    options.limit == 0 ? subject.imageCount() : std::min(options.limit, subject.imageCount());
  BrainEncoderTrainingOptions training = options.training;
  chooseSplit(options, images, training.trainIndices, training.validationIndices);
  training.perHemisphere = true;
  training.labelledVerticesOnly = options.roiSet != "streams";
  result.trainImages = training.trainIndices.size();
  result.validationImages = training.validationIndices.size();
  result.splitGiven = !options.splitFile.empty();
  const BmflModelConfig config = modelConfig(encoder, options, subject.space, classes.size());
  const PreprocessConfig brain = brainPreprocess(options, encoder.config.patchSize);
  control.note("reading " + std::to_string(images) + " images and their fMRI from " +
               subject.folder);
  const SubjectExamples examples(
    subject, images, config.encoder.inChannels, encoder.preprocess, brain);
  report.datasets.push_back({ examples.name() + " (brain encoder training)",
                              static_cast<std::int64_t>(result.trainImages) });
  report.datasets.push_back(
    { examples.name() + " (held out)", static_cast<std::int64_t>(result.validationImages) });
  clock.end("subject read");

  TrainerOptions trainerOptions;
  trainerOptions.device = options.device;
  trainerOptions.distributed =
    joinLaunch(options.launch, options.distributed, trainerOptions.device, control);
  const std::shared_ptr<DistributedGroup>& group = trainerOptions.distributed;
  trainerOptions.seed = options.training.seed;
  trainerOptions.featureCacheDir = options.featureCacheDir;
  // The ranks share their extraction through one cache folder that they all see.
  std::string sharedCache;
  if (group && options.featureCacheDir.empty())
  {
    fs::path out = fs::absolute(fs::path(options.out)).lexically_normal();
    if (out.filename().empty())
    {
      out = out.parent_path();
    }
    sharedCache = (out.parent_path() / ("." + out.filename().string() + ".feature-cache")).string();
    trainerOptions.featureCacheDir = sharedCache;
  }
  Trainer trainer(config, subject.space, classes, encoder.preprocess, trainerOptions);
  trainer.loadEncoderWeights(encoder.weights);
  trainer.setBrainPreprocess(brain);
  report.brain.training = trainBrainEncoderStage(trainer, examples, training, control);
  clock.end("brain encoder");
  const std::string waitForWriter = "waiting for rank 0 to write and score the bundle";
  if (group && group->rank() != 0)
  {
    group->barrier(waitForWriter, true);
    return result;
  }

  StagedFolder bundle(options.out);
  TrainingProvenance provenance;
  provenance.command = options.commandLine +
                       " (brain encoder: Adeli et al. 2023 recipe; the heads are freshly "
                       "initialised and untrained: train them with bmfl train)";
  provenance.seed = options.training.seed;
  trainer.saveBundle(bundle.path(), provenance);
  saveIndices((fs::path(bundle.path()) / "idxs.npy").string(), training.trainIndices);
  saveIndices((fs::path(bundle.path()) / "val_idxs.npy").string(), training.validationIndices);

  // The held-out images through the saved bundle, as users run it, a batch at a time.
  {
    EngineOptions engineOptions;
    engineOptions.device = trainerOptions.device;
    engineOptions.batchSize = options.training.batchSize;
    const auto engine = InferenceEngine::open(bundle.path(), engineOptions);
    std::vector<std::vector<float>> predicted;
    std::vector<std::vector<float>> measured;
    const std::vector<std::size_t>& heldOut = training.validationIndices;
    const std::size_t chunk = 64;
    for (std::size_t first = 0; first < heldOut.size(); first += chunk)
    {
      std::vector<PreparedImage> batch;
      for (std::size_t i = first; i < std::min(heldOut.size(), first + chunk); ++i)
      {
        batch.push_back(examples.prepared(heldOut[i]));
        measured.push_back(examples.fmri(heldOut[i]));
      }
      for (ImageResult& image : engine->run(batch, {}, control.training.cancel))
      {
        predicted.push_back(std::move(image.predictedFmri));
      }
      control.stopIfCancelled();
      if (control.count)
      {
        control.count("held-out images", predicted.size(), heldOut.size());
      }
    }
    std::vector<std::string> labelSets{ options.roiSet };
    for (const std::string& roiClass : nsdRoiClasses())
    {
      if (roiClass != options.roiSet)
      {
        labelSets.push_back(roiClass);
      }
    }
    report.brain.regions =
      regionCorrelations(subject.space, predicted, measured, labelSets, "all challenge vertices");
    report.brain.heldOutImages = predicted.size();
    report.brain.measured = subject.subject + "'s measured fMRI (Algonauts 2023 training split)";
    report.brain.heldOut = "held-out training images (val_idxs.npy)";
    const std::size_t left = subject.space.left.size();
    result.leftMeanR = meanR(predicted, measured, 0, left);
    result.rightMeanR = meanR(predicted, measured, left, subject.space.size());
    result.validationMetric = (result.leftMeanR + result.rightMeanR) / 2.0;
  }
  clock.end("brain encoder held-out evaluation");

  report.timings = clock.timings();
  report.classes = classes.size();
  report.modelNotes = {
    "The image encoder is frozen DINOv2 weights from " + fs::path(options.encoder).string() +
      "; the brain encoder is Adeli et al. 2023's decoder with a query per " + options.roiSet +
      " label and hemisphere, trained here on " + subject.subject +
      (training.labelledVerticesOnly ? " (loss on labelled vertices only)" : "") + ".",
    "Held-out metric as Adeli et al.'s val_mean_corr: (mean r left + mean r right) / 2 = " +
      formatted("%.4f", result.validationMetric) + " (left " + formatted("%.4f", result.leftMeanR) +
      ", right " + formatted("%.4f", result.rightMeanR) +
      "). The split is saved as idxs.npy (train) and val_idxs.npy (held out).",
    "No noise-normalised scores: the Algonauts 2023 subject folders hold no noise ceiling for "
    "the training images (the challenge's noise ceilings are the organisers', for test images).",
    "The BMFL and baseline heads are freshly initialised, **not trained**: `bmfl train` trains "
    "them on images with labels."
  };
  report.totalBytes = folderBytes(bundle.path());
  writeTextFileAtomically((fs::path(bundle.path()) / "REPORT.md").string(),
                          pipelineReportMarkdown(report));
  bundle.commit();
  if (group)
  {
    if (!sharedCache.empty())
    {
      std::error_code ignored;
      fs::remove_all(sharedCache, ignored);
    }
    group->barrier(waitForWriter, true);
  }
  return result;
}

} // namespace bmfl
