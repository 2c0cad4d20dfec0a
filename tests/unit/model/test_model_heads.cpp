// The brain encoder (Adeli et al. 2023), the brain transformer and fusion head, the linear probe
// and the BMFL loss, on small vertex spaces and features generated here.

#include "TestEnvironment.h"
#include "bmfl/FileError.h"
#include "model/BmflHead.h"
#include "model/BrainEncoder.h"
#include "model/Checkpoint.h"
#include "model/Linear.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

using Shape = std::vector<int64_t>;

// A vertex space of `left` + `right` vertices with two label sets: "streams" (names.size() = 4,
// labels cycling 0..3) and "rois" (5 names; left uses labels 1 and 3, right uses 2, the rest 0).
bmfl::VertexSpace makeSpace(int left, int right)
{
  bmfl::VertexSpace space;
  space.name = "test-space";
  space.templateName = "fsaverage5";
  for (int i = 0; i < left; ++i)
  {
    space.left.push_back(i);
  }
  for (int i = 0; i < right; ++i)
  {
    space.right.push_back(i);
  }
  bmfl::VertexLabels streams;
  streams.name = "streams";
  streams.names = { "unknown", "early", "ventral", "lateral" };
  for (int i = 0; i < left; ++i)
  {
    streams.left.push_back(i % 4);
  }
  for (int i = 0; i < right; ++i)
  {
    streams.right.push_back((i * 3 + 1) % 4);
  }
  bmfl::VertexLabels rois;
  rois.name = "rois";
  rois.names = { "none", "V1", "V2", "V3", "hV4" };
  for (int i = 0; i < left; ++i)
  {
    rois.left.push_back(i % 3 == 0 ? 1 : (i % 3 == 1 ? 3 : 0));
  }
  for (int i = 0; i < right; ++i)
  {
    rois.right.push_back(i % 2 == 0 ? 2 : 0);
  }
  space.labelSets = { streams, rois };
  return space;
}

bmfl::ImageFeatures makeFeatures(int64_t batch, int64_t gridHeight, int64_t gridWidth, int64_t dim)
{
  bmfl::ImageFeatures features;
  features.cls = torch::randn({ batch, dim });
  features.patches = torch::randn({ batch, gridHeight * gridWidth, dim });
  features.lastQuery = torch::randn({ batch, gridHeight * gridWidth, dim });
  features.gridHeight = gridHeight;
  features.gridWidth = gridWidth;
  return features;
}

bmfl::BrainEncoderConfig smallEncoderConfig()
{
  bmfl::BrainEncoderConfig config;
  config.width = 32;
  config.heads = 4;
  config.feedForward = 64;
  config.decoderLayers = 2;
  config.dropout = 0.0;
  return config;
}

bmfl::BmflModelConfig smallModelConfig()
{
  bmfl::BmflModelConfig config;
  config.brainTransformer.width = 24;
  config.brainTransformer.heads = 3;
  config.brainTransformer.depth = 2;
  config.brainTransformer.sliceLength = 16;
  config.brainTransformer.dropout = 0.0;
  config.brainTransformer.roiLabelSet = "rois";
  config.fusion.heads = 4;
  config.numClasses = 7;
  return config;
}

TEST(BrainEncoder, PredictsOneValuePerVertexForOddGridsAndBatches)
{
  const bmfl::VertexSpace space = makeSpace(37, 29);
  for (const std::string source : { "last_block_query", "patch_tokens" })
  {
    bmfl::BrainEncoderConfig config = smallEncoderConfig();
    config.featureSource = source;
    bmfl::BrainEncoder encoder(config, 48, space); // 48 -> 32: projected
    for (const int64_t batch : { 1, 3 })
    {
      const torch::Tensor prediction = encoder->forward(makeFeatures(batch, 3, 5, 48));
      EXPECT_EQ(prediction.sizes(), (Shape{ batch, 66 }));
      EXPECT_EQ(encoder->queryTokens().sizes(), (Shape{ batch, 8, 32 }));
      EXPECT_TRUE(torch::isfinite(prediction).all().item<bool>());
    }
  }
}

