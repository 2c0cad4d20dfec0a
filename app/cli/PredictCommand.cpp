#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/Json.h"
#include "bmfl/ParallelFor.h"
#include "bmfl/Printable.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <thread>

namespace bmfl::cli
{

namespace
{

// Set by SIGINT/SIGTERM; the engine checks it between batches.
std::atomic<bool> interrupted{ false };
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onPredictInterrupt(int)
{
  interrupted.store(true);
}

struct PredictOptions
{
  std::string model;
  std::string json;
  EngineOptions engine;
  std::vector<std::string> images;
};

std::string scores(const std::vector<ClassScore>& top)
{
  std::string text;
  char probability[32];
  for (const ClassScore& score : top)
  {
    std::snprintf(probability, sizeof probability, " %.3f", static_cast<double>(score.probability));
    text += (text.empty() ? "" : ", ") + printable(score.name) + probability;
  }
  return text;
}

// The double nearest to a float's shortest decimal form: the JSON then says 0.16858724, not
// 0.16858723759651184 (half the size for an fMRI vector, and no false precision).
double shortestDouble(float value)
{
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  *result.ptr = '\0';
  return std::strtod(text, nullptr);
}

JsonValue floats(const std::vector<float>& values)
{
  JsonValue array = JsonValue::array();
  for (float value : values)
  {
    array.push(shortestDouble(value));
  }
  return array;
}

JsonValue scoresJson(const std::vector<ClassScore>& top)
{
  JsonValue array = JsonValue::array();
  for (const ClassScore& score : top)
  {
    JsonValue entry = JsonValue::object();
    entry.set("class", score.classIndex);
    entry.set("name", score.name);
    entry.set("probability", shortestDouble(score.probability));
    array.push(std::move(entry));
  }
  return array;
}

JsonValue resultsJson(const std::string& model, const std::vector<ImageResult>& results)
{
  JsonValue root = JsonValue::object();
  root.set("model", model);
  JsonValue images = JsonValue::array();
  for (const ImageResult& result : results)
  {
    JsonValue entry = JsonValue::object();
    entry.set("image", result.id);
    entry.set("bmflTopK", scoresJson(result.bmflTopK));
    entry.set("baselineTopK", scoresJson(result.baselineTopK));
    entry.set("bmflProbabilities", floats(result.bmflProbabilities));
    entry.set("baselineProbabilities", floats(result.baselineProbabilities));
    entry.set("predictedFmri", floats(result.predictedFmri));
    entry.set("imageToBrainAttention", floats(result.imageToBrainAttention));
    entry.set("brainToImageAttention", floats(result.brainToImageAttention));
    entry.set("gridHeight", result.gridHeight);
    entry.set("gridWidth", result.gridWidth);
    images.push(std::move(entry));
  }
  root.set("images", std::move(images));
  return root;
}

int runPredict(const PredictOptions& options)
{
  const std::unique_ptr<InferenceEngine> engine =
    InferenceEngine::open(options.model, options.engine);
  // Every image is decoded and checked before the model runs (on a thread per core, each taking
  // the next file): one line per bad file, in the order given.
  const BundleManifest& manifest = engine->manifest();
  std::vector<PreparedImage> prepared(options.images.size());
  std::vector<std::string> problems(options.images.size());
  std::vector<std::exception_ptr> failures(options.images.size());
  forEachInParallel(prepared.size(),
                    std::max(1u, std::thread::hardware_concurrency()),
                    [&](std::size_t i)
                    {
                      try
                      {
                        prepared[i] = prepareImage(decodeImageFile(options.images[i]),
                                                   options.images[i],
                                                   manifest.model.encoder.inChannels,
                                                   manifest.preprocess,
                                                   manifest.brainPreprocess);
                      }
                      catch (const FileError& error)
                      {
                        problems[i] = error.what();
                      }
                      catch (...)
                      {
                        failures[i] = std::current_exception(); // rethrown below, in file order
                      }
                    });
  for (const std::exception_ptr& failure : failures)
  {
    if (failure)
    {
      std::rethrow_exception(failure);
    }
  }
  bool allRead = true;
  for (const std::string& problem : problems)
  {
    if (!problem.empty())
    {
      std::cerr << "bmfl predict: " << printable(problem) << "\n";
      allRead = false;
    }
  }
  if (!allRead)
  {
    return 1;
  }
  std::signal(SIGINT, onPredictInterrupt);
  std::signal(SIGTERM, onPredictInterrupt);
  const bool manyBatches = prepared.size() > static_cast<std::size_t>(options.engine.batchSize);
  const std::vector<ImageResult> results = engine->run(
    prepared,
    [&](std::size_t done, std::size_t total)
    {
      if (manyBatches)
      {
        std::cerr << "predicted " << done << "/" << total << "\n";
      }
    },
    &interrupted);
  for (const ImageResult& result : results)
  {
    std::cout << printable(result.id) << "\n  bmfl:     " << scores(result.bmflTopK)
              << "\n  baseline: " << scores(result.baselineTopK) << "\n";
    if (!result.imageToBrainAttention.empty())
    {
      const auto strongest = static_cast<std::size_t>(
        std::max_element(result.imageToBrainAttention.begin(), result.imageToBrainAttention.end()) -
        result.imageToBrainAttention.begin());
      std::cout << "  image attends most to brain token "
                << printable(result.brainTokens[strongest].name) << "\n";
    }
  }
  if (!options.json.empty())
  {
    writeTextFileAtomically(options.json, writeJson(resultsJson(options.model, results)));
  }
  if (results.size() < prepared.size())
  {
    std::cerr << "bmfl predict: interrupted after " << results.size() << " of " << prepared.size()
              << " images\n";
    return 130;
  }
  return 0;
}

CommandRun definePredict(CLI::App& command)
{
  auto options = std::make_shared<PredictOptions>();
  command.add_option("--model", options->model, "the model bundle folder")
    ->required()
    ->type_name("BUNDLE_DIR");
  command.add_option("--device", options->engine.device, "where the model runs")
    ->check(deviceName())
    ->capture_default_str();
  command
    .add_option("--precision",
                options->engine.precision,
                "fp32, or mixed precision for the image and brain encoders and the brain "
                "transformer: bf16, fp16 (CUDA)")
    ->check(CLI::IsMember({ "fp32", "bf16", "fp16" }))
    ->capture_default_str();
  command.add_option("--batch", options->engine.batchSize, "images per forward pass")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--top", options->engine.topK, "classes listed per head")
    ->check(wholeNumber(1))
    ->capture_default_str();
  command.add_option("--json", options->json, "also write the full results here")
    ->check(outputFile())
    ->type_name("OUT.json");
  command.add_option("images", options->images, "image files (PNG, JPEG, TIFF, WebP, PNM, ...)")
    ->required()
    ->type_name("IMAGE");
  return [options]() { return runPredict(*options); };
}

} // namespace

BMFL_REGISTER_COMMAND(predict,
                      "predict",
                      "classify images with a model bundle (BMFL and baseline heads)",
                      definePredict);

} // namespace bmfl::cli

#else // built without OpenCV: the command exists and says why it cannot run

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun definePredict(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl predict: this build has no image support (OpenCV was not found)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(predict,
                      "predict",
                      "classify images with a model bundle (needs OpenCV)",
                      definePredict);
} // namespace bmfl::cli

#endif
