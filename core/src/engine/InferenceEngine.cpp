#include "bmfl/InferenceEngine.h"

#include "engine/BundleModules.h"
#include "engine/Precision.h"

#include "bmfl/FileError.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace bmfl
{

struct InferenceEngine::State
{
  std::string bundleDir;
  BundleManifest manifest;
  BmflModules modules;
  torch::Device device{ torch::kCPU };
  Precision precision = Precision::Fp32;
  EngineOptions options;
  std::vector<BrainToken> brainTokens;
  std::mutex mutex; ///< one forward at a time: the modules are not re-entrant
};

namespace
{

std::vector<ClassScore> topK(const std::vector<float>& probabilities,
                             const std::vector<std::string>& names,
                             int k)
{
  std::vector<int> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  const std::size_t count = std::min(order.size(), static_cast<std::size_t>(std::max(k, 0)));
  std::partial_sort(order.begin(),
                    order.begin() + static_cast<std::ptrdiff_t>(count),
                    order.end(),
                    [&](int a, int b)
                    {
                      return probabilities[static_cast<std::size_t>(a)] >
                               probabilities[static_cast<std::size_t>(b)] ||
                             (probabilities[static_cast<std::size_t>(a)] ==
                                probabilities[static_cast<std::size_t>(b)] &&
                              a < b);
                    });
  std::vector<ClassScore> scores;
  for (std::size_t i = 0; i < count; ++i)
  {
    const auto index = static_cast<std::size_t>(order[i]);
    scores.push_back({ order[i],
                       index < names.size() ? names[index] : std::to_string(index),
                       probabilities[index] });
  }
  return scores;
}

void checkInput(const std::string& id,
                const char* what,
                int channels,
                int height,
                int width,
                const std::vector<float>& pixels,
                const ImageEncoderConfig& encoderConfig)
{
  const auto expected = static_cast<std::size_t>(std::max(channels, 0)) *
                        static_cast<std::size_t>(std::max(height, 0)) *
                        static_cast<std::size_t>(std::max(width, 0));
  if (channels != encoderConfig.inChannels || height <= 0 || width <= 0 ||
      height % encoderConfig.patchSize != 0 || width % encoderConfig.patchSize != 0)
  {
    throw std::invalid_argument("image " + id + what + " is " + std::to_string(channels) + "x" +
                                std::to_string(height) + "x" + std::to_string(width) +
                                " but the model takes " + std::to_string(encoderConfig.inChannels) +
                                "-channel images with sides that are multiples of " +
                                std::to_string(encoderConfig.patchSize));
  }
  if (pixels.size() != expected)
  {
    throw std::invalid_argument("image " + id + what + " has " + std::to_string(pixels.size()) +
                                " values, not " + std::to_string(expected));
  }
}

// Images [start, end) (checked, all of one size) as one batch on the device.
torch::Tensor stackBatch(const std::vector<PreparedImage>& images,
                         std::size_t start,
                         std::size_t end,
                         int height,
                         int width,
                         std::vector<float> PreparedImage::*pixels,
                         const torch::Device& device)
{
  // For a GPU: page-locked host memory (LibTorch caches it), copied without waiting.
  torch::Tensor batch =
    torch::empty({ static_cast<std::int64_t>(end - start), images[start].channels, height, width },
                 torch::TensorOptions().pinned_memory(device.is_cuda()));
  for (std::size_t i = start; i < end; ++i)
  {
    const std::vector<float>& values = images[i].*pixels;
    std::memcpy(batch[static_cast<std::int64_t>(i - start)].data_ptr<float>(),
                values.data(),
                values.size() * sizeof(float));
  }
  return batch.to(device, /*non_blocking=*/true);
}

} // namespace

InferenceEngine::InferenceEngine(std::unique_ptr<State> state)
  : Impl(std::move(state))
{
}

InferenceEngine::~InferenceEngine() = default;

std::unique_ptr<InferenceEngine> InferenceEngine::open(const std::string& bundleDir,
                                                       const EngineOptions& options)
{
  if (options.batchSize <= 0)
  {
    throw std::invalid_argument("the batch size must be positive");
  }
  auto state = std::make_unique<State>();
  state->bundleDir = bundleDir;
  state->device = resolveDevice(options.device);
  state->precision = parsePrecision(options.precision, state->device);
  allowTf32(state->device, options.tf32);
  state->options = options;
  state->manifest = readBundleManifest(bundleDir);
  // Torch's own errors stop here, as one line naming the bundle (c10::Error carries a backtrace).
  try
  {
    state->modules = loadBundleModules(bundleDir, state->manifest);
    state->modules.to(state->device);
    state->modules.eval();
    storeAutocastWeights(state->modules, state->precision);
  }
  catch (const c10::Error& error)
  {
    throw FileError(bundleDir, "cannot be loaded: " + torchErrorLine(error));
  }
  state->brainTokens =
    brainTokenLayout(state->manifest.model.brainTransformer, state->manifest.vertexSpace);
  const auto tokenCount = static_cast<std::size_t>(state->modules.bmflHead->brainTokenCount());
  if (state->brainTokens.size() != tokenCount)
  {
    // The model tokenises differently from the layout rule: name the tokens by position only.
    state->brainTokens.assign(tokenCount, BrainToken{});
    for (std::size_t i = 0; i < tokenCount; ++i)
    {
      state->brainTokens[i].name = "token " + std::to_string(i);
    }
  }
  return std::unique_ptr<InferenceEngine>(new InferenceEngine(std::move(state)));
}

const BundleManifest& InferenceEngine::manifest() const
{
  return Impl->manifest;
}

std::string InferenceEngine::deviceName() const
{
  return Impl->device.str();
}

std::string InferenceEngine::precisionName() const
{
  return Impl->options.precision;
}

const std::vector<BrainToken>& InferenceEngine::brainTokens() const
{
  return Impl->brainTokens;
}

std::vector<ImageResult> InferenceEngine::run(
  const std::vector<PreparedImage>& images,
  const std::function<void(std::size_t, std::size_t)>& progress,
  const std::atomic<bool>* cancel)
{
  const ImageEncoderConfig& encoderConfig = Impl->manifest.model.encoder;
  const bool brainPass = Impl->manifest.brainPreprocess.has_value();
  for (const PreparedImage& image : images)
  {
    checkInput(
      image.id, "", image.channels, image.height, image.width, image.pixels, encoderConfig);
    if (brainPass)
    {
      checkInput(image.id,
                 "'s brain encoder input",
                 image.channels,
                 image.brainHeight,
                 image.brainWidth,
                 image.brainPixels,
                 encoderConfig);
    }
  }

  std::lock_guard<std::mutex> lock(Impl->mutex);
  // Inference tensors: no version counters or autograd metadata at all (cheaper than no_grad).
  c10::InferenceMode inference;
  BmflModules& modules = Impl->modules;
  std::vector<ImageResult> results;
  results.reserve(images.size());
  const auto batchSize = static_cast<std::size_t>(Impl->options.batchSize);
  std::size_t start = 0;
  try
  {
    while (start < images.size())
    {
      if (cancel != nullptr && cancel->load())
      {
        break;
      }
      // A batch holds up to batchSize consecutive images of one size (both sizes with a brain
      // pass).
      std::size_t end = start + 1;
      while (end < images.size() && end - start < batchSize &&
             images[end].height == images[start].height &&
             images[end].width == images[start].width &&
             (!brainPass || (images[end].brainHeight == images[start].brainHeight &&
                             images[end].brainWidth == images[start].brainWidth)))
      {
        ++end;
      }
      const PreparedImage& first = images[start];
      const int queryBlock = brainQueryBlock(Impl->manifest.model.brainEncoder);
      ImageFeatures features;
      torch::Tensor fmri;
      BrainTokens brain;
      {
        // Mixed precision (when asked) for the encoders and the brain transformer; the
        // predicted fMRI is taken to fp32 for the panels and the brain transformer's
        // standardisation; fusion and the classifiers run in fp32.
        const AutocastScope autocast(Impl->precision, Impl->device);
        features = modules.encoder->forward(
          stackBatch(
            images, start, end, first.height, first.width, &PreparedImage::pixels, Impl->device),
          queryBlock);
        // The brain encoder reads the features of its own input when the bundle gives it one.
        fmri =
          modules.brainEncoder
            ->forward(brainPass ? modules.encoder->forward(stackBatch(images,
                                                                      start,
                                                                      end,
                                                                      first.brainHeight,
                                                                      first.brainWidth,
                                                                      &PreparedImage::brainPixels,
                                                                      Impl->device),
                                                           queryBlock)
                                : features)
            .to(torch::kFloat);
        brain = modules.bmflHead->encodeBrain(fmri);
      }
      features = toFloat(features);
      brain.cls = brain.cls.to(torch::kFloat);
      brain.tokens = brain.tokens.to(torch::kFloat);
      const FusionOutput fused = modules.bmflHead->fuse(features, brain);
      const torch::Tensor baseline = modules.baselineHead->forward(features);
      const torch::Tensor bmflProbabilities = torch::softmax(fused.logits, 1).to(torch::kCPU);
      const torch::Tensor baselineProbabilities = torch::softmax(baseline, 1).to(torch::kCPU);
      const torch::Tensor fmriCpu = fmri.to(torch::kCPU);
      const torch::Tensor clsCpu =
        Impl->options.imageFeatures ? features.cls.to(torch::kCPU) : torch::Tensor();
      const torch::Tensor patchMeanCpu =
        Impl->options.imageFeatures ? features.patches.mean(1).to(torch::kCPU) : torch::Tensor();
      const torch::Tensor toBrain = fused.imageToBrainAttention.defined()
                                      ? fused.imageToBrainAttention.to(torch::kCPU)
                                      : torch::Tensor();
      const torch::Tensor toImage = fused.brainToImageAttention.defined()
                                      ? fused.brainToImageAttention.to(torch::kCPU)
                                      : torch::Tensor();
      for (std::size_t i = start; i < end; ++i)
      {
        const auto row = static_cast<std::int64_t>(i - start);
        ImageResult result;
        result.id = images[i].id;
        result.bmflProbabilities = tensorToFloats(bmflProbabilities[row]);
        result.baselineProbabilities = tensorToFloats(baselineProbabilities[row]);
        result.bmflTopK =
          topK(result.bmflProbabilities, Impl->manifest.classNames, Impl->options.topK);
        result.baselineTopK =
          topK(result.baselineProbabilities, Impl->manifest.classNames, Impl->options.topK);
        result.predictedFmri = tensorToFloats(fmriCpu[row]);
        if (clsCpu.defined())
        {
          result.clsToken = tensorToFloats(clsCpu[row]);
          result.meanPatchToken = tensorToFloats(patchMeanCpu[row]);
        }
        if (toBrain.defined())
        {
          result.imageToBrainAttention = tensorToFloats(toBrain[row]);
        }
        if (toImage.defined())
        {
          result.brainToImageAttention = tensorToFloats(toImage[row]);
        }
        result.gridHeight = static_cast<int>(features.gridHeight);
        result.gridWidth = static_cast<int>(features.gridWidth);
        result.brainTokens = Impl->brainTokens;
        results.push_back(std::move(result));
      }
      start = end;
      if (progress)
      {
        progress(start, images.size());
      }
    }
  }
  catch (const c10::Error& error)
  {
    throw FileError(Impl->bundleDir, "the model failed: " + torchErrorLine(error));
  }
  return results;
}

} // namespace bmfl
