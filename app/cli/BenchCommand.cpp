#include "Commands.h"
#include "CortexBench.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/DistributedBench.h"
#include "bmfl/ModelBench.h"
#include "bmfl/PipelineBench.h"
#include "bmfl/Resources.h"
#include "bmfl/ScratchFolder.h"
#include "bmfl/Timing.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>

// The images room (OpenCV): image decoding, the evaluation, and so the bench's images section
// and the model section's image path, latency from file and evaluation memory. A build without
// it (a bare GPU machine) measures the rest and says what it left out.
#ifdef BMFL_HAVE_IMAGES
#include "bmfl/CachedEvaluation.h"
#include "bmfl/Evaluation.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageTransform.h"
#endif

namespace bmfl::cli
{

namespace
{

namespace fs = std::filesystem;

struct BenchOptions
{
  std::size_t folderImages = 64;
  std::size_t fashionMnistImages = 2000;
  int workers = 0; ///< "all cores": 0 means one per core
  std::vector<std::string> archs = { "vits14" };
  PipelineBenchOptions pipeline;
  std::string out;
  ModelBenchOptions model;
  std::string modelJson;
  std::string modelMarkdown;
  std::string tokens = "both"; ///< model: the random bundle's brain tokens: conv, roi or both
  CortexBenchOptions cortex;
  bool cortexInRun = false; ///< the cortex section runs too
  std::string commandLine;  ///< for BENCHMARKS.md's header
};

/// One measurement: a case run with a number of worker threads.
struct BenchResult
{
  std::string section;
  std::string caseName;
  std::string unit; ///< what is counted, e.g. "images"
  int workers = 1;
  std::size_t items = 0;
  double seconds = 0.0;
  double cpuSeconds = 0.0;  ///< CPU time of the whole process while the case ran
  double bestSeconds = 0.0; ///< the fastest of repeated runs (then seconds is their median)

