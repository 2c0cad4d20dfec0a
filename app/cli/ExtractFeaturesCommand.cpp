#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "ShardOption.h"

#include "bmfl/Printable.h"
#include "bmfl/ShardFolders.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>

namespace bmfl::cli
{

namespace
{

std::atomic<bool> interrupted{ false };

void onInterrupt(int)
{
  interrupted.store(true);
}

struct ExtractArguments
{
  std::string model;
  std::vector<std::string> datasets;
  std::optional<std::string> shard;
  std::string out;
  std::string device = "auto";
  int batch = 64;
  std::size_t limit = 0;
  std::string dtype = "float32";
  std::size_t chunk = 1024;
};

int runExtract(const ExtractArguments& parsed)
{
  const Shard shard = chooseShard(parsed.shard);
  EngineOptions engineOptions;
  engineOptions.device = parsed.device;
  engineOptions.batchSize = parsed.batch;
  engineOptions.imageFeatures = true;
  const std::unique_ptr<InferenceEngine> engine =
    InferenceEngine::open(parsed.model, engineOptions);
  DatasetOptions datasetOptions;
  datasetOptions.classNames = engine->manifest().classNames;
  ShardJob job{ parsed.model, parsed.datasets, {}, shard, parsed.out };
  for (const std::string& spec : parsed.datasets)
  {
    job.datasets.push_back(openImageDataset(spec, datasetOptions));
  }
  FeatureOptions options;
  options.evaluation.batchSize = parsed.batch;
  options.evaluation.limit = parsed.limit;
  options.type = parsed.dtype == "float16" ? FeatureType::Float16 : FeatureType::Float32;
  options.chunkImages = parsed.chunk;
  std::signal(SIGINT, onInterrupt);
  const ShardRunSummary summary =
    extractFeatureShard(*engine, job, options, shardProgressPrinter(false), &interrupted);
  std::signal(SIGINT, SIG_DFL);
  if (summary.cancelled)
  {
    return reportInterruptedShard("extract-features", shard, summary, "chunks", parsed.out);
  }
  std::cout << "shard " << shard.text() << ": " << summary.itemsWritten << " chunks written, "
            << summary.itemsReused << " kept from an earlier run, in " << printable(parsed.out)
            << "; 'bmfl merge --out DIR' concatenates the " << shard.count << " shard"
            << (shard.count > 1 ? "s" : "") << "\n";
  return 0;
}

CommandRun defineExtractFeatures(CLI::App& command)
{
  auto parsed = std::make_shared<ExtractArguments>();
  command.add_option("--model", parsed->model, "the model bundle folder")
    ->required()
    ->type_name("BUNDLE_DIR");
  command
    .add_option("--dataset",
                parsed->datasets,
                "a dataset spec (repeat for more): folder:DIR, fashion-mnist:test, "
                "imagenet-val:DIR, ...")
    ->required()
    ->allow_extra_args(false)
    ->type_name("SPEC");
  addShardOption(command, parsed->shard);
  command
    .add_option("--out",
                parsed->out,
                "the result folder: per dataset, chunks of .npy arrays (resumable; 'bmfl merge "
                "--out' concatenates shards)")
    ->required()
    ->type_name("DIR");
  command.add_option("--device", parsed->device, "where the model runs")
    ->check(deviceName())
    ->capture_default_str();
  command.add_option("--batch", parsed->batch, "images per forward pass")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--limit", parsed->limit, "at most N images per dataset (0: all)")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command.add_option("--dtype", parsed->dtype, "the float arrays' element type")
    ->check(CLI::IsMember({ "float32", "float16" }))
    ->capture_default_str();
  command.add_option("--chunk", parsed->chunk, "images per chunk file (what a killed run keeps)")
    ->check(wholeNumber(1, INT64_MAX))
    ->capture_default_str();
  return [parsed]() { return runExtract(*parsed); };
}

} // namespace

BMFL_REGISTER_COMMAND(extractFeatures,
                      "extract-features",
                      "per-image [CLS] token, mean patch token and predicted fMRI as .npy, "
                      "sharded",
                      defineExtractFeatures);

} // namespace bmfl::cli

#else // built without OpenCV (a headless GPU machine): the command exists and says why

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun defineExtractFeatures(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl extract-features: this build has no image support (OpenCV was not found)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(extractFeatures,
                      "extract-features",
                      "per-image [CLS] token, mean patch token and predicted fMRI (needs OpenCV)",
                      defineExtractFeatures);
} // namespace bmfl::cli

#endif
