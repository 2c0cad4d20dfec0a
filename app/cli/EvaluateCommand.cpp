#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/AtomicFile.h"
#include "bmfl/Evaluation.h"
#include "bmfl/Printable.h"

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
  int batch = 64;
  std::size_t limit = 0;
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
                printable(row.dataset).c_str(),
                row.images,
                baselineText,
                bmflText,
                100.0 * (row.bmflAccuracy() - row.baselineAccuracy()),
                row.mcNemarP());
  }
}

std::string optionalPercent(const std::optional<double>& fraction)
{
  return fraction ? percent(*fraction) : std::string("    -");
}

/// ImageNet-C's scores per corruption and over the 15, for both heads (Hendrycks & Dietterich).
void printImageNetC(const ImageNetCRows& summary)
{
  std::printf("\nImageNet-C %s: corruption errors normalised by AlexNet's (lower is better)\n",
              printable(summary.dataset).c_str());
  std::printf("%-20s %7s  %11s %11s  %11s %11s\n",
              "corruption",
              "images",
              "baseline CE",
              "BMFL CE",
              "baseline rCE",
              "BMFL rCE");
  for (std::size_t c = 0; c < summary.baseline.corruptions.size(); ++c)
  {
    const CorruptionScore& baseline = summary.baseline.corruptions[c];
    const CorruptionScore& bmfl = summary.bmfl.corruptions[c];
    std::printf("%-20s %7zu  %11s %11s  %11s %11s\n",
                printable(baseline.corruption).c_str(),
                summary.corruptionImages[c],
                optionalPercent(baseline.corruptionError).c_str(),
                optionalPercent(bmfl.corruptionError).c_str(),
                optionalPercent(baseline.relativeCorruptionError).c_str(),
                optionalPercent(bmfl.relativeCorruptionError).c_str());
  }
  std::printf("%-20s %7zu  %11s %11s\n",
              "mCE",
              summary.images,
              optionalPercent(summary.baseline.meanCorruptionError).c_str(),
              optionalPercent(summary.bmfl.meanCorruptionError).c_str());
  if (summary.cleanDataset.empty())
  {
    std::printf("relative mCE needs the clean ImageNet-val error: add --dataset "
                "imagenet-val:PATH\n");
  }
  else
  {
    std::printf("%-20s %7s  %11s %11s  (clean error from %s)\n",
                "relative mCE",
                "",
                optionalPercent(summary.baseline.relativeMeanCorruptionError).c_str(),
                optionalPercent(summary.bmfl.relativeMeanCorruptionError).c_str(),
                printable(summary.cleanDataset).c_str());
  }
  if (!summary.baseline.complete)
  {
    std::printf("incomplete: not all 15 corruptions with all 5 severities; not comparable with "
                "published mCEs\n");
  }
}

int runEvaluate(const EvaluateArguments& parsed)
{
  EngineOptions engineOptions;
  engineOptions.device = parsed.device;
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
  printTable(rows);
  for (const ImageNetCRows& summary : summarizeImageNetCRows(rows))
  {
    printImageNetC(summary);
  }
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
  command.add_option("--batch", parsed->batch, "images per forward pass")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--limit", parsed->limit, "at most N images per dataset (0: all)")
    ->check(wholeNumber(0, INT64_MAX))
    ->capture_default_str();
  return [parsed]() { return runEvaluate(*parsed); };
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
