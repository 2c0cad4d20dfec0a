#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "ShardOption.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/CachedEvaluation.h"
#include "bmfl/Evaluation.h"
#include "bmfl/Printable.h"
#include "bmfl/ShardFolders.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <unistd.h>

namespace bmfl::cli
{

namespace
{

std::atomic<bool> interrupted{ false };

void onInterrupt(int)
{
  interrupted.store(true);
}

struct EvaluateArguments
{
  std::string model;
  std::vector<std::string> datasets;
  std::string csv;
  std::string device = "auto";
  std::string precision = "fp32";
  int batch = 64;
  std::size_t limit = 0;
  int workers = 0;
  std::optional<std::string> shard;
  std::string out;
  std::string cache;
};

/// Where an interrupted run writes its counts: beside the complete table it must not replace,
/// results.csv -> results.partial.csv.
std::string partialPath(const std::string& csv)
{
  const std::filesystem::path path(csv);
  return (path.parent_path() / (path.stem().string() + ".partial" +
                                (path.has_extension() ? path.extension().string() : std::string())))
    .string();
}

std::string percent(double fraction)
{
  char text[16];
  std::snprintf(text, sizeof text, "%5.1f%%", 100.0 * fraction);
  return text;
}

/// --out: this shard's block of every row into the result folder (resumed when it is there);
/// for the whole run (1/1) the table and CSV as without --out, read back from the folder.
int runShard(const EvaluateArguments& parsed,
             const Shard& shard,
             InferenceEngine& engine,
             const std::vector<std::shared_ptr<const ImageDataset>>& opened,
             const EvaluationOptions& options)
{
  const ShardRunSummary summary =
    evaluateShard(engine,
                  { parsed.model, parsed.datasets, opened, shard, parsed.out },
                  options,
                  shardProgressPrinter(true),
                  &interrupted);
  std::signal(SIGINT, SIG_DFL);
  if (summary.cancelled)
  {
    return reportInterruptedShard("evaluate", shard, summary, "rows", parsed.out);
  }
  if (shard.count > 1)
  {
    std::cout << "shard " << shard.text() << ": " << summary.itemsWritten << " rows written, "
              << summary.itemsReused << " kept from an earlier run, in " << printable(parsed.out)
              << "; 'bmfl merge' combines the " << shard.count << " shards\n";
    return 0;
  }
  const std::vector<DatasetAccuracy> rows = mergeEvaluationShards({ parsed.out });
  std::cout << accuracyTable(rows);
  if (!parsed.csv.empty())
  {
    writeAccuracyCsv(rows, parsed.csv);
    std::cout << "wrote " << parsed.csv << "\n";
  }
  return 0;
}

/// --cache: the heads on cached features (the encoders run only on images not cached yet).
int runCached(const EvaluateArguments& parsed)
{
  CachedEvaluationOptions options;
  options.cacheDir = parsed.cache;
  options.device = parsed.device;
  options.batchSize = parsed.batch;
  options.limit = parsed.limit;
  options.workers = parsed.workers;
  std::signal(SIGINT, onInterrupt);
  const CachedEvaluationResult result = evaluateDatasetsCached(
    parsed.model,
    parsed.datasets,
    options,
    [](const std::string& row, std::size_t images)
    { std::cerr << printable(row) << " " << images << " images\n"; },
    &interrupted);
  std::signal(SIGINT, SIG_DFL);
  if (result.cancelled)
  {
    std::cerr << "bmfl evaluate: interrupted; the features computed so far stay cached in "
              << printable(parsed.cache) << "\n";
    return 130;
  }
  std::cout << accuracyTable(result.rows);
  std::cout << "features: " << result.cachedImages << " images read from the cache, "
            << result.computedImages << " computed and cached, in " << printable(parsed.cache)
            << "\n";
  if (!parsed.csv.empty())
  {
    writeAccuracyCsv(result.rows, parsed.csv);
    std::cout << "wrote " << parsed.csv << "\n";
  }
  return 0;
}

int runEvaluate(const EvaluateArguments& parsed)
{
  if (!parsed.cache.empty())
  {
    return runCached(parsed);
  }
  // --out: the shard is settled (and --csv checked against it) before any work starts.
  const std::optional<Shard> shard =
    parsed.out.empty() ? std::nullopt : std::optional<Shard>(chooseShard(parsed.shard));
  if (shard && shard->count > 1 && !parsed.csv.empty())
  {
    throw UsageError("--csv needs every shard's rows: give it to 'bmfl merge' (this run is shard " +
                     shard->text() + ")");
  }
  EngineOptions engineOptions;
  engineOptions.device = parsed.device;
  engineOptions.precision = parsed.precision;
  engineOptions.batchSize = parsed.batch;
  const std::unique_ptr<InferenceEngine> engine =
    InferenceEngine::open(parsed.model, engineOptions);
  DatasetOptions datasetOptions;
  datasetOptions.classNames = engine->manifest().classNames;
  std::vector<std::shared_ptr<const ImageDataset>> opened;
  for (const std::string& spec : parsed.datasets)
  {
    opened.push_back(openImageDataset(spec, datasetOptions));
  }
  // ImageNet-C: a row per corruption and severity.
  const std::vector<std::shared_ptr<const ImageDataset>> datasets = evaluationRows(opened);
  std::signal(SIGINT, onInterrupt);
  const bool interactive = isatty(STDERR_FILENO) != 0;
  EvaluationOptions options;
  options.batchSize = parsed.batch;
  options.limit = parsed.limit;
  options.workers = parsed.workers;
  if (shard)
  {
    return runShard(parsed, *shard, *engine, opened, options);
  }
  const std::vector<DatasetAccuracy> rows = evaluateDatasets(
    *engine,
    datasets,
    options,
    [&](std::size_t index, std::size_t done, std::size_t total, const DatasetAccuracy& running)
    {
      std::fprintf(stderr,
                   "%s%s %zu/%zu  baseline %s  BMFL %s%s",
                   interactive ? "\r" : "",
                   printable(datasets[index]->name()).c_str(),
                   done,
                   total,
                   percent(running.baselineAccuracy()).c_str(),
                   percent(running.bmflAccuracy()).c_str(),
                   interactive && done < total ? "" : "\n");
    },
    &interrupted);
  std::signal(SIGINT, SIG_DFL);
  std::cout << accuracyTable(rows);
  if (!interrupted.load())
  {
    if (!parsed.csv.empty())
    {
      writeAccuracyCsv(rows, parsed.csv);
      std::cout << "wrote " << parsed.csv << "\n";
    }
    return 0;
  }
  // An interrupted run never replaces a complete table: its counts go beside it, marked.
  std::string where;
  if (!parsed.csv.empty())
  {
    const std::string partial = partialPath(parsed.csv);
    writeTextFileAtomically(partial,
                            "# partial: interrupted; the counts cover only the images evaluated "
                            "before Ctrl-C\n" +
                              accuracyCsv(rows));
    where = "; partial counts written to " + partial + ", " + parsed.csv + " left as it was";
  }
  std::cerr << "bmfl evaluate: interrupted; the table counts the images evaluated so far" << where
            << "\n";
  return 130;
}

CommandRun defineEvaluate(CLI::App& command)
{
  auto parsed = std::make_shared<EvaluateArguments>();
  command.add_option("--model", parsed->model, "the model bundle folder")
    ->required()
    ->type_name("BUNDLE_DIR");
  command
    .add_option("--dataset",
                parsed->datasets,
                "a dataset spec (repeat for more): folder:DIR, fashion-mnist:test, "
                "fashion-mnist-ood:SET, imagenet-val:DIR, ...")
    ->required()
    ->allow_extra_args(false)
    ->type_name("SPEC");
  command.add_option("--csv", parsed->csv, "also write the table as CSV")
    ->check(outputFile())
    ->type_name("FILE");
  command.add_option("--device", parsed->device, "where the model runs")
    ->check(deviceName())
    ->capture_default_str();
  command
    .add_option("--precision",
                parsed->precision,
                "fp32, or mixed precision for the image and brain encoders and the brain "
                "transformer: bf16, fp16 (CUDA)")
    ->check(CLI::IsMember({ "fp32", "bf16", "fp16" }))
    ->capture_default_str();
  command.add_option("--batch", parsed->batch, "images per forward pass")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--limit", parsed->limit, "at most N images per dataset (0: all)")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command.add_option("--workers", parsed->workers, "image decoding threads (0: one per core)")
    ->check(wholeNumber(0, 1024))
    ->capture_default_str();
  addShardOption(command, parsed->shard);
  command
    .add_option("--out",
                parsed->out,
                "write per-image verdicts into this result folder (resumable; 'bmfl merge' "
                "combines shards)")
    ->type_name("DIR");
  command
    .add_option("--cache",
                parsed->cache,
                "evaluate the heads on features cached in this folder (the encoders run only on "
                "images not cached yet; bundles sharing the frozen encoders share it)")
    ->type_name("DIR");
  return [parsed]()
  {
    if (!parsed->cache.empty() && (parsed->shard || !parsed->out.empty()))
    {
      throw UsageError("--cache evaluates whole datasets: it takes neither --shard nor --out");
    }
    if (!parsed->cache.empty() && parsed->precision != "fp32")
    {
      throw UsageError("--cache runs the encoders in fp32 (the cache holds fp16 features)");
    }
    if (parsed->shard && parsed->out.empty())
    {
      throw UsageError("--shard needs --out: each shard writes a result folder");
    }
    return runEvaluate(*parsed);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(evaluate,
                      "evaluate",
                      "baseline vs BMFL accuracy of a model bundle on datasets, with 95% CIs",
                      defineEvaluate);

} // namespace bmfl::cli

#else // built without OpenCV (a headless GPU machine): the command exists and says why

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun defineEvaluate(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl evaluate: this build has no image support (OpenCV was not found)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(evaluate,
                      "evaluate",
                      "baseline vs BMFL accuracy of a model bundle on datasets (needs OpenCV)",
                      defineEvaluate);
} // namespace bmfl::cli

#endif
