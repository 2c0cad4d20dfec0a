#pragma once

// The trainable part of BMFL (bmfl-spec.md section 1.3): a brain transformer over (predicted)
// fMRI, cross-attention fusion with the image features, a linear classifier; the DINOv2 linear
// probe baseline; and the loss (cross-entropy + PCC regularisation).

#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"
#include "model/DinoVisionTransformer.h"
#include "model/Linear.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace bmfl
{

struct FusionOutput
{
  torch::Tensor logits;                ///< [B, classes]
  torch::Tensor imageFused;            ///< f_i2b [B, D]; undefined if that direction is off
  torch::Tensor brainFused;            ///< f_b2i [B, D]; undefined if off
  torch::Tensor imageToBrainAttention; ///< [B, T] head-averaged weights over brain tokens
  torch::Tensor brainToImageAttention; ///< [B, N] head-averaged weights over image patches
};

struct BrainTokens
{
  torch::Tensor cls;    ///< [B, width]
  torch::Tensor tokens; ///< [B, T, width]
};

namespace detail
{
class MultiHeadAttentionImpl;
} // namespace detail

/// Tokenises an fMRI vector (conv slices or one token per ROI), prepends [CLS], adds learned
/// position embeddings, runs pre-norm transformer encoder layers and a final LayerNorm.
class BrainTransformerImpl : public torch::nn::Module
{
public:
  /// Throws std::invalid_argument for a bad tokenizer name, a missing ROI label set or no ROI.
  BrainTransformerImpl(const BrainTransformerConfig& config, const VertexSpace& space);
  BrainTokens forward(const torch::Tensor& fmri /*[B, V]*/);
  std::int64_t tokenCount() const { return TokenCount; }
  const BrainTransformerConfig& config() const { return Config; }

private:
  torch::Tensor tokenize(const torch::Tensor& fmri);

  BrainTransformerConfig Config;
  std::int64_t VertexCount = 0;
  std::int64_t TokenCount = 0;
  torch::nn::Conv1d SliceEmbed{ nullptr }; ///< conv_slices
  torch::nn::ModuleList RoiEmbed;          ///< roi_tokens: one Linear per ROI
  std::vector<torch::Tensor> RoiVertices;  ///< roi_tokens: buffers, indices into [0, V)
  torch::Tensor ClsToken;
  torch::Tensor PosEmbed;
  torch::nn::ModuleList Layers;
  torch::nn::LayerNorm Norm{ nullptr };
};
TORCH_MODULE(BrainTransformer);

class BmflHeadImpl : public torch::nn::Module
{
public:
  /// Throws std::invalid_argument for an unknown fusion mode, no enabled direction, or widths
  /// that the heads do not divide.
  BmflHeadImpl(const BmflModelConfig& config, std::int64_t imageDim, const VertexSpace& space);

  /// image: DINOv2 features (cls, patches); fmri: [B, V]. In train() mode with
  /// fusion.shuffleBrain the fMRI rows are permuted across the batch (control ablation).
  /// The same as fuse(image, encodeBrain(fmri)).
  FusionOutput forward(const ImageFeatures& image, const torch::Tensor& fmri);

  /// The part of forward() that reads the fMRI alone: the brain transformer's [CLS] and tokens,
  /// projected to the image width. The inference engine runs it under mixed precision.
  BrainTokens encodeBrain(const torch::Tensor& fmri /*[B, V]*/);
  /// The rest of forward(): cross-attention (or concatenation) and the classifier.
  FusionOutput fuse(const ImageFeatures& image, const BrainTokens& brain);

  std::int64_t brainTokenCount() const;
  std::int64_t classifierInputDim() const { return ClassifierInput; }

private:
  FusionConfig Fusion;
  std::int64_t ImageDim = 0;
  std::int64_t ClassifierInput = 0;
  bool Concatenation = false;
  BrainTransformer Brain{ nullptr };
  Linear BrainProjection{ nullptr }; ///< only when brain width != image width
  torch::nn::LayerNorm ImageQueryNorm{ nullptr };
  torch::nn::LayerNorm BrainKeyNorm{ nullptr };
  std::shared_ptr<detail::MultiHeadAttentionImpl> ImageToBrain;
  torch::nn::LayerNorm BrainQueryNorm{ nullptr };
  torch::nn::LayerNorm ImageKeyNorm{ nullptr };
  std::shared_ptr<detail::MultiHeadAttentionImpl> BrainToImage;
  Linear Classifier{ nullptr };
};
TORCH_MODULE(BmflHead);

/// DINOv2's linear protocol: Linear(2D -> classes) on concat(cls, mean(patches)). Its parameters
/// are "weight" and "bias", as in DINOv2's released *_linear_head.pth files.
class LinearProbeHeadImpl : public torch::nn::Module
{
public:
  LinearProbeHeadImpl(std::int64_t imageDim, std::int64_t classes);
  torch::Tensor forward(const ImageFeatures& image);

private:
  torch::Tensor Weight;
  torch::Tensor Bias;
};
TORCH_MODULE(LinearProbeHead);

/// Pearson r of each row of a with the same row of b, over the feature dim: [B].
torch::Tensor pearsonPerSample(const torch::Tensor& a, const torch::Tensor& b);

/// CE(logits, targets) + pccWeight * mean(1 - r(f_i2b, f_b2i)); the PCC term is skipped when a
/// fusion direction is off (or pccWeight is 0).
torch::Tensor bmflLoss(const FusionOutput& out, const torch::Tensor& targets, double pccWeight);

} // namespace bmfl