TEST(BrainEncoder, EachVertexReadsItsOwnLabelsQuery)
{
  const bmfl::VertexSpace space = makeSpace(21, 18);
  bmfl::BrainEncoder encoder(smallEncoderConfig(), 32, space);
  encoder->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor prediction = encoder->forward(makeFeatures(2, 4, 3, 32));
  const torch::Tensor tokens = encoder->queryTokens();
  const auto parameters = encoder->named_parameters();
  const auto check = [&](const char* hemisphere,
                         const std::vector<int32_t>& labels,
                         int64_t firstQuery,
                         int64_t firstOutput)
  {
    const torch::Tensor& weight = parameters[std::string(hemisphere) + "_embed.weight"];
    const torch::Tensor& bias = parameters[std::string(hemisphere) + "_embed.bias"];
    for (std::size_t v = 0; v < labels.size(); ++v)
    {
      const auto vertex = static_cast<int64_t>(v);
      const torch::Tensor expected =
        torch::matmul(tokens.select(1, firstQuery + labels[v]), weight[vertex]) + bias[vertex];
      EXPECT_TRUE(torch::allclose(prediction.select(1, firstOutput + vertex), expected, 1e-5, 1e-5))
        << hemisphere << " vertex " << v;
    }
  };
  check("lh", space.labelSets[0].left, 0, 0);
  check("rh", space.labelSets[0].right, 4, 21);

  // Zeroing every readout row but vertex 5's makes vertex 5 the only one that varies, and its
  // value still follows its own query (label 1) only.
  auto readout = parameters["lh_embed.weight"];
  const torch::Tensor keep = readout[5].clone();
  readout.zero_();
  readout[5].copy_(keep);
  parameters["lh_embed.bias"].zero_();
  parameters["rh_embed.weight"].zero_();
  parameters["rh_embed.bias"].zero_();
  const torch::Tensor sparse = encoder->forward(makeFeatures(2, 4, 3, 32));
  EXPECT_EQ(torch::count_nonzero(sparse).item<int64_t>(), 2);
  EXPECT_TRUE(
    torch::allclose(sparse.select(1, 5), torch::matmul(encoder->queryTokens().select(1, 1), keep)));
}

// Against models/reference/brain_encoder_reference.py (torch.nn.MultiheadAttention, DETR's
// layer), run at test time; its weights load through the checkpoint reader under test.
TEST(BrainEncoder, MatchesThePyTorchReference)
{
  namespace fs = std::filesystem;
  if (std::string(BMFL_REFERENCE_PYTHON).empty())
  {
    BMFL_SKIP_UNLESS_CI("the reference script needs /usr/bin/python3 with torch (python3-torch)");
  }
  std::string folder = (fs::temp_directory_path() / "bmfl-brain-encoder-XXXXXX").string();
  ASSERT_NE(mkdtemp(folder.data()), nullptr);
  const std::string command = std::string("'") + BMFL_REFERENCE_PYTHON + "' '" +
                              BMFL_BRAIN_ENCODER_REFERENCE_SCRIPT + "' '" + folder + "'";
  if (std::system(command.c_str()) != 0)
  {
    fs::remove_all(folder);
    FAIL() << "the reference script failed: " << command;
  }
  const auto cases = bmfl::readCheckpointTensors(folder + "/brain_encoder_cases.pth");
  const auto state = bmfl::readCheckpointTensors(folder + "/brain_encoder_state_dict.pth");

  const auto toLabels = [](const torch::Tensor& labels)
  {
    std::vector<int32_t> result;
    for (int64_t i = 0; i < labels.numel(); ++i)
    {
      result.push_back(static_cast<int32_t>(labels[i].item<int64_t>()));
    }
    return result;
  };
  bmfl::VertexSpace space;
  space.name = "reference";
  bmfl::VertexLabels streams;
  streams.name = "streams";
  streams.names = { "unknown", "early", "ventral" };
  streams.left = toLabels(cases.at("left_labels"));
  streams.right = toLabels(cases.at("right_labels"));
  space.left.assign(streams.left.size(), 0);
  space.right.assign(streams.right.size(), 0);
  space.labelSets = { streams };

  bmfl::BrainEncoderConfig config;
  config.featureSource = "patch_tokens";
  config.width = 32;
  config.heads = 4;
  config.feedForward = 48;
  config.decoderLayers = 2;
  bmfl::BrainEncoder encoder(config, 40, space);
  encoder->eval();
  bmfl::loadModuleState(*encoder, state, folder + "/brain_encoder_state_dict.pth", "brain encoder");

  bmfl::ImageFeatures features;
  features.patches = cases.at("features");
  features.gridHeight = cases.at("grid")[0].item<int64_t>();
  features.gridWidth = cases.at("grid")[1].item<int64_t>();
  torch::NoGradGuard noGrad;
  const torch::Tensor prediction = encoder->forward(features);
  ASSERT_EQ(prediction.sizes(), cases.at("prediction").sizes());
  EXPECT_LT((prediction - cases.at("prediction")).abs().max().item<double>(), 1e-4);
  EXPECT_LT((encoder->queryTokens() - cases.at("query_tokens")).abs().max().item<double>(), 1e-4);
  fs::remove_all(folder);
}

