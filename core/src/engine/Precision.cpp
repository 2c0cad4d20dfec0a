#include "engine/Precision.h"

#include "bmfl/Runtime.h"
#include "model/Attention.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <stdexcept>

namespace bmfl
{

Precision parsePrecision(const std::string& name, const torch::Device& device)
{
  if (const std::string problem = precisionProblem(name, device.str()); !problem.empty())
  {
    throw std::invalid_argument(problem);
  }
  return name == "fp32" ? Precision::Fp32 : name == "bf16" ? Precision::Bf16 : Precision::Fp16;
}

at::ScalarType computeType(Precision precision)
{
  return precision == Precision::Bf16   ? at::kBFloat16
         : precision == Precision::Fp16 ? at::kHalf
                                        : at::kFloat;
}

namespace
{

// Autocast's switches for one device type. LibTorch 2.4 replaced the per-device functions
// (is_enabled, set_autocast_gpu_dtype, ...) with ones taking the device type and deprecated the
// old ones; a CUDA build against a current PyTorch takes the new ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(bool cuda)
{
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
}
at::ScalarType autocastType(bool cuda)
{
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
}
void setAutocast(bool cuda, bool enabled, at::ScalarType type)
{
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, type);
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
}
#else
bool autocastEnabled(bool cuda)
{
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
at::ScalarType autocastType(bool cuda)
{
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setAutocast(bool cuda, bool enabled, at::ScalarType type)
{
  if (cuda)
  {
    at::autocast::set_autocast_gpu_dtype(type);
    at::autocast::set_enabled(enabled);
  }
  else
  {
    at::autocast::set_autocast_cpu_dtype(type);
    at::autocast::set_cpu_enabled(enabled);
  }
}
#endif

} // namespace

AutocastScope::AutocastScope(Precision precision, const torch::Device& device)
  : Active(precision != Precision::Fp32)
  , Cuda(device.is_cuda())
{
  if (!Active)
  {
    return;
  }
  WasEnabled = autocastEnabled(Cuda);
  WasType = autocastType(Cuda);
  setAutocast(Cuda, true, computeType(precision));
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope()
{
  if (!Active)
  {
    return;
  }
  if (at::autocast::decrement_nesting() == 0)
  {
    at::autocast::clear_cache(); // the casts of the weights made in this scope
  }
  setAutocast(Cuda, WasEnabled, WasType);
}

namespace
{

void storeProductWeights(torch::nn::Module& module, at::ScalarType type)
{
  for (const std::shared_ptr<torch::nn::Module>& part : module.modules(/*include_self=*/true))
  {
    if (part->as<LinearImpl>() == nullptr && part->as<torch::nn::Conv1dImpl>() == nullptr &&
        part->as<torch::nn::Conv2dImpl>() == nullptr &&
        part->as<detail::MultiHeadAttentionImpl>() == nullptr)
    {
      continue;
    }
    for (auto& parameter : part->named_parameters(/*recurse=*/false))
    {
      if (parameter.key() == "weight" || parameter.key() == "in_proj_weight")
      {
        parameter.value().set_data(parameter.value().to(type));
      }
    }
  }
}

} // namespace

void storeAutocastWeights(BmflModules& modules, Precision precision)
{
  if (precision == Precision::Fp32)
  {
    return;
  }
  const at::ScalarType type = computeType(precision);
  const torch::NoGradGuard noGrad;
  storeProductWeights(*modules.encoder, type);
  storeProductWeights(*modules.brainEncoder, type);
  // Of the fusion head, the part encodeBrain() runs: the brain transformer and its projection.
  for (const auto& child : modules.bmflHead->named_children())
  {
    if (child.key() == "brain_transformer" || child.key() == "brain_proj")
    {
      storeProductWeights(*child.value(), type);
    }
  }
}

void allowTf32(const torch::Device& device, bool allow)
{
  if (device.is_cuda())
  {
    at::globalContext().setAllowTF32CuBLAS(allow);
    at::globalContext().setAllowTF32CuDNN(allow);
  }
}

} // namespace bmfl
