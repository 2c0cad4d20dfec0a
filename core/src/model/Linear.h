#pragma once

// The model's linear layer and the switch that lets a module be built without drawing initial
// values for parameters that a file is about to replace.

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <ostream>

namespace bmfl
{

namespace detail
{
inline thread_local bool parameterInitSkipped = false;
} // namespace detail

/// While one is alive on this thread, the model's modules allocate their large parameters
/// without drawing initial values (LibTorch draws them one number at a time: about 0.6 s for
/// a ViT-S/14 bundle's 50 million). Only for modules whose every parameter and buffer is
/// overwritten next and checked to be (loadBundleModules).
class SkipParameterInit
{
public:
  SkipParameterInit()
    : Previous(detail::parameterInitSkipped)
  {
    detail::parameterInitSkipped = true;
  }
  ~SkipParameterInit() { detail::parameterInitSkipped = Previous; }
  SkipParameterInit(const SkipParameterInit&) = delete;
  SkipParameterInit& operator=(const SkipParameterInit&) = delete;

  static bool active() { return detail::parameterInitSkipped; }

private:
  bool Previous;
};

/// Xavier-uniform, as torch.nn.init.xavier_uniform_, unless a SkipParameterInit is alive.
inline void xavierUniform(torch::Tensor& parameter)
{
  if (!SkipParameterInit::active())
  {
    torch::NoGradGuard noGrad;
    torch::nn::init::xavier_uniform_(parameter);
  }
}

/// torch::nn::Linear's parameters ("weight" [out, in], "bias" [out]) and initial values (the same
/// draws from the generator, so seeded models are unchanged), built without drawing them while a
/// SkipParameterInit is alive.
class LinearImpl : public torch::nn::Cloneable<LinearImpl>
{
public:
  LinearImpl(std::int64_t inFeatures, std::int64_t outFeatures)
    : In(inFeatures)
    , Out(outFeatures)
  {
    reset();
  }

  void reset() override
  {
    weight = register_parameter("weight", torch::empty({ Out, In }));
    bias = register_parameter("bias", torch::empty({ Out }));
    if (SkipParameterInit::active())
    {
      return;
    }
    torch::NoGradGuard noGrad;
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    const double bound = In > 0 ? 1.0 / std::sqrt(static_cast<double>(In)) : 0.0;
    torch::nn::init::uniform_(bias, -bound, bound);
  }

  torch::Tensor forward(const torch::Tensor& input)
  {
    return torch::nn::functional::linear(input, weight, bias);
  }

  void pretty_print(std::ostream& stream) const override
  {
    stream << "bmfl::Linear(in_features=" << In << ", out_features=" << Out << ")";
  }

  torch::Tensor weight;
  torch::Tensor bias;

private:
  std::int64_t In;
  std::int64_t Out;
};

TORCH_MODULE(Linear);

} // namespace bmfl