TEST(BrainEncoder, RefusesMissingLabelSetsAndLabelsOutOfRange)
{
  bmfl::VertexSpace space = makeSpace(10, 10);
  bmfl::BrainEncoderConfig config = smallEncoderConfig();
  config.queryLabelSet = "faces";
  try
  {
    bmfl::BrainEncoder encoder(config, 32, space);
    FAIL() << "expected std::invalid_argument";
  }
  catch (const std::invalid_argument& error)
  {
    EXPECT_NE(std::string(error.what()).find("'faces'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("streams"), std::string::npos) << error.what();
  }
  space.labelSets[0].right[3] = 4; // only labels 0..3 are named
  EXPECT_THROW(bmfl::BrainEncoder(smallEncoderConfig(), 32, space), std::invalid_argument);
  config = smallEncoderConfig();
  config.featureSource = "pixels";
  EXPECT_THROW(bmfl::BrainEncoder(config, 32, makeSpace(10, 10)), std::invalid_argument);
}

TEST(BrainEncoder, SinePositionEncodingFollowsDetr)
{
  const int64_t height = 3;
  const int64_t width = 5;
  const int64_t channels = 12;
  const torch::Tensor encoding =
    bmfl::BrainEncoderImpl::sinePositionEncoding(height, width, channels);
  ASSERT_EQ(encoding.sizes(), (Shape{ height * width, channels }));
  const int64_t features = channels / 2;
  const double twoPi = 2.0 * 3.14159265358979323846;
  for (int64_t row = 0; row < height; ++row)
  {
    for (int64_t column = 0; column < width; ++column)
    {
      const double y = static_cast<double>(row + 1) / (static_cast<double>(height) + 1e-6) * twoPi;
      const double x =
        static_cast<double>(column + 1) / (static_cast<double>(width) + 1e-6) * twoPi;
      for (int64_t c = 0; c < features; ++c)
      {
        const double period =
          std::pow(10000.0, 2.0 * static_cast<double>(c / 2) / static_cast<double>(features));
        const double expectedY = c % 2 == 0 ? std::sin(y / period) : std::cos(y / period);
        const double expectedX = c % 2 == 0 ? std::sin(x / period) : std::cos(x / period);
        const int64_t token = row * width + column;
        EXPECT_NEAR(encoding[token][c].item<double>(), expectedY, 1e-6);
        EXPECT_NEAR(encoding[token][features + c].item<double>(), expectedX, 1e-6);
      }
    }
  }
}

TEST(BrainTransformer, ConvSlicesPadTheLastSlice)
{
  bmfl::BrainTransformerConfig config = smallModelConfig().brainTransformer;
  config.tokenizer = "conv_slices";
  const bmfl::VertexSpace space = makeSpace(30, 20); // V = 50, slices of 16 -> 4 tokens
  bmfl::BrainTransformer brain(config, space);
  EXPECT_EQ(brain->tokenCount(), 4);
  for (const int64_t batch : { 1, 3 })
  {
    const bmfl::BrainTokens out = brain->forward(torch::randn({ batch, 50 }));
    EXPECT_EQ(out.cls.sizes(), (Shape{ batch, 24 }));
    EXPECT_EQ(out.tokens.sizes(), (Shape{ batch, 4, 24 }));
  }
}

TEST(BrainTransformer, RoiTokensAreOnePerRoiPresent)
{
  bmfl::BrainTransformerConfig config = smallModelConfig().brainTransformer;
  config.tokenizer = "roi_tokens";
  const bmfl::VertexSpace space = makeSpace(30, 20);
  bmfl::BrainTransformer brain(config, space);
  // Left uses ROIs 1 and 3, right uses ROI 2: three tokens although five labels are named.
  EXPECT_EQ(brain->tokenCount(), 3);
  const bmfl::BrainTokens out = brain->forward(torch::randn({ 2, 50 }));
  EXPECT_EQ(out.tokens.sizes(), (Shape{ 2, 3, 24 }));
  const auto parameters = brain->named_parameters();
  EXPECT_EQ(parameters["roi_embed.0.weight"].sizes(), (Shape{ 24, 10 })); // left V1: 10 vertices
  EXPECT_EQ(parameters["roi_embed.2.weight"].sizes(), (Shape{ 24, 10 })); // right V2: 10 vertices
}

TEST(BrainTransformer, StandardizationMakesTheTokensScaleFree)
{
  bmfl::BrainTransformerConfig config = smallModelConfig().brainTransformer;
  bmfl::BrainTransformer brain(config, makeSpace(30, 20));
  brain->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor fmri = torch::randn({ 2, 50 });
  const torch::Tensor scaled = brain->forward(fmri * 7.0 + 3.0).cls;
  EXPECT_TRUE(torch::allclose(brain->forward(fmri).cls, scaled, 1e-4, 1e-4));
}

TEST(BmflHead, CrossAttentionShapesAndAttentionRowsSumToOne)
{
  const bmfl::VertexSpace space = makeSpace(41, 28);  // V = 69: 5 slices of 16, last one padded
  bmfl::BmflHead head(smallModelConfig(), 32, space); // brain width 24 projected to 32
  EXPECT_EQ(head->brainTokenCount(), 5);
  EXPECT_EQ(head->classifierInputDim(), 3 * 32);
  for (const int64_t batch : { 1, 3 })
  {
    const bmfl::FusionOutput out =
      head->forward(makeFeatures(batch, 2, 3, 32), torch::randn({ batch, 69 }));
    EXPECT_EQ(out.logits.sizes(), (Shape{ batch, 7 }));
    EXPECT_EQ(out.imageFused.sizes(), (Shape{ batch, 32 }));
    EXPECT_EQ(out.brainFused.sizes(), (Shape{ batch, 32 }));
    ASSERT_EQ(out.imageToBrainAttention.sizes(), (Shape{ batch, 5 }));
    ASSERT_EQ(out.brainToImageAttention.sizes(), (Shape{ batch, 6 }));
    EXPECT_TRUE(torch::allclose(out.imageToBrainAttention.sum(1), torch::ones({ batch })));
    EXPECT_TRUE(torch::allclose(out.brainToImageAttention.sum(1), torch::ones({ batch })));
    EXPECT_TRUE((out.imageToBrainAttention >= 0).all().item<bool>());
  }
}

// forward() is encodeBrain() then fuse(): the inference engine runs the first under mixed
// precision. Under CPU bf16 autocast the brain transformer computes in bf16 and its tokens stay
// close to fp32's; fused on fp32 images they keep the logits close.
TEST(BmflHead, EncodeBrainThenFuseIsForwardAndRunsUnderBf16Autocast)
{
  torch::manual_seed(3);
  const bmfl::VertexSpace space = makeSpace(41, 28);
  bmfl::BmflHead head(smallModelConfig(), 32, space);
  head->eval();
  const c10::InferenceMode inference;
  const bmfl::ImageFeatures image = makeFeatures(4, 2, 3, 32);
  const torch::Tensor fmri = torch::randn({ 4, 69 });
  const bmfl::FusionOutput whole = head->forward(image, fmri);
  const bmfl::BrainTokens brain = head->encodeBrain(fmri);
  const bmfl::FusionOutput split = head->fuse(image, brain);
  EXPECT_TRUE(torch::equal(whole.logits, split.logits));
  EXPECT_TRUE(torch::equal(whole.imageToBrainAttention, split.imageToBrainAttention));

  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
  const bmfl::BrainTokens mixed = head->encodeBrain(fmri);
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  EXPECT_EQ(mixed.tokens.scalar_type(), at::kBFloat16);
  const torch::Tensor tokens = mixed.tokens.to(torch::kFloat);
  EXPECT_FALSE(torch::equal(tokens, brain.tokens));
  // LayerNormed tokens of unit scale: bf16's 8 mantissa bits through two layers and a projection.
  EXPECT_LT((tokens - brain.tokens).abs().max().item<float>(), 0.1F);
  const bmfl::FusionOutput fused =
    head->fuse(image, { mixed.cls.to(torch::kFloat), mixed.tokens.to(torch::kFloat) });
  EXPECT_LT((fused.logits - whole.logits).abs().max().item<float>(), 0.05F);
  EXPECT_THROW(head->fuse(makeFeatures(3, 2, 3, 32), brain), std::invalid_argument);
}

TEST(BmflHead, OneDirectionAndConcatenationAblations)
{
  const bmfl::VertexSpace space = makeSpace(20, 20);
  bmfl::BmflModelConfig config = smallModelConfig();
  config.fusion.brainQueriesImage = false;
  bmfl::BmflHead imageOnly(config, 32, space);
  EXPECT_EQ(imageOnly->classifierInputDim(), 2 * 32);
  bmfl::FusionOutput out = imageOnly->forward(makeFeatures(2, 2, 2, 32), torch::randn({ 2, 40 }));
  EXPECT_TRUE(out.imageFused.defined());
  EXPECT_FALSE(out.brainFused.defined());
  EXPECT_FALSE(out.brainToImageAttention.defined());

  config.fusion.brainQueriesImage = true;
  config.fusion.imageQueriesBrain = false;
  bmfl::BmflHead brainOnly(config, 32, space);
  out = brainOnly->forward(makeFeatures(2, 2, 2, 32), torch::randn({ 2, 40 }));
  EXPECT_FALSE(out.imageFused.defined());
  EXPECT_EQ(out.brainFused.sizes(), (Shape{ 2, 32 }));

  config.fusion.mode = "concatenation";
  bmfl::BmflHead concatenation(config, 32, space);
  EXPECT_EQ(concatenation->classifierInputDim(), 3 * 32);
  out = concatenation->forward(makeFeatures(2, 2, 2, 32), torch::randn({ 2, 40 }));
  EXPECT_EQ(out.logits.sizes(), (Shape{ 2, 7 }));
  EXPECT_FALSE(out.imageFused.defined());
  EXPECT_FALSE(out.imageToBrainAttention.defined());

  config.fusion.mode = "cross_attention";
  config.fusion.brainQueriesImage = false;
  EXPECT_THROW(bmfl::BmflHead(config, 32, space), std::invalid_argument);
  config.fusion.mode = "sum";
  EXPECT_THROW(bmfl::BmflHead(config, 32, space), std::invalid_argument);
}

TEST(BmflHead, RoiTokenizerFeedsTheFusion)
{
  bmfl::BmflModelConfig config = smallModelConfig();
  config.brainTransformer.tokenizer = "roi_tokens";
  bmfl::BmflHead head(config, 32, makeSpace(30, 20));
  EXPECT_EQ(head->brainTokenCount(), 3);
  const bmfl::FusionOutput out = head->forward(makeFeatures(3, 3, 2, 32), torch::randn({ 3, 50 }));
  EXPECT_EQ(out.imageToBrainAttention.sizes(), (Shape{ 3, 3 }));
}

TEST(BmflHead, ShuffleBrainPermutesTheBatchInTrainingOnly)
{
  bmfl::BmflModelConfig config = smallModelConfig();
  config.fusion.shuffleBrain = true;
  bmfl::BmflHead head(config, 32, makeSpace(20, 20));
  const bmfl::ImageFeatures image = makeFeatures(4, 2, 2, 32);
  const torch::Tensor fmri = torch::randn({ 4, 40 });
  torch::NoGradGuard noGrad;

  head->train(); // every dropout is 0, so training mode differs only by the shuffle
  torch::manual_seed(5);
  const torch::Tensor shuffled = head->forward(image, fmri).logits;
  torch::manual_seed(5);
  const torch::Tensor permutation = torch::randperm(4, torch::kLong);
  ASSERT_FALSE(torch::equal(permutation, torch::arange(4)));

  head->eval();
  EXPECT_TRUE(
    torch::allclose(shuffled, head->forward(image, fmri.index_select(0, permutation)).logits));
  EXPECT_FALSE(torch::allclose(shuffled, head->forward(image, fmri).logits));
}

TEST(LinearProbeHead, IsALinearMapOfClsAndMeanPatch)
{
  bmfl::LinearProbeHead probe(16, 5);
  const bmfl::ImageFeatures image = makeFeatures(3, 2, 3, 16);
  torch::NoGradGuard noGrad;
  const auto parameters = probe->named_parameters();
  const torch::Tensor expected =
    torch::matmul(torch::cat({ image.cls, image.patches.mean(1) }, 1), parameters["weight"].t()) +
    parameters["bias"];
  EXPECT_TRUE(torch::allclose(probe->forward(image), expected, 1e-5, 1e-6));
  EXPECT_EQ(parameters.size(), 2U);
}

TEST(Loss, PearsonPerSampleMatchesTheDefinition)
{
  const torch::Tensor a = torch::randn({ 3, 10 }, torch::kDouble);
  const torch::Tensor b = torch::randn({ 3, 10 }, torch::kDouble);
  const torch::Tensor r = bmfl::pearsonPerSample(a, b);
  ASSERT_EQ(r.sizes(), (Shape{ 3 }));
  for (int64_t i = 0; i < 3; ++i)
  {
    const torch::Tensor x = a[i] - a[i].mean();
    const torch::Tensor y = b[i] - b[i].mean();
    const double expected =
      ((x * y).sum() / torch::sqrt((x * x).sum() * (y * y).sum())).item<double>();
    EXPECT_NEAR(r[i].item<double>(), expected, 1e-12);
  }
  EXPECT_NEAR(bmfl::pearsonPerSample(a, 2.0 * a + 1.0).min().item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(bmfl::pearsonPerSample(a, -a).max().item<double>(), -1.0, 1e-12);
}

// Central finite differences of the loss against autograd, in double precision.
TEST(Loss, GradientMatchesFiniteDifferences)
{
  torch::manual_seed(3);
  const auto options = torch::TensorOptions().dtype(torch::kDouble).requires_grad(true);
  bmfl::FusionOutput out;
  out.logits = torch::randn({ 4, 6 }, options);
  out.imageFused = torch::randn({ 4, 9 }, options);
  out.brainFused = torch::randn({ 4, 9 }, options);
  const torch::Tensor targets = torch::tensor({ 0, 5, 2, 2 }, torch::kLong);
  const double weight = 0.7;
  bmfl::bmflLoss(out, targets, weight).backward();

  for (torch::Tensor* input : { &out.logits, &out.imageFused, &out.brainFused })
  {
    const torch::Tensor analytic = input->grad().clone();
    torch::Tensor numeric = torch::zeros_like(analytic);
    torch::NoGradGuard noGrad;
    const double step = 1e-6;
    auto values = input->view({ -1 });
    for (int64_t i = 0; i < values.numel(); ++i)
    {
      const double original = values[i].item<double>();
      values[i].fill_(original + step);
      const double plus = bmfl::bmflLoss(out, targets, weight).item<double>();
      values[i].fill_(original - step);
      const double minus = bmfl::bmflLoss(out, targets, weight).item<double>();
      values[i].fill_(original);
      numeric.view({ -1 })[i].fill_((plus - minus) / (2.0 * step));
    }
    const double relative = ((analytic - numeric).norm() / analytic.norm()).item<double>();
    EXPECT_LT(relative, 1e-6);
  }
}

TEST(Loss, PccTermOnlyWithBothDirections)
{
  bmfl::FusionOutput out;
  out.logits = torch::randn({ 3, 4 });
  out.imageFused = torch::randn({ 3, 8 });
  const torch::Tensor targets = torch::tensor({ 1, 0, 3 }, torch::kLong);
  const torch::Tensor ce = torch::nn::functional::cross_entropy(out.logits, targets);
  EXPECT_TRUE(torch::allclose(bmfl::bmflLoss(out, targets, 0.5), ce));
  out.brainFused = out.imageFused * -1.0; // r = -1: the PCC term is weight * 2
  EXPECT_NEAR(bmfl::bmflLoss(out, targets, 0.5).item<double>(), ce.item<double>() + 1.0, 1e-5);
}

TEST(BmflHead, SeededModelsAreDeterministic)
{
  const bmfl::VertexSpace space = makeSpace(20, 20);
  const bmfl::ImageFeatures image = makeFeatures(2, 2, 2, 32);
  const torch::Tensor fmri = torch::randn({ 2, 40 });
  torch::NoGradGuard noGrad;
  torch::manual_seed(9);
  bmfl::BmflHead first(smallModelConfig(), 32, space);
  bmfl::BrainEncoder firstEncoder(smallEncoderConfig(), 32, space);
  torch::manual_seed(9);
  bmfl::BmflHead second(smallModelConfig(), 32, space);
  bmfl::BrainEncoder secondEncoder(smallEncoderConfig(), 32, space);
  EXPECT_TRUE(
    torch::equal(first->forward(image, fmri).logits, second->forward(image, fmri).logits));
  EXPECT_TRUE(torch::equal(firstEncoder->forward(image), secondEncoder->forward(image)));
}

TEST(Linear, DrawsTheSameInitialValuesAsLibTorchsLinear)
{
  // Seeded models (the demo, the tests' references) keep their weights: the same draws, in the
  // same order, as torch::nn::Linear.
  for (const auto& [in, out] : { std::pair<int, int>{ 7, 5 }, std::pair<int, int>{ 384, 33 } })
  {
    torch::manual_seed(3);
    torch::nn::Linear theirs(in, out);
    const torch::Tensor theirNext = torch::randn({ 4 });
    torch::manual_seed(3);
    bmfl::Linear ours(in, out);
    const torch::Tensor ourNext = torch::randn({ 4 });
    EXPECT_TRUE(torch::equal(theirs->weight, ours->weight));
    EXPECT_TRUE(torch::equal(theirs->bias, ours->bias));
    EXPECT_TRUE(torch::equal(theirNext, ourNext)); // nothing more taken from the generator
    const torch::Tensor x = torch::randn({ 2, in });
    EXPECT_TRUE(torch::allclose(theirs->forward(x), ours->forward(x)));
  }
}

TEST(Linear, SkipParameterInitDrawsNothingAndNests)
{
  EXPECT_FALSE(bmfl::SkipParameterInit::active());
  torch::manual_seed(5);
  const torch::Tensor expected = torch::randn({ 3 });
  torch::manual_seed(5);
  {
    const bmfl::SkipParameterInit outer;
    {
      const bmfl::SkipParameterInit inner;
      EXPECT_TRUE(bmfl::SkipParameterInit::active());
    }
    EXPECT_TRUE(bmfl::SkipParameterInit::active());
    bmfl::Linear skipped(16, 8);
    EXPECT_EQ(skipped->weight.sizes(), (Shape{ 8, 16 }));
    EXPECT_EQ(skipped->bias.sizes(), (Shape{ 8 }));
    EXPECT_EQ(skipped->parameters().size(), 2U);
    torch::Tensor matrix = torch::empty({ 6, 4 });
    bmfl::xavierUniform(matrix);
  }
  EXPECT_FALSE(bmfl::SkipParameterInit::active());
  EXPECT_TRUE(torch::equal(torch::randn({ 3 }), expected)); // nothing was drawn
  torch::manual_seed(5);
  bmfl::Linear drawn(16, 8);
  EXPECT_FALSE(torch::equal(torch::randn({ 3 }), expected));
  // Whole modules build under it with every parameter in place (a bundle fills them next).
  const bmfl::VertexSpace space = makeSpace(20, 20);
  torch::manual_seed(5);
  bmfl::BrainEncoder initialised(smallEncoderConfig(), 32, space);
  const bmfl::SkipParameterInit skip;
  bmfl::BrainEncoder built(smallEncoderConfig(), 32, space);
  ASSERT_EQ(built->named_parameters().size(), initialised->named_parameters().size());
  for (const auto& item : initialised->named_parameters())
  {
    EXPECT_EQ(built->named_parameters()[item.key()].sizes(), item.value().sizes()) << item.key();
  }
}

} // namespace
