#pragma once

// The visual encoding model of Adeli et al. 2023 (bmfl-spec.md section 2): a DETR decoder whose
// learned queries (one per ROI group and hemisphere) attend to image tokens, and one linear
// readout per hemisphere; each vertex takes the prediction of its group's query.

#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"
#include "model/DinoVisionTransformer.h"

#include <torch/torch.h>

#include <cstdint>

namespace bmfl
{

class BrainEncoderImpl : public torch::nn::Module
{
public:
  /// Throws std::invalid_argument when the space lacks config.queryLabelSet, when a label is out
  /// of range or the label arrays do not fit the space, or when the sizes are inconsistent.
  BrainEncoderImpl(const BrainEncoderConfig& config,
                   std::int64_t imageFeatureDim,
                   const VertexSpace& space);

  /// Predicted fMRI [B, V], V = space.size(), left part then right part.
  torch::Tensor forward(const ImageFeatures& features);

  /// The decoder's output tokens of the last forward, [B, 2K, width] (left queries first).
  torch::Tensor queryTokens() const { return LastQueryTokens; }

  const BrainEncoderConfig& config() const { return Config; }
  std::int64_t queriesPerHemisphere() const { return QueriesPerHemisphere; }

  /// DETR's sine position encoding (normalize=True, scale 2*pi, temperature 10000) for a grid,
  /// [h*w, channels], y features first then x, rows in patch order (row-major).
  static torch::Tensor sinePositionEncoding(std::int64_t gridHeight,
                                            std::int64_t gridWidth,
                                            std::int64_t channels);

private:
  BrainEncoderConfig Config;
  std::int64_t QueriesPerHemisphere = 0;
  std::int64_t LeftVertices = 0;
  std::int64_t RightVertices = 0;
  bool UseLastQuery = true;
  torch::nn::Linear InputProjection{ nullptr }; ///< only when the feature width differs
  torch::nn::Embedding QueryEmbed{ nullptr };
  torch::nn::ModuleList DecoderLayers;
  torch::nn::LayerNorm DecoderNorm{ nullptr };
  torch::nn::Linear LeftReadout{ nullptr };
  torch::nn::Linear RightReadout{ nullptr };
  torch::Tensor LeftLabels;  ///< buffer [V_left] int64: the query of each left vertex
  torch::Tensor RightLabels; ///< buffer [V_right]
  torch::Tensor LastQueryTokens;
};
TORCH_MODULE(BrainEncoder);

} // namespace bmfl
