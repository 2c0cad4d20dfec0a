#include "model/BmflHead.h"

#include "model/Attention.h"

#include <map>
#include <stdexcept>
#include <string>

namespace bmfl
{
namespace
{

/// A pre-norm transformer encoder layer (ViT style, GELU MLP): LibTorch's own layer is
/// post-norm only.
class EncoderLayerImpl : public torch::nn::Module
{
public:
  explicit EncoderLayerImpl(const BrainTransformerConfig& config)
    : Dropout(config.dropout)
  {
    const std::int64_t width = config.width;
    const auto hidden = static_cast<std::int64_t>(static_cast<double>(width) * config.mlpRatio);
    Norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
    Attn = register_module("attn", detail::MultiHeadAttention(width, config.heads, config.dropout));
    Norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
    Fc1 = register_module("fc1", Linear(width, hidden));
    Fc2 = register_module("fc2", Linear(hidden, width));
  }

  torch::Tensor forward(const torch::Tensor& x)
  {
    const bool train = is_training();
    const torch::Tensor normed = Norm1->forward(x);
    const torch::Tensor y =
      x + torch::dropout(Attn->forward(normed, normed, normed).output, Dropout, train);
    const torch::Tensor hidden = torch::gelu(Fc1->forward(Norm2->forward(y)));
    return y + torch::dropout(Fc2->forward(torch::dropout(hidden, Dropout, train)), Dropout, train);
  }

private:
  double Dropout;
  torch::nn::LayerNorm Norm1{ nullptr };
  detail::MultiHeadAttention Attn{ nullptr };
  torch::nn::LayerNorm Norm2{ nullptr };
  Linear Fc1{ nullptr };
  Linear Fc2{ nullptr };
};
TORCH_MODULE(EncoderLayer);

void validate(const BrainTransformerConfig& config)
{
  if (config.tokenizer != "conv_slices" && config.tokenizer != "roi_tokens")
  {
    throw std::invalid_argument("brain transformer: unknown tokenizer '" + config.tokenizer +
                                "' (expected conv_slices or roi_tokens)");
  }
  if (config.width <= 0 || config.heads <= 0 || config.width % config.heads != 0)
  {
    throw std::invalid_argument("brain transformer: width " + std::to_string(config.width) +
                                " is not divisible by " + std::to_string(config.heads) + " heads");
  }
  if (config.sliceLength <= 0 || config.depth < 0 || !(config.mlpRatio > 0.0) ||
      config.dropout < 0.0 || config.dropout >= 1.0)
  {
    throw std::invalid_argument(
      "brain transformer: sliceLength, depth, mlpRatio or dropout out of range");
  }
}

/// The vertices of each ROI (label > 0) as indices into the fMRI vector (left part, then right
/// part offset by its size): left ROIs by label, then right ROIs by label.
std::vector<std::vector<std::int64_t>> roiVertexLists(const BrainTransformerConfig& config,
                                                      const VertexSpace& space)
{
  const VertexLabels* labels = space.labels(config.roiLabelSet);
  if (labels == nullptr)
  {
    throw std::invalid_argument("brain transformer: vertex space '" + space.name +
                                "' has no label set '" + config.roiLabelSet + "'");
  }
  if (labels->left.size() != space.left.size() || labels->right.size() != space.right.size())
  {
    throw std::invalid_argument("brain transformer: label set '" + config.roiLabelSet +
                                "' does not have one label per vertex of space '" + space.name +
                                "'");
  }
  std::vector<std::vector<std::int64_t>> rois;
  const auto collect = [&](const std::vector<std::int32_t>& hemisphere, std::int64_t offset)
  {
    std::map<std::int32_t, std::vector<std::int64_t>> byLabel;
    for (std::size_t i = 0; i < hemisphere.size(); ++i)
    {
      if (hemisphere[i] < 0)
      {
        throw std::invalid_argument("brain transformer: label set '" + config.roiLabelSet +
                                    "' has a negative label at vertex " + std::to_string(i));
      }
      if (hemisphere[i] > 0)
      {
        byLabel[hemisphere[i]].push_back(offset + static_cast<std::int64_t>(i));
      }
    }
    for (auto& entry : byLabel)
    {
      rois.push_back(std::move(entry.second));
    }
  };
  collect(labels->left, 0);
  collect(labels->right, static_cast<std::int64_t>(space.left.size()));
  if (rois.empty())
  {
    throw std::invalid_argument("brain transformer: label set '" + config.roiLabelSet +
                                "' marks no vertex of space '" + space.name + "' as an ROI");
  }
  return rois;
}

} // namespace

BrainTransformerImpl::BrainTransformerImpl(const BrainTransformerConfig& config,
                                           const VertexSpace& space)
  : Config(config)
  , VertexCount(static_cast<std::int64_t>(space.size()))
{
  validate(Config);
  if (VertexCount == 0)
  {
    throw std::invalid_argument("brain transformer: vertex space '" + space.name + "' is empty");
  }
  const std::int64_t width = Config.width;
  if (Config.tokenizer == "conv_slices")
  {
    TokenCount = (VertexCount + Config.sliceLength - 1) / Config.sliceLength;
    SliceEmbed = register_module(
      "slice_embed",
      torch::nn::Conv1d(
        torch::nn::Conv1dOptions(1, width, Config.sliceLength).stride(Config.sliceLength)));
  }
  else
  {
    RoiEmbed = register_module("roi_embed", torch::nn::ModuleList());
    const auto rois = roiVertexLists(Config, space);
    for (std::size_t i = 0; i < rois.size(); ++i)
    {
      RoiVertices.push_back(
        register_buffer("roi_vertices_" + std::to_string(i), torch::tensor(rois[i], torch::kLong)));
      RoiEmbed->push_back(Linear(static_cast<std::int64_t>(rois[i].size()), width));
    }
    TokenCount = static_cast<std::int64_t>(rois.size());
  }
  ClsToken = register_parameter("cls_token", torch::randn({ 1, 1, width }) * 0.02);
  PosEmbed = register_parameter("pos_embed", torch::randn({ 1, TokenCount + 1, width }) * 0.02);
  Layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < Config.depth; ++i)
  {
    Layers->push_back(EncoderLayer(Config));
  }
  Norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ width })));
}

