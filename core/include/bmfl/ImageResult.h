#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// One image ready for the model: preprocessed (resized, cropped, normalised) float pixels in
/// channel-major order (CHW), as the bundle's PreprocessConfig prescribes.
struct PreparedImage
{
  std::string id; ///< carried into the result (a file path, a dataset index)
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<float> pixels; ///< channels * height * width values
  /// The brain encoder's own input, for a bundle whose brain encoder has its own preprocessing
  /// (BundleManifest::brainPreprocess): channels * brainHeight * brainWidth values. Empty: the
  /// brain encoder reads the encoder's features of pixels.
  int brainHeight = 0;
  int brainWidth = 0;
  std::vector<float> brainPixels;
};

struct ClassScore
{
  int classIndex = 0;
  std::string name;
  float probability = 0.0f;
};

/// What one brain token of the brain transformer stands for.
struct BrainToken
{
  /// "conv_slices": the token covers vertices [firstVertex, firstVertex + vertexCount) of the
  /// space's value order (left part first); the last slice may be shorter (zero padding).
  /// "roi_tokens": the token is ROI roiLabel of label set roiLabelSet (vertexCount vertices).
  std::string name; ///< e.g. "V1/V2 (left, vertices 0-255)" or "V1v (left)"
  std::size_t firstVertex = 0;
  std::size_t vertexCount = 0;
  int roiLabel = -1; ///< roi tokens only (left ROIs first, then right ROIs)
};

/// Everything the model says about one image. Plain values: safe to copy across threads, to
/// store in a session, to compare in tests.
struct ImageResult
{
  std::string id;
  std::vector<float> baselineProbabilities; ///< DINOv2 linear probe, one per class, sum 1
  std::vector<float> bmflProbabilities;     ///< BMFL head, one per class, sum 1
  std::vector<ClassScore> baselineTopK;     ///< most probable first
  std::vector<ClassScore> bmflTopK;
  /// Predicted fMRI, one value per vertex of the bundle's VertexSpace (left part first).
  std::vector<float> predictedFmri;
  /// The image encoder's final-normed [CLS] token and its patch tokens' mean (one value per
  /// embedding dimension); filled only when EngineOptions::imageFeatures asks for them.
  std::vector<float> clsToken;
  std::vector<float> meanPatchToken;
  /// Image [CLS] -> brain tokens attention (head-averaged), one weight per brain token, sum 1;
  /// empty when the fusion has no such direction.
  std::vector<float> imageToBrainAttention;
  /// Brain [CLS] -> image patches attention, row-major over gridHeight x gridWidth, sum 1;
  /// empty when the fusion has no such direction.
  std::vector<float> brainToImageAttention;
  int gridHeight = 0;
  int gridWidth = 0;
  std::vector<BrainToken> brainTokens; ///< the layout imageToBrainAttention refers to
};

} // namespace bmfl
