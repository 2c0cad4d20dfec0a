#pragma once

#include "bmfl/ImageResult.h"
#include "bmfl/ModelBundle.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

struct EngineOptions
{
  /// "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
  std::string device = "auto";
  int batchSize = 16; ///< larger inputs are split into batches of this size
  int topK = 5;
  /// Also return the image encoder's [CLS] token and mean patch token of each image
  /// (ImageResult::clsToken, meanPatchToken): what `bmfl extract-features` writes.
  bool imageFeatures = false;
  /// "fp32", or mixed precision: "bf16" (CPU or CUDA) or "fp16" (CUDA): the image encoder, the
  /// brain encoder and the brain transformer run under autocast; fusion and the classifiers in
  /// fp32. Against fp32 (tested on a CPU, per image): predicted fMRI r >= 0.99, probabilities
  /// within 0.05, the top-1 class kept wherever fp32's top two differ by more than 0.1 and for
  /// at least 90% of the images.
  std::string precision = "fp32";
  /// CUDA only: fp32 matrix products in TF32 (Ampere and later).
  bool tf32 = true;
};

/// The one way both executables run a model bundle: images in, ImageResult out. The engine owns
/// its modules; run() may be called from any thread (calls are serialised), in eval mode and
/// without gradients. No torch type crosses this header.
class InferenceEngine
{
public:
  /// Reads and checks the bundle (manifest, checksums, every parameter shape) and loads it on
  /// the chosen device. Throws FileError naming what is wrong, std::invalid_argument for bad
  /// options.
  static std::unique_ptr<InferenceEngine> open(const std::string& bundleDir,
                                               const EngineOptions& options = {});
  ~InferenceEngine();
  InferenceEngine(const InferenceEngine&) = delete;
  InferenceEngine& operator=(const InferenceEngine&) = delete;

  /// Runs every image (in batches of options.batchSize). An image whose shape the model cannot
  /// take throws std::invalid_argument naming its id. progress(done, total) is called after each
  /// batch; when cancel becomes true, run stops after the current batch and returns the results
  /// so far.
  std::vector<ImageResult> run(const std::vector<PreparedImage>& images,
                               const std::function<void(std::size_t, std::size_t)>& progress = {},
                               const std::atomic<bool>* cancel = nullptr);

  const BundleManifest& manifest() const;
  std::string deviceName() const;    ///< e.g. "cpu", "cuda:0"
  std::string precisionName() const; ///< "fp32", "bf16" or "fp16"
  const std::vector<BrainToken>& brainTokens() const;

private:
  struct State;
  explicit InferenceEngine(std::unique_ptr<State> state);
  std::unique_ptr<State> Impl;
};

/// The brain-token layout of an architecture over a vertex space (conv slices or ROI tokens).
std::vector<BrainToken> brainTokenLayout(const BrainTransformerConfig& config,
                                         const VertexSpace& space);

} // namespace bmfl
