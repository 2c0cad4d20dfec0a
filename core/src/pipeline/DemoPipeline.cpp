#include "bmfl/DemoPipeline.h"

#include "Formatted.h"
#include "bmfl/AtomicFile.h"
#include "bmfl/Corruptions.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/Resources.h"
#include "bmfl/SimulatedSubject.h"
#include "bmfl/Timestamp.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <thread>

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

using pipeline_detail::formatted;

/// One image of the demo data: the model's input and what the simulated subject sees.
struct DemoImage
{
  std::string id;
  int label = -1;
  std::vector<float> normalised; ///< the bundle's evaluation transform
  std::vector<float> grey;       ///< 28 x 28, values in [0, 1]
};

/// Stream options for decoded images (no transform) of [0, end).
StreamOptions decodedImages(std::size_t end, const std::atomic<bool>* cancel)
{
  StreamOptions options;
  options.transform.reset();
  options.end = end;
  options.cancel = cancel;
  return options;
}

/// Reads every wanted item of a dataset (decoded on worker threads) in index order.
/// keepGrey: also keep the [0, 1] pixels the simulated subject sees.
std::vector<DemoImage> readImages(const std::shared_ptr<const ImageDataset>& dataset,
                                  const std::vector<std::size_t>& wanted,
                                  const PreprocessConfig& preprocess,
                                  bool keepGrey,
                                  const PipelineControl& control)
{
  std::vector<bool> keep(dataset->size(), false);
  for (std::size_t index : wanted)
  {
    keep[index] = true;
  }
  DatasetStream stream(
    dataset,
    decodedImages(wanted.empty() ? 0 : *std::max_element(wanted.begin(), wanted.end()) + 1,
                  control.training.cancel));
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
  control.stopIfCancelled();
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

/// Noise-free responses of the subject to images on every core (the SOC model is the slow part
/// of the brain stage); the calling thread reports progress twice a second.
std::vector<std::vector<float>> noiselessResponses(const SimulatedSubject& subject,
                                                   const std::vector<const DemoImage*>& images,
                                                   const std::string& task,
                                                   const PipelineControl& control)
{
  std::vector<std::vector<float>> responses(images.size());
  std::atomic<std::size_t> next{ 0 };
  std::atomic<std::size_t> done{ 0 };
  const auto work = [&]()
  {
    for (std::size_t i = next++; i < images.size() && !control.cancelled(); i = next++)
    {
      responses[i] = subject.noiselessResponse(images[i]->grey.data(), 28, 28);
      ++done;
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t)
  {
    workers.emplace_back(work);
  }
  for (int tick = 1; done.load() < images.size() && !control.cancelled(); ++tick)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (control.count && (tick % 10 == 0 || done.load() == images.size()))
    {
      control.count(task, done.load(), images.size());
    }
  }
  for (std::thread& worker : workers)
  {
    worker.join();
  }
  control.stopIfCancelled();
  return responses;
}

TrainingExample example(std::string id,
                        std::vector<float> image,
                        int label,
                        std::vector<float> fmri)
{
  TrainingExample example;
  example.id = std::move(id);
  example.image = std::move(image);
  example.label = label;
  example.fmri = std::move(fmri);
  return example;
}

std::vector<TrainingExample> labelledExamples(const std::vector<DemoImage>& images)
{
  std::vector<TrainingExample> examples;
  for (const DemoImage& image : images)
  {
    examples.push_back(example(image.id, image.normalised, image.label, {}));
  }
  return examples;
}

std::int64_t count(std::size_t size)
{
  return static_cast<std::int64_t>(size);
}

} // namespace

DemoSizes DemoSizes::quick()
{
  DemoSizes sizes;
  sizes.trainImages = 800;
  sizes.calibrationImages = 200;
  sizes.brainTrainImages = 400;
  sizes.brainHeldOutImages = 100;
  sizes.evaluationImages = 200;
  sizes.encoderEpochs = 1;
  sizes.brainEpochs = 1;
  sizes.headEpochs = 1;
  return sizes;
}

BmflModelConfig demoModelConfig()
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
  // One brain token per visual area: the image [CLS] -> brain attention then reads per area, and
  // the demo's REPORT.md measured ROI tokens at least as accurate as conv slices (the "conv
  // slices" lever keeps that comparison in every report).
  config.brainTransformer.tokenizer = "roi_tokens";
  config.brainTransformer.roiLabelSet = "visual-areas";
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

