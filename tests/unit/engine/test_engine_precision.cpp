// Mixed precision against fp32 (issue #13): the bf16 autocast path, which CUDA runs as it runs on
// a CPU (LibTorch's CPU autocast has bf16), keeps the predictions of fp32 to stated bounds. fp16
// needs CUDA and is refused on a CPU.
#include "Correlation.h"
#include "TinyModel.h"

#include "bmfl/InferenceEngine.h"
#include "bmfl/Training.h"
#include "engine/Precision.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace
{

using bmfl::test::TemporaryFolder;

std::unique_ptr<bmfl::InferenceEngine> openEngine(const std::string& bundle,
                                                  const std::string& precision)
{
  bmfl::EngineOptions options;
  options.device = "cpu";
  options.batchSize = 16;
  options.precision = precision;
  return bmfl::InferenceEngine::open(bundle, options);
}

std::vector<bmfl::PreparedImage> images(std::size_t count)
{
  std::vector<bmfl::PreparedImage> prepared;
  for (const bmfl::TrainingExample& example : bmfl::test::tinyExamples(count, 5))
  {
    prepared.push_back({ example.id, 1, 28, 28, example.image, 0, 0, {} });
  }
  return prepared;
}

// The gap between the largest and the second largest probability.
float margin(const std::vector<float>& probabilities)
{
  std::vector<float> sorted = probabilities;
  std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
  return sorted[0] - sorted[1];
}

// Bounds of bf16 against fp32, per image: the predicted fMRI correlates at r >= 0.99; no
// probability moves by more than 0.05; the top-1 class is kept wherever fp32's top two differ by
// more than 0.1 (bf16 keeps 8 mantissa bits: only near-ties may flip), and for at least 90% of
// all the images.
TEST(Precision, Bf16AutocastKeepsTheFp32Predictions)
{
  const TemporaryFolder folder("bmfl-precision");
  bmfl::TrainerOptions options;
  options.device = "cpu";
  options.seed = 4;
  bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                        bmfl::test::tinySpace(),
                        bmfl::test::tinyClassNames(),
                        bmfl::test::tinyPreprocess(),
                        options);
  trainer.saveBundle(folder / "tiny.bmfl", {});
  const std::vector<bmfl::PreparedImage> inputs = images(64);
  const auto full = openEngine(folder / "tiny.bmfl", "fp32")->run(inputs);
  const auto mixed = openEngine(folder / "tiny.bmfl", "bf16")->run(inputs);
  ASSERT_EQ(full.size(), inputs.size());
  ASSERT_EQ(mixed.size(), inputs.size());
  std::size_t agreeing = 0;
  std::size_t results = 0;
  bool anyDifference = false;
  for (std::size_t i = 0; i < full.size(); ++i)
  {
    EXPECT_GE(bmfl::test::pearson(full[i].predictedFmri, mixed[i].predictedFmri), 0.99)
      << "image " << i;
    anyDifference = anyDifference || full[i].predictedFmri != mixed[i].predictedFmri;
    for (const auto& [fp32, bf16] :
         { std::make_pair(&full[i].bmflProbabilities, &mixed[i].bmflProbabilities),
           std::make_pair(&full[i].baselineProbabilities, &mixed[i].baselineProbabilities) })
    {
      ASSERT_EQ(fp32->size(), bf16->size());
      for (std::size_t c = 0; c < fp32->size(); ++c)
      {
        EXPECT_NEAR((*fp32)[c], (*bf16)[c], 0.05f) << "image " << i << ", class " << c;
      }
      const auto top = [](const std::vector<float>* p)
      { return std::max_element(p->begin(), p->end()) - p->begin(); };
      const bool kept = top(fp32) == top(bf16);
      if (margin(*fp32) > 0.1f)
      {
        EXPECT_TRUE(kept) << "image " << i << ": a clear top-1 class changed";
      }
      agreeing += kept ? 1 : 0;
      ++results;
    }
  }
  EXPECT_GE(static_cast<double>(agreeing), 0.9 * static_cast<double>(results));
  // The encoders did run in bf16: the results are not fp32's bit for bit.
  EXPECT_TRUE(anyDifference);
}

