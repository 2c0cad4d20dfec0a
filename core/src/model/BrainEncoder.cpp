#include "model/BrainEncoder.h"

#include "model/Attention.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace bmfl
{
namespace
{

/// One DETR decoder layer in its post-norm form (Adeli et al. use normalize_before=False).
class DecoderLayerImpl : public torch::nn::Module
{
public:
  explicit DecoderLayerImpl(const BrainEncoderConfig& config)
    : Dropout(config.dropout)
  {
    const std::int64_t width = config.width;
    SelfAttn =
      register_module("self_attn", detail::MultiHeadAttention(width, config.heads, config.dropout));
    CrossAttn = register_module("multihead_attn",
                                detail::MultiHeadAttention(width, config.heads, config.dropout));
    Linear1 = register_module("linear1", torch::nn::Linear(width, config.feedForward));
    Linear2 = register_module("linear2", torch::nn::Linear(config.feedForward, width));
    Norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
    Norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
    Norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
  }

  torch::Tensor forward(const torch::Tensor& target,
                        const torch::Tensor& memory,
                        const torch::Tensor& memoryPosition,
                        const torch::Tensor& queryPosition)
  {
    const bool train = is_training();
    const torch::Tensor queries = target + queryPosition;
    torch::Tensor x = Norm1->forward(
      target + torch::dropout(SelfAttn->forward(queries, queries, target).output, Dropout, train));
    x = Norm2->forward(
      x +
      torch::dropout(CrossAttn->forward(x + queryPosition, memory + memoryPosition, memory).output,
                     Dropout,
                     train));
    const torch::Tensor hidden = torch::dropout(torch::relu(Linear1->forward(x)), Dropout, train);
    return Norm3->forward(x + torch::dropout(Linear2->forward(hidden), Dropout, train));
  }

private:
  double Dropout;
  detail::MultiHeadAttention SelfAttn{ nullptr };
  detail::MultiHeadAttention CrossAttn{ nullptr };
  torch::nn::Linear Linear1{ nullptr };
  torch::nn::Linear Linear2{ nullptr };
  torch::nn::LayerNorm Norm1{ nullptr };
  torch::nn::LayerNorm Norm2{ nullptr };
  torch::nn::LayerNorm Norm3{ nullptr };
};
TORCH_MODULE(DecoderLayer);

void validate(const BrainEncoderConfig& config, std::int64_t imageFeatureDim)
{
  if (config.featureSource != "last_block_query" && config.featureSource != "patch_tokens")
  {
    throw std::invalid_argument("brain encoder: unknown featureSource '" + config.featureSource +
                                "' (expected last_block_query or patch_tokens)");
  }
  if (config.width <= 0 || config.width % 2 != 0 || config.heads <= 0 ||
      config.width % config.heads != 0)
  {
    throw std::invalid_argument("brain encoder: width " + std::to_string(config.width) +
                                " must be even and divisible by " + std::to_string(config.heads) +
                                " heads");
  }
  if (config.feedForward <= 0 || config.decoderLayers <= 0 || imageFeatureDim <= 0 ||
      config.dropout < 0.0 || config.dropout >= 1.0)
  {
    throw std::invalid_argument("brain encoder: feedForward, decoderLayers, dropout or the image "
                                "feature width is out of range");
  }
}

torch::Tensor labelTensor(const std::vector<std::int32_t>& labels,
                          std::int64_t queryCount,
                          const std::string& labelSet,
                          const char* hemisphere)
{
  std::vector<std::int64_t> values(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
  {
    if (labels[i] < 0 || labels[i] >= queryCount)
    {
      throw std::invalid_argument("brain encoder: label set '" + labelSet + "' gives " +
                                  hemisphere + " vertex " + std::to_string(i) + " the label " +
                                  std::to_string(labels[i]) + ", outside [0, " +
                                  std::to_string(queryCount) + ")");
    }
    values[i] = labels[i];
  }
  return torch::tensor(values, torch::kLong);
}

} // namespace

BrainEncoderImpl::BrainEncoderImpl(const BrainEncoderConfig& config,
                                   std::int64_t imageFeatureDim,
                                   const VertexSpace& space)
  : Config(config)
{
  validate(Config, imageFeatureDim);
  const VertexLabels* labels = space.labels(Config.queryLabelSet);
  if (labels == nullptr)
  {
    std::string available;
    for (const VertexLabels& set : space.labelSets)
    {
      available += (available.empty() ? "" : ", ") + set.name;
    }
    throw std::invalid_argument(
      "brain encoder: vertex space '" + space.name + "' has no label set '" + Config.queryLabelSet +
      "' (it has: " + (available.empty() ? std::string("none") : available) + ")");
  }
  if (labels->names.empty() || labels->left.size() != space.left.size() ||
      labels->right.size() != space.right.size() || space.left.empty() || space.right.empty())
  {
    throw std::invalid_argument("brain encoder: label set '" + Config.queryLabelSet +
                                "' does not fit vertex space '" + space.name +
                                "' (needs names and one label per vertex of both hemispheres)");
  }
  QueriesPerHemisphere = static_cast<std::int64_t>(labels->names.size());
  LeftVertices = static_cast<std::int64_t>(space.left.size());
  RightVertices = static_cast<std::int64_t>(space.right.size());
  UseLastQuery = Config.featureSource == "last_block_query";

  const std::int64_t width = Config.width;
  if (imageFeatureDim != width)
  {
    InputProjection = register_module("input_proj", torch::nn::Linear(imageFeatureDim, width));
  }
  QueryEmbed =
    register_module("query_embed", torch::nn::Embedding(2 * QueriesPerHemisphere, width));
  DecoderLayers = register_module("decoder_layers", torch::nn::ModuleList());
  for (int i = 0; i < Config.decoderLayers; ++i)
  {
    DecoderLayers->push_back(DecoderLayer(Config));
  }
  // DETR's _reset_parameters: Xavier-uniform for every matrix of the transformer.
  for (auto& parameter : DecoderLayers->parameters())
  {
    if (parameter.dim() > 1)
    {
      torch::NoGradGuard noGrad;
      torch::nn::init::xavier_uniform_(parameter);
    }
  }
  DecoderNorm =
    register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
  LeftReadout = register_module("lh_embed", torch::nn::Linear(width, LeftVertices));
  RightReadout = register_module("rh_embed", torch::nn::Linear(width, RightVertices));
  LeftLabels = register_buffer(
    "lh_labels", labelTensor(labels->left, QueriesPerHemisphere, Config.queryLabelSet, "left"));
  RightLabels = register_buffer(
    "rh_labels", labelTensor(labels->right, QueriesPerHemisphere, Config.queryLabelSet, "right"));
}

torch::Tensor BrainEncoderImpl::sinePositionEncoding(std::int64_t gridHeight,
                                                     std::int64_t gridWidth,
                                                     std::int64_t channels)
{
  constexpr double temperature = 10000.0;
  constexpr double epsilon = 1e-6;
  constexpr double scale = 2.0 * 3.14159265358979323846;
  const std::int64_t features = channels / 2;
  const auto options = torch::TensorOptions().dtype(torch::kDouble);
  // DETR's cumulative sum over an all-valid mask is 1..n, normalised by its last value.
  const auto embed = [&](std::int64_t count)
  {
    const torch::Tensor positions = torch::arange(1, count + 1, options);
    return positions / (static_cast<double>(count) + epsilon) * scale;
  };
  const torch::Tensor channel = torch::arange(features, options);
  const torch::Tensor dimT =
    torch::pow(temperature, 2.0 * torch::floor(channel / 2.0) / static_cast<double>(features));
  const torch::Tensor evenChannel = (torch::remainder(torch::arange(features), 2) == 0);
  const auto encode = [&](const torch::Tensor& coordinates)
  {
    const torch::Tensor angles = coordinates.unsqueeze(1) / dimT; // [n, features]
    return torch::where(evenChannel, torch::sin(angles), torch::cos(angles));
  };
  const torch::Tensor y = encode(embed(gridHeight)).unsqueeze(1).expand({ -1, gridWidth, -1 });
  const torch::Tensor x = encode(embed(gridWidth)).unsqueeze(0).expand({ gridHeight, -1, -1 });
  return torch::cat({ y, x }, 2)
    .reshape({ gridHeight * gridWidth, 2 * features })
    .to(torch::kFloat);
}

torch::Tensor BrainEncoderImpl::forward(const ImageFeatures& features)
{
  const torch::Tensor& source = UseLastQuery ? features.lastQuery : features.patches;
  const std::int64_t tokens = features.gridHeight * features.gridWidth;
  const std::int64_t inputWidth = InputProjection ? InputProjection->weight.size(1) : Config.width;
  if (!source.defined() || source.dim() != 3 || source.size(1) != tokens || tokens <= 0 ||
      source.size(2) != inputWidth)
  {
    throw std::invalid_argument(
      "brain encoder: expected " + Config.featureSource + " features [B, " +
      std::to_string(tokens) + ", " + std::to_string(inputWidth) + "], got " +
      (source.defined() ? c10::str(source.sizes()) : std::string("none")));
  }
  const std::int64_t batch = source.size(0);
  const torch::Tensor memory = InputProjection ? InputProjection->forward(source) : source;
  const torch::Tensor memoryPosition =
    sinePositionEncoding(features.gridHeight, features.gridWidth, Config.width)
      .to(memory.options())
      .unsqueeze(0);
  const torch::Tensor queryPosition = QueryEmbed->weight.unsqueeze(0).expand({ batch, -1, -1 });
  torch::Tensor target = torch::zeros_like(queryPosition);
  for (const auto& layer : *DecoderLayers)
  {
    target = layer->as<DecoderLayerImpl>()->forward(target, memory, memoryPosition, queryPosition);
  }
  LastQueryTokens = DecoderNorm->forward(target);

  // Every query is read out for every vertex of its hemisphere, then each vertex keeps the
  // prediction of its own label's query (Adeli et al.'s one-hot selection).
  const auto readHemisphere = [&](torch::nn::Linear& readout,
                                  const torch::Tensor& labels,
                                  std::int64_t firstQuery,
                                  std::int64_t vertices)
  {
    const torch::Tensor all =
      readout->forward(LastQueryTokens.narrow(1, firstQuery, QueriesPerHemisphere));
    return all.gather(1, labels.view({ 1, 1, vertices }).expand({ batch, 1, vertices })).squeeze(1);
  };
  return torch::cat(
    { readHemisphere(LeftReadout, LeftLabels, 0, LeftVertices),
      readHemisphere(RightReadout, RightLabels, QueriesPerHemisphere, RightVertices) },
    1);
}

} // namespace bmfl
