#pragma once

// `bmfl train`: the BMFL head and the baseline head trained on a lab's labelled images (e.g.
// ImageNet's wnid folders) on the frozen image encoder and brain encoder of a bundle, evaluated
// on a validation set, written as a new bundle with REPORT.md. Images stream from disk, decoded in
// parallel; only what the heads read is cached (fp16), and a killed run resumes from its last
// checkpoint.

#include "bmfl/Distributed.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/Pipeline.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace bmfl
{

struct HeadPipelineOptions
{
  std::string modelIn;   ///< the bundle whose encoders are used (frozen)
  std::string trainSpec; ///< a dataset spec (ImageDataset.h), labels in the bundle's classes
  std::string valSpec;   ///< evaluated at the end (both heads); empty: none
  std::string out;       ///< the bundle written
  std::string commandLine;
  std::string device = "auto";
  int epochs = 10;
  int batchSize = 256;
  double learningRate = 1e-3;
  double weightDecay = 0.05;
  double warmupEpochs = 0.0;
  /// RandomResizedCrop + horizontal flip drawn at each step (the encoders then run every step).
  bool augment = false;
  /// "bmfl": both heads with AdamW and the schedule above. "dinov2": the baseline as DINOv2's
  /// linear evaluation (SGD with momentum 0.9, cosine, RandomResizedCrop + flip, no weight decay).
  std::string baselineProtocol = "bmfl";
  /// The feature cache's folder; empty: beside the output (".NAME.feature-cache"); "off": none.
  std::string cacheDir;
  std::int64_t checkpointEvery = 0; ///< steps; 0: only at the end of each head
  std::uint64_t seed = 0;
  std::size_t limit = 0; ///< the first N training images (0: all)
  int workers = 0;       ///< decoding threads; 0: one per core
  /// A launch of several processes (readLaunchEnvironment): data-parallel training; rank 0
  /// alone writes checkpoints, the bundle and REPORT.md, the others wait for it. The feature
  /// cache and the checkpoints must be in folders every rank sees.
  LaunchEnvironment launch;
  DistributedOptions distributed;
};

struct HeadPipelineResult
{
  std::vector<DatasetAccuracy> rows; ///< the validation set's row (when given)
  std::string cacheDir;              ///< empty when off
  std::uintmax_t totalBytes = 0;
};

/// Labelled examples read from a dataset on demand, transformed as the bundle's preprocessing
/// (and brain preprocessing) says; examples() decodes a batch on `workers` threads;
/// augmentedExamples() applies RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3, as torchvision)
/// and a horizontal flip, drawn from the seed. Nothing is held but the dataset's listing.
std::unique_ptr<ExampleSource> datasetExampleSource(std::shared_ptr<const ImageDataset> dataset,
                                                    int inChannels,
                                                    const PreprocessConfig& preprocess,
                                                    const std::optional<PreprocessConfig>& brain,
                                                    std::size_t limit,
                                                    int workers);

/// Checks the options and the paths (one-line FileError naming the path, std::invalid_argument
/// for a bad value) before anything long starts.
void checkHeadPipelineOptions(const HeadPipelineOptions& options);

/// The feature cache's folder for these options (empty when off).
std::string headPipelineCacheDir(const HeadPipelineOptions& options);

/// Runs the pipeline. Throws PipelineCancelled when stopped: checkpoints stay (beside the
/// output, ".NAME.train-state"), and the same command resumes; they are removed once the bundle
/// is written.
HeadPipelineResult runHeadPipeline(const HeadPipelineOptions& options,
                                   const PipelineControl& control);

} // namespace bmfl
