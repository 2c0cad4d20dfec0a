#include "Commands.h"

#ifdef BMFL_HAVE_PIPELINE

#include "bmfl/BrainEncoderPipeline.h"
#include "bmfl/Printable.h"

#include "DistributedOptions.h"
#include "TerminalProgress.h"

#include <cstdio>
#include <iostream>

namespace bmfl::cli
{

namespace
{

struct BrainArguments
{
  BrainEncoderPipelineOptions options;
  std::string classesFile;
  long limit = 0;
};

void printResult(const BrainEncoderPipelineResult& result, const std::string& out)
{
  std::printf("split: %zu training, %zu held-out images (%s)\n",
              result.trainImages,
              result.validationImages,
              result.splitGiven ? "as given" : "seeded 90/10; saved as idxs.npy, val_idxs.npy");
  const TrainingReport& training = result.report.brain.training;
  std::printf("best epoch %d of %zu\n", training.bestEpoch, training.epochs.size());
  std::printf("held-out mean r: left %.4f, right %.4f, (left + right) / 2 = %.4f\n",
              result.leftMeanR,
              result.rightMeanR,
              result.validationMetric);
  std::printf("per-ROI Pearson r on %zu held-out images:\n", result.report.brain.heldOutImages);
  for (const RegionScore& region : result.report.brain.regions)
  {
    std::printf("  %-16s %-20s %7zu vertices  r %.4f\n",
                printable(region.labelSet).c_str(),
                printable(region.region).c_str(),
                region.vertices,
                region.meanR);
  }
  std::printf("no noise-normalised scores: the subject folder has no noise ceiling for its "
              "training images\n");
  std::printf("the heads are untrained: train them with bmfl train --model-in %s\n",
              printable(out).c_str());
  std::printf("wrote %s and %s/REPORT.md\n", printable(out).c_str(), printable(out).c_str());
}

int runTrainBrainEncoder(BrainArguments& parsed)
{
  BrainEncoderPipelineOptions& options = parsed.options;
  options.limit = static_cast<std::size_t>(parsed.limit);
  if (!parsed.classesFile.empty())
  {
    options.classNames = readClassNamesFile(parsed.classesFile);
  }
  // One process, or one rank of several (srun, torchrun): only rank 0 prints and writes.
  options.launch = readLaunchEnvironment();
  const bool printing = options.launch.rank == 0;
  // Every input and the output folder checked before minutes of training.
  checkBrainEncoderPipeline(options);
  const InterruptScope interruptible;
  TerminalProgressOptions progress;
  progress.cachingLineEvery = 100;
  try
  {
    const BrainEncoderPipelineResult result =
      runBrainEncoderPipeline(options, rankControl(terminalControl(progress), options.launch));
    if (printing)
    {
      printResult(result, options.out);
    }
    return 0;
  }
  catch (const PipelineCancelled&)
  {
    if (printing)
    {
      std::cerr << "\nbmfl train-brain-encoder: interrupted; no bundle was written\n";
    }
    return 130;
  }
}

CommandRun defineTrainBrainEncoder(CLI::App& command)
{
  auto parsed = std::make_shared<BrainArguments>();
  BrainEncoderPipelineOptions& options = parsed->options;
  BrainEncoderTrainingOptions& training = options.training;
  command
    .add_option("--encoder",
                options.encoder,
                "DINOv2 weights (a .pth as Meta releases them; the architecture is read from it) "
                "or a model bundle whose image encoder is used")
    ->required()
    ->type_name("FILE.pth|BUNDLE_DIR");
  command.add_option("--algonauts", options.subject, "an Algonauts 2023 subject folder")
    ->required()
    ->type_name("DIR/subjNN");
  command.add_option("--out", options.out, "the bundle to write (replaced only if it is a bundle)")
    ->required()
    ->type_name("BUNDLE_DIR");
  command
    .add_option("--roi-set",
                options.roiSet,
                "the ROI class whose labels get a query per hemisphere; every set but streams "
                "trains on its labelled vertices only")
    ->check(CLI::IsMember(
      { "streams", "prf-visualrois", "floc-bodies", "floc-faces", "floc-places", "floc-words" }))
    ->capture_default_str();
  command
    .add_option("--feature-block",
                options.featureBlock,
                "the encoder block whose attention queries feed the decoder: 0-based, negative "
                "from the end (-1: the last)")
    ->check(CLI::Range(-64, 63))
    ->capture_default_str();
  command
    .add_option("--classes",
                parsed->classesFile,
                "the heads' classes, one per line (default: the --encoder bundle's)")
    ->type_name("FILE");
  command.add_option("--epochs", training.epochs, "epochs")
    ->check(wholeNumber(1, 10000))
    ->capture_default_str();
  command.add_option("--batch", training.batchSize, "batch size")
    ->check(wholeNumber(1, 65536))
    ->capture_default_str();
  command.add_option("--lr", training.learningRate, "AdamW learning rate")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
  command.add_option("--weight-decay", training.weightDecay, "AdamW weight decay")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  command.add_option("--clip", training.gradientClipNorm, "gradient norm clip (0: none)")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  command.add_option("--seed", training.seed, "split, shuffles and initial weights")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command
    .add_option("--split",
                options.splitFile,
                "training image indices (.npy, as Adeli et al.'s idxs.npy); the others are held "
                "out (default: a seeded 90/10 split)")
    ->type_name("FILE.npy");
  command
    .add_option("--brain-size",
                options.brainSize,
                "the NSD image's centre crop, no resize, zero-padded to a multiple of the patch")
    ->check(wholeNumber(1, 4096))
    ->capture_default_str();
  command.add_option("--limit", parsed->limit, "only the first N images (0: all), for trials")
    ->check(wholeNumber(0, INT32_MAX))
    ->capture_default_str();
  command
    .add_option(
      "--cache", options.featureCacheDir, "the feature cache folder (default: a temporary one)")
    ->type_name("DIR");
  command.add_option("--device", options.device, "where training runs")
    ->check(deviceName())
    ->capture_default_str();
  addDistributedOptions(command, options.distributed);
  return [parsed, &command]()
  {
    // The provenance records the options as given.
    std::string& line = parsed->options.commandLine;
    line = "bmfl train-brain-encoder";
    for (const CLI::Option* option : command.get_options())
    {
      if (option->count() == 0 || option->get_name() == "--help")
      {
        continue;
      }
      line += " " + option->get_name();
      for (const std::string& value : option->results())
      {
        line += " " + value;
      }
    }
    return runTrainBrainEncoder(*parsed);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(trainBrainEncoder,
                      "train-brain-encoder",
                      "Adeli et al.'s brain encoder trained on an Algonauts 2023 subject against "
                      "frozen DINOv2 weights",
                      defineTrainBrainEncoder);

} // namespace bmfl::cli

#endif
