#pragma once

// Multi-head scaled dot-product attention on batch-first tensors, written by hand because
// LibTorch 1.13's nn::MultiheadAttention is sequence-first only. Parameter names follow
// torch.nn.MultiheadAttention (in_proj_weight, in_proj_bias, out_proj), so DETR-style
// checkpoints map onto it.

#include "model/Linear.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bmfl
{
namespace detail
{

/// softmax(q k^T / sqrt(d)) over [B, H, Lq, d] queries and [B, H, Lk, d] keys.
inline torch::Tensor attentionWeights(const torch::Tensor& q, const torch::Tensor& k)
{
  // q is scaled before the product, as torch.nn.MultiheadAttention does: the logits stay in
  // range under fp16 autocast.
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return torch::softmax(torch::matmul(q * scale, k.transpose(-2, -1)), -1);
}

/// softmax(q k^T / sqrt(d)) v over heads ([B, H, L, d]), dropout on the weights when training:
/// PyTorch 2's fused kernel (flash or memory-efficient attention on a GPU, its default scale
/// 1/sqrt(d)), the products written out on LibTorch 1.x.
inline torch::Tensor scaledDotProductAttention(const torch::Tensor& q,
                                               const torch::Tensor& k,
                                               const torch::Tensor& v,
                                               double dropout)
{
#if TORCH_VERSION_MAJOR >= 2
  return torch::scaled_dot_product_attention(q, k, v, {}, dropout, false);
#else
  torch::Tensor weights = attentionWeights(q, k);
  if (dropout > 0.0)
  {
    weights = torch::dropout(weights, dropout, true);
  }
  return torch::matmul(weights, v);
#endif
}

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
    const torch::Tensor q = projectHeads(query, 0);
    const torch::Tensor k = projectHeads(key, 1);
    const torch::Tensor v = projectHeads(value, 2);
    const double dropout = is_training() ? Dropout : 0.0;
    torch::Tensor context;
    AttentionResult result;
    if (needWeights)
    {
      torch::Tensor weights = attentionWeights(q, k);
      result.weights = weights.mean(1);
      if (dropout > 0.0)
      {
        weights = torch::dropout(weights, dropout, true);
      }
      context = torch::matmul(weights, v);
    }
    else
    {
      context = scaledDotProductAttention(q, k, v, dropout);
    }
    result.output =
      OutProj->forward(context.transpose(1, 2).reshape({ batch, query.size(1), EmbedDim }));
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
