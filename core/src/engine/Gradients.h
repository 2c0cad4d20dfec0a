#pragma once

// Clearing gradients between optimiser steps the same way on every LibTorch.

#include <torch/torch.h>

namespace bmfl
{

/// Zeroes the gradients of the optimiser's parameters in place, as LibTorch 1.13's
/// Optimizer::zero_grad() does. LibTorch 2.x's zero_grad() undefines them instead
/// (set_to_none), which would change which parameters a step counts as taking part (a defined
/// gradient) and so what AdamW's weight decay touches: one rule on both.
inline void zeroGradients(torch::optim::Optimizer& optimizer)
{
  for (auto& group : optimizer.param_groups())
  {
    for (auto& parameter : group.params())
    {
      torch::Tensor& gradient = parameter.mutable_grad();
      if (gradient.defined())
      {
        gradient.detach_();
        gradient.zero_();
      }
    }
  }
}

} // namespace bmfl
