#include "Commands.h"

#ifdef BMFL_HAVE_PIPELINE

#include "bmfl/HeadPipeline.h"
#include "bmfl/Printable.h"

#include "DistributedOptions.h"
#include "TerminalProgress.h"

#include <cstdio>
#include <iostream>

namespace bmfl::cli
{

namespace
{

struct TrainArguments
{
  HeadPipelineOptions pipeline;
  std::int64_t stopAfterSteps = 0; ///< hidden, for tests: stop as if interrupted
};

int runTrain(TrainArguments& parsed)
{
  // One process, or one rank of several (srun, torchrun): only rank 0 prints and writes.
  parsed.pipeline.launch = readLaunchEnvironment();
  const bool printing = parsed.pipeline.launch.rank == 0;
  try
  {
    checkHeadPipelineOptions(parsed.pipeline);
  }
  catch (const std::invalid_argument& error)
  {
    throw UsageError(error.what());
  }
  const InterruptScope interruptible;
  TerminalProgressOptions progress;
  progress.imagesPerStep = parsed.pipeline.batchSize;
  progress.stopAfterSteps = parsed.stopAfterSteps;
  try
  {
    const HeadPipelineResult result = runHeadPipeline(
      parsed.pipeline, rankControl(terminalControl(progress), parsed.pipeline.launch));
    if (!printing)
    {
      return 0;
    }
    for (const DatasetAccuracy& row : result.rows)
    {
      std::printf("%s: baseline %.4f  BMFL %.4f  (%zu images)\n",
                  printable(row.dataset).c_str(),
                  row.baselineAccuracy(),
                  row.bmflAccuracy(),
                  row.images);
    }
    std::printf("wrote %s (%.2f MiB) and %s/REPORT.md\n",
                parsed.pipeline.out.c_str(),
                static_cast<double>(result.totalBytes) / (1024.0 * 1024.0),
                parsed.pipeline.out.c_str());
    return 0;
  }
  catch (const PipelineCancelled&)
  {
    if (printing)
    {
      std::cerr << "\nbmfl train: interrupted; no bundle was written; the same command resumes "
                   "from the last checkpoint\n";
    }
    return 130;
  }
}

CommandRun defineTrain(CLI::App& command)
{
  auto parsed = std::make_shared<TrainArguments>();
  HeadPipelineOptions& options = parsed->pipeline;
  command.add_option("--model-in", options.modelIn, "the bundle whose encoders are used, frozen")
    ->required()
    ->type_name("BUNDLE");
  command.add_option("--train", options.trainSpec, "training images, e.g. folder:IMAGENET/train")
    ->required()
    ->type_name("SPEC");
  command.add_option("--val", options.valSpec, "evaluated at the end, e.g. imagenet-val:DIR")
    ->type_name("SPEC");
  command.add_option("--out", options.out, "the bundle written (replaced only if it is a bundle)")
    ->required()
    ->type_name("BUNDLE");
  command.add_option("--epochs", options.epochs, "epochs of each head")
    ->check(wholeNumber(1, 10000))
    ->capture_default_str();
  command.add_option("--batch", options.batchSize, "images per step")
    ->check(wholeNumber(1, 65536))
    ->capture_default_str();
  command.add_option("--lr", options.learningRate, "peak learning rate")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
  command.add_option("--warmup-epochs", options.warmupEpochs, "linear warm-up, then cosine decay")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  command.add_flag("--augment",
                   options.augment,
                   "RandomResizedCrop + flip at every step (the encoders then run every step)");
  command
    .add_option("--baseline-protocol",
                options.baselineProtocol,
                "bmfl: as the BMFL head; dinov2: DINOv2's linear evaluation (SGD, cosine, "
                "RandomResizedCrop + flip)")
    ->check(CLI::IsMember({ "bmfl", "dinov2" }))
    ->capture_default_str();
  command
    .add_option("--cache",
                options.cacheDir,
                "feature cache folder, or off (default: .OUT.feature-cache beside --out)")
    ->type_name("DIR|off");
  command.add_option("--checkpoint-every", options.checkpointEvery, "steps between checkpoints")
    ->check(wholeNumber(0, INT64_MAX));
  command.add_option("--device", options.device, "where training runs")
    ->check(deviceName())
    ->capture_default_str();
  command.add_option("--seed", options.seed, "random seed")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command.add_option("--limit", options.limit, "the first N training images (0: all)")
    ->check(wholeNumber(0, INT64_MAX));
  addDistributedOptions(command, options.distributed);
  command.add_option("--stop-after-steps", parsed->stopAfterSteps)
    ->check(wholeNumber(1, INT64_MAX))
    ->group(""); // hidden: tests stop a run as an interrupt would
  return [parsed, &command]()
  {
    parsed->pipeline.commandLine = "bmfl train";
    for (const CLI::Option* option : command.get_options())
    {
      if (option->count() == 0 || option->get_name() == "--help" ||
          option->get_name() == "--stop-after-steps")
      {
        continue;
      }
      parsed->pipeline.commandLine += " " + option->get_name();
      for (const std::string& value :
           option->get_type_size() == 0 ? std::vector<std::string>{} : option->results())
      {
        parsed->pipeline.commandLine += " " + value;
      }
    }
    return runTrain(*parsed);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(train,
                      "train",
                      "train the BMFL and baseline heads on a bundle's frozen encoders",
                      defineTrain);

} // namespace bmfl::cli

#endif
