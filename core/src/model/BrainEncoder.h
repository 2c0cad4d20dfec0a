#pragma once

// The visual encoding model of Adeli et al. 2023 (bmfl-spec.md section 2): a DETR decoder whose
// learned queries (one per ROI group and hemisphere) attend to image tokens, and one linear
// readout per hemisphere; each vertex takes the prediction of its group's query.

#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"
#include "model/DinoVisionTransformer.h"
#include "model/Linear.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
  /// A hemisphere's readout rows grouped by query (inference only): each vertex is then read
  /// out from its own query alone, 1/K of the products and one pass over the weights. Rebuilt
  /// when the weights are replaced, moved or changed in place.
  struct GroupedReadout
  {
    torch::Tensor weight;             ///< [V, width], rows in query order
    torch::Tensor bias;               ///< [V]
    torch::Tensor inverse;            ///< [V] int64: the grouped column of each vertex
    std::vector<std::int64_t> counts; ///< vertices per query
    const void* weightData = nullptr;
    const void* biasData = nullptr;
    std::int64_t weightVersion = -1;
    std::int64_t biasVersion = -1;
  };
  torch::Tensor readGrouped(GroupedReadout& grouped,
                            const Linear& readout,
                            const torch::Tensor& labels,
                            const torch::Tensor& queries);

  BrainEncoderConfig Config;
  std::int64_t QueriesPerHemisphere = 0;
  std::int64_t LeftVertices = 0;
  std::int64_t RightVertices = 0;
  bool UseLastQuery = true;
  Linear InputProjection{ nullptr }; ///< only when the feature width differs
  torch::nn::Embedding QueryEmbed{ nullptr };
  torch::nn::ModuleList DecoderLayers;
  torch::nn::LayerNorm DecoderNorm{ nullptr };
  Linear LeftReadout{ nullptr };
  Linear RightReadout{ nullptr };
  torch::Tensor LeftLabels;  ///< buffer [V_left] int64: the query of each left vertex
  torch::Tensor RightLabels; ///< buffer [V_right]
  torch::Tensor LastQueryTokens;
  GroupedReadout LeftGrouped;
  GroupedReadout RightGrouped;
};
TORCH_MODULE(BrainEncoder);

/// The label set given to the vertex space of a brain encoder with one query per hemisphere
/// (Adeli et al.'s readout_res 'hemis'): one label, 0, for every vertex.
constexpr const char* HemisphereLabelSet = "hemisphere";

/// A brain encoder trained by Adeli et al.'s own code, and what its checkpoint said.
struct ImportedBrainEncoder
{
  BrainEncoder encoder{ nullptr };
  VertexSpace space;   ///< the subject's space, with HemisphereLabelSet added for 'hemis'
  std::string readout; ///< args.readout_res: streams_inc, streams, visuals or hemis
  std::size_t droppedTensors = 0; ///< the frozen DINOv2 and unused modules, left unread
};

/// Reads a checkpoint saved by Adeli et al.'s main.py (Hosseinadeli/algonauts2023_transformers:
/// {'model', 'optimizer', 'lr_scheduler', 'epoch', 'args', ...}) and builds the brain encoder it
/// holds on subjectSpace (the subject's challenge-space vertices and roi_masks label sets). The
/// architecture comes from the args Namespace and the tensor shapes; keys are mapped
/// (transformer.decoder.* -> decoder_*, lh_embed_0.0 -> lh_embed, ...), the backbone, unused
/// modules and optimizer state are never materialised. Its decoder reads the image encoder's
/// features without projection, so imageFeatureWidth must equal its hidden_dim. A file that does
/// not fit throws FileError(path, one line naming the key or argument) before anything is built.
ImportedBrainEncoder loadAdeliBrainEncoder(const std::string& path,
                                           const VertexSpace& subjectSpace,
                                           std::int64_t imageFeatureWidth);

} // namespace bmfl