DemoResult runDemoPipeline(const DemoOptions& options, const PipelineControl& control)
{
  // The output is checked before minutes of training: a bundle (replaced) or an empty or new
  // folder, never a folder of other things.
  checkBundleTarget(options.out);
  const DemoSizes& sizes = options.sizes;
  const std::uint64_t seed = options.seed;
  DemoResult result;
  PipelineReport& report = result.report;
  report.title = "BMFL demo bundle: training report";
  report.writtenBy = "bmfl train-demo";
  report.commandLine = options.commandLine;
  report.seed = seed;
  report.date = utcTimestamp();
  report.mode = options.quick ? "--quick (tiny sizes, for tests only)" : "full";
  report.epochs = { { "image encoder", sizes.encoderEpochs },
                    { "brain encoder", sizes.brainEpochs },
                    { "each head", sizes.headEpochs } };
  StageClock clock(control);

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
  control.note("reading " + trainSet->name() + " and " + testSet->name());
  const std::vector<DemoImage> trainImages =
    readImages(trainSet,
               seededSelection(trainSet->size(), sizes.trainImages, seed),
               preprocess,
               true,
               control);
  const std::vector<DemoImage> heldOutImages =
    readImages(testSet,
               seededSelection(testSet->size(), sizes.brainHeldOutImages, seed + 1),
               preprocess,
               true,
               control);
  const VectorExampleSource trainSource(trainSet->name(), labelledExamples(trainImages));
  report.datasets.push_back(
    { trainSet->name() + " (image encoder, heads)", count(trainImages.size()) });
  clock.end("read Fashion-MNIST");

  // The simulated subject, calibrated on training images.
  SimulatedSubject subject(
    loadBensonRetinotopy(
      resourceDirectory() + "/atlases/neuropythy/fsaverage/surf", "fsaverage5", 10242),
    SimulationConfig{});
  {
    std::vector<const DemoImage*> calibration;
    for (std::size_t index : seededSelection(trainImages.size(), sizes.calibrationImages, seed + 2))
    {
      calibration.push_back(&trainImages[index]);
    }
    subject.calibrate(
      noiselessResponses(subject, calibration, "sim01 calibration responses", control));
    report.datasets.push_back(
      { "sim01 calibration (fashion-mnist:train)", count(calibration.size()) });
  }
  clock.end("simulated subject: calibration");

  TrainerOptions trainerOptions;
  trainerOptions.device = options.device;
  trainerOptions.seed = seed;
  Trainer trainer(
    demoModelConfig(), subject.vertexSpace(), fashionMnistClassNames(), preprocess, trainerOptions);

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
  encoderOptions.seed = seed;
  const TrainingReport encoderReport =
    trainImageEncoderStage(trainer, trainSource, encoderOptions, control);
  clock.end("(a) image encoder, supervised");

  // (b) sim01's single-trial responses, and the brain encoder trained on them with MSE.
  std::vector<const DemoImage*> brainImages;
  for (std::size_t index : seededSelection(trainImages.size(), sizes.brainTrainImages, seed + 3))
  {
    brainImages.push_back(&trainImages[index]);
  }
  const std::vector<std::vector<float>> brainNoiseless =
    noiselessResponses(subject, brainImages, "sim01 training responses", control);
  std::vector<TrainingExample> brainExamples;
  for (std::size_t i = 0; i < brainImages.size(); ++i)
  {
    brainExamples.push_back(example(brainImages[i]->id,
                                    brainImages[i]->normalised,
                                    brainImages[i]->label,
                                    subject.measuredResponse(brainNoiseless[i], i, 0)));
  }
  const VectorExampleSource brainSource("sim01 single-trial responses to fashion-mnist:train",
                                        std::move(brainExamples));
  report.datasets.push_back({ brainSource.name() + " (brain encoder)", count(brainSource.size()) });
  BrainEncoderTrainingOptions brainOptions;
  brainOptions.epochs = sizes.brainEpochs;
  brainOptions.batchSize = 64;
  brainOptions.learningRate = 5e-4;
  brainOptions.gradientClipNorm = 1.0;
  brainOptions.seed = seed;
  report.brain.training = trainBrainEncoderStage(trainer, brainSource, brainOptions, control);
  clock.end("(b) sim01 responses + brain encoder");

  // (c) The BMFL head and the baseline linear probe on the frozen encoders.
  HeadTrainingOptions headOptions;
  headOptions.epochs = sizes.headEpochs;
  headOptions.batchSize = 128;
  headOptions.learningRate = 1e-3;
  headOptions.weightDecay = 0.05;
  headOptions.seed = seed;
  trainHeadsStage(trainer, trainSource, headOptions, control);
  StagedFolder bundle(options.out);
  TrainingProvenance provenance;
  provenance.command = options.commandLine +
                       " (simulated subject sim01; image encoder: supervised stand-in for "
                       "DINOv2, no pretrained weights)";
  provenance.seed = seed;
  trainer.saveBundle(bundle.path(), provenance);
  clock.end("(c) BMFL head + baseline head");

  // The brain encoder on held-out test images, through the bundle as users run it.
  {
    EngineOptions engineOptions;
    engineOptions.device = options.device;
    engineOptions.batchSize = 128;
    std::vector<PreparedImage> prepared;
    std::vector<const DemoImage*> heldOut;
    for (const DemoImage& image : heldOutImages)
    {
      PreparedImage input;
      input.id = image.id;
      input.channels = 1;
      input.height = 28;
      input.width = 28;
      input.pixels = image.normalised;
      prepared.push_back(std::move(input));
      heldOut.push_back(&image);
    }
    const std::vector<std::vector<float>> predicted =
      predictFmriStage(bundle.path(), prepared, engineOptions, control);
    const std::vector<std::vector<float>> heldOutNoiseless =
      noiselessResponses(subject, heldOut, "sim01 held-out responses", control);
    std::vector<std::vector<float>> measured;
    for (std::size_t i = 0; i < predicted.size(); ++i)
    {
      // Stimulus ids past the training ones: a held-out trial never repeats a training trial.
      measured.push_back(subject.measuredResponse(heldOutNoiseless[i], 1'000'000 + i, 0));
    }
    report.brain.regions = regionCorrelations(subject.vertexSpace(),
                                              predicted,
                                              measured,
                                              { "visual-areas", "streams" },
                                              "all simulated vertices");
    report.brain.heldOutImages = predicted.size();
    report.brain.measured = "sim01's measured single-trial response";
    report.brain.heldOut = "held-out fashion-mnist:test images";
    report.brain.noiseCeiling = subject.noiseCeilingR(1);
    report.brain.noiseCeilingSource =
      "for single-trial targets (noiseCeilingR(1), the r a perfect model reaches)";
    report.datasets.push_back({ "sim01 single-trial responses to fashion-mnist:test "
                                "(brain encoder held-out)",
                                count(predicted.size()) });
  }
  clock.end("brain encoder held-out evaluation");

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
    for (DemoImage& image : readImages(dataset, first, preprocess, false, control))
    {
      examples.push_back(example(image.id, std::move(image.normalised), image.label, {}));
    }
    report.datasets.push_back({ dataset->name() + " (evaluation)", count(examples.size()) });
    evaluationSources.emplace_back(dataset->name(), std::move(examples));
  }
  std::vector<const ExampleSource*> evaluationPointers;
  for (const VectorExampleSource& source : evaluationSources)
  {
    evaluationPointers.push_back(&source);
  }
  report.variants = paperHeadVariants(trainer.config());
  report.classes = fashionMnistClassNames().size();
  report.variants.front().rows = evaluateHeadsStage(trainer, evaluationPointers, 256, control);
  clock.end("(d) evaluation sets read and encoded; BMFL and baseline evaluated");

  // (e) Ablations and levers: each a new BMFL head on the same frozen encoders, evaluated on
  // the same images; the ablations are also saved as bundles.
  trainHeadVariantsStage(trainer,
                         report.variants,
                         trainSource,
                         headOptions,
                         evaluationPointers,
                         256,
                         bundle.path(),
                         provenance,
                         control);
  clock.end("(e) ablation and lever heads, trained and evaluated");

  report.timings = clock.timings();
  report.modelNotes = {
    "The fMRI is **simulated**: subject `sim01`, a second-order-contrast pRF model on the "
    "Benson 2014 retinotopy template (docs/SIMULATED_SUBJECT.md), single-trial responses "
    "with measurement noise. No human brain data is involved.",
    "The image encoder has DINOv2's architecture but **not** DINOv2's weights: no "
    "pretrained weights can be obtained offline, so it was trained here, supervised, on "
    "fashion-mnist:train with a temporary linear head (a stand-in; it knows only these "
    "labels). Best validation accuracy of that stage: " +
      formatted("%.4f", encoderReport.bestMetric) + " (epoch " +
      std::to_string(encoderReport.bestEpoch) + ").",
    "Every accuracy below comes from images held out from all training. The heads are "
    "evaluated on the frozen encoders' cached outputs; `bmfl evaluate` on the saved bundles "
    "gives the same verdicts."
  };
  report.totalBytes = folderBytes(bundle.path());
  writeTextFileAtomically((fs::path(bundle.path()) / "REPORT.md").string(),
                          pipelineReportMarkdown(report));
  bundle.commit();
  result.totalBytes = report.totalBytes;
  return result;
}

} // namespace bmfl
