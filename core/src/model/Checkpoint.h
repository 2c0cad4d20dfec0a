#pragma once

// Reading named tensors from PyTorch files, for any module: torch.save state dicts (read by this
// project's own pickle reader, since LibTorch 1.13 cannot read OrderedDicts) and TorchScript
// archives. loadDinoV2Weights is built on these.

#include "model/StateDictPickle.h"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bmfl
{

/// The named tensors of a checkpoint: a torch.save state dict (bare or under "teacher", "model"
/// or "state_dict"; "module." and "backbone." prefixes and chunked "blocks.c.i." keys mapped
/// back) or the parameters and buffers of a TorchScript module. Non-tensor entries appear as
/// undefined tensors. Throws FileError(path, ...) for anything unreadable.
std::map<std::string, torch::Tensor> readCheckpointTensors(const std::string& path);

/// Reads a torch.save checkpoint in two steps. First its pickle alone: the state dict's tensor
/// names and shapes and the run's arguments go to `select`, which may refuse the file by throwing
/// before any tensor is read, and returns the keys to read. Then those tensors, under their own
/// names (no key mapping); the rest of the file (other weights, optimizer state) is never
/// materialised. Throws FileError(path, ...) for anything unreadable or a key that is absent.
std::map<std::string, torch::Tensor> readSelectedCheckpointTensors(
  const std::string& path,
  const std::function<std::vector<std::string>(const detail::PickledStateDict&)>& select);

/// Copies state into module's parameters and buffers after checking that the keys and shapes
/// match exactly; otherwise throws FileError(path, "<description>: N missing keys (...); ...").
void loadModuleState(torch::nn::Module& module,
                     const std::map<std::string, torch::Tensor>& state,
                     const std::string& path,
                     const std::string& description);

} // namespace bmfl
