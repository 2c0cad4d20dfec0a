// Clearing gradients between steps (engine/Gradients.h): in place, as LibTorch 1.13's
// Optimizer::zero_grad() does, on every LibTorch; 2.x's zero_grad() would undefine them, and the
// data-parallel step counts a parameter as taking part by a defined gradient.
#include "engine/Gradients.h"

#include <gtest/gtest.h>

TEST(Gradients, ZeroedInPlaceAndAParameterWithoutOneKeepsNone)
{
  torch::Tensor used = torch::ones({ 3 }, torch::requires_grad());
  torch::Tensor unused = torch::ones({ 2 }, torch::requires_grad());
  torch::optim::AdamW optimizer({ used, unused }, torch::optim::AdamWOptions(0.1));
  (used * 2.0).sum().backward();
  const torch::Tensor before = used.grad();
  ASSERT_TRUE(before.defined());
  EXPECT_TRUE(torch::equal(before, torch::full({ 3 }, 2.0)));

  bmfl::zeroGradients(optimizer);
  ASSERT_TRUE(used.grad().defined()) << "a gradient was undefined, not zeroed";
  EXPECT_TRUE(torch::equal(used.grad(), torch::zeros({ 3 })));
  EXPECT_TRUE(used.grad().is_same(before)) << "the gradient was replaced, not zeroed in place";
  EXPECT_FALSE(unused.grad().defined());

  // The next backward accumulates into the zeroed gradient: this step's gradient alone.
  (used * 3.0).sum().backward();
  EXPECT_TRUE(torch::equal(used.grad(), torch::full({ 3 }, 3.0)));
}
