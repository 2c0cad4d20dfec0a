#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/AtomicFile.h"
#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/Json.h"
#include "bmfl/Printable.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>

namespace bmfl::cli
{

namespace
{

namespace fs = std::filesystem;

// Set by SIGINT/SIGTERM; the stream polls it, so the run stops after the file being written.
std::atomic<bool> interrupted{ false };
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onInterrupt(int)
{
  interrupted.store(true);
}

struct MakeOodOptions
{
  std::string dataset;
  std::string out;
  std::vector<std::string> corruptionList; ///< as given: names, standard, all, sketch
  std::vector<std::string> corruptions = standardCorruptions();
  std::vector<int> severities = { 1, 2, 3, 4, 5 };
  bool sketch = true;
  std::uint64_t seed = 0;
  bool seedGiven = false;
  std::size_t limit = 0; ///< 0: all items
  int workers = 0;
  std::string extension = ".png";
  std::string oodSet;
  bool overwrite = false;
  bool skipBad = false;
};

/// Expands --corruptions (names, "standard", "all", "sketch") into options.corruptions and
/// options.sketch.
void expandCorruptions(MakeOodOptions& options)
{
  if (options.corruptionList.empty())
  {
    return;
  }
  options.corruptions.clear();
  options.sketch = false;
  for (const std::string& name : options.corruptionList)
  {
    if (name == "standard" || name == "all")
    {
      const std::vector<std::string>& names =
        name == "standard" ? standardCorruptions() : corruptionNames();
      options.corruptions.insert(options.corruptions.end(), names.begin(), names.end());
    }
    else if (name == "sketch")
    {
      options.sketch = true;
    }
    else if (isCorruption(name))
    {
      options.corruptions.push_back(name);
    }
    else
    {
      throw UsageError("--corruptions: unknown corruption '" + printable(name) + "'");
    }
  }
}

/// One output folder's worth of work: a (corrupted) dataset written under a folder.
struct Job
{
  std::shared_ptr<const ImageDataset> dataset;
  fs::path folder;
};

/// What decides the bytes make-ood writes: recorded in DIR/make-ood.json before the first image,
/// so that a later run over the same folder can only finish it, never mix in other images.
JsonValue outputSettings(const MakeOodOptions& options,
                         const std::string& datasetName,
                         const std::vector<Job>& jobs)
{
  JsonValue settings = JsonValue::object();
  settings.set("dataset", printable(datasetName));
  settings.set("seed", static_cast<std::int64_t>(options.seed));
  settings.set("limit", static_cast<std::int64_t>(options.limit));
  settings.set("format", options.extension.substr(1));
  JsonValue folders = JsonValue::array();
  for (const Job& job : jobs)
  {
    folders.push(job.folder.lexically_relative(options.out).generic_string());
  }
  settings.set("folders", std::move(folders));
  return settings;
}

/// Throws UsageError when out holds something other than an earlier run with these settings.
void checkEarlierOutput(const fs::path& out, const JsonValue& settings)
{
  std::error_code error;
  const fs::path record = out / "make-ood.json";
  if (!fs::exists(out, error) ||
      (fs::is_directory(out, error) && fs::is_empty(out, error) && !error))
  {
    return;
  }
  if (!fs::is_directory(out, error))
  {
    throw UsageError("--out " + out.string() + ": exists and is not a folder");
  }
  if (!fs::exists(record, error))
  {
    throw UsageError("--out " + out.string() +
                     ": holds files but no make-ood.json; use a new or empty folder");
  }
  const JsonValue earlier = readJsonFile(record.string());
  std::string differences;
  for (const char* key : { "dataset", "seed", "limit", "format", "folders" })
  {
    const JsonValue* was = earlier.find(key);
    const JsonValue* now = settings.find(key);
    const bool defaultFormat = was == nullptr && std::string(key) == "format" &&
                               now->asString() == "png"; // written before formats were recorded
    if (defaultFormat || (was != nullptr && *was == *now))
    {
      continue;
    }
    differences += std::string(differences.empty() ? "" : ", ") + key + " " +
                   (was == nullptr ? std::string("unrecorded")
                    : std::string(key) == "folders"
                      ? "other folders"
                      : writeJson(*was, 0) + " (this run: " + writeJson(*now, 0) + ")");
  }
  if (!differences.empty())
  {
    throw UsageError(out.string() + " holds make-ood output made with " + differences +
                     "; use another --out or remove the folder");
  }
}

void writeRecord(const MakeOodOptions& options, JsonValue record)
{
  writeTextFileAtomically((fs::path(options.out) / "make-ood.json").string(), writeJson(record));
}

class Progress
{
public:
  explicit Progress(std::size_t total)
    : Total(total)
    , Start(std::chrono::steady_clock::now())
    , LastReport(Start)
  {
  }

