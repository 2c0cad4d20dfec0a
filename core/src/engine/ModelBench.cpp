#include "bmfl/ModelBench.h"

#include "bmfl/Correlation.h"
#include "bmfl/FileError.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/PipelineBench.h"
#include "bmfl/Runtime.h"
#include "bmfl/ScratchFolder.h"
#include "bmfl/Timestamp.h"
#include "bmfl/Timing.h"
#include "engine/BundleModules.h"
#include "engine/Precision.h"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

constexpr std::size_t BenchVisualAreasPerHemisphere = 12;

/// Minor page faults of this process (every thread) so far.
long minorFaults()
{
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

double percentile(std::vector<double> values, double fraction)
{
  std::sort(values.begin(), values.end());
  if (values.empty())
  {
    return 0.0;
  }
  const auto at = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

/// Timed runs at a batch: the largest batch gets `repeats`, smaller ones four times as many (the
/// Python reference follows the same rule).
int runsAt(int batch, int repeats)
{
  return batch == 1 ? 4 * repeats : repeats;
}

std::string cpuModelName()
{
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
  {
    if (line.rfind("model name", 0) == 0)
    {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line
                                        : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

/// FLOPs (2 per multiply-add) of one image through the encoder: patch embedding, every block's
/// projections, attention products and MLP. LayerNorm, softmax and GELU are not counted.
double encoderFlopsPerImage(const ImageEncoderConfig& config, int height, int width)
{
  const double patches =
    static_cast<double>(height / config.patchSize) * static_cast<double>(width / config.patchSize);
  const double tokens = patches + 1.0 + config.registerTokens;
  const double dim = config.embedDim;
  const double hidden = static_cast<double>(static_cast<int>(dim * config.mlpRatio));
  const double patchEmbed =
    2.0 * patches * dim * config.inChannels * config.patchSize * config.patchSize;
  const double block = 2.0 * tokens * dim * (3.0 * dim) + 2.0 * 2.0 * tokens * tokens * dim +
                       2.0 * tokens * dim * dim + 2.0 * 2.0 * tokens * dim * hidden;
  return patchEmbed + config.depth * block;
}

/// Whether the report's device (torch::Device::str()) is a GPU.
bool onGpu(const ModelBenchReport& report)
{
  return report.device.rfind("cuda", 0) == 0;
}

/// How the report names the matrix-multiply peak of a precision on a device: fp32 on a GPU
/// multiplies in TF32, as every engine does there (EngineOptions::tf32).
std::string peakName(const ModelBenchReport& report)
{
  if (report.precision != "fp32")
  {
    return report.precision + " gemm";
  }
  return onGpu(report) ? "fp32 gemm in TF32" : "sgemm";
}

/// The best GFLOP/s of an n x n x n matrix multiply on the device, in fp32 or (mixed precision)
/// in the precision the autocast products run in. Each timed run does enough products to last
/// about a tenth of a second: on a GPU one product takes less than the wait that ends a timing.
double matmulPeakGflops(std::int64_t n, const torch::Device& device, Precision precision)
{
  const torch::ScalarType type = computeType(precision);
  const torch::Tensor a = torch::randn({ n, n }).to(device, type);
  const torch::Tensor b = torch::randn({ n, n }).to(device, type);
  torch::Tensor c = torch::mm(a, b);
  c.sum().item<double>(); // waits for an asynchronous device
  double start = monotonicSeconds();
  torch::mm_out(c, a, b);
  c.sum().item<double>();
  const double once = std::max(monotonicSeconds() - start, 1e-6);
  const int products = std::clamp(static_cast<int>(0.1 / once), 1, 1000);
  double best = 0.0;
  for (int run = 0; run < 5; ++run)
  {
    start = monotonicSeconds();
    for (int product = 0; product < products; ++product)
    {
      torch::mm_out(c, a, b);
    }
    c.sum().item<double>();
    const double seconds = monotonicSeconds() - start;
    best = std::max(best, 2.0 * static_cast<double>(n * n * n) * products / seconds / 1e9);
  }
  return best;
}

/// A synthetic stand-in for the Algonauts prf-visualrois + floc label sets on the bench vertex
/// space: per hemisphere, the first three quarters of its vertices split into 12 contiguous
/// areas, the rest unlabelled (no ROI token).
VertexLabels benchVisualAreas(const VertexSpace& space)
{
  VertexLabels areas;
  areas.name = "visual-areas";
  areas.names = { "unknown", "V1v", "V1d",   "V2v", "V2d", "V3v",   "V3d",
                  "hV4",     "EBA", "FFA-1", "OPA", "PPA", "VWFA-1" };
  const auto label = [&](std::size_t count)
  {
    const std::size_t visual = std::max<std::size_t>(1, count * 3 / 4);
    std::vector<std::int32_t> labels(count, 0);
    for (std::size_t i = 0; i < std::min(visual, count); ++i)
    {
      labels[i] = static_cast<std::int32_t>(1 + i * BenchVisualAreasPerHemisphere / visual);
    }
    return labels;
  };
  areas.left = label(space.left.size());
  areas.right = label(space.right.size());
  return areas;
}

/// A bundle with seeded random weights at real sizes: an architecture's encoder, the reference
/// brain encoder, brain transformer ("conv" slices or "roi" tokens over benchVisualAreas) and
/// fusion, 1000 classes, `vertices` vertices.
void writeRandomBundle(const std::string& dir,
                       const std::string& arch,
                       std::int64_t vertices,
                       const std::string& tokens)
{
  BundleManifest manifest;
  manifest.model.encoder = benchEncoderConfig(arch);
  manifest.model.brainEncoder.width = manifest.model.encoder.embedDim;
  if (manifest.model.encoder.embedDim % manifest.model.fusion.heads != 0) // the tiny test model
  {
    manifest.model.fusion.heads = manifest.model.encoder.heads;
  }
  for (int i = 0; i < manifest.model.numClasses; ++i)
  {
    manifest.classNames.push_back("class " + std::to_string(i));
  }
  manifest.vertexSpace = benchVertexSpace(vertices);
  if (tokens == "roi")
  {
    manifest.vertexSpace.labelSets.push_back(benchVisualAreas(manifest.vertexSpace));
    manifest.model.brainTransformer.tokenizer = "roi_tokens";
    manifest.model.brainTransformer.roiLabelSet = "visual-areas";
  }
  manifest.provenance.command = "bmfl bench model (seeded random weights)";
  manifest.provenance.date = utcTimestamp();
  torch::manual_seed(0);
  saveBundle(dir, manifest, buildModules(manifest.model, manifest.vertexSpace, dir));
}

/// How a bundle tokenises the brain, and into how many tokens.
BrainTokenVariant brainTokenVariant(const BundleManifest& manifest)
{
  const BrainTransformerConfig& config = manifest.model.brainTransformer;
  BrainTokenVariant variant;
  variant.tokenizer = config.tokenizer;
  if (config.tokenizer == "roi_tokens")
  {
    variant.variant = "bmfl-roi";
    const VertexLabels* labels = manifest.vertexSpace.labels(config.roiLabelSet);
    for (const auto* hemisphere : { &labels->left, &labels->right })
    {
      std::vector<std::int32_t> areas(hemisphere->begin(), hemisphere->end());
      std::sort(areas.begin(), areas.end());
      areas.erase(std::unique(areas.begin(), areas.end()), areas.end());
      variant.tokens += std::count_if(areas.begin(), areas.end(), [](int a) { return a > 0; });
    }
    variant.description = "one token per area of label set '" + config.roiLabelSet + "'";
  }
  else
  {
    variant.variant = "bmfl";
    const auto vertices = static_cast<std::int64_t>(manifest.vertexSpace.size());
    variant.tokens = (vertices + config.sliceLength - 1) / config.sliceLength;
    variant.description = "conv slices of " + std::to_string(config.sliceLength) + " vertices";
  }
  return variant;
}

/// Random pixels at the bundle's input sizes.
std::vector<PreparedImage> randomImages(const BundleManifest& manifest, int count)
{
  const auto paddedSide = [](const PreprocessConfig& config)
  {
    const int pad = std::max(config.padToMultiple, 1);
    return (config.cropSize + pad - 1) / pad * pad;
  };
  std::vector<PreparedImage> images(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < images.size(); ++i)
  {
    PreparedImage& image = images[i];
    image.id = "random " + std::to_string(i);
    image.channels = manifest.model.encoder.inChannels;
    image.height = image.width = paddedSide(manifest.preprocess);
    const torch::Tensor pixels = torch::randn({ image.channels, image.height, image.width });
    image.pixels.assign(pixels.data_ptr<float>(), pixels.data_ptr<float>() + pixels.numel());
    if (manifest.brainPreprocess)
    {
      image.brainHeight = image.brainWidth = paddedSide(*manifest.brainPreprocess);
      const torch::Tensor brain =
        torch::randn({ image.channels, image.brainHeight, image.brainWidth });
      image.brainPixels.assign(brain.data_ptr<float>(), brain.data_ptr<float>() + brain.numel());
    }
  }
  return images;
}

/// The same encoder in Debian's python3-torch (models/reference/bench_encoder.py), kept running
/// beside this process and asked for one forward at a time between the C++ variants, so that
/// both meet the same machine load. Talks over a socket pair (a child that dies is an error
/// here, not a SIGPIPE).
class PythonReference
{
public:
  PythonReference(const ModelBenchOptions& options, const ImageEncoderConfig& config)
    : Program(options.python + " " + options.pythonScript)
  {
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    {
      Problem = "cannot talk to it (socketpair failed)";
      return;
    }
    const std::vector<std::string> arguments = { options.python,
                                                 options.pythonScript,
                                                 std::to_string(config.embedDim),
                                                 std::to_string(config.heads),
                                                 std::to_string(config.depth),
                                                 std::to_string(at::get_num_threads()),
                                                 resolveDevice(options.device).str(),
                                                 options.precision };
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
    {
      argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (const int fd : { 0, 1, 2 })
    {
      posix_spawn_file_actions_adddup2(&actions, sockets[1], fd);
    }
    const int spawned =
      posix_spawn(&Child, options.python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(sockets[1]);
    Socket = sockets[0];
    if (spawned != 0)
    {
      Child = -1;
      Problem = "cannot be started (" + std::string(std::strerror(spawned)) + ")";
      return;
    }
    std::string line;
    while (readLine(line, ReadySeconds) && line != "ready")
    {
      Output += line + "\n";
    }
    if (line != "ready")
    {
      fail();
    }
  }

  ~PythonReference()
  {
    if (Socket >= 0)
    {
      shutdown(Socket, SHUT_WR); // end of input: the script returns
      close(Socket);
    }
    reap();
  }

  PythonReference(const PythonReference&) = delete;
  PythonReference& operator=(const PythonReference&) = delete;

  /// Empty while it answers; else why it is left out.
  const std::string& problem() const { return Problem; }

  /// One forward of `batch` images in Python, its seconds (the forward alone); nothing once
  /// the reference failed. Other lines it prints (warnings) are kept for the failure message.
  std::optional<double> run(int batch)
  {
    if (!Problem.empty())
    {
      return std::nullopt;
    }
    const std::string request = std::to_string(batch) + "\n";
    if (send(Socket, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
    {
      fail();
      return std::nullopt;
    }
    std::string line;
    while (readLine(line, ForwardSeconds))
    {
      if (line.rfind("seconds ", 0) == 0)
      {
        return std::strtod(line.c_str() + 8, nullptr);
      }
      Output += line + "\n";
    }
    fail();
    return std::nullopt;
  }

private:
  static constexpr int ReadySeconds = 600;   // importing torch and building the model
  static constexpr int ForwardSeconds = 600; // one forward: seconds here, minutes at worst
  static constexpr int ExitSeconds = 10;     // to end after its input was closed

  // The next line, waiting at most `seconds`; false at the end of its output or when it does
  // not come in time (TimedOut).
  bool readLine(std::string& line, int seconds)
  {
    line.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;)
    {
      const std::size_t end = Buffer.find('\n');
      if (end != std::string::npos)
      {
        line = Buffer.substr(0, end);
        Buffer.erase(0, end + 1);
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd ready{ Socket, POLLIN, 0 };
      const int polled = left.count() > 0 ? poll(&ready, 1, static_cast<int>(left.count())) : 0;
      if (polled < 0 && errno == EINTR)
      {
        continue;
      }
      if (polled == 0)
      {
        TimedOut = true;
        return false;
      }
      char chunk[4096];
      const ssize_t got = polled > 0 ? recv(Socket, chunk, sizeof chunk, 0) : -1;
      if (got < 0 && errno == EINTR)
      {
        continue;
      }
      if (got <= 0)
      {
        line = Buffer;
        Buffer.clear();
        return false;
      }
      Buffer.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Closes its input (a healthy script then ends), keeps what it still prints, and names the
  // problem by its last line.
  void fail()
  {
    const bool timedOut = TimedOut;
    shutdown(Socket, SHUT_WR);
    std::string rest;
    while (readLine(rest, ExitSeconds))
    {
      Output += rest + "\n";
    }
    Output += rest;
    reap();
    while (!Output.empty() && Output.back() == '\n')
    {
      Output.pop_back();
    }
    const std::string lastLine = Output.substr(Output.find_last_of('\n') + 1);
    Problem = Program + " failed" +
              (timedOut ? " (no answer in " + std::to_string(ForwardSeconds) + " s)"
               : Output.find("No module named 'torch'") != std::string::npos
                 ? " (no python3-torch: apt install python3-torch)"
                 : ": " + (lastLine.empty() ? std::string("no answer") : lastLine));
  }

  // Waits for the script to end after its input was closed; kills it when it does not.
  void reap()
  {
    if (Child <= 0)
    {
      return;
    }
    int status = 0;
    for (int waited = 0; waited < ExitSeconds * 10; ++waited)
    {
      if (waitpid(Child, &status, WNOHANG) != 0)
      {
        Child = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(Child, SIGKILL);
    waitpid(Child, &status, 0);
    Child = -1;
  }

  std::string Program;
  pid_t Child = -1;
  int Socket = -1;
  std::string Buffer;
  std::string Output;
  std::string Problem;
  bool TimedOut = false;
};

/// One architecture's bundles: (variant, folder), "bmfl" (conv slices) and/or "bmfl-roi".
using VariantBundles = std::vector<std::pair<std::string, std::string>>;

/// Encoder alone, baseline (from the first bundle: they share the seeded encoder) and the whole
/// BMFL path of every bundle at each batch, interleaved round by round.
std::vector<ModelBenchTiming> timeVariants(const std::string& label,
                                           const VariantBundles& bundles,
                                           const ModelBenchOptions& options,
                                           const std::function<void(const std::string&)>& progress,
                                           PythonReference* python,
                                           std::vector<PythonEncoderTiming>& pythonTimings)
{
  const int largest = *std::max_element(options.batches.begin(), options.batches.end());
  EngineOptions engineOptions;
  engineOptions.device = options.device;
  engineOptions.precision = options.precision;
  engineOptions.batchSize = largest;
  std::vector<std::string> variants = { "encoder", "baseline" };
  std::vector<std::unique_ptr<InferenceEngine>> engines;
  for (const auto& [variant, dir] : bundles)
  {
    variants.push_back(variant);
    engines.push_back(InferenceEngine::open(dir, engineOptions));
  }
  const BundleManifest& manifest = engines.front()->manifest();
  BmflModules modules = loadBundleModules(bundles.front().second, manifest);
  const torch::Device device = resolveDevice(options.device);
  modules.to(device);
  modules.eval();
  const int queryBlock = brainQueryBlock(manifest.model.brainEncoder);
  const Precision precision = parsePrecision(options.precision, device);
  storeAutocastWeights(modules, precision); // as the engines do

  std::vector<ModelBenchTiming> timings;
  for (const int batch : options.batches)
  {
    progress(label + ", batch " + std::to_string(batch));
    const std::vector<PreparedImage> images = randomImages(manifest, batch);
    torch::Tensor input =
      torch::empty({ batch, images[0].channels, images[0].height, images[0].width });
    for (int i = 0; i < batch; ++i)
    {
      std::copy(images[static_cast<std::size_t>(i)].pixels.begin(),
                images[static_cast<std::size_t>(i)].pixels.end(),
                input[i].data_ptr<float>());
    }
    input = input.to(device);
    std::vector<std::function<void()>> work = {
      [&]()
      {
        c10::InferenceMode inference;
        const AutocastScope autocast(precision, device);
        modules.encoder->forward(input, queryBlock).cls.sum().item<float>();
      },
      [&]()
      {
        c10::InferenceMode inference;
        ImageFeatures features;
        {
          const AutocastScope autocast(precision, device);
          features = toFloat(modules.encoder->forward(input, queryBlock));
        }
        tensorToFloats(torch::softmax(modules.baselineHead->forward(features), 1));
      },
    };
    for (const auto& engine : engines)
    {
      work.emplace_back([&engine, &images]() { engine->run(images); });
    }
    const std::size_t count = work.size();
    std::vector<std::vector<double>> seconds(count);
    std::vector<long> faults(count, 0);
    std::vector<double> firstSeconds(count, 0.0);
    std::vector<long> firstFaults(count, 0);
    std::vector<double> pythonSeconds;
    for (std::size_t variant = 0; variant < count; ++variant) // warm-up, reported apart
    {
      const long faultsBefore = minorFaults();
      const double start = monotonicSeconds();
      work[variant]();
      firstSeconds[variant] = monotonicSeconds() - start;
      firstFaults[variant] = minorFaults() - faultsBefore;
    }
    if (python != nullptr)
    {
      python->run(batch); // its warm-up
    }
    for (int round = 0; round < runsAt(batch, options.repeats); ++round)
    {
      for (std::size_t variant = 0; variant < count; ++variant)
      {
        const long faultsBefore = minorFaults();
        const double start = monotonicSeconds();
        work[variant]();
        seconds[variant].push_back(monotonicSeconds() - start);
        faults[variant] += minorFaults() - faultsBefore;
      }
      if (const std::optional<double> pythonRun = python ? python->run(batch) : std::nullopt)
      {
        pythonSeconds.push_back(*pythonRun);
      }
    }
    if (python != nullptr && python->problem().empty() && !pythonSeconds.empty())
    {
      PythonEncoderTiming timing;
      timing.arch = label;
      timing.batch = batch;
      timing.minSeconds = *std::min_element(pythonSeconds.begin(), pythonSeconds.end());
      timing.medianSeconds = medianOf(pythonSeconds);
      pythonTimings.push_back(timing);
    }
    for (std::size_t variant = 0; variant < count; ++variant)
    {
      ModelBenchTiming timing;
      timing.arch = label;
      timing.variant = variants[variant];
      timing.batch = batch;
      timing.minSeconds = *std::min_element(seconds[variant].begin(), seconds[variant].end());
      timing.medianSeconds = medianOf(seconds[variant]);
      timing.pageFaultsPerImage = static_cast<double>(faults[variant]) /
                                  static_cast<double>(batch * runsAt(batch, options.repeats));
      timing.firstRunSeconds = firstSeconds[variant];
      timing.firstRunPageFaultsPerImage =
        static_cast<double>(firstFaults[variant]) / static_cast<double>(batch);
      timings.push_back(timing);
    }
  }
  return timings;
}

/// Pearson r of two vectors (0 when one is constant, holds a NaN, or the lengths differ; 1 for
/// two equal constant vectors).
double correlation(const std::vector<float>& a, const std::vector<float>& b)
{
  if (a.size() != b.size())
  {
    return 0.0;
  }
  if (const std::optional<double> r = pearsonR(
        a.size(), [&](std::size_t i) { return a[i]; }, [&](std::size_t i) { return b[i]; }))
  {
    return *r;
  }
  return !a.empty() && a == b ? 1.0 : 0.0; // both the same constant
}

/// The larger of a running maximum and a new difference; a NaN difference (a NaN or an infinity
/// on one side) is infinitely large, never dropped as std::max would drop it.
double largerDifference(double largest, double difference)
{
  return std::isnan(difference) ? std::numeric_limits<double>::infinity()
                                : std::max(largest, difference);
}

/// The largest |a - b| over two vectors; infinite when their lengths differ.
double largestDifference(const std::vector<float>& a, const std::vector<float>& b)
{
  if (a.size() != b.size())
  {
    return std::numeric_limits<double>::infinity();
  }
  double largest = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    largest = largerDifference(largest, std::abs(double{ a[i] } - double{ b[i] }));
  }
  return largest;
}

/// The largest |a - b| over an attention map a, relative to a's largest weight (a map over
/// hundreds of patches has weights of a few thousandths: an absolute bound would hold nothing).
double largestRelativeDifference(const std::vector<float>& a, const std::vector<float>& b)
{
  const double largestWeight = a.empty() ? 1.0 : double{ *std::max_element(a.begin(), a.end()) };
  return largestDifference(a, b) / std::max(largestWeight, 1e-12);
}

/// The largest |log p - log q| over the classes p gives at least 1e-4 (random heads: every
/// class; a trained one: the plausible ones, not the far tail that fp32 alone resolves).
double logProbabilityDifference(const std::vector<float>& p, const std::vector<float>& q)
{
  if (p.size() != q.size())
  {
    return std::numeric_limits<double>::infinity();
  }
  double largest = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i)
  {
    if (p[i] >= 1e-4f)
    {
      const double logQ = q[i] > 0.0f ? std::log(double{ q[i] }) : std::log(1e-30);
      largest = largerDifference(largest, std::abs(std::log(double{ p[i] }) - logQ));
    }
  }
  return largest;
}

std::size_t top1(const std::vector<float>& probabilities)
{
  return static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) -
                                  probabilities.begin());
}

/// Each bundle run on the CPU in fp32 and on the run's device and precision, on the same random
/// images, every panel compared.
std::vector<ModelBenchAgreement> measureAgreement(
  const std::string& label,
  const VariantBundles& bundles,
  const ModelBenchOptions& options,
  const std::function<void(const std::string&)>& progress)
{
  const AgreementTolerance bounds = agreementTolerance(options.precision);
  std::vector<ModelBenchAgreement> rows;
  for (const auto& [variant, dir] : bundles)
  {
    progress(label + ", " + variant + ": " + std::to_string(options.agreementImages) +
             " images on the CPU in fp32 and on " + options.device + " in " + options.precision);
    EngineOptions reference;
    reference.device = "cpu";
    reference.precision = "fp32";
    reference.batchSize = options.agreementImages;
    EngineOptions measured = reference;
    measured.device = options.device;
    measured.precision = options.precision;
    std::vector<ImageResult> expected;
    std::vector<PreparedImage> images;
    {
      const std::unique_ptr<InferenceEngine> engine = InferenceEngine::open(dir, reference);
      images = randomImages(engine->manifest(), options.agreementImages);
      expected = engine->run(images);
    }
    const std::vector<ImageResult> actual = InferenceEngine::open(dir, measured)->run(images);
    ModelBenchAgreement row;
    row.arch = label;
    row.variant = variant;
    row.images = static_cast<int>(images.size());
    row.fmriCorrelation = 1.0;
    for (std::size_t i = 0; i < expected.size(); ++i)
    {
      const ImageResult& want = expected[i];
      const ImageResult& got = actual[i];
      row.fmriCorrelation =
        std::min(row.fmriCorrelation, correlation(want.predictedFmri, got.predictedFmri));
      double mean = 0.0;
      for (const float value : want.predictedFmri)
      {
        mean += value;
      }
      mean /= static_cast<double>(want.predictedFmri.size());
      double variance = 0.0;
      for (const float value : want.predictedFmri)
      {
        variance += (value - mean) * (value - mean);
      }
      const double sd = std::sqrt(variance / static_cast<double>(want.predictedFmri.size()));
      row.fmriRelativeError =
        std::max(row.fmriRelativeError,
                 largestDifference(want.predictedFmri, got.predictedFmri) / std::max(sd, 1e-12));
      row.logProbabilityError =
        std::max({ row.logProbabilityError,
                   logProbabilityDifference(want.baselineProbabilities, got.baselineProbabilities),
                   logProbabilityDifference(want.bmflProbabilities, got.bmflProbabilities) });
      row.attentionError = std::max(
        { row.attentionError,
          largestRelativeDifference(want.imageToBrainAttention, got.imageToBrainAttention),
          largestRelativeDifference(want.brainToImageAttention, got.brainToImageAttention) });
      row.top1Same += (top1(want.baselineProbabilities) == top1(got.baselineProbabilities)) +
                      (top1(want.bmflProbabilities) == top1(got.bmflProbabilities));
    }
    row.withinTolerance = row.fmriCorrelation >= bounds.fmriCorrelation &&
                          row.fmriRelativeError <= bounds.fmriRelativeError &&
                          row.logProbabilityError <= bounds.logProbabilityError &&
                          row.attentionError <= bounds.attentionError;
    rows.push_back(row);
  }
  return rows;
}

/// The image path of an architecture's bundles over a folder of copies of the latency picture:
/// decoding alone, then per bundle the engine alone, both as `bmfl evaluate` runs them, and
/// through a feature cache (filled, then read), everything interleaved round by round.
std::vector<ImagePathTiming> timeImagePath(const std::string& label,
                                           const VariantBundles& bundles,
                                           const fs::path& scratch,
                                           const ModelBenchOptions& options,
                                           const std::function<void(const std::string&)>& progress)
{
  const int batch = *std::max_element(options.batches.begin(), options.batches.end());
  const fs::path folder = scratch / ("images-" + label);
  // Class 0 by its index: a folder name every bundle's class list accepts.
  const fs::path classFolder = folder / "0";
  fs::create_directories(classFolder);
  const std::string extension = fs::path(options.latencyImage).extension().string();
  for (int i = 0; i < options.pathImages; ++i)
  {
    fs::copy_file(options.latencyImage,
                  classFolder / ("picture" + std::to_string(i) + extension),
                  fs::copy_options::overwrite_existing);
  }
  const fs::path one = scratch / ("one-image-" + label);
  fs::create_directories(one / "0");
  fs::copy_file(options.latencyImage,
                one / "0" / ("picture" + extension),
                fs::copy_options::overwrite_existing);
  EngineOptions engineOptions;
  engineOptions.device = options.device;
  engineOptions.precision = options.precision;
  engineOptions.batchSize = batch;
  std::vector<std::unique_ptr<InferenceEngine>> engines;
  for (const auto& bundle : bundles)
  {
    engines.push_back(InferenceEngine::open(bundle.second, engineOptions));
  }
  const BundleManifest& manifest = engines.front()->manifest();
  const std::vector<PreparedImage> images = randomImages(manifest, options.pathImages);
  std::vector<fs::path> removed = { folder, one };
  std::vector<std::function<void()>> work = {
    [&]() { options.decode(manifest, folder.string()); },
  };
  constexpr std::size_t PartsPerBundle = 6;
  for (std::size_t i = 0; i < bundles.size(); ++i)
  {
    const std::string& bundleDir = bundles[i].second;
    const fs::path cache = scratch / ("cache-" + label + "-" + bundles[i].first);
    const fs::path oneCache = scratch / ("one-cache-" + label + "-" + bundles[i].first);
    removed.insert(removed.end(), { cache, oneCache });
    const auto cached =
      [&options, bundleDir, batch](const fs::path& pictures, const fs::path& cacheDir, bool fresh)
    {
      if (fresh)
      {
        fs::remove_all(cacheDir);
      }
      options.evaluateCached(bundleDir, pictures.string(), batch, cacheDir.string());
    };
    InferenceEngine& engine = *engines[i];
    work.insert(work.end(),
                { [&engine, &images]() { engine.run(images); },
                  [&engine, &options, &folder, batch]()
                  { options.evaluate(engine, folder.string(), batch); },
                  [=]() { cached(folder, cache, true); },
                  [=]() { cached(folder, cache, false); },
                  [=]() { cached(one, oneCache, true); },
                  [=]() { cached(one, oneCache, false); } });
  }
  progress(label + ": the image path (" + std::to_string(options.pathImages) +
           " pictures: decoding, model, both, through a feature cache)");
  for (const auto& part : work) // warm-up
  {
    part();
  }
  std::vector<std::vector<double>> seconds(work.size());
  for (int round = 0; round < options.repeats; ++round)
  {
    for (std::size_t part = 0; part < work.size(); ++part)
    {
      const double start = monotonicSeconds();
      work[part]();
      seconds[part].push_back(monotonicSeconds() - start);
    }
  }
  std::vector<ImagePathTiming> timings;
  for (std::size_t i = 0; i < bundles.size(); ++i)
  {
    const std::size_t at = 1 + i * PartsPerBundle;
    ImagePathTiming timing;
    timing.arch = label;
    timing.variant = bundles[i].first;
    timing.images = options.pathImages;
    timing.batch = batch;
    timing.decodeSeconds = medianOf(seconds[0]);
    timing.modelSeconds = medianOf(seconds[at]);
    timing.evaluateSeconds = medianOf(seconds[at + 1]);
    timing.cacheFillSeconds = medianOf(seconds[at + 2]);
    timing.fromCacheSeconds = medianOf(seconds[at + 3]);
    timing.cacheFillOneSeconds = medianOf(seconds[at + 4]);
    timing.fromCacheOneSeconds = medianOf(seconds[at + 5]);
    timings.push_back(timing);
  }
  for (const fs::path& path : removed)
  {
    fs::remove_all(path);
  }
  return timings;
}

/// Single images from file to every panel (decode, transform, both heads, predicted fMRI, both
/// attention maps): median and 95th percentile.
void timeLatency(const std::string& bundleDir,
                 const ModelBenchOptions& options,
                 ModelBenchReport& report)
{
  EngineOptions engineOptions;
  engineOptions.device = options.device;
  engineOptions.precision = options.precision;
  engineOptions.batchSize = 1;
  const auto engine = InferenceEngine::open(bundleDir, engineOptions);
  const auto once = [&]()
  {
    const double start = monotonicSeconds();
    engine->run({ options.prepare(options.latencyImage, engine->manifest()) });
    return monotonicSeconds() - start;
  };
  once(); // warm-up
  std::vector<double> seconds;
  for (int run = 0; run < options.latencyRuns; ++run)
  {
    seconds.push_back(once());
  }
  report.latencyRuns = options.latencyRuns;
  report.latencyMedianSeconds = medianOf(seconds);
  report.latencyP95Seconds = percentile(seconds, 0.95);
}

/// The high-water mark of a process's resident memory (VmHWM) in KiB, 0 when unreadable.
long residentHighWaterKiB(pid_t pid)
{
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
  {
    if (line.rfind("VmHWM:", 0) == 0)
    {
      return std::atol(line.c_str() + 6);
    }
  }
  return 0;
}

/// Runs a command (output discarded) and returns its peak resident memory in KiB. The child's
/// VmHWM is sampled every 10 ms after its exec (ru_maxrss would count the pages it shared with
/// this large process between fork and exec).
long peakResidentKiB(const std::vector<std::string>& command)
{
  std::vector<char*> argv;
  for (const std::string& word : command)
  {
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  int execSignal[2];
  if (pipe2(execSignal, O_CLOEXEC) != 0)
  {
    throw std::runtime_error("bench model: cannot start " + command.front());
  }
  const pid_t child = fork();
  if (child < 0)
  {
    throw std::runtime_error("bench model: cannot start " + command.front());
  }
  if (child == 0)
  {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(execSignal[1]);
  char ignored = 0;
  while (read(execSignal[0], &ignored, 1) > 0) // end of file: the child has exec'd (or exited)
  {
  }
  close(execSignal[0]);
  long peak = 0;
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0)
  {
    peak = std::max(peak, residentHighWaterKiB(child));
    usleep(10000);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
  {
    throw std::runtime_error("the run failed: " + command.front() + " " +
                             (command.size() > 1 ? command[1] : std::string()));
  }
  return peak;
}

std::string fixed(double value, int decimals)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(decimals) << value;
  return text.str();
}

const ModelBenchTiming* findTiming(const ModelBenchReport& report,
                                   const std::string& arch,
                                   const std::string& variant,
                                   int batch)
{
  for (const ModelBenchTiming& timing : report.timings)
  {
    if (timing.arch == arch && timing.variant == variant && timing.batch == batch)
    {
      return &timing;
    }
  }
  return nullptr;
}

const PythonEncoderTiming* findPython(const ModelBenchReport& report,
                                      const std::string& arch,
                                      int batch)
{
  for (const PythonEncoderTiming& timing : report.python)
  {
    if (timing.arch == arch && timing.batch == batch)
    {
      return &timing;
    }
  }
  return nullptr;
}

/// One row per (arch, batch): throughputs, BMFL / baseline, C++ / Python, GFLOP/s.
struct SummaryRow
{
  std::string arch;
  int batch = 0;
  double encoder = 0.0; ///< images/s (median)
  double baseline = 0.0;
  double bmfl = 0.0;
  double bmflOverBaseline = 0.0; ///< time per image
  double bmflRoi = 0.0;          ///< images/s with ROI brain tokens, 0 if not measured
  double roiOverBaseline = 0.0;
  double python = 0.0;        ///< images/s of the Python encoder, 0 if missing
  double cppOverPython = 0.0; ///< C++ encoder time / Python encoder time
  double gflops = 0.0;        ///< achieved by the C++ encoder in its best run
  double peakFraction = 0.0;
};

std::vector<SummaryRow> summary(const ModelBenchReport& report)
{
  std::vector<SummaryRow> rows;
  for (const ModelBenchTiming& timing : report.timings)
  {
    if (timing.variant != "encoder")
    {
      continue;
    }
    const ModelBenchTiming* baseline = findTiming(report, timing.arch, "baseline", timing.batch);
    const ModelBenchTiming* bmfl = findTiming(report, timing.arch, "bmfl", timing.batch);
    SummaryRow row;
    row.arch = timing.arch;
    row.batch = timing.batch;
    row.encoder = timing.imagesPerSecond();
    row.baseline = baseline ? baseline->imagesPerSecond() : 0.0;
    row.bmfl = bmfl ? bmfl->imagesPerSecond() : 0.0;
    row.bmflOverBaseline = baseline && bmfl ? bmfl->medianSeconds / baseline->medianSeconds : 0.0;
    const ModelBenchTiming* roi = findTiming(report, timing.arch, "bmfl-roi", timing.batch);
    row.bmflRoi = roi ? roi->imagesPerSecond() : 0.0;
    row.roiOverBaseline = baseline && roi ? roi->medianSeconds / baseline->medianSeconds : 0.0;
    if (const PythonEncoderTiming* python = findPython(report, timing.arch, timing.batch))
    {
      row.python = timing.batch / python->medianSeconds;
      row.cppOverPython = timing.medianSeconds / python->medianSeconds;
    }
    for (const auto& [arch, gflop] : report.encoderGflopPerImage)
    {
      if (arch == timing.arch)
      {
        row.gflops = gflop * timing.batch / timing.minSeconds; // best run, as the matmul peak
        row.peakFraction =
          report.matmulPeakGflops > 0.0 ? row.gflops / report.matmulPeakGflops : 0.0;
      }
    }
    rows.push_back(row);
  }
  return rows;
}

std::string orDash(double value, int decimals)
{
  return value > 0.0 ? fixed(value, decimals) : "-";
}

/// "bmfl: conv slices of 256 vertices, 155 brain tokens; bmfl-roi: ..."
std::string brainTokensText(const ModelBenchReport& report)
{
  std::string text;
  for (const BrainTokenVariant& variant : report.brainTokens)
  {
    text += (text.empty() ? "" : "; ") + variant.variant + ": " + variant.description + ", " +
            std::to_string(variant.tokens) + " brain tokens";
  }
  return text;
}

/// What the report's precision line says beside the precision's name.
std::string precisionRemark(const ModelBenchReport& report)
{
  const bool python = report.pythonNote.empty();
  if (report.precision != "fp32")
  {
    return std::string(" (autocast: image encoder, brain encoder and brain transformer") +
           (python ? ", and the Python encoder too" : "") + "; fusion and the classifiers fp32)";
  }
  if (onGpu(report))
  {
    return std::string(" (matrix products in TF32, as the engine runs them on a GPU") +
           (python ? ", and the Python encoder's too" : "") + ")";
  }
  return "";
}

/// A JSON number, or null for an infinity or a NaN (JSON has neither).
std::string jsonNumber(double value)
{
  if (!std::isfinite(value))
  {
    return "null";
  }
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

} // namespace

AgreementTolerance agreementTolerance(const std::string& precision)
{
  // By the bits a product keeps: about 3x what the demo bundle and random ViT-S/14 and ViT-B/14
  // bundles showed in bf16 on a CPU (fMRI 0.07 SD, log-probabilities 0.07, attention 0.03 of a
  // map's largest weight).
  if (precision == "fp32") // on a GPU: TF32 products (10 bits of mantissa, bf16's 7 + 3)
  {
    return { 0.9999, 0.05, 0.05, 0.02 };
  }
  return { 0.999, 0.2, 0.25, 0.1 }; // bf16 (7 bits) or fp16 (10 bits) autocast
}

double ImagePathTiming::overlap() const
{
  const double shorter = std::min(decodeSeconds, modelSeconds);
  if (shorter <= 0.0)
  {
    return 0.0;
  }
  return std::clamp((decodeSeconds + modelSeconds - evaluateSeconds) / shorter, 0.0, 1.0);
}

ModelBenchReport benchModel(const ModelBenchOptions& options,
                            const std::function<void(const std::string&)>& progress)
{
  if (options.batches.empty() || options.repeats < 1 || options.vertices < 16 ||
      options.peakSize < 0 || options.latencyRuns < 1 || options.agreementImages < 1 ||
      std::any_of(options.batches.begin(), options.batches.end(), [](int b) { return b < 1; }) ||
      options.tokens.empty() ||
      std::any_of(options.tokens.begin(),
                  options.tokens.end(),
                  [](const std::string& t) { return t != "conv" && t != "roi"; }))
  {
    throw std::invalid_argument(
      "bench model: batches, repeats, latency runs and agreement images must be positive, the "
      "peak matrix size not negative, vertices at least 16, tokens conv and/or roi");
  }
  ModelBenchReport report;
  double load[1] = { -1.0 };
  report.loadAverage = getloadavg(load, 1) == 1 ? load[0] : -1.0;
  report.date = utcTimestamp();
  report.cpuModel = cpuModelName();
  const RuntimeInfo runtime = runtimeInfo();
  report.threads = runtime.threads;
  report.openblasCoreType = runtime.openblasCoreType;
  const torch::Device device = resolveDevice(options.device);
  report.device = device.str();
  report.precision = options.precision;
  report.memoryCommandText = options.memoryCommandText;

  const Precision precision = parsePrecision(options.precision, device);
  report.matmulPeakSize = options.peakSize > 0 ? options.peakSize
                          : device.is_cuda()   ? std::int64_t{ 8192 }
                                               : 2048;
  progress("matrix-multiply peak (" + std::to_string(report.matmulPeakSize) + "^3 " +
           peakName(report) + ")");
  allowTf32(device, true); // before the peak: the engines of this run allow it when they open
  report.matmulPeakGflops = matmulPeakGflops(report.matmulPeakSize, device, precision);

  const ScratchFolder scratch("bmfl-bench-model");
  std::vector<std::pair<std::string, VariantBundles>> bundles; // label -> its variants' folders
  const auto noteTokens = [&report](const BundleManifest& manifest, const std::string& remark)
  {
    BrainTokenVariant variant = brainTokenVariant(manifest);
    variant.description += remark;
    for (const BrainTokenVariant& known : report.brainTokens)
    {
      if (known.variant == variant.variant)
      {
        return variant.variant;
      }
    }
    report.brainTokens.push_back(variant);
    return variant.variant;
  };
  if (!options.modelDir.empty())
  {
    const std::string variant = noteTokens(readBundleManifest(options.modelDir), "");
    bundles.push_back(
      { fs::path(options.modelDir).filename().string(), { { variant, options.modelDir } } });
  }
  else
  {
    for (const std::string& arch : options.archs)
    {
      VariantBundles variants;
      for (const std::string& tokens : options.tokens)
      {
        progress(arch + ": writing a random-weight bundle with " +
                 std::to_string(options.vertices) + " vertices, " + tokens + " brain tokens");
        const std::string dir = (scratch.path() / (arch + "-" + tokens)).string();
        writeRandomBundle(dir, arch, options.vertices, tokens);
        variants.emplace_back(
          noteTokens(readBundleManifest(dir),
                     tokens == "roi"
                       ? " (synthetic: " + std::to_string(BenchVisualAreasPerHemisphere) +
                           " areas per hemisphere over 3/4 of its vertices)"
                       : ""),
          dir);
      }
      bundles.emplace_back(arch, variants);
    }
  }
  if (options.pythonScript.empty())
  {
    report.pythonNote = "Python reference left out (no script given)";
  }
  for (const auto& [label, variants] : bundles)
  {
    const ImageEncoderConfig encoder = readBundleManifest(variants.front().second).model.encoder;
    std::unique_ptr<PythonReference> python;
    if (report.pythonNote.empty())
    {
      progress(label + ": starting the same encoder in Python eager (" + options.python +
               "), timed between the C++ runs");
      python = std::make_unique<PythonReference>(options, encoder);
    }
    const std::vector<ModelBenchTiming> timings =
      timeVariants(label, variants, options, progress, python.get(), report.python);
    report.timings.insert(report.timings.end(), timings.begin(), timings.end());
    if (!device.is_cpu() || options.precision != "fp32")
    {
      const std::vector<ModelBenchAgreement> rows =
        measureAgreement(label, variants, options, progress);
      report.agreement.insert(report.agreement.end(), rows.begin(), rows.end());
    }
    report.encoderGflopPerImage.emplace_back(
      label, encoderFlopsPerImage(encoder, encoder.imageSize, encoder.imageSize) / 1e9);
    if (python && !python->problem().empty())
    {
      report.pythonNote = "Python reference left out: " + python->problem();
      report.python.erase(std::remove_if(report.python.begin(),
                                         report.python.end(),
                                         [&label = label](const PythonEncoderTiming& timing)
                                         { return timing.arch == label; }),
                          report.python.end());
    }
  }
  report.matmulPeakGflops =
    std::max(report.matmulPeakGflops, matmulPeakGflops(report.matmulPeakSize, device, precision));

  if (options.prepare && !options.latencyImage.empty())
  {
    progress(bundles.front().first + ": single-image latency from file to every panel");
    report.latencyArch = bundles.front().first;
    timeLatency(bundles.front().second.front().second, options, report);
  }
  else
  {
    report.notes.push_back("single-image latency left out (no image support in this build)");
  }
  if (options.decode && options.evaluate && options.evaluateCached &&
      !options.latencyImage.empty() && options.pathImages > 0)
  {
    for (const auto& [label, variants] : bundles)
    {
      const auto timings = timeImagePath(label, variants, scratch.path(), options, progress);
      report.imagePath.insert(report.imagePath.end(), timings.begin(), timings.end());
    }
  }
  else
  {
    report.notes.push_back("image path (decoding overlap, feature cache) left out (no image "
                           "support in this build)");
  }
  if (!options.memoryCommand.empty())
  {
    progress("peak resident memory of: " + options.memoryCommandText);
    try
    {
      report.peakResidentKiB = peakResidentKiB(options.memoryCommand);
    }
    catch (const std::runtime_error& error)
    {
      report.notes.push_back(std::string("peak memory left out: ") + error.what());
    }
  }
  else
  {
    report.notes.push_back("peak memory of the evaluation left out (no evaluation in this build)");
  }
  return report;
}

std::string modelBenchText(const ModelBenchReport& report)
{
  std::ostringstream out;
  out << "device " << report.device << ", precision " << report.precision << ", " << report.threads
      << " threads, OPENBLAS_CORETYPE=" << report.openblasCoreType << ", load average before "
      << fixed(report.loadAverage, 2) << "\n";
  out << std::left << std::setw(10) << "arch" << std::right << std::setw(6) << "batch"
      << std::setw(11) << "encoder/s" << std::setw(12) << "baseline/s" << std::setw(9) << "bmfl/s"
      << std::setw(15) << "bmfl/baseline" << std::setw(12) << "bmfl-roi/s" << std::setw(14)
      << "roi/baseline" << std::setw(11) << "python/s" << std::setw(12) << "c++/python"
      << std::setw(9) << "GFLOP/s" << std::setw(10) << "of peak"
      << "\n";
  for (const SummaryRow& row : summary(report))
  {
    out << std::left << std::setw(10) << row.arch << std::right << std::setw(6) << row.batch
        << std::setw(11) << fixed(row.encoder, 2) << std::setw(12) << fixed(row.baseline, 2)
        << std::setw(9) << orDash(row.bmfl, 2) << std::setw(15) << orDash(row.bmflOverBaseline, 3)
        << std::setw(12) << orDash(row.bmflRoi, 2) << std::setw(14)
        << orDash(row.roiOverBaseline, 3) << std::setw(11) << orDash(row.python, 2) << std::setw(12)
        << orDash(row.cppOverPython, 3) << std::setw(9) << fixed(row.gflops, 1) << std::setw(9)
        << fixed(100.0 * row.peakFraction, 0) << "%\n";
  }
  out << "brain tokens: " << brainTokensText(report) << "\n";
  out << "matrix-multiply peak (" << peakName(report) << ", " << report.matmulPeakSize
      << "^3): " << fixed(report.matmulPeakGflops, 1) << " GFLOP/s\n";
  if (!report.pythonNote.empty())
  {
    out << report.pythonNote << "\n";
  }
  if (report.latencyRuns > 0)
  {
    out << "latency from file to every panel (" << report.latencyArch << ", " << report.latencyRuns
        << " runs): median " << fixed(1e3 * report.latencyMedianSeconds, 1) << " ms, p95 "
        << fixed(1e3 * report.latencyP95Seconds, 1) << " ms\n";
  }
  for (const ImagePathTiming& path : report.imagePath)
  {
    out << "image path (" << path.arch << ", " << path.variant << ", " << path.images
        << " pictures, batch " << path.batch << "): decoding " << fixed(path.decodeSeconds, 3)
        << " s, model " << fixed(path.modelSeconds, 3) << " s, both (evaluate) "
        << fixed(path.evaluateSeconds, 3) << " s: overlap " << fixed(100.0 * path.overlap(), 0)
        << "%\n"
        << "feature cache (" << path.arch << ", " << path.variant
        << ", bundle loaded each time): filling the cache " << fixed(path.cacheFillSeconds, 3)
        << " s, from the cache " << fixed(path.fromCacheSeconds, 3)
        << " s: " << fixed(path.cacheSpeedup(), 1) << "x faster; one picture "
        << fixed(path.cacheFillOneSeconds, 3) << " s and " << fixed(path.fromCacheOneSeconds, 3)
        << " s: per image " << fixed(path.cacheSpeedupPerImage(), 1) << "x faster\n";
  }
  for (const ModelBenchAgreement& row : report.agreement)
  {
    out << "agreement with the CPU in fp32 (" << row.arch << ", " << row.variant << ", "
        << row.images << " images): fMRI r >= " << fixed(row.fmriCorrelation, 5)
        << ", max |difference| " << fixed(row.fmriRelativeError, 4)
        << " SD; log-probabilities within " << fixed(row.logProbabilityError, 4)
        << "; attention within " << fixed(row.attentionError, 4)
        << " of its largest weight; top-1 kept " << row.top1Same << " of " << 2 * row.images << ": "
        << (row.withinTolerance ? "within" : "OUTSIDE") << " the tolerance\n";
  }
  if (report.peakResidentKiB > 0)
  {
    out << "peak resident memory: "
        << fixed(static_cast<double>(report.peakResidentKiB) / 1024.0, 1) << " MiB ("
        << report.memoryCommandText << ")\n";
  }
  for (const std::string& note : report.notes)
  {
    out << note << "\n";
  }
  return out.str();
}

std::string modelBenchMarkdown(const ModelBenchReport& report, const std::string& command)
{
  std::ostringstream out;
  out << "# BMFL Workbench: model benchmark\n\n"
      << "Written by `" << command << "` from what it measured in one run; no number here is "
      << "typed by hand. Random weights at real sizes; warm-up excluded; the variants run "
      << "interleaved, round by round; throughput is the median run (images per second).\n\n"
      << "- Command: `" << command << "`\n"
      << "- Date (UTC): " << report.date << "\n"
      << "- Machine: " << report.cpuModel << ", device " << report.device << "\n"
      << "- Precision: " << report.precision << precisionRemark(report) << "\n"
      << "- Threads: " << report.threads << "\n"
      << "- OPENBLAS_CORETYPE: " << report.openblasCoreType << "\n"
      << "- Load average before the run: " << fixed(report.loadAverage, 2) << "\n"
      << "- Matrix-multiply peak (" << peakName(report) << ", " << report.matmulPeakSize
      << "^3, measured in this run): " << fixed(report.matmulPeakGflops, 1) << " GFLOP/s\n"
      << "- Brain tokens: " << brainTokensText(report) << "\n\n"
      << "## Throughput\n\n"
      << "encoder: the image encoder alone; baseline: encoder + linear probe; BMFL: everything "
      << "the workbench shows (brain encoder, brain transformer, fusion, both heads, predicted "
      << "fMRI, both attention maps) through the inference engine, its brain transformer on conv "
      << "slices (bmfl) or one token per area (bmfl-roi; the random bundle's synthetic label set "
      << "stands in for the visual-area sets), measured interleaved. Ratios are of the time per "
      << "image.\n\n"
      << "| model | batch | encoder img/s | baseline img/s | BMFL img/s | BMFL / baseline | "
      << "BMFL ROI tokens img/s | ROI tokens / baseline | Python encoder img/s | C++ / Python | "
         "encoder GFLOP/s (best run) | of "
      << peakName(report) << " peak |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const SummaryRow& row : summary(report))
  {
    out << "| " << row.arch << " | " << row.batch << " | " << fixed(row.encoder, 2) << " | "
        << fixed(row.baseline, 2) << " | " << orDash(row.bmfl, 2) << " | "
        << orDash(row.bmflOverBaseline, 3) << " | " << orDash(row.bmflRoi, 2) << " | "
        << orDash(row.roiOverBaseline, 3) << " | " << orDash(row.python, 2) << " | "
        << orDash(row.cppOverPython, 3) << " | " << fixed(row.gflops, 1) << " | "
        << fixed(100.0 * row.peakFraction, 0) << "% |\n";
  }
  out << "\nThe " << peakName(report)
      << " peak and the encoder's GFLOP/s are both from their best run. Encoder "
      << "FLOPs are counted from the architecture (2 per multiply-add):";
  for (const auto& [arch, gflop] : report.encoderGflopPerImage)
  {
    out << " " << arch << " " << fixed(gflop, 2) << " GFLOP per image;";
  }
  out << "\n\n## Every timed run (seconds per forward)\n\n"
      << "| model | variant | batch | min | median | page faults per image | first run | "
      << "its page faults per image |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const ModelBenchTiming& timing : report.timings)
  {
    out << "| " << timing.arch << " | " << timing.variant << " | " << timing.batch << " | "
        << fixed(timing.minSeconds, 4) << " | " << fixed(timing.medianSeconds, 4) << " | "
        << fixed(timing.pageFaultsPerImage, 0) << " | " << fixed(timing.firstRunSeconds, 4) << " | "
        << fixed(timing.firstRunPageFaultsPerImage, 0) << " |\n";
  }
  for (const PythonEncoderTiming& timing : report.python)
  {
    out << "| " << timing.arch << " | Python encoder | " << timing.batch << " | "
        << fixed(timing.minSeconds, 4) << " | " << fixed(timing.medianSeconds, 4)
        << " | - | - | - |\n";
  }
  if (!report.imagePath.empty())
  {
    out
      << "\n## The image path\n\n"
      << "The same pictures (copies of one 500 x 375 JPEG in a class folder), seconds for all "
      << "of them, median of interleaved rounds. Decoding: decode + transform alone on the "
      << "evaluation's worker threads; model: the inference engine alone on prepared images; "
      << "from images: the evaluation on the open engine (both, overlapping); overlap: the "
      << "share of the shorter of the two hidden under the other. Through a feature cache: "
      << "`bmfl evaluate --cache` with an empty cache (it fills it), then again (the heads "
      << "alone on the cached features), each loading the bundle; speed-up: the first over "
      << "the second; per image: the same with the one-picture runs (the cost of a run "
      << "besides its images: loading, checksums) taken off both, what a large data set "
      << "sees.\n\n"
      << "| model | variant | pictures | batch | decoding s | model s | from images s | overlap | "
      << "filling the cache s | from the cache s | speed-up | one picture: filling s | "
      << "from the cache s | speed-up per image |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const ImagePathTiming& path : report.imagePath)
    {
      out << "| " << path.arch << " | " << path.variant << " | " << path.images << " | "
          << path.batch << " | " << fixed(path.decodeSeconds, 3) << " | "
          << fixed(path.modelSeconds, 3) << " | " << fixed(path.evaluateSeconds, 3) << " | "
          << fixed(100.0 * path.overlap(), 0) << "% | " << fixed(path.cacheFillSeconds, 3) << " | "
          << fixed(path.fromCacheSeconds, 3) << " | " << fixed(path.cacheSpeedup(), 1) << "x | "
          << fixed(path.cacheFillOneSeconds, 3) << " | " << fixed(path.fromCacheOneSeconds, 3)
          << " | " << fixed(path.cacheSpeedupPerImage(), 1) << "x |\n";
    }
  }
  if (!report.agreement.empty())
  {
    const AgreementTolerance bounds = agreementTolerance(report.precision);
    out << "\n## Agreement with the CPU in fp32\n\n"
        << "Each bundle on " << report.agreement.front().images
        << " random images, run on the CPU in fp32 and on " << report.device << " in "
        << report.precision << ", every panel compared: the predicted fMRI (the lowest Pearson r "
        << "of an image; the largest difference of a vertex over that image's SD), the "
        << "log-probabilities of both heads (of the classes the CPU gives at least 1e-4), both "
           "attention maps (the largest difference over the map's largest weight) and the top-1 "
           "class of both heads. Tolerance for "
        << report.precision << ": r >= " << bounds.fmriCorrelation << ", fMRI within "
        << bounds.fmriRelativeError << " SD, log-probabilities within "
        << bounds.logProbabilityError << ", attention within " << bounds.attentionError
        << " of the map's largest weight (the top-1 class is shown, not held: random heads leave "
        << "near ties).\n\n"
        << "| model | variant | images | fMRI r (lowest) | fMRI max difference / SD | "
        << "log-probability max difference | attention max difference / largest weight | "
        << "top-1 kept | within tolerance |\n"
        << "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const ModelBenchAgreement& row : report.agreement)
    {
      out << "| " << row.arch << " | " << row.variant << " | " << row.images << " | "
          << fixed(row.fmriCorrelation, 5) << " | " << fixed(row.fmriRelativeError, 4) << " | "
          << fixed(row.logProbabilityError, 4) << " | " << fixed(row.attentionError, 4) << " | "
          << row.top1Same << " of " << 2 * row.images << " | "
          << (row.withinTolerance ? "yes" : "**no**") << " |\n";
    }
  }
  out << "\n## Latency and memory\n\n";
  if (report.latencyRuns > 0)
  {
    out << "- Single image from file to every panel (" << report.latencyArch << ", "
        << report.latencyRuns << " runs): median " << fixed(1e3 * report.latencyMedianSeconds, 1)
        << " ms, p95 " << fixed(1e3 * report.latencyP95Seconds, 1) << " ms\n";
  }
  if (report.peakResidentKiB > 0)
  {
    out << "- Peak resident memory of `" << report.memoryCommandText
        << "`: " << fixed(static_cast<double>(report.peakResidentKiB) / 1024.0, 1) << " MiB\n";
  }
  if (!report.pythonNote.empty())
  {
    out << "- " << report.pythonNote << "\n";
  }
  for (const std::string& note : report.notes)
  {
    out << "- " << note << "\n";
  }
  return out.str();
}

std::string modelBenchJson(const ModelBenchReport& report)
{
  const auto quoted = [](const std::string& text)
  {
    std::string result = "\"";
    for (const char c : text)
    {
      if (c == '"' || c == '\\')
      {
        result += '\\';
      }
      result += c;
    }
    return result + "\"";
  };
  std::ostringstream out;
  out << std::setprecision(6) << "{\n  \"date\": " << quoted(report.date)
      << ",\n  \"cpu\": " << quoted(report.cpuModel) << ",\n  \"device\": " << quoted(report.device)
      << ",\n  \"precision\": " << quoted(report.precision)
      << ",\n  \"threads\": " << report.threads
      << ",\n  \"openblas_coretype\": " << quoted(report.openblasCoreType)
      << ",\n  \"load_average_before\": " << report.loadAverage
      << ",\n  \"matmul_peak_gflops\": " << report.matmulPeakGflops
      << ",\n  \"matmul_peak\": " << quoted(peakName(report))
      << ",\n  \"matmul_peak_size\": " << report.matmulPeakSize << ",\n  \"brain_tokens\": [";
  for (std::size_t i = 0; i < report.brainTokens.size(); ++i)
  {
    const BrainTokenVariant& variant = report.brainTokens[i];
    out << (i ? "," : "") << "\n    {\"variant\": " << quoted(variant.variant)
        << ", \"tokenizer\": " << quoted(variant.tokenizer) << ", \"tokens\": " << variant.tokens
        << ", \"description\": " << quoted(variant.description) << "}";
  }
  out << "\n  ],\n  \"rows\": [";
  const std::vector<SummaryRow> rows = summary(report);
  for (std::size_t i = 0; i < rows.size(); ++i)
  {
    const SummaryRow& row = rows[i];
    out << (i ? "," : "") << "\n    {\"model\": " << quoted(row.arch)
        << ", \"batch\": " << row.batch << ", \"encoder_per_second\": " << row.encoder
        << ", \"baseline_per_second\": " << row.baseline << ", \"bmfl_per_second\": " << row.bmfl
        << ", \"bmfl_over_baseline\": " << row.bmflOverBaseline
        << ", \"bmfl_roi_per_second\": " << row.bmflRoi
        << ", \"bmfl_roi_over_baseline\": " << row.roiOverBaseline
        << ", \"python_encoder_per_second\": " << row.python
        << ", \"cpp_over_python\": " << row.cppOverPython << ", \"encoder_gflops\": " << row.gflops
        << ", \"of_matmul_peak\": " << row.peakFraction << "}";
  }
  out << "\n  ],\n  \"timings\": [";
  for (std::size_t i = 0; i < report.timings.size(); ++i)
  {
    const ModelBenchTiming& timing = report.timings[i];
    out << (i ? "," : "") << "\n    {\"model\": " << quoted(timing.arch)
        << ", \"variant\": " << quoted(timing.variant) << ", \"batch\": " << timing.batch
        << ", \"min_seconds\": " << timing.minSeconds
        << ", \"median_seconds\": " << timing.medianSeconds
        << ", \"page_faults_per_image\": " << timing.pageFaultsPerImage
        << ", \"first_run_seconds\": " << timing.firstRunSeconds
        << ", \"first_run_page_faults_per_image\": " << timing.firstRunPageFaultsPerImage << "}";
  }
  out << "\n  ],\n  \"latency_median_seconds\": " << report.latencyMedianSeconds
      << ",\n  \"latency_p95_seconds\": " << report.latencyP95Seconds
      << ",\n  \"peak_resident_kib\": " << report.peakResidentKiB
      << ",\n  \"python_note\": " << quoted(report.pythonNote) << ",\n  \"image_path\": [";
  for (std::size_t i = 0; i < report.imagePath.size(); ++i)
  {
    const ImagePathTiming& path = report.imagePath[i];
    out << (i ? "," : "") << "\n    {\"model\": " << quoted(path.arch)
        << ", \"variant\": " << quoted(path.variant) << ", \"pictures\": " << path.images
        << ", \"batch\": " << path.batch << ", \"decode_seconds\": " << path.decodeSeconds
        << ", \"model_seconds\": " << path.modelSeconds
        << ", \"evaluate_seconds\": " << path.evaluateSeconds << ", \"overlap\": " << path.overlap()
        << ", \"cache_fill_seconds\": " << path.cacheFillSeconds
        << ", \"from_cache_seconds\": " << path.fromCacheSeconds
        << ", \"cache_speedup\": " << path.cacheSpeedup()
        << ", \"one_picture_cache_fill_seconds\": " << path.cacheFillOneSeconds
        << ", \"one_picture_from_cache_seconds\": " << path.fromCacheOneSeconds
        << ", \"cache_speedup_per_image\": " << path.cacheSpeedupPerImage() << "}";
  }
  out << "\n  ],\n  \"agreement\": [";
  for (std::size_t i = 0; i < report.agreement.size(); ++i)
  {
    const ModelBenchAgreement& row = report.agreement[i];
    out << (i ? "," : "") << "\n    {\"model\": " << quoted(row.arch)
        << ", \"variant\": " << quoted(row.variant) << ", \"images\": " << row.images
        << ", \"fmri_correlation\": " << jsonNumber(row.fmriCorrelation)
        << ", \"fmri_relative_error\": " << jsonNumber(row.fmriRelativeError)
        << ", \"log_probability_error\": " << jsonNumber(row.logProbabilityError)
        << ", \"attention_error\": " << jsonNumber(row.attentionError)
        << ", \"top1_same\": " << row.top1Same
        << ", \"within_tolerance\": " << (row.withinTolerance ? "true" : "false") << "}";
  }
  out << "\n  ],\n  \"notes\": [";
  for (std::size_t i = 0; i < report.notes.size(); ++i)
  {
    out << (i ? ", " : "") << quoted(report.notes[i]);
  }
  out << "]\n}\n";
  return out.str();
}

} // namespace bmfl
