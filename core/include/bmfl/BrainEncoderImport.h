#pragma once

// Brain encoders trained outside this project, brought into a model bundle: checkpoints saved by
// Adeli et al.'s main.py (Hosseinadeli/algonauts2023_transformers), the model the NeuralOOD paper
// builds on (bmfl-spec.md section 2). docs/MODEL.md describes the mapping.

#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"

#include <cstddef>
#include <string>

namespace bmfl
{

struct BrainEncoderImportOptions
{
  /// Give the brain encoder Adeli et al.'s input as the bundle's brainPreprocess: the NSD image
  /// as it is (425 px, no resize), normalised, zero-padded bottom/right to a multiple of 14
  /// (434: a 31x31 grid). Off: it reads the features of the classifier's input.
  bool adeliInput = true;
};

struct BrainEncoderImportSummary
{
  std::string readout;          ///< the checkpoint's args.readout_res
  BrainEncoderConfig config;    ///< the architecture taken from the checkpoint
  std::size_t leftVertices = 0; ///< the subject's challenge-space vertices
  std::size_t rightVertices = 0;
  std::size_t droppedTensors = 0; ///< frozen DINOv2 and unused modules, never read
  bool adeliInput = false;        ///< the bundle's brainPreprocess is Adeli et al.'s input
  /// The subject's vertex space differs from the input bundle's, so the BMFL head (which reads
  /// predicted fMRI) was freshly initialised: train it again (`bmfl train`).
  bool bmflHeadReset = false;
};

/// Writes bundleOut: bundleIn with the brain encoder of a checkpoint saved by Adeli et al.'s
/// main.py, on the vertex space of the Algonauts 2023 subject it was trained on (subjectSpace, as
/// openAlgonautsSubject reads it: the challenge-space vertices and the roi_masks labels that
/// choose each vertex's query). The image encoder and baseline head are kept; the BMFL head too
/// when the vertex space is unchanged. The checkpoint is checked against the subject and the
/// bundle's image encoder (its width must be the decoder's) before any model is built. bundleOut
/// may be bundleIn; it is replaced atomically. Throws FileError naming the file and the key or
/// field that does not fit.
BrainEncoderImportSummary importAdeliBrainEncoder(const std::string& checkpoint,
                                                  const VertexSpace& subjectSpace,
                                                  const std::string& bundleIn,
                                                  const std::string& bundleOut,
                                                  const BrainEncoderImportOptions& options = {});

} // namespace bmfl
