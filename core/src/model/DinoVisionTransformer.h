#pragma once

// A Vision Transformer with DINOv2's exact structure and parameter names, so that released
// DINOv2 checkpoints (state dicts or TorchScript files) load key for key. Private to core: it
// includes torch.

#include "bmfl/ModelConfig.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

namespace bmfl
{

/// What the image encoder hands on to the brain encoder and the fusion head.
struct ImageFeatures
{
  torch::Tensor cls;     ///< [B, D] final-normed [CLS] token
  torch::Tensor patches; ///< [B, N, D] final-normed patch tokens (registers dropped)
  /// [B, N, D] W_q·LN1(x)+b_q of the query block (the last unless forward was asked for
  /// another), [CLS]/registers dropped
  torch::Tensor lastQuery;
  std::int64_t gridHeight = 0;
  std::int64_t gridWidth = 0;
};

namespace detail
{
class PatchEmbedImpl;
class DinoBlockImpl;
} // namespace detail

class DinoVisionTransformerImpl : public torch::nn::Module
{
public:
  explicit DinoVisionTransformerImpl(const ImageEncoderConfig& config);

  /// images: [B, C, H, W] with H and W multiples of the patch size (any aspect ratio).
  /// queryBlock: the block whose attention queries are returned as lastQuery (0-based, negative
  /// from the end: -1 is the last block).
  ImageFeatures forward(const torch::Tensor& images, int queryBlock = -1);

  const ImageEncoderConfig& config() const { return Config; }

  /// The position embedding for a grid of gridHeight x gridWidth patches, [1, 1 + h*w, D],
  /// resized from the learned grid exactly as DINOv2's interpolate_pos_encoding does.
  torch::Tensor positionEmbedding(std::int64_t gridHeight, std::int64_t gridWidth) const;

private:
  ImageEncoderConfig Config;
  std::shared_ptr<detail::PatchEmbedImpl> PatchEmbed;
  torch::Tensor ClsToken;
  torch::Tensor PosEmbed;
  torch::Tensor RegisterTokens; ///< undefined without registers
  torch::Tensor MaskToken;      ///< loaded from checkpoints; unused at inference
  torch::nn::ModuleList Blocks;
  torch::nn::LayerNorm Norm{ nullptr };
};
TORCH_MODULE(DinoVisionTransformer);

/// Loads DINOv2 weights into the model: a torch.save state dict (bare, or wrapped as
/// {"model": ...} / {"teacher": ...} with "backbone." / "module." prefixes, chunked blocks
/// "blocks.c.i." accepted) or a TorchScript file. Every key and shape is checked; a mismatch
/// throws FileError naming the first few missing, unexpected and mis-shaped keys with counts.
void loadDinoV2Weights(DinoVisionTransformer& model, const std::string& path);

/// Reads the architecture from a checkpoint without building a model: width, depth, heads
/// (width / 64, as every DINOv2 model), patch size, channels, MLP ratio, registers, position
/// grid, LayerScale; interpolation as DINOv2's hub (registers: size + antialias, else offset 0.1).
ImageEncoderConfig inferDinoV2Config(const std::string& path);

} // namespace bmfl