torch::Tensor BrainTransformerImpl::tokenize(const torch::Tensor& fmri)
{
  if (SliceEmbed)
  {
    const std::int64_t padding = TokenCount * Config.sliceLength - VertexCount;
    const torch::Tensor padded = torch::constant_pad_nd(fmri, { 0, padding }, 0.0);
    return SliceEmbed->forward(padded.unsqueeze(1)).transpose(1, 2);
  }
  std::vector<torch::Tensor> tokens;
  tokens.reserve(RoiVertices.size());
  for (std::size_t i = 0; i < RoiVertices.size(); ++i)
  {
    tokens.push_back(RoiEmbed->ptr<LinearImpl>(i)->forward(fmri.index_select(1, RoiVertices[i])));
  }
  return torch::stack(tokens, 1);
}

BrainTokens BrainTransformerImpl::forward(const torch::Tensor& fmri)
{
  if (fmri.dim() != 2 || fmri.size(1) != VertexCount)
  {
    throw std::invalid_argument("brain transformer: expected fMRI [B, " +
                                std::to_string(VertexCount) + "], got " + c10::str(fmri.sizes()));
  }
  torch::Tensor input = fmri;
  if (Config.standardizeInput)
  {
    const torch::Tensor centred = fmri - fmri.mean(1, true);
    input = centred / torch::sqrt(centred.pow(2).mean(1, true) + 1e-6);
  }
  const std::int64_t batch = fmri.size(0);
  torch::Tensor x =
    torch::cat({ ClsToken.expand({ batch, -1, -1 }), tokenize(input) }, 1) + PosEmbed;
  x = torch::dropout(x, Config.dropout, is_training());
  for (const auto& layer : *Layers)
  {
    x = layer->as<EncoderLayerImpl>()->forward(x);
  }
  x = Norm->forward(x);
  return { x.select(1, 0), x.narrow(1, 1, TokenCount) };
}

