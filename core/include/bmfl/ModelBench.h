#pragma once

#include "bmfl/ImageResult.h"
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
  std::vector<int> batches = { 1, 16 };
  int repeats = 5; ///< timed rounds at the largest batch (batch 1: four times as many)
  std::string device = "cpu";
  std::int64_t sgemmSize = 2048; ///< the matrix-multiply peak: an n x n x n sgemm
  int latencyRuns = 20;          ///< single-image runs from file to every panel
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
};

/// The min and median of one variant's timed runs, per forward of `batch` images.
struct ModelBenchTiming
{
  std::string arch;    ///< "vits14", "vitb14" or the bundle's folder name
  std::string variant; ///< "encoder", "baseline" (encoder + linear probe), "bmfl" (every panel)
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

struct ModelBenchReport
{
  std::string date;
  std::string cpuModel;
  int threads = 1;
  std::string openblasCoreType;
  std::string device;
  double loadAverage = -1.0; ///< 1-minute load before the run
  std::vector<ModelBenchTiming> timings;
  std::vector<std::pair<std::string, double>> encoderGflopPerImage; ///< arch -> GFLOP (counted)
  std::vector<PythonEncoderTiming> python;
  std::string pythonNote; ///< why the Python reference is missing, when it is
  double sgemmGflops = 0.0;
  std::string latencyArch;
  double latencyMedianSeconds = 0.0;
  double latencyP95Seconds = 0.0;
  int latencyRuns = 0;
  long peakResidentKiB = 0; ///< of memoryCommand; 0 when left out
  std::string memoryCommandText;
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
