// The brain encoder's readout without gradients (each vertex read out from its own query only,
// from rows grouped by query) gives the values of the gradient path (every query read out for
// every vertex, then selected), and follows the weights when they change.
#include "model/BrainEncoder.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace
{

// Labels in no order at all, one query (label 2 on the right) used by no vertex.
bmfl::VertexSpace shuffledSpace()
{
  bmfl::VertexSpace space;
  space.name = "readout-test";
  space.templateName = "fsaverage5";
  bmfl::VertexLabels streams;
  streams.name = "streams";
  streams.names = { "unknown", "early", "ventral", "lateral", "dorsal" };
  for (std::int32_t i = 0; i < 37; ++i)
  {
    space.left.push_back(i);
    streams.left.push_back((i * 7 + 3) % 5);
  }
  for (std::int32_t i = 0; i < 29; ++i)
  {
    space.right.push_back(i);
    streams.right.push_back(i % 3 == 0 ? 4 : (i % 3 == 1 ? 0 : 1));
  }
  space.labelSets.push_back(streams);
  return space;
}

bmfl::ImageFeatures randomFeatures(std::int64_t batch, std::int64_t width)
{
  bmfl::ImageFeatures features;
  features.gridHeight = 3;
  features.gridWidth = 4;
  features.lastQuery = torch::randn({ batch, 12, width });
  features.cls = torch::randn({ batch, width });
  features.patches = torch::randn({ batch, 12, width });
  return features;
}

} // namespace

TEST(BrainEncoderReadout, SelectedProductsEqualTheGradientPath)
{
  torch::manual_seed(3);
  bmfl::BrainEncoderConfig config;
  config.width = 32;
  config.heads = 4;
  config.feedForward = 64;
  config.dropout = 0.0;
  bmfl::BrainEncoder encoder(config, 32, shuffledSpace());
  encoder->eval();
  for (const std::int64_t batch : { 1, 5 })
  {
    const bmfl::ImageFeatures features = randomFeatures(batch, 32);
    const torch::Tensor withGradients = encoder->forward(features).detach();
    torch::Tensor withoutGradients;
    {
      torch::NoGradGuard noGrad;
      withoutGradients = encoder->forward(features);
    }
    torch::Tensor inferenceMode;
    {
      c10::InferenceMode inference;
      inferenceMode = encoder->forward(features).clone();
    }
    ASSERT_EQ(withoutGradients.sizes(), withGradients.sizes());
    EXPECT_TRUE(torch::allclose(withoutGradients, withGradients, 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(inferenceMode, withGradients, 1e-5, 1e-5));
  }

  // Weights changed in place (as an optimiser step does) and replaced (as loading does): the
  // grouped rows follow.
  const bmfl::ImageFeatures features = randomFeatures(2, 32);
  for (int change = 0; change < 2; ++change)
  {
    {
      torch::NoGradGuard noGrad;
      for (auto& parameter : encoder->named_parameters())
      {
        if (parameter.key().rfind("lh_embed", 0) == 0 || parameter.key().rfind("rh_embed", 0) == 0)
        {
          if (change == 0)
          {
            parameter.value().mul_(-1.5).add_(0.25);
          }
          else
          {
            parameter.value().set_(torch::randn_like(parameter.value()));
          }
        }
      }
    }
    const torch::Tensor expected = encoder->forward(features).detach();
    torch::NoGradGuard noGrad;
    EXPECT_TRUE(torch::allclose(encoder->forward(features), expected, 1e-5, 1e-5)) << change;
  }
}
