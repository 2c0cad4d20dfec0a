#pragma once

#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bmfl
{

// Throughput of each model stage of the BMFL pipeline (bmfl-spec.md section 5.4) on this
// machine, with seeded random weights at the real sizes: what `bmfl bench pipeline` reports and
// docs/REPRODUCE.md's arithmetic rests on. Torch-free interface.

struct PipelineBenchOptions
{
  std::string arch = "vits14";   ///< "vits14" (ViT-S/14) or "vitb14" (ViT-B/14)
  std::int64_t images = 4;       ///< images per timed run of the encoder stages
  std::int64_t vertices = 39548; ///< brain encoder outputs (NSD subj01: 39,548)
  std::int64_t headBatch = 32;   ///< batch of a head-training step
  std::int64_t headSteps = 1;    ///< head-training steps per timed run
  int repeats = 3;               ///< timed runs per stage, after one untimed warm-up
};

/// One stage: its timed runs (warm-up excluded), each over itemsPerRun images.
struct PipelineStageTiming
{
  std::string stage;
  std::int64_t itemsPerRun = 0;
  std::vector<double> seconds;
  double cpuSeconds = 0.0; ///< process CPU time over the timed runs
  int threads = 1;         ///< torch's intra-op threads
};

/// The image encoder of an architecture name ("vits14", "vitb14"), as released DINOv2 builds it,
/// or "tiny" (width 64, 2 blocks: quick tests); throws std::invalid_argument for another name.
ImageEncoderConfig benchEncoderConfig(const std::string& arch);

/// A vertex space of the given size on fsaverage (left half, then right) with a "streams" label
/// set of 8 labels (7 streams + unknown), as the brain encoder's queries need.
VertexSpace benchVertexSpace(std::int64_t vertices);

/// Times (a) the frozen encoder at 224 px, (b) the encoder at 434 px (Adeli et al.'s padded NSD
/// input, a 31x31 grid) plus the brain encoder (8 queries per hemisphere), (c) a BMFL head
/// training step (forward, loss, backward, AdamW) on cached-size features and predicted fMRI.
/// progress is told each stage's name before it runs.
std::vector<PipelineStageTiming> benchPipeline(
  const PipelineBenchOptions& options,
  const std::function<void(const std::string&)>& progress);

} // namespace bmfl
