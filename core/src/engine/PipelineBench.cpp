#include "bmfl/PipelineBench.h"

#include "engine/Gradients.h"
#include "model/BmflHead.h"
#include "model/BrainEncoder.h"
#include "model/DinoVisionTransformer.h"

#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

namespace bmfl
{

namespace
{

constexpr int StreamLabels = 8; ///< 7 streams + unknown: 8 queries per hemisphere, 16 in all

double cpuNow()
{
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

/// Runs work once untimed, then options.repeats times timed.
PipelineStageTiming timeStage(const std::string& stage,
                              std::int64_t itemsPerRun,
                              int repeats,
                              const std::function<void()>& work)
{
  work();
  PipelineStageTiming timing;
  timing.stage = stage;
  timing.itemsPerRun = itemsPerRun;
  const double cpuStart = cpuNow();
  for (int run = 0; run < repeats; ++run)
  {
    const auto start = std::chrono::steady_clock::now();
    work();
    timing.seconds.push_back(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  timing.cpuSeconds = cpuNow() - cpuStart;
  timing.threads = torch::get_num_threads();
  return timing;
}

} // namespace

ImageEncoderConfig benchEncoderConfig(const std::string& arch)
{
  ImageEncoderConfig config;
  if (arch == "vits14")
  {
    config.embedDim = 384;
    config.heads = 6;
  }
  else if (arch == "vitb14")
  {
    config.embedDim = 768;
    config.heads = 12;
  }
  else if (arch == "tiny") // for quick tests of the benchmarks only
  {
    config.embedDim = 64;
    config.heads = 2;
    config.depth = 2;
  }
  else
  {
    throw std::invalid_argument("unknown architecture '" + arch + "' (vits14, vitb14 or tiny)");
  }
  return config;
}

VertexSpace benchVertexSpace(std::int64_t vertices)
{
  VertexSpace space;
  space.name = "bench";
  space.templateName = "fsaverage";
  VertexLabels streams;
  streams.name = "streams";
  for (int label = 0; label < StreamLabels; ++label)
  {
    streams.names.push_back("stream" + std::to_string(label));
  }
  for (std::int64_t vertex = 0; vertex < vertices; ++vertex)
  {
    const bool left = vertex < vertices / 2;
    (left ? space.left : space.right).push_back(static_cast<std::int32_t>(vertex));
    (left ? streams.left : streams.right)
      .push_back(static_cast<std::int32_t>(vertex % StreamLabels));
  }
  space.labelSets.push_back(streams);
  return space;
}

std::vector<PipelineStageTiming> benchPipeline(
  const PipelineBenchOptions& options,
  const std::function<void(const std::string&)>& progress)
{
  if (options.images < 1 || options.vertices < 2 || options.headBatch < 2 ||
      options.headSteps < 1 || options.repeats < 1)
  {
    throw std::invalid_argument("pipeline bench: every count must be positive (vertices, head "
                                "batch at least 2)");
  }
  torch::manual_seed(0);
  const ImageEncoderConfig encoderConfig = benchEncoderConfig(options.arch);
  const std::int64_t dim = encoderConfig.embedDim;
  DinoVisionTransformer encoder(encoderConfig);
  encoder->eval();
  std::vector<PipelineStageTiming> timings;

  {
    const std::string stage = options.arch + " encoder 224 px";
    progress(stage);
    torch::NoGradGuard noGrad;
    const torch::Tensor images = torch::randn({ options.images, 3, 224, 224 });
    timings.push_back(
      timeStage(stage, options.images, options.repeats, [&]() { encoder->forward(images); }));
  }

  const VertexSpace space = benchVertexSpace(options.vertices);
  {
    const std::string stage = options.arch + " 434 px + brain enc";
    progress(stage);
    BrainEncoderConfig brainConfig;
    brainConfig.width = static_cast<int>(dim);
    BrainEncoder brain(brainConfig, dim, space);
    brain->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor images = torch::randn({ options.images, 3, 434, 434 });
    timings.push_back(timeStage(
      stage, options.images, options.repeats, [&]() { brain->forward(encoder->forward(images)); }));
  }

  {
    const std::string stage = options.arch + " BMFL head step";
    progress(stage);
    BmflModelConfig headConfig;
    headConfig.encoder = encoderConfig;
    BmflHead head(headConfig, dim, space);
    head->train();
    torch::optim::AdamW optimizer(head->parameters(), torch::optim::AdamWOptions(1e-4));
    const std::int64_t batch = options.headBatch;
    ImageFeatures features;
    features.cls = torch::randn({ batch, dim });
    features.patches = torch::randn({ batch, 256, dim }); // 16 x 16 patches at 224 px
    features.gridHeight = 16;
    features.gridWidth = 16;
    const torch::Tensor fmri = torch::randn({ batch, options.vertices });
    const torch::Tensor targets = torch::randint(headConfig.numClasses, { batch }, torch::kLong);
    timings.push_back(timeStage(
      stage,
      batch * options.headSteps,
      options.repeats,
      [&]()
      {
        for (std::int64_t step = 0; step < options.headSteps; ++step)
        {
          zeroGradients(optimizer);
          bmflLoss(head->forward(features, fmri), targets, headConfig.pccWeight).backward();
          optimizer.step();
        }
      }));
  }
  return timings;
}

} // namespace bmfl
