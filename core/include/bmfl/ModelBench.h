#pragma once

#include "bmfl/ImageResult.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/ModelBundle.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bmfl
{

// `bmfl bench model` (issue #13): the model path measured side by side in one run, warm-up
// excluded, the variants interleaved; the report is written from what was measured, never typed
// in. Torch-free interface.

struct ModelBenchOptions
{
  /// Architectures benchmarked with seeded random weights ("vits14", "vitb14"), each written as
  /// a bundle with `vertices` vertices and 1000 classes; ignored when modelDir is set.
  std::vector<std::string> archs = { "vits14", "vitb14" };
  std::string modelDir; ///< a bundle to benchmark instead (its architecture and weights)
  std::int64_t vertices = 39548;
  /// The random bundle's brain-transformer tokenisations, each its own bundle with the same
  /// seeded encoder, measured interleaved: "conv" (conv slices of 256 vertices) and "roi" (one
  /// token per area of a synthetic visual-area label set, 12 areas per hemisphere). Ignored
  /// when modelDir is set (its own tokenisation is measured).
  std::vector<std::string> tokens = { "conv", "roi" };
  std::vector<int> batches = { 1, 16 };
  int repeats = 5; ///< timed rounds at the largest batch (batch 1: four times as many)
  std::string device = "cpu";
  std::string precision = "fp32"; ///< as EngineOptions::precision
  /// The matrix-multiply peak: an n x n x n product in the run's precision (fp32: sgemm); 0: by
  /// device, 2048 on a CPU, 8192 on a GPU (a smaller product leaves a GPU's peak unmeasured).
  std::int64_t peakSize = 0;
  int latencyRuns = 20; ///< single-image runs from file to every panel
  /// Random images run on the CPU in fp32 and on the run's device and precision, compared
  /// (left out for a CPU run in fp32).
  int agreementImages = 8;
  /// The Python reference (models/reference/bench_encoder.py) run with `python`; empty: left out.
  std::string pythonScript;
  std::string python = "/usr/bin/python3";
  /// A picture file and how a bundle prepares it (decode + transform: the caller's image room).
  std::string latencyImage;
  std::function<PreparedImage(const std::string& file, const BundleManifest& manifest)> prepare;
  /// A command whose peak resident memory is measured (e.g. `bmfl evaluate` on the demo's seven
  /// sets); empty: left out.
  std::vector<std::string> memoryCommand;
  std::string memoryCommandText; ///< how the report names that command
  /// The image path over a folder of pictures (copies of latencyImage in one class folder,
  /// "0", class 0 by its index), given by the caller's evaluation room. Empty: that part is left
  /// out.
  int pathImages = 64; ///< pictures in that folder
  /// Decodes and transforms the folder's pictures for the bundle on the evaluation's worker
  /// threads, no model.
  std::function<void(const BundleManifest& manifest, const std::string& folder)> decode;
  /// Evaluates the engine's heads on the folder from its pictures (images -> table), decoding
  /// as evaluateDatasets does.
  std::function<void(InferenceEngine& engine, const std::string& folder, int batch)> evaluate;
  /// Evaluates the bundle's heads on the folder through a feature cache in cacheDir (filled when
  /// empty, else read), as `bmfl evaluate --cache` does (the bundle loaded each time).
  std::function<void(const std::string& bundleDir,
                     const std::string& folder,
                     int batch,
                     const std::string& cacheDir)>
    evaluateCached;
};

/// The image path of one bundle, medians over interleaved rounds (seconds for all the images).
struct ImagePathTiming
{
  std::string arch;
  std::string variant = "bmfl"; ///< "bmfl" (conv-slice tokens) or "bmfl-roi" (ROI tokens)
  int images = 0;
  int batch = 0;
  double decodeSeconds = 0.0;    ///< decoding + transform alone (worker threads)
  double modelSeconds = 0.0;     ///< the engine alone on prepared images (every panel)
  double evaluateSeconds = 0.0;  ///< images -> table on an open engine: decoding and model
  double cacheFillSeconds = 0.0; ///< `evaluate --cache`, empty cache: images -> table, cached
  double fromCacheSeconds = 0.0; ///< the same again: the heads alone on the cached features
  /// Both for one picture: what a run costs besides its images (loading, checksums).
  double cacheFillOneSeconds = 0.0;
  double fromCacheOneSeconds = 0.0;
  /// The share of the shorter of decoding and model that ran hidden under the other:
  /// (decode + model - evaluate) / min(decode, model), clamped to [0, 1].
  double overlap() const;
  /// The first pass (filling the cache) over the re-evaluation from the cache.
  double cacheSpeedup() const
  {
    return fromCacheSeconds > 0.0 ? cacheFillSeconds / fromCacheSeconds : 0.0;
  }
  /// The same per image, the one-picture runs' cost taken off both: what a large data set sees.
  double cacheSpeedupPerImage() const
  {
    const double fromCache = fromCacheSeconds - fromCacheOneSeconds;
    return fromCache > 0.0 ? (cacheFillSeconds - cacheFillOneSeconds) / fromCache : 0.0;
  }
};

/// The min and median of one variant's timed runs, per forward of `batch` images.
struct ModelBenchTiming
{
  std::string arch; ///< "vits14", "vitb14" or the bundle's folder name
  /// "encoder", "baseline" (encoder + linear probe), "bmfl" (every panel, conv-slice brain
  /// tokens) or "bmfl-roi" (the same with ROI brain tokens)
  std::string variant;
  int batch = 1;
  double minSeconds = 0.0;
  double medianSeconds = 0.0;
  double pageFaultsPerImage = 0.0; ///< minor faults of this process over the timed runs
  double firstRunSeconds = 0.0;    ///< the untimed warm-up: what a short run pays once
  double firstRunPageFaultsPerImage = 0.0;
  double imagesPerSecond() const { return medianSeconds > 0.0 ? batch / medianSeconds : 0.0; }
};

/// The same encoder in Python eager (Debian's python3-torch), per batch.
struct PythonEncoderTiming
{
  std::string arch;
  int batch = 1;
  double minSeconds = 0.0;
  double medianSeconds = 0.0;
};

/// How a measured BMFL variant tokenises the brain: "conv_slices" or "roi_tokens", and how many
/// brain tokens that makes.
struct BrainTokenVariant
{
  std::string variant; ///< "bmfl" or "bmfl-roi"
  std::string tokenizer;
  std::int64_t tokens = 0;
  std::string description; ///< e.g. "conv slices of 256 vertices"
};

/// The run's device and precision against the CPU in fp32, the same bundle on the same random
/// images: the GPU's results against the CPU's, or mixed precision against fp32.
struct ModelBenchAgreement
{
  std::string arch;
  std::string variant; ///< "bmfl" or "bmfl-roi"
  int images = 0;
  double fmriCorrelation = 0.0;   ///< the lowest Pearson r of an image's predicted fMRI
  double fmriRelativeError = 0.0; ///< the largest |difference| of a vertex over the image's SD
  /// The largest |difference| of a log-probability, both heads, over the classes the CPU gives
  /// at least 1e-4.
  double logProbabilityError = 0.0;
  /// The largest |difference| of an attention weight over its map's largest weight, both maps.
  double attentionError = 0.0;
  int top1Same = 0; ///< (image, head) pairs whose top-1 class is the CPU's
  bool withinTolerance = false;
};

/// The bounds ModelBenchAgreement::withinTolerance holds a precision to.
struct AgreementTolerance
{
  double fmriCorrelation = 0.0; ///< at least
  double fmriRelativeError = 0.0;
  double logProbabilityError = 0.0;
  double attentionError = 0.0;
};
AgreementTolerance agreementTolerance(const std::string& precision);

struct ModelBenchReport
{
  std::string date;
  std::string cpuModel;
  int threads = 1;
  std::string openblasCoreType;
  std::string device;
  std::string precision;
  double loadAverage = -1.0; ///< 1-minute load before the run
  std::vector<ModelBenchTiming> timings;
  std::vector<BrainTokenVariant> brainTokens;
  std::vector<std::pair<std::string, double>> encoderGflopPerImage; ///< arch -> GFLOP (counted)
  std::vector<PythonEncoderTiming> python;
  std::string pythonNote;          ///< why the Python reference is missing, when it is
  double matmulPeakGflops = 0.0;   ///< in the run's precision
  std::int64_t matmulPeakSize = 0; ///< n of the n x n x n product it was measured on
  std::string latencyArch;
  double latencyMedianSeconds = 0.0;
  double latencyP95Seconds = 0.0;
  int latencyRuns = 0;
  long peakResidentKiB = 0; ///< of memoryCommand; 0 when left out
  std::string memoryCommandText;
  std::vector<ImagePathTiming> imagePath;
  /// Empty for a CPU run in fp32 (the reference itself).
  std::vector<ModelBenchAgreement> agreement;
  std::vector<std::string> notes; ///< what was left out and why
};

/// Runs the benchmark; progress is told what runs next. Throws FileError for an unreadable
/// bundle, std::invalid_argument for bad options.
ModelBenchReport benchModel(const ModelBenchOptions& options,
                            const std::function<void(const std::string&)>& progress);

/// The report as a plain-text table (the terminal), Markdown (BENCHMARKS.md; `command` goes into
/// its header) or JSON.
std::string modelBenchText(const ModelBenchReport& report);
std::string modelBenchMarkdown(const ModelBenchReport& report, const std::string& command);
std::string modelBenchJson(const ModelBenchReport& report);

} // namespace bmfl
