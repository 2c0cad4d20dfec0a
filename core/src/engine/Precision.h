#pragma once

// Mixed precision for inference (issue #13): the image encoder, the brain encoder and the brain
// transformer under at::autocast (bf16 or fp16); fusion and the classifiers in fp32; TF32 for fp32
// matrix products on CUDA. Torch translation units of the engine only.

#include "engine/BundleModules.h"

#include <torch/torch.h>

#include <string>

namespace bmfl
{

enum class Precision
{
  Fp32,
  Bf16,
  Fp16
};

/// "fp32", "bf16" or "fp16" on a device. Throws std::invalid_argument with precisionProblem's
/// line (bmfl/Runtime.h) for another name, and for fp16 on a CPU (LibTorch's CPU autocast
/// computes in bf16 only).
Precision parsePrecision(const std::string& name, const torch::Device& device);

/// The type autocast computes products in: bf16, fp16, or fp32 (no autocast).
at::ScalarType computeType(Precision precision);

/// Autocast on the device's kind to bf16 or fp16 for this scope, on this thread (nothing for
/// fp32); the thread's earlier autocast state comes back when the scope ends.
class AutocastScope
{
public:
  AutocastScope(Precision precision, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

private:
  bool Active = false;
  bool Cuda = false;
  bool WasEnabled = false;
  at::ScalarType WasType = at::kFloat;
};

/// Mixed precision: stores the weights that autocast would cast on every forward (those of the
/// Linear, Conv and attention input projections of the image encoder, the brain encoder and the
/// brain transformer) in bf16 or fp16 once, so that a forward under AutocastScope casts only its
/// activations. The products are unchanged (the same fp32 values rounded the same way); fusion
/// and the classifiers keep fp32. Those modules then run under an AutocastScope of `precision`
/// only. Nothing for fp32.
void storeAutocastWeights(BmflModules& modules, Precision precision);

/// On CUDA, lets cuBLAS and cuDNN compute fp32 matrix products in TF32 (Ampere and later: about
/// 10 mantissa bits in the products, fp32 accumulation); nothing on a CPU.
void allowTf32(const torch::Device& device, bool allow);

/// The encoder's outputs as fp32 (what fusion and the fp32 classifiers read).
template<class Features>
Features toFloat(Features features)
{
  for (torch::Tensor* tensor : { &features.cls, &features.patches, &features.lastQuery })
  {
    if (tensor->defined())
    {
      *tensor = tensor->to(torch::kFloat);
    }
  }
  return features;
}

} // namespace bmfl