  void advance(const std::string& where)
  {
    ++Done;
    const auto now = std::chrono::steady_clock::now();
    if (now - LastReport >= std::chrono::seconds(1) || Done == Total)
    {
      LastReport = now;
      const double seconds = std::chrono::duration<double>(now - Start).count();
      std::cerr << "make-ood: " << Done << "/" << Total << " images (" << std::fixed
                << std::setprecision(1)
                << 100.0 * static_cast<double>(Done) / static_cast<double>(Total) << "%), "
                << std::setprecision(0) << static_cast<double>(Done) / std::max(seconds, 1e-9)
                << " images/s, now " << where << "\n";
    }
  }

  std::size_t done() const { return Done; }

private:
  std::size_t Total;
  std::size_t Done = 0;
  std::chrono::steady_clock::time_point Start;
  std::chrono::steady_clock::time_point LastReport;
};

int runMakeOod(MakeOodOptions options)
{
  if (options.dataset.empty() && options.oodSet.empty())
  {
    throw UsageError("--dataset SPEC (or --ood-set SET) is required");
  }
  expandCorruptions(options);
  std::vector<Job> jobs;
  const std::shared_ptr<const ImageDataset> base =
    openImageDataset(options.dataset.empty() ? "fashion-mnist:test" : options.dataset);
  const fs::path out(options.out);
  if (!options.oodSet.empty())
  {
    // The demo's sets are defined with their own seed; --seed makes variants of them.
    if (!options.seedGiven)
    {
      options.seed = FashionMnistOodSeed;
    }
    for (const OodSetDefinition& set : fashionMnistOodSets())
    {
      if (options.oodSet == "all" || options.oodSet == set.key || options.oodSet == set.folderName)
      {
        jobs.push_back({ makeOodSet(base, set.key, options.seed), out / set.folderName });
      }
    }
    if (jobs.empty())
    {
      throw UsageError("unknown OOD set '" + printable(options.oodSet) +
                       "' (noise, blur, weather, digital, geometric, sketch, all)");
    }
  }
  else
  {
    for (const std::string& corruption : options.corruptions)
    {
      for (int severity : options.severities)
      {
        jobs.push_back({ corruptDataset(base, corruption, severity, options.seed),
                         out / corruption / std::to_string(severity) });
      }
    }
    if (options.sketch)
    {
      jobs.push_back({ corruptDataset(base, "sketch", 0, options.seed), out / "sketch" });
    }
  }
  JsonValue record = outputSettings(options, base->name(), jobs);
  checkEarlierOutput(out, record);
  std::error_code folderError;
  fs::create_directories(out, folderError);
  if (folderError)
  {
    throw FileError(options.out, "cannot create folder: " + folderError.message());
  }
  record.set("complete", false);
  writeRecord(options, record);

  const std::size_t perJob =
    options.limit > 0 ? std::min(options.limit, base->size()) : base->size();
  Progress progress(perJob * jobs.size());
  std::cerr << "make-ood: " << printable(base->name()) << ", " << perJob << " images x "
            << jobs.size() << " folders -> " << printable(options.out) << "\n";

  interrupted.store(false);
  const auto previousInt = std::signal(SIGINT, onInterrupt);
  const auto previousTerm = std::signal(SIGTERM, onInterrupt);
  std::size_t written = 0;
  std::size_t kept = 0;
  std::size_t skipped = 0;
  for (const Job& job : jobs)
  {
    StreamOptions streamOptions;
    streamOptions.transform.reset(); // the decoded, corrupted image is what is written
    streamOptions.workers = options.workers;
    streamOptions.end = perJob;
    streamOptions.cancel = &interrupted;
    streamOptions.onBadImage = options.skipBad ? BadImagePolicy::Skip : BadImagePolicy::Stop;
    DatasetStream stream(job.dataset, streamOptions);
    std::set<std::string> madeFolders;
    DatasetItem item;
    while (stream.next(item))
    {
      const std::string classFolder = job.dataset->classFolderName(item.label);
      const fs::path folder = job.folder / classFolder;
      if (madeFolders.insert(classFolder).second)
      {
        std::error_code error;
        fs::create_directories(folder, error);
        if (error)
        {
          throw FileError(folder.string(), "cannot create folder: " + error.message());
        }
      }
      const fs::path file = folder / (fs::path(item.id).stem().string() + options.extension);
      std::error_code existsError;
      if (!options.overwrite && fs::exists(file, existsError))
      {
        ++kept; // made by an earlier, interrupted run: same settings (checked), same bytes
      }
      else
      {
        writeImageFile(item.image, file.string());
        ++written;
      }
      progress.advance(job.folder.lexically_relative(options.out).generic_string());
    }
    skipped += stream.skipped();
    for (const std::string& warning : stream.warnings())
    {
      std::cerr << "make-ood: skipped " << printable(warning) << "\n";
    }
    if (interrupted.load())
    {
      break;
    }
  }
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);
  if (interrupted.load())
  {
    std::cerr << "make-ood: interrupted after " << progress.done()
              << " images; every file written is complete (run again to finish)\n";
    return 130;
  }
  *record.find("complete") = true;
  record.set("images_per_folder", static_cast<std::int64_t>(perJob));
  record.set("written", static_cast<std::int64_t>(written));
  record.set("kept", static_cast<std::int64_t>(kept));
  record.set("skipped", static_cast<std::int64_t>(skipped));
  writeRecord(options, record);
  std::cout << "make-ood: " << written << " images written, " << kept << " already present, "
            << skipped << " skipped, in " << jobs.size() << " folders under "
            << printable(options.out) << "\n";
  return 0;
}

CommandRun defineMakeOod(CLI::App& command)
{
  auto options = std::make_shared<MakeOodOptions>();
  command.footer(
    "Writes DIR/<corruption>/<severity>/<class>/<id>.png and DIR/sketch/<class>/<id>.png; LIST is\n"
    "comma-separated: corruption names, 'standard' (the 15, the default), 'all', 'sketch'.\n"
    "--ood-set writes the demo's OOD sets (default dataset fashion-mnist:test). Existing files\n"
    "are kept: re-running with the same settings finishes an interrupted run; other settings\n"
    "over the same folder are refused. See docs/DATASETS.md.");
  command.add_option("--dataset", options->dataset, "the dataset to corrupt")->type_name("SPEC");
  command.add_option("--out", options->out, "the output folder")->required()->type_name("DIR");
  command.add_option("--corruptions", options->corruptionList, "which corruptions")
    ->delimiter(',')
    ->allow_extra_args(false)
    ->type_name("LIST");
  command.add_option("--severities", options->severities, "severities 1..5")
    ->delimiter(',')
    ->allow_extra_args(false)
    ->check(wholeNumber(1, 5))
    ->type_name("LIST");
  command.add_option("--seed", options->seed, "random seed")->check(wholeNumber(0, INT64_MAX));
  command.add_option("--limit", options->limit, "the first N images of the dataset (0: all)")
    ->check(wholeNumber(0, INT64_MAX));
  command.add_option("--workers", options->workers, "decoding threads (0: one per core)")
    ->check(wholeNumber(0, 1024));
  command
    .add_option_function<std::string>(
      "--format",
      [options](const std::string& format) { options->extension = "." + format; },
      "image format")
    ->check(CLI::IsMember({ "png", "jpg" }))
    ->type_name("png|jpg");
  command
    .add_option("--ood-set",
                options->oodSet,
                "one of the demo's OOD sets: noise, blur, weather, digital, geometric, sketch, all")
    ->type_name("SET");
  command.add_flag_callback(
    "--no-sketch", [options]() { options->sketch = false; }, "leave out the sketch folder");
  command.add_flag("--overwrite", options->overwrite, "rewrite files that exist");
  command.add_flag("--skip-bad", options->skipBad, "skip unreadable images instead of stopping");
  return [options, &command]()
  {
    options->seedGiven = command.count("--seed") > 0;
    return runMakeOod(*options);
  };
}

} // namespace

BMFL_REGISTER_COMMAND(
  makeOod,
  "make-ood",
  "write corrupted copies of a dataset (ImageNet-C layout) or the demo's OOD sets",
  defineMakeOod);

} // namespace bmfl::cli

#else // built without OpenCV: the command exists and says why it cannot run

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun defineMakeOod(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl make-ood: this build has no image support (OpenCV was not found)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(makeOod,
                      "make-ood",
                      "write corrupted copies of a dataset (needs OpenCV)",
                      defineMakeOod);
} // namespace bmfl::cli

#endif
