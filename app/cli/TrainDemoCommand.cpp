#include "Commands.h"

#ifdef BMFL_HAVE_PIPELINE

#include "bmfl/DemoPipeline.h"

#include "TerminalProgress.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace bmfl::cli
{

namespace
{

namespace fs = std::filesystem;

struct DemoArguments
{
  std::string out;
  std::uint64_t seed = 1;
  bool quick = false;
  int epochs = 0; ///< overrides every stage's epochs when positive
  long evaluationImages = -1;
  std::string device = "cpu";
  std::string commandLine;
};

DemoOptions demoOptions(const DemoArguments& arguments)
{
  DemoOptions options;
  options.out = arguments.out;
  options.seed = arguments.seed;
  options.device = arguments.device;
  options.quick = arguments.quick;
  options.commandLine = arguments.commandLine;
  DemoSizes& sizes = options.sizes;
  if (arguments.quick)
  {
    sizes = DemoSizes::quick();
  }
  if (arguments.epochs > 0)
  {
    sizes.encoderEpochs = arguments.epochs;
    sizes.brainEpochs = arguments.epochs;
    sizes.headEpochs = arguments.epochs;
  }
  if (arguments.evaluationImages >= 0)
  {
    sizes.evaluationImages = static_cast<std::size_t>(arguments.evaluationImages);
  }
  return options;
}

int runTrainDemo(const DemoArguments& parsed)
{
  const InterruptScope interruptible;
  try
  {
    // The output folder is checked first, before minutes of training.
    const DemoResult result = runDemoPipeline(demoOptions(parsed), terminalControl({}));
    std::printf("wrote %s (%.2f MiB) and %s/REPORT.md\n",
                parsed.out.c_str(),
                static_cast<double>(result.totalBytes) / (1024.0 * 1024.0),
                parsed.out.c_str());
    return 0;
  }
  catch (const PipelineCancelled&)
  {
    std::cerr << "\nbmfl train-demo: interrupted; no bundle was written\n";
    return 130;
  }
}

CommandRun defineTrainDemo(CLI::App& command)
{
  auto parsed = std::make_shared<DemoArguments>();
  parsed->out = (fs::path(BMFL_SOURCE_MODELS_DIR) / "demo").string();
  command.add_option("--out", parsed->out, "the bundle folder (replaced only if it is a bundle)")
    ->capture_default_str()
    ->type_name("DIR");
  command.add_option("--seed", parsed->seed, "random seed")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  command.add_flag("--quick", parsed->quick, "tiny sizes, for tests: seconds, not minutes");
  command.add_option("--epochs", parsed->epochs, "epochs of every stage (default: per stage)")
    ->check(wholeNumber(1, 10000));
  command
    .add_option("--eval-images", parsed->evaluationImages, "images per evaluation set (0: all)")
    ->check(wholeNumber(0, INT32_MAX));
  command.add_option("--device", parsed->device, "where training runs")
    ->check(deviceName())
    ->capture_default_str();
  return [parsed, &command]()
  {
    // The provenance records the options as given.
    parsed->commandLine = "bmfl train-demo";
    for (const CLI::Option* option : command.get_options())
    {
      if (option->count() == 0 || option->get_name() == "--help")
      {
        continue;
      }
      parsed->commandLine += " " + option->get_name();
      for (const std::string& value :
           option->get_type_size() == 0 ? std::vector<std::string>{} : option->results())
      {
        parsed->commandLine += " " + value;
      }
    }
    return runTrainDemo(*parsed);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(trainDemo,
                      "train-demo",
                      "rebuild the demo bundle from Fashion-MNIST and the simulated subject sim01",
                      defineTrainDemo);

} // namespace bmfl::cli

#endif