  double perSecond() const { return seconds > 0.0 ? static_cast<double>(items) / seconds : 0.0; }
  double bestPerSecond() const
  {
    return bestSeconds > 0.0 ? static_cast<double>(items) / bestSeconds : perSecond();
  }
};

/// A section of the benchmark. More sections (model inference, evaluation) are added to
/// benchSections() as their rooms land; each is selectable by name on the command line.
struct BenchSection
{
  const char* name;
  const char* description;
  /// Measures; a section with a report for --markdown appends it to markdown.
  std::vector<BenchResult> (*run)(const BenchOptions& options, std::string& markdown);
};

int allCores(const BenchOptions& options)
{
  return options.workers > 0 ? options.workers
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

#ifdef BMFL_HAVE_IMAGES
/// A photograph-sized picture with smooth shading, edges and sensor-like noise, so that JPEG and
/// PNG files come out at realistic sizes and decode at realistic speeds.
Image benchPicture(int width, int height, std::uint32_t seed)
{
  Image image;
  image.width = width;
  image.height = height;
  image.channels = 3;
  image.pixels.resize(image.byteCount());
  std::uint32_t state = seed * 2654435761u + 1u;
  std::size_t at = 0;
  for (int y = 0; y < height; ++y)
  {
    for (int x = 0; x < width; ++x)
    {
      const bool object = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2) <
                          (height / 3) * (height / 3);
      for (int c = 0; c < 3; ++c)
      {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>(state >> 28) - 8;
        const int shade = object ? 60 + 50 * c + y / 8 : (x * 200) / width + 30 * c;
        image.pixels[at++] = static_cast<std::uint8_t>(std::clamp(shade + noise, 0, 255));
      }
    }
  }
  return image;
}

/// CPU time used by all threads of this process so far.
double processCpuSeconds()
{
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

BenchResult timeStream(const std::shared_ptr<const ImageDataset>& dataset,
                       const std::string& caseName,
                       std::size_t count,
                       int workers)
{
  StreamOptions options;
  options.transform = PreprocessConfig{}; // resize 256 bicubic, crop 224, ImageNet mean/std
  options.workers = workers;
  options.end = count;
  const double start = monotonicSeconds();
  const double cpuStart = processCpuSeconds();
  DatasetStream stream(dataset, options);
  DatasetItem item;
  std::size_t items = 0;
  while (stream.next(item))
  {
    ++items;
  }
  BenchResult result;
  result.section = "images";
  result.caseName = caseName;
  result.unit = "images";
  result.workers = workers;
  result.items = items;
  result.seconds = monotonicSeconds() - start;
  result.cpuSeconds = processCpuSeconds() - cpuStart;
  return result;
}

std::vector<BenchResult> benchImages(const BenchOptions& options, std::string& /*markdown*/)
{
  std::vector<BenchResult> results;
  const int cores = allCores(options);
  const ScratchFolder scratch("bmfl-bench");
  std::cerr << "bench images: writing " << options.folderImages << " pictures (500x375, half JPEG "
            << "q90, half PNG) to " << scratch.path().string() << "\n";
  for (std::size_t i = 0; i < options.folderImages; ++i)
  {
    const fs::path folder = scratch.path() / (i % 2 ? "jpeg" : "png");
    fs::create_directories(folder);
    std::ostringstream name;
    name << std::setw(4) << std::setfill('0') << i << (i % 2 ? ".jpg" : ".png");
    writeImageFile(
      benchPicture(500, 375, static_cast<std::uint32_t>(i)), (folder / name.str()).string(), 90);
  }
  const auto folder = openImageDataset("folder:" + scratch.path().string());
  timeStream(folder, "warm-up", std::min<std::size_t>(8, folder->size()), cores);
  const std::string folderCase = "folder JPEG+PNG 500x375";
  results.push_back(timeStream(folder, folderCase, folder->size(), 1));
  results.push_back(timeStream(folder, folderCase, folder->size(), cores));

  try
  {
    const auto fashion = openImageDataset("fashion-mnist:test");
    const std::size_t count = std::min(options.fashionMnistImages, fashion->size());
    const std::string fashionCase = "fashion-mnist IDX 28x28";
    results.push_back(timeStream(fashion, fashionCase, count, 1));
    results.push_back(timeStream(fashion, fashionCase, count, cores));
  }
  catch (const FileError& error)
  {
    std::cerr << "bench images: Fashion-MNIST case left out: " << error.what() << "\n";
  }
  return results;
}

#endif // BMFL_HAVE_IMAGES

std::vector<BenchResult> benchPipelineStages(const BenchOptions& options, std::string& /*markdown*/)
{
  std::vector<BenchResult> results;
  for (const std::string& arch : options.archs)
  {
    PipelineBenchOptions pipeline = options.pipeline;
    pipeline.arch = arch;
    const auto timings = benchPipeline(
      pipeline, [](const std::string& stage) { std::cerr << "bench pipeline: " << stage << "\n"; });
    for (const PipelineStageTiming& timing : timings)
    {
      const std::vector<double>& seconds = timing.seconds;
      BenchResult result;
      result.section = "pipeline";
      result.caseName = timing.stage;
      result.unit = "images";
      result.workers = timing.threads;
      result.items = static_cast<std::size_t>(timing.itemsPerRun);
      // The median run (the lower middle of an even count) and the best.
      result.seconds = medianOf(seconds);
      result.bestSeconds = *std::min_element(seconds.begin(), seconds.end());
      result.cpuSeconds = timing.cpuSeconds / static_cast<double>(seconds.size());
      results.push_back(result);
    }
  }
  return results;
}

/// The model path (issue #13): the report is printed and written where asked; its throughput rows
/// also go into the common table.
std::vector<BenchResult> benchModelSection(const BenchOptions& options, std::string& markdown)
{
  ModelBenchOptions model = options.model;
#ifdef BMFL_HAVE_IMAGES
  const ScratchFolder scratch("bmfl-bench-model-image");
  model.latencyImage = (scratch.path() / "latency.jpg").string();
  writeImageFile(benchPicture(500, 375, 7), model.latencyImage, 90);
  model.prepare = [](const std::string& file, const BundleManifest& manifest)
  {
    return prepareImage(decodeImageFile(file),
                        file,
                        manifest.model.encoder.inChannels,
                        manifest.preprocess,
                        manifest.brainPreprocess);
  };
  // The image path over a folder of pictures, as `bmfl evaluate` runs it (with and without
  // --cache), and its decoding alone.
  const auto openFolder = [](const BundleManifest& manifest, const std::string& folder)
  {
    DatasetOptions datasetOptions;
    datasetOptions.classNames = manifest.classNames;
    return openImageDataset("folder:" + folder, datasetOptions);
  };
  model.decode = [openFolder](const BundleManifest& manifest, const std::string& folder)
  {
    const std::shared_ptr<const ImageDataset> dataset = openFolder(manifest, folder);
    StreamOptions streamOptions;
    streamOptions.transform = datasetPreprocess(*dataset, manifest.preprocess);
    streamOptions.brainTransform = manifest.brainPreprocess;
    streamOptions.channels = manifest.model.encoder.inChannels;
    DatasetStream stream(dataset, streamOptions);
    DatasetItem item;
    while (stream.next(item))
    {
    }
  };
  model.evaluate = [openFolder](InferenceEngine& engine, const std::string& folder, int batch)
  {
    EvaluationOptions evaluationOptions;
    evaluationOptions.batchSize = batch;
    evaluateDatasets(engine, { openFolder(engine.manifest(), folder) }, evaluationOptions);
  };
  model.evaluateCached = [device = model.device](const std::string& bundleDir,
                                                 const std::string& folder,
                                                 int batch,
                                                 const std::string& cacheDir)
  {
    CachedEvaluationOptions cachedOptions;
    cachedOptions.cacheDir = cacheDir;
    cachedOptions.device = device;
    cachedOptions.batchSize = batch;
    evaluateDatasetsCached(bundleDir, { "folder:" + folder }, cachedOptions);
  };
#endif
  const fs::path models = fs::path(demoModelDirectory()).parent_path();
  const fs::path script = models / "reference" / "bench_encoder.py";
  model.pythonScript = fs::exists(script) ? script.string() : std::string();
  ModelBenchReport report = benchModel(
    model, [](const std::string& stage) { std::cerr << "bench model: " << stage << "\n"; });
  if (!options.cortexInRun)
  {
    report.notes.push_back("cortex view (template load, recolouring, frame time while rotating): "
                           "not in this run; `bmfl bench cortex` measures it");
  }
  std::cout << modelBenchText(report);
  if (!options.modelJson.empty())
  {
    writeTextFileAtomically(options.modelJson, modelBenchJson(report));
    std::cout << "model results written to " << options.modelJson << "\n";
  }
  markdown += modelBenchMarkdown(report, options.commandLine);
  std::vector<BenchResult> results;
  for (const ModelBenchTiming& timing : report.timings)
  {
    BenchResult result;
    result.section = "model";
    result.caseName = timing.arch + " " + timing.variant + " b" + std::to_string(timing.batch);
    result.unit = "images";
    result.workers = report.threads;
    result.items = static_cast<std::size_t>(timing.batch);
    result.seconds = timing.medianSeconds;
    result.bestSeconds = timing.minSeconds;
    results.push_back(result);
  }
  return results;
}

std::string fixedText(double value, int decimals);

/// Data-parallel scaling (issue #12): the head step on the same global batch by 1 and 2 processes
/// (the `workers` column); this program started again as each worker runs only the worker's part.
std::vector<BenchResult> benchDistributedSection(const BenchOptions& options,
                                                 std::string& /*markdown*/)
{
  DistributedBenchOptions bench;
  bench.arch = options.archs.front();
  bench.vertices = options.pipeline.vertices;
  bench.globalBatch = options.pipeline.headBatch;
  bench.stepsPerRun = options.pipeline.headSteps;
  bench.repeats = options.pipeline.repeats;
  if (isDistributedBenchWorker())
  {
    runDistributedBenchWorker(bench);
    return {};
  }
  const std::vector<std::string> worker = { fs::read_symlink("/proc/self/exe").string(),
                                            "bench",
                                            "distributed",
                                            "--arch",
                                            bench.arch,
                                            "--vertices",
                                            std::to_string(bench.vertices),
                                            "--head-batch",
                                            std::to_string(bench.globalBatch),
                                            "--head-steps",
                                            std::to_string(bench.stepsPerRun),
                                            "--repeats",
                                            std::to_string(bench.repeats) };
  const std::vector<DistributedBenchTiming> timings = benchDistributed(
    bench,
    worker,
    [](const std::string& what) { std::cerr << "bench distributed: " << what << "\n"; });
  std::vector<BenchResult> results;
  for (const DistributedBenchTiming& timing : timings)
  {
    const std::vector<double>& seconds = timing.seconds;
    BenchResult result;
    result.section = "distributed";
    result.caseName = bench.arch + " head step b" + std::to_string(bench.globalBatch);
    result.unit = "images";
    result.workers = timing.processes;
    result.items = static_cast<std::size_t>(timing.imagesPerRun);
    result.seconds = medianOf(seconds);
    result.bestSeconds = *std::min_element(seconds.begin(), seconds.end());
    result.cpuSeconds = timing.cpuSeconds / static_cast<double>(seconds.size());
    results.push_back(result);
  }
  const BenchResult& one = results.front();
  const BenchResult& two = results.back();
  const double steps = static_cast<double>(bench.stepsPerRun);
  std::cout << "distributed: 1 process (" << timings.front().threadsPerProcess << " threads) "
            << fixedText(steps / one.seconds, 3) << " steps/s " << fixedText(one.perSecond(), 2)
            << " images/s; 2 processes (" << timings.back().threadsPerProcess << " each) "
            << fixedText(steps / two.seconds, 3) << " steps/s " << fixedText(two.perSecond(), 2)
            << " images/s; ratio 2/1: " << fixedText(two.perSecond() / one.perSecond(), 2)
            << " (global batch " << bench.globalBatch << ", Gloo on 127.0.0.1, medians)\n";
  return results;
}

/// The cortex view's colouring and software frames (issue #13), reported apart (not in the
/// common table: its operations are not items per second).
std::vector<BenchResult> benchCortexSection(const BenchOptions& options, std::string& markdown)
{
  const CortexBenchReport report =
    benchCortex(options.cortex,
                [](const std::string& stage) { std::cerr << "bench cortex: " << stage << "\n"; });
  std::cout << cortexBenchText(report);
  if (markdown.empty())
  {
    markdown = "# BMFL Workbench: benchmark\n\nWritten by `" + options.commandLine +
               "` from what it measured in one run; no number here is typed by hand.\n";
  }
  markdown += cortexBenchMarkdown(report);
  return {};
}

const std::vector<BenchSection>& benchSections()
{
  static const std::vector<BenchSection> sections = {
#ifdef BMFL_HAVE_IMAGES
    { "images",
      "images decoded + transformed (256/224 bicubic) per second, 1 core vs all",
      benchImages },
#endif
    { "pipeline",
      "model stages with random weights at real sizes: encoder 224 px, encoder 434 px + brain "
      "encoder, BMFL head step (median and best of the repeats)",
      benchPipelineStages },
    { "model",
      "the model path side by side: encoder, baseline, whole BMFL path (conv-slice and ROI brain "
      "tokens) at batch 1 and 16, the "
      "Python encoder, GFLOP/s against the matrix-multiply peak, latency, peak memory",
      benchModelSection },
    { "cortex",
      "the cortex view: template load (--template, default the bundled fsaverage5), colouring, "
      "recolouring both hemispheres for a new overlay, software frames while rotating",
      benchCortexSection },
    { "distributed",
      "data-parallel BMFL head step: the same global batch (--head-batch) on 1 and 2 processes "
      "that all-reduce gradients over Gloo on 127.0.0.1 (workers = processes), and the ratio",
      benchDistributedSection },
  };
  return sections;
}

std::string fixedText(double value, int decimals)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(decimals) << value;
  return text.str();
}

void printTable(const std::vector<BenchResult>& results, std::ostream& out)
{
  out << std::left << std::setw(12) << "section" << std::setw(26) << "case" << std::right
      << std::setw(8) << "workers" << std::setw(8) << "items" << std::setw(10) << "seconds"
      << std::setw(11) << "items/s" << std::setw(11) << "best/s" << std::setw(10) << "speed-up"
      << std::setw(10) << "cpu s" << std::setw(12) << "items/cpu-s"
      << "\n";
  for (const BenchResult& result : results)
  {
    // Speed-up against the same case on one worker, where that was measured.
    double single = 0.0;
    for (const BenchResult& other : results)
    {
      if (other.section == result.section && other.caseName == result.caseName &&
          other.workers == 1)
      {
        single = other.perSecond();
      }
    }
    out << std::left << std::setw(12) << result.section << std::setw(26) << result.caseName
        << std::right << std::setw(8) << result.workers << std::setw(8) << result.items
        << std::fixed << std::setprecision(3) << std::setw(10) << result.seconds
        << std::setprecision(2) << std::setw(11) << result.perSecond() << std::setw(11)
        << result.bestPerSecond() << std::setw(10)
        << (single > 0.0 ? fixedText(result.perSecond() / single, 2) : "-") << std::setprecision(3)
        << std::setw(10) << result.cpuSeconds << std::setprecision(1) << std::setw(12)
        << (result.cpuSeconds > 0.0 ? static_cast<double>(result.items) / result.cpuSeconds : 0.0)
        << "\n";
  }
}

std::string quoted(const std::string& text)
{
  std::string result = "\"";
  for (char c : text)
  {
    if (c == '"' || c == '\\')
    {
      result += '\\';
    }
    result += c;
  }
  return result + "\"";
}

/// The 1-minute load average: throughput on a shared machine means little without it.
double loadAverage()
{
  double load[1] = { 0.0 };
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

std::string resultsText(const std::vector<BenchResult>& results, bool json, int cores, double load)
{
  std::ostringstream out;
  out << std::setprecision(6);
  if (json)
  {
    out << "{\n  \"cores\": " << cores << ",\n  \"load_average_before\": " << load
        << ",\n  \"results\": [";
    for (std::size_t i = 0; i < results.size(); ++i)
    {
      const BenchResult& r = results[i];
      out << (i ? "," : "") << "\n    {\"section\": " << quoted(r.section)
          << ", \"case\": " << quoted(r.caseName) << ", \"unit\": " << quoted(r.unit)
          << ", \"workers\": " << r.workers << ", \"items\": " << r.items
          << ", \"seconds\": " << r.seconds << ", \"cpu_seconds\": " << r.cpuSeconds
          << ", \"per_second\": " << r.perSecond() << ", \"best_per_second\": " << r.bestPerSecond()
          << "}";
    }
    out << "\n  ]\n}\n";
  }
  else
  {
    out << "section,case,unit,workers,items,seconds,cpu_seconds,per_second,best_per_second\n";
    for (const BenchResult& r : results)
    {
      out << r.section << "," << quoted(r.caseName) << "," << r.unit << "," << r.workers << ","
          << r.items << "," << r.seconds << "," << r.cpuSeconds << "," << r.perSecond() << ","
          << r.bestPerSecond() << "\n";
    }
  }
  return out.str();
}

int runBench(const BenchOptions& options, const std::vector<std::string>& sectionNames)
{
  std::vector<const BenchSection*> chosen;
  for (const BenchSection& section : benchSections())
  {
    if (sectionNames.empty() ||
        std::find(sectionNames.begin(), sectionNames.end(), section.name) != sectionNames.end())
    {
      chosen.push_back(&section);
    }
  }

  std::vector<BenchResult> results;
  std::string markdown;
  const double load = loadAverage();
  std::cout << "cores: " << allCores(options) << ", load average before: " << load
            << (load > 0.5 * allCores(options) ? " (busy machine: speed-ups are understated)" : "")
            << "\n";
  for (const BenchSection* section : chosen)
  {
    std::cerr << "bench " << section->name << ": " << section->description << "\n";
    const std::vector<BenchResult> part = section->run(options, markdown);
    results.insert(results.end(), part.begin(), part.end());
  }
  if (!options.modelMarkdown.empty() && !markdown.empty())
  {
    writeTextFileAtomically(options.modelMarkdown, markdown);
    std::cout << "report written to " << options.modelMarkdown << "\n";
  }
  if (!results.empty())
  {
    printTable(results, std::cout);
  }
  if (!options.out.empty())
  {
    const bool json = fs::path(options.out).extension() == ".json";
    writeTextFileAtomically(options.out, resultsText(results, json, allCores(options), load));
    std::cout << "results written to " << options.out << "\n";
  }
  return 0;
}

CommandRun defineBench(CLI::App& command)
{
  auto options = std::make_shared<BenchOptions>();
  auto sections = std::make_shared<std::vector<std::string>>();
  std::vector<std::string> names;
  for (const BenchSection& section : benchSections())
  {
    names.emplace_back(section.name);
  }
  command.add_option("sections", *sections, "what to measure (default: every section)")
    ->check(
      [names](const std::string& name)
      {
        if (std::find(names.begin(), names.end(), name) != names.end())
        {
          return std::string();
        }
        if (name == "images")
        {
          return std::string("the images section decodes with OpenCV, which this build lacks");
        }
        std::string known;
        for (const std::string& section : names)
        {
          known += (known.empty() ? "" : ", ") + section;
        }
        return "'" + name + "' is not a section (" + known + ")";
      })
    ->type_name("SECTION");
  command
    .add_option("--out", options->out, "also write the results (.json or .csv by the extension)")
    ->check(outputFile())
    ->check(
      [](const std::string& path)
      {
        const std::string extension = fs::path(path).extension().string();
        return extension == ".json" || extension == ".csv" ? std::string()
                                                           : "FILE must end in .json or .csv";
      })
    ->type_name("FILE.json|FILE.csv");
  command.add_option("--images", options->folderImages, "pictures in the folder case")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--fmnist-images", options->fashionMnistImages, "Fashion-MNIST images")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--workers", options->workers, "worker threads for 'all cores'")
    ->check(wholeNumber(1));
  command.add_option("--arch", options->archs, "pipeline: encoder architectures")
    ->delimiter(',')
    ->allow_extra_args(false)
    ->check(CLI::IsMember({ "vits14", "vitb14" }))
    ->type_name("vits14|vitb14[,...]")
    ->capture_default_str();
  command
    .add_option("--model-images", options->pipeline.images, "pipeline: images per encoder run")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--vertices", options->pipeline.vertices, "pipeline: brain encoder outputs")
    ->check(wholeNumber(2))
    ->capture_default_str();
  command.add_option("--head-batch", options->pipeline.headBatch, "pipeline: head-training batch")
    ->check(wholeNumber(2))
    ->capture_default_str();
  command.add_option("--head-steps", options->pipeline.headSteps, "pipeline: head steps per run")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command
    .add_option(
      "--repeats", options->pipeline.repeats, "pipeline, model, cortex: timed runs per stage")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command
    .add_option("--model", options->model.modelDir, "model: a bundle instead of random weights")
    ->check(CLI::ExistingDirectory)
    ->type_name("BUNDLE_DIR");
  command.add_option("--device", options->model.device, "model: where the model runs")
    ->check(deviceName())
    ->capture_default_str();
  command
    .add_option("--precision",
                options->model.precision,
                "model: fp32, or mixed precision for the image and brain encoders and the brain "
                "transformer: bf16, fp16 (CUDA)")
    ->check(CLI::IsMember({ "fp32", "bf16", "fp16" }))
    ->capture_default_str();
  command
    .add_option("--python",
                options->model.python,
                "model: the Python whose torch runs the reference encoder (on a GPU: one with a "
                "CUDA torch)")
    ->check(CLI::ExistingFile)
    ->type_name("PROGRAM")
    ->capture_default_str();
  command.add_option("--json", options->modelJson, "model: also write the report as JSON")
    ->check(outputFile())
    ->type_name("FILE");
  command
    .add_option(
      "--markdown", options->modelMarkdown, "model, cortex: write the report (BENCHMARKS.md)")
    ->check(outputFile())
    ->type_name("FILE");
  command.add_option("--batch", options->model.batches, "model: batch sizes")
    ->delimiter(',')
    ->allow_extra_args(false)
    ->check(wholeNumber(1))
    ->type_name("N[,N...]")
    ->capture_default_str();
  command
    .add_option("--tokens",
                options->tokens,
                "model: the random bundle's brain tokens, conv slices, ROI tokens or both "
                "(measured interleaved)")
    ->check(CLI::IsMember({ "conv", "roi", "both" }))
    ->type_name("conv|roi|both")
    ->capture_default_str();
  command
    .add_option("--template",
                options->cortex.templateFolder,
                "cortex: a template folder (e.g. the full fsaverage; nilearn or FreeSurfer "
                "layout); default: the bundled fsaverage5")
    ->check(CLI::ExistingDirectory)
    ->type_name("DIR");
  // The description set apart: CLI11 2.1's add_flag(name, "text") is ambiguous under C++20.
  auto* quick =
    command.add_flag("--quick")->description("model: tiny sizes (tests), not a measurement");
  auto* arch = command.get_option("--arch");
  auto* vertices = command.get_option("--vertices");
  auto* repeats = command.get_option("--repeats");
  return [options, sections, quick, arch, vertices, repeats, &command]()
  {
    ModelBenchOptions& model = options->model;
    options->cortexInRun =
      sections->empty() ||
      std::find(sections->begin(), sections->end(), "cortex") != sections->end();
    if (quick->count() > 0)
    {
      options->cortex.azimuths = 4;
      options->cortex.repeats = 1;
    }
    if (repeats->count() > 0)
    {
      options->cortex.repeats = options->pipeline.repeats;
    }
    model.tokens = options->tokens == "both" ? std::vector<std::string>{ "conv", "roi" }
                                             : std::vector<std::string>{ options->tokens };
    if (quick->count() > 0)
    {
      model.archs = { "tiny" };
      model.vertices = 512;
      model.batches =
        command.get_option("--batch")->count() > 0 ? model.batches : std::vector<int>{ 1, 2 };
      model.repeats = 1;
      model.peakSize = 256;
      model.latencyRuns = 3;
      model.agreementImages = 4;
      model.pathImages = 8;
    }
    if (arch->count() > 0)
    {
      model.archs = options->archs;
    }
    if (vertices->count() > 0 || quick->count() == 0)
    {
      model.vertices = options->pipeline.vertices;
    }
    if (repeats->count() > 0)
    {
      model.repeats = options->pipeline.repeats;
    }
#ifdef BMFL_HAVE_IMAGES // `bmfl evaluate` is there
    // Peak memory of `bmfl evaluate` on the demo's seven sets (they stream: it stays bounded).
    model.memoryCommand = { "/proc/self/exe", "evaluate", "--model", demoModelDirectory() };
    model.memoryCommandText = "bmfl evaluate --model models/demo";
    for (const char* set : { "fashion-mnist:test",
                             "fashion-mnist-ood:noise",
                             "fashion-mnist-ood:blur",
                             "fashion-mnist-ood:weather",
                             "fashion-mnist-ood:digital",
                             "fashion-mnist-ood:geometric",
                             "fashion-mnist-ood:sketch" })
    {
      model.memoryCommand.insert(model.memoryCommand.end(), { "--dataset", set });
    }
    model.memoryCommandText += " (7 sets";
    if (quick->count() > 0)
    {
      model.memoryCommand.insert(model.memoryCommand.end(), { "--limit", "20" });
      model.memoryCommandText += ", --limit 20";
    }
    model.memoryCommandText += ")";
#endif
    options->commandLine = "bmfl bench";
    for (const std::string& section : *sections)
    {
      options->commandLine += " " + section;
    }
    for (const auto* option : command.get_options())
    {
      if (option->count() > 0 && !option->get_lnames().empty())
      {
        options->commandLine += " --" + option->get_lnames().front();
        if (option->get_expected_min() > 0)
        {
          for (const std::string& value : option->results())
          {
            options->commandLine += " " + value;
          }
        }
      }
    }
    return runBench(*options, *sections);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(
  bench,
  "bench",
  "measure throughput: image decoding (1 core vs all), each model stage of the pipeline and the "
  "whole model path (bench model), the cortex view's colouring and frames (bench cortex)",
  defineBench);

} // namespace bmfl::cli
