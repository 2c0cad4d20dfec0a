#include "Commands.h"

#ifdef BMFL_HAVE_PIPELINE

#include "bmfl/HeadPipeline.h"
#include "bmfl/Printable.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
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

struct TrainArguments
{
  HeadPipelineOptions pipeline;
  std::int64_t stopAfterSteps = 0; ///< hidden, for tests: stop as if interrupted
};

/// Progress on stderr: the stage, epoch and step with images/s and the stage's ETA; \r where a
/// terminal shows it, a line every 100 steps elsewhere.
PipelineControl progressControl(const TrainArguments& arguments)
{
  PipelineControl control;
  control.training.cancel = &interrupted;
  const bool interactive = isatty(STDERR_FILENO) != 0;
  struct Rate
  {
    std::string stage;
    std::chrono::steady_clock::time_point start;
    std::int64_t steps = 0; ///< of this stage
    std::int64_t total = 0; ///< of the run
  };
  auto rate = std::make_shared<Rate>();
  const int batch = arguments.pipeline.batchSize;
  const std::int64_t stopAfter = arguments.stopAfterSteps;
  control.training.progress =
    [interactive, rate, batch, stopAfter](const TrainingProgress& progress)
  {
    const auto now = std::chrono::steady_clock::now();
    if (progress.stage != rate->stage)
    {
      rate->stage = progress.stage;
      rate->start = now;
      rate->steps = 0;
    }
    if (progress.epoch == 0)
    {
      if (interactive || progress.step % 4096 == 0)
      {
        std::fprintf(stderr,
                     "%s  caching %s %lld/%lld%s",
                     interactive ? "\r" : "",
                     progress.stage.c_str(),
                     static_cast<long long>(progress.step),
                     static_cast<long long>(progress.steps),
                     interactive ? "" : "\n");
      }
      return;
    }
    ++rate->steps;
    ++rate->total;
    if (stopAfter > 0 && rate->total >= stopAfter)
    {
      interrupted.store(true);
    }
    const double seconds = std::chrono::duration<double>(now - rate->start).count();
    const double perSecond = seconds > 0 ? static_cast<double>(rate->steps * batch) / seconds : 0;
    const std::int64_t left =
      static_cast<std::int64_t>(progress.epochs - progress.epoch) * progress.steps +
      (progress.steps - progress.step);
    const double eta = rate->steps > 0
                         ? seconds / static_cast<double>(rate->steps) * static_cast<double>(left)
                         : 0.0;
    const bool epochEnd = progress.step == progress.steps;
    if (epochEnd || interactive || progress.step % 100 == 0)
    {
      std::fprintf(stderr,
                   "%s  %s epoch %d/%d step %lld/%lld loss %.4f  %.0f images/s  ETA %.0f s",
                   interactive ? "\r" : "",
                   progress.stage.c_str(),
                   progress.epoch,
                   progress.epochs,
                   static_cast<long long>(progress.step),
                   static_cast<long long>(progress.steps),
                   progress.loss,
                   perSecond,
                   eta);
      std::fprintf(stderr, "%s", interactive && !epochEnd ? "" : "\n");
    }
  };
  control.count = [interactive](const std::string& task, std::size_t done, std::size_t total)
  {
    std::fprintf(stderr,
                 "%s  %s %zu/%zu%s",
                 interactive ? "\r" : "",
                 task.c_str(),
                 done,
                 total,
                 interactive && done < total ? "" : "\n");
  };
  control.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  return control;
}

int runTrain(const TrainArguments& parsed)
{
  try
  {
    checkHeadPipelineOptions(parsed.pipeline);
  }
  catch (const std::invalid_argument& error)
  {
    throw UsageError(error.what());
  }
  interrupted.store(false);
  std::signal(SIGINT, onInterrupt);
  try
  {
    const HeadPipelineResult result = runHeadPipeline(parsed.pipeline, progressControl(parsed));
    std::signal(SIGINT, SIG_DFL);
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
    std::cerr << "\nbmfl train: interrupted; no bundle was written; the same command resumes "
                 "from the last checkpoint\n";
    std::signal(SIGINT, SIG_DFL);
    return 130;
  }
  catch (...)
  {
    std::signal(SIGINT, SIG_DFL);
    throw;
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
