#pragma once

// The demo experiment (`bmfl train-demo`): every stage of Pipeline.h on Fashion-MNIST and the
// simulated subject sim01, with an image encoder trained here as the stand-in for DINOv2.

#include "bmfl/ModelConfig.h"
#include "bmfl/Pipeline.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace bmfl
{

/// The sizes of one demo run.
struct DemoSizes
{
  std::size_t trainImages = 0; ///< 0: all of fashion-mnist:train
  std::size_t calibrationImages = 1000;
  std::size_t brainTrainImages = 12000;
  std::size_t brainHeldOutImages = 2000;
  std::size_t evaluationImages = 0; ///< per data set, the first ones; 0: all
  // About 24 minutes on two idle cores in all (REPORT.md lists each stage's time).
  int encoderEpochs = 8;
  int brainEpochs = 10;
  int headEpochs = 2;

  /// Tiny sizes for tests: seconds, not minutes.
  static DemoSizes quick();
};

struct DemoOptions
{
  std::string out; ///< the bundle folder: replaced only if it is a bundle or an empty folder
  std::uint64_t seed = 1;
  std::string device = "cpu";
  DemoSizes sizes;
  bool quick = false;      ///< recorded in the report
  std::string commandLine; ///< recorded in the provenance and the report
};

struct DemoResult
{
  std::uintmax_t totalBytes = 0; ///< the bundle with its ablations and REPORT.md
  PipelineReport report;
};

/// The demo architecture and preprocessing: every value a config field, none in the model code.
BmflModelConfig demoModelConfig();
PreprocessConfig demoPreprocess();

/// Runs the whole demo and writes the bundle, its ablations/ and REPORT.md into options.out in
/// one rename at the end. Deterministic for a seed. Throws PipelineCancelled (nothing written)
/// when control's cancel flag is set, FileError for an unusable output or input.
DemoResult runDemoPipeline(const DemoOptions& options, const PipelineControl& control);

} // namespace bmfl