BmflHeadImpl::BmflHeadImpl(const BmflModelConfig& config,
                           std::int64_t imageDim,
                           const VertexSpace& space)
  : Fusion(config.fusion)
  , ImageDim(imageDim)
{
  if (Fusion.mode != "cross_attention" && Fusion.mode != "concatenation")
  {
    throw std::invalid_argument("fusion: unknown mode '" + Fusion.mode +
                                "' (expected cross_attention or concatenation)");
  }
  Concatenation = Fusion.mode == "concatenation";
  if (!Concatenation && !Fusion.imageQueriesBrain && !Fusion.brainQueriesImage)
  {
    throw std::invalid_argument("fusion: cross_attention needs at least one direction enabled");
  }
  if (imageDim <= 0 || config.numClasses <= 0)
  {
    throw std::invalid_argument("fusion: image width and class count must be positive");
  }
  Brain = register_module("brain_transformer", BrainTransformer(config.brainTransformer, space));
  if (config.brainTransformer.width != imageDim)
  {
    BrainProjection =
      register_module("brain_proj", Linear(config.brainTransformer.width, imageDim));
  }
  const auto layerNorm = [&](const char* name) {
    return register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions({ imageDim })));
  };
  std::int64_t parts = 1; // the pooled patch tokens
  if (Concatenation)
  {
    parts += 2;
  }
  else
  {
    if (Fusion.imageQueriesBrain)
    {
      ImageQueryNorm = layerNorm("i2b_query_norm");
      BrainKeyNorm = layerNorm("i2b_key_norm");
      ImageToBrain = register_module(
        "i2b_attn", detail::MultiHeadAttention(imageDim, Fusion.heads, Fusion.dropout).ptr());
      ++parts;
    }
    if (Fusion.brainQueriesImage)
    {
      BrainQueryNorm = layerNorm("b2i_query_norm");
      ImageKeyNorm = layerNorm("b2i_key_norm");
      BrainToImage = register_module(
        "b2i_attn", detail::MultiHeadAttention(imageDim, Fusion.heads, Fusion.dropout).ptr());
      ++parts;
    }
  }
  ClassifierInput = parts * imageDim;
  Classifier = register_module("classifier", Linear(ClassifierInput, config.numClasses));
}

std::int64_t BmflHeadImpl::brainTokenCount() const
{
  return Brain->tokenCount();
}

FusionOutput BmflHeadImpl::forward(const ImageFeatures& image, const torch::Tensor& fmri)
{
  return fuse(image, encodeBrain(fmri));
}

BrainTokens BmflHeadImpl::encodeBrain(const torch::Tensor& fmri)
{
  torch::Tensor brainInput = fmri;
  if (Fusion.shuffleBrain && is_training())
  {
    // Control ablation: each image is paired with another image's brain response.
    brainInput = fmri.index_select(
      0, torch::randperm(fmri.size(0), torch::TensorOptions(torch::kLong).device(fmri.device())));
  }
  BrainTokens brain = Brain->forward(brainInput);
  if (BrainProjection)
  {
    brain.cls = BrainProjection->forward(brain.cls);
    brain.tokens = BrainProjection->forward(brain.tokens);
  }
  return brain;
}

