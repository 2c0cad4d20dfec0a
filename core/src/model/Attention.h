#pragma once

// Multi-head scaled dot-product attention on batch-first tensors, written by hand because
// LibTorch 1.13's nn::MultiheadAttention is sequence-first only. Parameter names follow
// torch.nn.MultiheadAttention (in_proj_weight, in_proj_bias, out_proj), so DETR-style
// checkpoints map onto it.

#include "model/Linear.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bmfl
{
namespace detail
{

struct AttentionResult
{
  torch::Tensor output;  ///< [B, Lq, E]
  torch::Tensor weights; ///< [B, Lq, Lk], averaged over heads; undefined unless asked for
};

class MultiHeadAttentionImpl : public torch::nn::Module
{
public:
  MultiHeadAttentionImpl(std::int64_t embedDim, std::int64_t heads, double dropout)
    : EmbedDim(embedDim)
    , Heads(heads)
    , Dropout(dropout)
  {
    if (heads <= 0 || embedDim % heads != 0)
    {
      throw std::invalid_argument("attention width " + std::to_string(embedDim) +
                                  " is not divisible by " + std::to_string(heads) + " heads");
    }
    InProjWeight = register_parameter("in_proj_weight", torch::empty({ 3 * embedDim, embedDim }));
    InProjBias = register_parameter("in_proj_bias", torch::zeros({ 3 * embedDim }));
    OutProj = register_module("out_proj", Linear(embedDim, embedDim));
    // torch.nn.MultiheadAttention's initialisation: Xavier on the packed projection, zero biases.
    xavierUniform(InProjWeight);
    torch::nn::init::zeros_(OutProj->bias);
  }

  /// query [B, Lq, E], key and value [B, Lk, E].
  AttentionResult forward(const torch::Tensor& query,
                          const torch::Tensor& key,
                          const torch::Tensor& value,
                          bool needWeights = false)
  {
    const std::int64_t batch = query.size(0);
    const std::int64_t headDim = EmbedDim / Heads;
    const auto projectHeads = [&](const torch::Tensor& x, std::int64_t part)
    {
      const torch::Tensor projected =
        torch::nn::functional::linear(x,
                                      InProjWeight.narrow(0, part * EmbedDim, EmbedDim),
                                      InProjBias.narrow(0, part * EmbedDim, EmbedDim));
      return projected.view({ batch, x.size(1), Heads, headDim }).transpose(1, 2);
    };
    // q is scaled before the product, as torch.nn.MultiheadAttention does: the logits stay in
    // range under fp16 autocast.
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    const torch::Tensor q = projectHeads(query, 0) * scale;
    const torch::Tensor k = projectHeads(key, 1);
    const torch::Tensor v = projectHeads(value, 2);
    torch::Tensor weights = torch::softmax(torch::matmul(q, k.transpose(-2, -1)), -1);
    AttentionResult result;
    if (needWeights)
    {
      result.weights = weights.mean(1);
    }
    if (Dropout > 0.0 && is_training())
    {
      weights = torch::dropout(weights, Dropout, true);
    }
    const torch::Tensor context =
      torch::matmul(weights, v).transpose(1, 2).reshape({ batch, query.size(1), EmbedDim });
    result.output = OutProj->forward(context);
    return result;
  }

private:
  std::int64_t EmbedDim;
  std::int64_t Heads;
  double Dropout;
  torch::Tensor InProjWeight;
  torch::Tensor InProjBias;
  Linear OutProj{ nullptr };
};
TORCH_MODULE(MultiHeadAttention);

} // namespace detail
} // namespace bmfl
