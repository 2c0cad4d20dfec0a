#pragma once

// `bmfl train-brain-encoder`: Adeli et al.'s brain encoder (bmfl-spec.md section 2) trained on a
// lab's Algonauts 2023 subject against frozen DINOv2 weights, their recipe as their code runs it,
// saved as a bundle whose heads are still untrained (`bmfl train` trains them).

#include "bmfl/Distributed.h"
#include "bmfl/Pipeline.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

struct BrainEncoderPipelineOptions
{
  /// A DINOv2 checkpoint (.pth in Meta's layout; the architecture is read from it) or a model
  /// bundle whose image encoder, classifier preprocessing and classes are taken.
  std::string encoder;
  std::string subject; ///< an Algonauts 2023 subject folder (subjNN)
  /// The label set whose groups get one query per hemisphere; the loss covers only labelled
  /// vertices for every set but "streams" (Adeli et al.'s readouts).
  std::string roiSet = "streams";
  int featureBlock = -1; ///< the encoder block whose queries feed the decoder (-1: the last)
  /// The NSD image's centre crop (no resize), zero-padded bottom/right after normalising to a
  /// multiple of the encoder's patch: 425 -> 434 at patch 14, Adeli et al.'s input.
  int brainSize = 425;
  /// Epochs, batch, AdamW, clipping, seed (split, shuffles, initial weights).
  BrainEncoderTrainingOptions training;
  /// Train indices as a .npy (Adeli et al.'s idxs.npy; validation = the other images); empty: a
  /// seeded random 90/10 split. Either way the split is saved in the bundle folder as idxs.npy
  /// and val_idxs.npy.
  std::string splitFile;
  std::size_t limit = 0; ///< only the first images (for trials); 0: all
  /// Classes of the (untrained) heads; empty: the --encoder bundle's, else an error.
  std::vector<std::string> classNames;
  std::string device = "auto";
  /// empty: a temporary one (distributed: ".NAME.feature-cache" beside out, which every rank
  /// sees, removed at the end)
  std::string featureCacheDir;
  std::string out;         ///< the bundle folder: replaced only if it is a bundle
  std::string commandLine; ///< recorded in the provenance and the report
  /// A launch of several processes (readLaunchEnvironment): data-parallel training; rank 0
  /// alone writes and scores the bundle, the others wait for it.
  LaunchEnvironment launch;
  DistributedOptions distributed;
};

struct BrainEncoderPipelineResult
{
  PipelineReport report;
  std::size_t trainImages = 0;
  std::size_t validationImages = 0;
  bool splitGiven = false;
  /// Adeli et al.'s validation metric on the held-out images: (leftMeanR + rightMeanR) / 2.
  double leftMeanR = 0.0;
  double rightMeanR = 0.0;
  double validationMetric = 0.0;
};

/// One class name per line (blank lines and trailing spaces dropped). Throws FileError.
std::vector<std::string> readClassNamesFile(const std::string& path);

/// Checks what can be checked in an instant (the files, the subject folder, the ROI set, the
/// encoder's architecture, the output folder, the split) before anything is allocated. Throws
/// FileError naming the file and the problem.
void checkBrainEncoderPipeline(const BrainEncoderPipelineOptions& options);

/// Trains the brain encoder, writes the bundle (idxs.npy, val_idxs.npy, REPORT.md included) in
/// one rename at the end and scores it per ROI on the held-out images through the saved bundle.
/// Throws PipelineCancelled (nothing written) when control's cancel flag is set, FileError for
/// an unusable input or output.
BrainEncoderPipelineResult runBrainEncoderPipeline(const BrainEncoderPipelineOptions& options,
                                                   const PipelineControl& control);

} // namespace bmfl
