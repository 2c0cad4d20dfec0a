#pragma once

// Reading named tensors from PyTorch files, for any module: torch.save state dicts (read by this
// project's own pickle reader, since LibTorch 1.13 cannot read OrderedDicts) and TorchScript
// archives. loadDinoV2Weights is built on these.

#include <torch/torch.h>

#include <map>
#include <string>

namespace bmfl
{

/// The named tensors of a checkpoint: a torch.save state dict (bare or under "teacher", "model"
/// or "state_dict"; "module." and "backbone." prefixes and chunked "blocks.c.i." keys mapped
/// back) or the parameters and buffers of a TorchScript module. Non-tensor entries appear as
/// undefined tensors. Throws FileError(path, ...) for anything unreadable.
std::map<std::string, torch::Tensor> readCheckpointTensors(const std::string& path);

/// Copies state into module's parameters and buffers after checking that the keys and shapes
/// match exactly; otherwise throws FileError(path, "<description>: N missing keys (...); ...").
void loadModuleState(torch::nn::Module& module,
                     const std::map<std::string, torch::Tensor>& state,
                     const std::string& path,
                     const std::string& description);

} // namespace bmfl