FusionOutput BmflHeadImpl::fuse(const ImageFeatures& image, const BrainTokens& brain)
{
  if (!image.cls.defined() || !image.patches.defined() || image.cls.dim() != 2 ||
      image.patches.dim() != 3 || image.cls.size(1) != ImageDim ||
      image.patches.size(2) != ImageDim || image.patches.size(0) != image.cls.size(0) ||
      !brain.cls.defined() || !brain.tokens.defined() || brain.cls.dim() != 2 ||
      brain.tokens.dim() != 3 || brain.cls.size(0) != image.cls.size(0) ||
      brain.tokens.size(0) != image.cls.size(0) || brain.cls.size(1) != ImageDim ||
      brain.tokens.size(2) != ImageDim)
  {
    const auto sizes = [](const torch::Tensor& t)
    { return t.defined() ? c10::str(t.sizes()) : std::string("none"); };
    throw std::invalid_argument(
      "fusion head: expected cls [B, " + std::to_string(ImageDim) + "], patches [B, N, " +
      std::to_string(ImageDim) + "] and brain tokens of that width with one batch size, got cls " +
      sizes(image.cls) + ", patches " + sizes(image.patches) + ", brain cls " + sizes(brain.cls) +
      " and brain tokens " + sizes(brain.tokens));
  }
  const torch::Tensor pooled = image.patches.mean(1);

  FusionOutput out;
  std::vector<torch::Tensor> parts;
  if (Concatenation)
  {
    parts = { image.cls, brain.cls };
  }
  else
  {
    if (ImageToBrain)
    {
      const torch::Tensor keys = BrainKeyNorm->forward(brain.tokens);
      const detail::AttentionResult attended =
        ImageToBrain->forward(ImageQueryNorm->forward(image.cls).unsqueeze(1), keys, keys, true);
      out.imageFused = attended.output.squeeze(1);
      out.imageToBrainAttention = attended.weights.squeeze(1);
      parts.push_back(out.imageFused);
    }
    if (BrainToImage)
    {
      const torch::Tensor keys = ImageKeyNorm->forward(image.patches);
      const detail::AttentionResult attended =
        BrainToImage->forward(BrainQueryNorm->forward(brain.cls).unsqueeze(1), keys, keys, true);
      out.brainFused = attended.output.squeeze(1);
      out.brainToImageAttention = attended.weights.squeeze(1);
      parts.push_back(out.brainFused);
    }
  }
  parts.push_back(pooled);
  out.logits = Classifier->forward(torch::cat(parts, 1));
  return out;
}

LinearProbeHeadImpl::LinearProbeHeadImpl(std::int64_t imageDim, std::int64_t classes)
{
  if (imageDim <= 0 || classes <= 0)
  {
    throw std::invalid_argument("linear probe: image width and class count must be positive");
  }
  // DINOv2's linear evaluation initialisation.
  Weight = register_parameter("weight", torch::randn({ classes, 2 * imageDim }) * 0.01);
  Bias = register_parameter("bias", torch::zeros({ classes }));
}

torch::Tensor LinearProbeHeadImpl::forward(const ImageFeatures& image)
{
  return torch::nn::functional::linear(
    torch::cat({ image.cls, image.patches.mean(1) }, 1), Weight, Bias);
}

torch::Tensor pearsonPerSample(const torch::Tensor& a, const torch::Tensor& b)
{
  if (a.dim() != 2 || a.sizes() != b.sizes())
  {
    throw std::invalid_argument("pearsonPerSample: expected two [B, D] tensors of one shape, got " +
                                c10::str(a.sizes()) + " and " + c10::str(b.sizes()));
  }
  const torch::Tensor centredA = a - a.mean(1, true);
  const torch::Tensor centredB = b - b.mean(1, true);
  // The floor keeps a constant row (zero variance) at r = 0 instead of NaN.
  const torch::Tensor norms = (centredA.norm(2, 1) * centredB.norm(2, 1)).clamp_min(1e-12);
  return (centredA * centredB).sum(1) / norms;
}

torch::Tensor bmflLoss(const FusionOutput& out, const torch::Tensor& targets, double pccWeight)
{
  torch::Tensor loss = torch::nn::functional::cross_entropy(out.logits, targets);
  if (pccWeight != 0.0 && out.imageFused.defined() && out.brainFused.defined())
  {
    loss = loss + pccWeight * (1.0 - pearsonPerSample(out.imageFused, out.brainFused)).mean();
  }
  return loss;
}

} // namespace bmfl
