#pragma once

// The engine's collectives on tensors over a DistributedGroup (implemented in Distributed.cpp, the
// only translation unit that includes c10d).

#include "bmfl/Distributed.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace bmfl
{

/// Sums the tensors over the ranks, in place: flattened into buckets of about 25 MB, one
/// all-reduce each. Every rank passes tensors of the same shapes and types, in the same order.
void sumOverRanks(DistributedGroup& group,
                  const std::vector<torch::Tensor>& tensors,
                  const std::string& what);

} // namespace bmfl