// The engine stores the weights autocast would cast on every forward in bf16 once: the products
// are autocast's own, bit for bit, and the modules outside autocast's reach stay fp32.
TEST(Precision, WeightsStoredInBf16GiveAutocastsProductsBitForBit)
{
  torch::manual_seed(6);
  bmfl::BmflModules modules =
    bmfl::buildModules(bmfl::test::tinyConfig(), bmfl::test::tinySpace(), "tiny");
  modules.eval();
  const torch::Tensor pixels = torch::randn({ 3, 1, 28, 28 });
  const auto forward = [&]()
  {
    const c10::InferenceMode inference;
    const bmfl::AutocastScope autocast(bmfl::Precision::Bf16, torch::kCPU);
    const bmfl::ImageFeatures features = modules.encoder->forward(
      pixels, bmfl::brainQueryBlock(bmfl::test::tinyConfig().brainEncoder));
    const torch::Tensor fmri = modules.brainEncoder->forward(features).to(torch::kFloat);
    return std::make_tuple(features.cls, fmri, modules.bmflHead->encodeBrain(fmri).tokens);
  };
  const auto [clsBefore, fmriBefore, tokensBefore] = forward();
  bmfl::storeAutocastWeights(modules, bmfl::Precision::Bf16); // as the engine: before inference
  const auto [clsAfter, fmriAfter, tokensAfter] = forward();
  EXPECT_TRUE(torch::equal(clsBefore, clsAfter));
  EXPECT_TRUE(torch::equal(fmriBefore, fmriAfter));
  EXPECT_TRUE(torch::equal(tokensBefore, tokensAfter));
  const auto typeOf = [](torch::nn::Module& module, const std::string& name)
  { return module.named_parameters()[name].scalar_type(); };
  // Products' weights in bf16: the image encoder's, the brain encoder's (its readout too) and
  // the brain transformer's; LayerNorms, biases, fusion and both classifiers keep fp32.
  EXPECT_EQ(typeOf(*modules.encoder, "blocks.0.attn.qkv.weight"), at::kBFloat16);
  EXPECT_EQ(typeOf(*modules.encoder, "patch_embed.proj.weight"), at::kBFloat16);
  EXPECT_EQ(typeOf(*modules.encoder, "blocks.0.attn.qkv.bias"), at::kFloat);
  EXPECT_EQ(typeOf(*modules.encoder, "norm.weight"), at::kFloat);
  EXPECT_EQ(typeOf(*modules.brainEncoder, "lh_embed.weight"), at::kBFloat16);
  EXPECT_EQ(typeOf(*modules.bmflHead, "brain_transformer.slice_embed.weight"), at::kBFloat16);
  EXPECT_EQ(typeOf(*modules.bmflHead, "brain_transformer.layers.0.fc1.weight"), at::kBFloat16);
  EXPECT_EQ(typeOf(*modules.bmflHead, "brain_transformer.layers.0.attn.in_proj_weight"),
            at::kBFloat16);
  for (const auto& parameter : modules.bmflHead->named_parameters())
  {
    if (parameter.key().rfind("brain_transformer.", 0) != 0)
    {
      EXPECT_EQ(parameter.value().scalar_type(), at::kFloat) << parameter.key();
    }
  }
  for (const auto& parameter : modules.baselineHead->named_parameters())
  {
    EXPECT_EQ(parameter.value().scalar_type(), at::kFloat) << parameter.key();
  }
}

TEST(Precision, UnknownPrecisionsAndFp16OnACpuAreRefused)
{
  const TemporaryFolder folder("bmfl-precision-options");
  bmfl::TrainerOptions options;
  options.device = "cpu";
  bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                        bmfl::test::tinySpace(),
                        bmfl::test::tinyClassNames(),
                        bmfl::test::tinyPreprocess(),
                        options);
  trainer.saveBundle(folder / "tiny.bmfl", {});
  EXPECT_THROW(openEngine(folder / "tiny.bmfl", "fp16"), std::invalid_argument);
  EXPECT_THROW(openEngine(folder / "tiny.bmfl", "fp8"), std::invalid_argument);
}

} // namespace
