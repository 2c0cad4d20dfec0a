#include "model/BrainEncoder.h"

#include "bmfl/FileError.h"
#include "model/Attention.h"
#include "model/Checkpoint.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

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
    Linear1 = register_module("linear1", Linear(width, config.feedForward));
    Linear2 = register_module("linear2", Linear(config.feedForward, width));
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
  Linear Linear1{ nullptr };
  Linear Linear2{ nullptr };
  torch::nn::LayerNorm Norm1{ nullptr };
  torch::nn::LayerNorm Norm2{ nullptr };
  torch::nn::LayerNorm Norm3{ nullptr };
};
TORCH_MODULE(DecoderLayer);

void validate(const BrainEncoderConfig& config, std::int64_t imageFeatureDim)
{
  if (config.featureSource != "last_block_query" && config.featureSource != "block_query" &&
      config.featureSource != "patch_tokens")
  {
    throw std::invalid_argument("brain encoder: unknown featureSource '" + config.featureSource +
                                "' (expected last_block_query, block_query or patch_tokens)");
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
  UseLastQuery = Config.featureSource != "patch_tokens";

  const std::int64_t width = Config.width;
  if (imageFeatureDim != width)
  {
    InputProjection = register_module("input_proj", Linear(imageFeatureDim, width));
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
      xavierUniform(parameter);
    }
  }
  DecoderNorm =
    register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
  LeftReadout = register_module("lh_embed", Linear(width, LeftVertices));
  RightReadout = register_module("rh_embed", Linear(width, RightVertices));
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

  // Each vertex takes the prediction of its own label's query (Adeli et al.'s one-hot
  // selection). For gradients every query is read out for every vertex, then selected; without
  // them only the selected products are computed (the same values, 1/K of the work).
  const bool selectOnly = !is_training() && !torch::GradMode::is_enabled();
  const auto readHemisphere = [&](Linear& readout,
                                  GroupedReadout& grouped,
                                  const torch::Tensor& labels,
                                  std::int64_t firstQuery,
                                  std::int64_t vertices)
  {
    const torch::Tensor queries = LastQueryTokens.narrow(1, firstQuery, QueriesPerHemisphere);
    if (selectOnly)
    {
      return readGrouped(grouped, readout, labels, queries);
    }
    const torch::Tensor all = readout->forward(queries);
    return all.gather(1, labels.view({ 1, 1, vertices }).expand({ batch, 1, vertices })).squeeze(1);
  };
  return torch::cat(
    { readHemisphere(LeftReadout, LeftGrouped, LeftLabels, 0, LeftVertices),
      readHemisphere(
        RightReadout, RightGrouped, RightLabels, QueriesPerHemisphere, RightVertices) },
    1);
}

torch::Tensor BrainEncoderImpl::readGrouped(GroupedReadout& grouped,
                                            const Linear& readout,
                                            const torch::Tensor& labels,
                                            const torch::Tensor& queries)
{
  const torch::Tensor& weight = readout->weight;
  const torch::Tensor& bias = readout->bias;
  const auto version = [](const torch::Tensor& tensor)
  {
    return tensor.is_inference() ? std::int64_t{ -2 }
                                 : static_cast<std::int64_t>(tensor._version());
  };
  if (!grouped.weight.defined() || grouped.weightData != weight.data_ptr() ||
      grouped.biasData != bias.data_ptr() || grouped.weightVersion != version(weight) ||
      grouped.biasVersion != version(bias) || version(weight) == -2)
  {
    // Ordinary tensors (not inference tensors), usable in and out of inference mode.
    c10::InferenceMode ordinary(false);
    torch::NoGradGuard noGrad;
    const torch::Tensor order = std::get<1>(labels.sort(/*stable=*/true, 0, false));
    grouped.weight = weight.index_select(0, order).contiguous();
    grouped.bias = bias.index_select(0, order);
    grouped.inverse =
      torch::empty_like(order).scatter_(0, order, torch::arange(order.size(0), order.options()));
    const torch::Tensor counts = torch::bincount(labels.to(torch::kCPU), {}, QueriesPerHemisphere);
    grouped.counts.assign(counts.data_ptr<std::int64_t>(),
                          counts.data_ptr<std::int64_t>() + counts.numel());
    grouped.weightData = weight.data_ptr();
    grouped.biasData = bias.data_ptr();
    grouped.weightVersion = version(weight);
    grouped.biasVersion = version(bias);
  }
  std::vector<torch::Tensor> parts;
  std::int64_t offset = 0;
  for (std::int64_t query = 0; query < QueriesPerHemisphere; ++query)
  {
    const std::int64_t count = grouped.counts[static_cast<std::size_t>(query)];
    if (count > 0)
    {
      parts.push_back(torch::addmm(grouped.bias.narrow(0, offset, count),
                                   queries.select(1, query),
                                   grouped.weight.narrow(0, offset, count).t()));
      offset += count;
    }
  }
  return torch::cat(parts, 1).index_select(1, grouped.inverse);
}

} // namespace bmfl

