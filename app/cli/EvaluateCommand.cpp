#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/Evaluation.h"
#include "bmfl/FileError.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <stdexcept>
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
  int batch = 64;
  std::size_t limit = 0;
};

bool parse(const std::vector<std::string>& arguments, EvaluateArguments& parsed)
{
  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    const std::string& option = arguments[i];
    if (i + 1 >= arguments.size())
    {
      std::cerr << "bmfl evaluate: " << option << " needs a value\n";
      return false;
    }
    const std::string& value = arguments[++i];
    try
    {
      if (option == "--model")
        parsed.model = value;
      else if (option == "--dataset")
        parsed.datasets.push_back(value);
      else if (option == "--csv")
        parsed.csv = value;
      else if (option == "--device")
        parsed.device = value;
      else if (option == "--batch")
        parsed.batch = std::stoi(value);
      else if (option == "--limit")
        parsed.limit = static_cast<std::size_t>(std::stoul(value));
      else
      {
        std::cerr << "bmfl evaluate: unknown option " << option << "\n";
        return false;
      }
    }
    catch (const std::logic_error&)
    {
      std::cerr << "bmfl evaluate: " << option << ": not a number: " << value << "\n";
      return false;
    }
  }
  if (parsed.model.empty() || parsed.datasets.empty())
  {
    std::cerr << "bmfl evaluate: --model and at least one --dataset are required\n";
    return false;
  }
  return true;
}

std::string percent(double fraction)
{
  char text[16];
  std::snprintf(text, sizeof text, "%5.1f%%", 100.0 * fraction);
  return text;
}

void printTable(const std::vector<DatasetAccuracy>& rows)
{
  std::printf("%-34s %7s  %-22s %-22s %7s  %9s\n",
              "dataset",
              "images",
              "baseline [95% CI]",
              "BMFL [95% CI]",
              "delta",
              "McNemar p");
  for (const DatasetAccuracy& row : rows)
  {
    const Interval baseline = row.baselineInterval();
    const Interval bmfl = row.bmflInterval();
    char baselineText[40];
    char bmflText[40];
    std::snprintf(baselineText,
                  sizeof baselineText,
                  "%s [%.1f, %.1f]",
                  percent(row.baselineAccuracy()).c_str(),
                  100 * baseline.low,
                  100 * baseline.high);
    std::snprintf(bmflText,
                  sizeof bmflText,
                  "%s [%.1f, %.1f]",
                  percent(row.bmflAccuracy()).c_str(),
                  100 * bmfl.low,
                  100 * bmfl.high);
    std::printf("%-34s %7zu  %-22s %-22s %+6.1f  %9.3g\n",
                row.dataset.c_str(),
                row.images,
                baselineText,
                bmflText,
                100.0 * (row.bmflAccuracy() - row.baselineAccuracy()),
                row.mcNemarP());
  }
}

int runEvaluate(const std::vector<std::string>& arguments)
{
  EvaluateArguments parsed;
  if (!parse(arguments, parsed))
  {
    return 2;
  }
  try
  {
    EngineOptions engineOptions;
    engineOptions.device = parsed.device;
    engineOptions.batchSize = parsed.batch;
    const std::unique_ptr<InferenceEngine> engine =
      InferenceEngine::open(parsed.model, engineOptions);
    DatasetOptions datasetOptions;
    datasetOptions.classNames = engine->manifest().classNames;
    std::vector<std::shared_ptr<const ImageDataset>> datasets;
    for (const std::string& spec : parsed.datasets)
    {
      datasets.push_back(openImageDataset(spec, datasetOptions));
    }
    std::signal(SIGINT, onInterrupt);
    const bool interactive = isatty(STDERR_FILENO) != 0;
    EvaluationOptions options;
    options.batchSize = parsed.batch;
    options.limit = parsed.limit;
    const std::vector<DatasetAccuracy> rows = evaluateDatasets(
      *engine,
      datasets,
      options,
      [&](std::size_t index, std::size_t done, std::size_t total, const DatasetAccuracy& running)
      {
        std::fprintf(stderr,
                     "%s%s %zu/%zu  baseline %s  BMFL %s%s",
                     interactive ? "\r" : "",
                     datasets[index]->name().c_str(),
                     done,
                     total,
                     percent(running.baselineAccuracy()).c_str(),
                     percent(running.bmflAccuracy()).c_str(),
                     interactive && done < total ? "" : "\n");
      },
      &interrupted);
    std::signal(SIGINT, SIG_DFL);
    printTable(rows);
    if (!parsed.csv.empty())
    {
      writeAccuracyCsv(rows, parsed.csv);
      std::cout << "wrote " << parsed.csv << "\n";
    }
    if (interrupted.load())
    {
      std::cerr << "bmfl evaluate: interrupted; the table counts the images evaluated so far\n";
      return 130;
    }
    return 0;
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl evaluate: " << error.what() << "\n";
  }
  catch (const std::invalid_argument& error)
  {
    std::cerr << "bmfl evaluate: " << error.what() << "\n";
  }
  return 1;
}

} // namespace

BMFL_REGISTER_COMMAND(evaluate,
                      "evaluate",
                      "baseline vs BMFL accuracy of a model bundle on datasets, with 95% CIs",
                      "bmfl evaluate --model DIR --dataset SPEC [--dataset SPEC ...] [--csv FILE] "
                      "[--batch N] [--limit N] [--device auto|cpu|cuda]",
                      runEvaluate);

} // namespace bmfl::cli

#else // built without OpenCV (a headless GPU machine): the command exists and says why

#include <iostream>

namespace bmfl::cli
{
namespace
{
int runEvaluate(const std::vector<std::string>&)
{
  std::cerr << "bmfl evaluate: this build has no image support (OpenCV was not found)\n";
  return 1;
}
} // namespace
BMFL_REGISTER_COMMAND(evaluate,
                      "evaluate",
                      "baseline vs BMFL accuracy of a model bundle on datasets (needs OpenCV)",
                      "bmfl evaluate --model DIR --dataset SPEC [--dataset SPEC ...]",
                      runEvaluate);
} // namespace bmfl::cli

#endif
