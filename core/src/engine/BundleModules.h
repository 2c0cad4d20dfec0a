#pragma once

// The torch side of model bundles: building the four modules from a manifest, saving them as
// torch::serialize archives and loading them back with every parameter's shape checked. Private
// to core (includes torch).

#include "bmfl/ModelBundle.h"
#include "model/BmflHead.h"
#include "model/BrainEncoder.h"
#include "model/DinoVisionTransformer.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace bmfl
{

struct BmflModules
{
  DinoVisionTransformer encoder{ nullptr };
  BrainEncoder brainEncoder{ nullptr };
  BmflHead bmflHead{ nullptr };
  LinearProbeHead baselineHead{ nullptr };

  /// The modules with their manifest names, in bundleModuleFiles() order.
  std::vector<std::pair<std::string, torch::nn::Module*>> named() const;
  void to(const torch::Device& device);
  void eval();
};

/// Builds freshly initialised modules for an architecture and vertex space. A configuration the
/// model rejects throws FileError(errorPath, reason).
BmflModules buildModules(const BmflModelConfig& config,
                         const VertexSpace& space,
                         const std::string& errorPath);

/// Writes a complete bundle atomically: the modules' archives and their checksums, then the
/// manifest and the vertex space side file, into a staging folder renamed onto bundleDir.
void saveBundle(const std::string& bundleDir, BundleManifest manifest, const BmflModules& modules);

/// Builds the modules of a checked manifest and loads their weights on the CPU, checking that
/// every parameter and buffer is present with the shape the architecture needs.
BmflModules loadBundleModules(const std::string& bundleDir, const BundleManifest& manifest);

/// The encoder block whose queries the brain encoder reads (for DinoVisionTransformer::forward).
int brainQueryBlock(const BrainEncoderConfig& config);

/// "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N". Throws
/// std::invalid_argument for an unknown or unavailable device.
torch::Device resolveDevice(const std::string& name);

/// The first line of an error's message: c10::Error carries a C++ backtrace after it.
std::string torchErrorLine(const std::exception& error);

/// A tensor's values as floats, copied to the CPU.
std::vector<float> tensorToFloats(const torch::Tensor& tensor);

/// A SHA-256 over a module's parameter and buffer names, shapes and values: identifies the
/// weights, whatever file they came from (keys the feature cache).
std::string moduleChecksum(const torch::nn::Module& module);

} // namespace bmfl