namespace bmfl
{
namespace
{

using Shape = std::vector<std::int64_t>;

std::string shapeText(const Shape& shape)
{
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    text += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return text + "]";
}

bool startsWith(const std::string& text, const std::string& prefix)
{
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The Namespace that main.py saves as 'args', read by name.
class AdeliArguments
{
public:
  AdeliArguments(const detail::PickledStateDict& pickled, const std::string& path)
    : Pickled(pickled)
    , Path(path)
  {
    if (pickled.arguments.empty())
    {
      throw FileError(path,
                      "has no 'args' Namespace beside its 'model': not a checkpoint saved by "
                      "Adeli et al.'s main.py");
    }
  }

  const detail::PickledScalar* find(const std::string& name) const
  {
    for (const auto& [key, value] : Pickled.arguments)
    {
      if (key == name)
      {
        return &value;
      }
    }
    return nullptr;
  }

  const detail::PickledScalar& require(const std::string& name,
                                       detail::PickledScalar::Kind kind,
                                       const char* kindName) const
  {
    const detail::PickledScalar* value = find(name);
    if (value == nullptr || value->kind != kind)
    {
      throw FileError(Path,
                      "args." + name +
                        (value == nullptr ? " is missing" : " is not " + std::string(kindName)) +
                        " (main.py's arguments)");
    }
    return *value;
  }

  std::string text(const std::string& name) const
  {
    return require(name, detail::PickledScalar::Kind::String, "a string").text;
  }

  std::int64_t integer(const std::string& name) const
  {
    return require(name, detail::PickledScalar::Kind::Int, "an integer").integer;
  }

  double real(const std::string& name) const
  {
    const detail::PickledScalar* value = find(name);
    if (value != nullptr && value->kind == detail::PickledScalar::Kind::Int)
    {
      return static_cast<double>(value->integer);
    }
    return require(name, detail::PickledScalar::Kind::Float, "a number").real;
  }

  bool flag(const std::string& name) const
  {
    const detail::PickledScalar* value = find(name);
    return value != nullptr && value->kind == detail::PickledScalar::Kind::Bool &&
           value->integer != 0;
  }

  // Refuses a run whose option changes the model in a way this import cannot reproduce.
  void expect(bool fits, const std::string& problem) const
  {
    if (!fits)
    {
      throw FileError(Path, problem);
    }
  }

private:
  const detail::PickledStateDict& Pickled;
  std::string Path;
};

// One tensor the import reads: its name in Adeli's model, in ours, and the shape it must have.
struct ExpectedTensor
{
  std::string adeliKey;
  std::string ourKey;
  Shape shape;
  std::string because; ///< what fixes the shape, for the error message
};

} // namespace

ImportedBrainEncoder loadAdeliBrainEncoder(const std::string& path,
                                           const VertexSpace& subjectSpace,
                                           std::int64_t imageFeatureWidth)
{
  ImportedBrainEncoder imported;
  imported.space = subjectSpace;
  BrainEncoderConfig config;
  std::vector<ExpectedTensor> expected;

  const auto select = [&](const detail::PickledStateDict& pickled)
  {
    const AdeliArguments args(pickled, path);
    if (args.find("decoder_arch") != nullptr)
    {
      args.expect(args.text("decoder_arch") == "transformer",
                  "args.decoder_arch is '" + args.text("decoder_arch") +
                    "': only the transformer decoder can be imported");
    }
    args.expect(args.text("backbone") == "dinov2",
                "args.backbone is '" + args.text("backbone") +
                  "': only models on DINOv2 features can be imported");
    args.expect(args.integer("enc_layers") == 0,
                "args.enc_layers is " + std::to_string(args.integer("enc_layers")) +
                  ": only decoder-only models (enc_layers 0, main.py's default) can be imported");
    args.expect(!args.flag("pre_norm") && !args.flag("masks"),
                "args.pre_norm or args.masks is set: only post-norm decoders without the mask "
                "branch (main.py's defaults) can be imported");
    const std::int64_t layers = args.integer("dec_layers");
    const std::int64_t heads = args.integer("nheads");
    const std::int64_t blockFromEnd = args.integer("enc_output_layer");
    args.expect(layers >= 1 && layers <= 64 && heads >= 1 && blockFromEnd >= 1,
                "args.dec_layers, args.nheads or args.enc_output_layer is out of range");
    imported.readout = args.text("readout_res");
    const bool hemispheres = imported.readout == "hemis";
    if (imported.readout == "streams_inc" || imported.readout == "streams")
    {
      config.queryLabelSet = "streams";
    }
    else if (imported.readout == "visuals")
    {
      config.queryLabelSet = "prf-visualrois";
    }
    else if (hemispheres)
    {
      config.queryLabelSet = HemisphereLabelSet;
    }
    else
    {
      throw FileError(path,
                      "args.readout_res is '" + imported.readout +
                        "': its 8 queries per hemisphere outnumber the ROI labels, which "
                        "BMFL's brain encoder (one query per label) cannot hold; streams_inc, "
                        "streams, visuals and hemis can be imported");
    }
    if (hemispheres)
    {
      VertexLabels hemisphere;
      hemisphere.name = HemisphereLabelSet;
      hemisphere.names = { "hemisphere" };
      hemisphere.left.assign(subjectSpace.left.size(), 0);
      hemisphere.right.assign(subjectSpace.right.size(), 0);
      imported.space.labelSets.push_back(hemisphere);
    }
    const VertexLabels* labels = imported.space.labels(config.queryLabelSet);
    if (labels == nullptr)
    {
      throw FileError(path,
                      "args.readout_res '" + imported.readout + "' reads the '" +
                        config.queryLabelSet +
                        "' ROI labels, which the subject's roi_masks do not have");
    }
    const auto queries = static_cast<std::int64_t>(2 * labels->names.size());
    const auto left = static_cast<std::int64_t>(subjectSpace.left.size());
    const auto right = static_cast<std::int64_t>(subjectSpace.right.size());

    // The width comes from the tensors: query_embed.weight is [num_queries, hidden_dim].
    const auto shapeOf = [&](const std::string& key) -> const Shape*
    {
      for (const auto& [name, tensor] : pickled.tensors)
      {
        if (name == key)
        {
          return &tensor.sizes;
        }
      }
      return nullptr;
    };
    const Shape* queryShape = shapeOf("query_embed.weight");
    if (queryShape == nullptr || queryShape->size() != 2)
    {
      throw FileError(path,
                      queryShape == nullptr
                        ? "has no 'query_embed.weight' in its 'model': not Adeli et al.'s model"
                        : "'query_embed.weight' has shape " + shapeText(*queryShape) +
                            ", not [num_queries, hidden_dim]");
    }
    const std::int64_t width = (*queryShape)[1];
    if (width != imageFeatureWidth)
    {
      throw FileError(
        path,
        "'query_embed.weight' " + shapeText(*queryShape) + " makes a " + std::to_string(width) +
          "-wide decoder that reads DINOv2's queries without projection, but the "
          "bundle's image encoder is " +
          std::to_string(imageFeatureWidth) + " wide (Adeli et al. use ViT-B/14, 768)");
    }
    args.expect(args.integer("hidden_dim") == width,
                "args.hidden_dim is " + std::to_string(args.integer("hidden_dim")) +
                  " but 'query_embed.weight' is " + shapeText(*queryShape));
    const Shape* feedForwardShape = shapeOf("transformer.decoder.layers.0.linear1.weight");
    const std::int64_t feedForward = feedForwardShape != nullptr && feedForwardShape->size() == 2
                                       ? (*feedForwardShape)[0]
                                       : args.integer("dim_feedforward");
    args.expect(width % heads == 0 && width % 2 == 0,
                "args.nheads " + std::to_string(heads) + " does not divide hidden_dim " +
                  std::to_string(width));

    config.featureSource = blockFromEnd == 1 ? "last_block_query" : "block_query";
    config.featureBlock = static_cast<int>(-blockFromEnd);
    config.width = static_cast<int>(width);
    config.heads = static_cast<int>(heads);
    config.feedForward = static_cast<int>(feedForward);
    config.decoderLayers = static_cast<int>(layers);
    config.dropout = args.real("dropout");

    const std::string sizes =
      "hidden_dim " + std::to_string(width) + ", dim_feedforward " + std::to_string(feedForward);
    const auto add = [&](const std::string& adeliKey,
                         const std::string& ourKey,
                         const Shape& shape,
                         const std::string& because) {
      expected.push_back({ adeliKey, ourKey, shape, because });
    };
    for (std::int64_t layer = 0; layer < layers; ++layer)
    {
      const std::string index = std::to_string(layer);
      const std::string from = "transformer.decoder.layers." + index + ".";
      const std::string to = "decoder_layers." + index + ".";
      for (const char* attention : { "self_attn.", "multihead_attn." })
      {
        add(from + attention + "in_proj_weight",
            to + attention + "in_proj_weight",
            { 3 * width, width },
            sizes);
        add(
          from + attention + "in_proj_bias", to + attention + "in_proj_bias", { 3 * width }, sizes);
        add(from + attention + "out_proj.weight",
            to + attention + "out_proj.weight",
            { width, width },
            sizes);
        add(from + attention + "out_proj.bias", to + attention + "out_proj.bias", { width }, sizes);
      }
      add(from + "linear1.weight", to + "linear1.weight", { feedForward, width }, sizes);
      add(from + "linear1.bias", to + "linear1.bias", { feedForward }, sizes);
      add(from + "linear2.weight", to + "linear2.weight", { width, feedForward }, sizes);
      add(from + "linear2.bias", to + "linear2.bias", { width }, sizes);
      for (const char* norm : { "norm1.", "norm2.", "norm3." })
      {
        add(from + norm + "weight", to + norm + "weight", { width }, sizes);
        add(from + norm + "bias", to + norm + "bias", { width }, sizes);
      }
    }
    add("transformer.decoder.norm.weight", "decoder_norm.weight", { width }, sizes);
    add("transformer.decoder.norm.bias", "decoder_norm.bias", { width }, sizes);
    add("query_embed.weight",
        "query_embed.weight",
        { queries, width },
        "the subject's '" + config.queryLabelSet + "' ROI labels give " +
          std::to_string(queries / 2) + " queries per hemisphere");
    const std::string readout = hemispheres ? "_embed.0." : "_embed_0.0.";
    const std::string leftCount =
      "the subject's roi_masks give " + std::to_string(left) + " left-hemisphere vertices";
    const std::string rightCount =
      "the subject's roi_masks give " + std::to_string(right) + " right-hemisphere vertices";
    add("lh" + readout + "weight", "lh_embed.weight", { left, width }, leftCount);
    add("lh" + readout + "bias", "lh_embed.bias", { left }, leftCount);
    add("rh" + readout + "weight", "rh_embed.weight", { right, width }, rightCount);
    add("rh" + readout + "bias", "rh_embed.bias", { right }, rightCount);

    for (const ExpectedTensor& tensor : expected)
    {
      const Shape* stored = shapeOf(tensor.adeliKey);
      if (stored == nullptr)
      {
        throw FileError(path, "has no '" + tensor.adeliKey + "', which the model needs");
      }
      if (*stored != tensor.shape)
      {
        throw FileError(path,
                        "'" + tensor.adeliKey + "' has shape " + shapeText(*stored) + " but " +
                          shapeText(tensor.shape) + " is needed (" + tensor.because + ")");
      }
    }
    // Everything else must be a part the import leaves out: the frozen DINOv2 and the memory
    // projection of the (unused) mask branch. Anything more is a model this import does not know.
    std::vector<std::string> keys;
    for (const auto& [name, tensor] : pickled.tensors)
    {
      const bool read = std::any_of(expected.begin(),
                                    expected.end(),
                                    [&](const ExpectedTensor& e) { return e.adeliKey == name; });
      if (read)
      {
        continue;
      }
      if (!startsWith(name, "backbone.0.backbone.") &&
          !startsWith(name, "transformer.memory_proj."))
      {
        throw FileError(
          path, "has '" + name + "', which Adeli et al.'s decoder-only DINOv2 model does not have");
      }
      ++imported.droppedTensors;
    }
    for (const ExpectedTensor& tensor : expected)
    {
      keys.push_back(tensor.adeliKey);
    }
    return keys;
  };
  const std::map<std::string, torch::Tensor> stored = readSelectedCheckpointTensors(path, select);

  try
  {
    imported.encoder = BrainEncoder(config, imageFeatureWidth, imported.space);
  }
  catch (const std::invalid_argument& error)
  {
    throw FileError(path, error.what());
  }
  std::map<std::string, torch::Tensor> state;
  for (const ExpectedTensor& tensor : expected)
  {
    state[tensor.ourKey] = stored.at(tensor.adeliKey).to(torch::kFloat);
  }
  for (const auto& buffer : imported.encoder->named_buffers(true))
  {
    state[buffer.key()] = buffer.value(); // the vertex labels come from the subject
  }
  loadModuleState(*imported.encoder, state, path, "does not fit Adeli et al.'s brain encoder");
  imported.encoder->eval();
  return imported;
}

} // namespace bmfl
