#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/AtomicFile.h"
#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>

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

std::vector<std::string> splitList(const std::string& text)
{
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
  {
    if (!item.empty())
    {
      items.push_back(item);
    }
  }
  return items;
}

std::uint64_t parseCount(const std::string& option, const std::string& text)
{
  std::size_t used = 0;
  unsigned long long value = 0;
  try
  {
    value = std::stoull(text, &used);
  }
  catch (const std::exception&)
  {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-')
  {
    throw std::invalid_argument(option + " takes a non-negative whole number, not '" + text + "'");
  }
  return value;
}

MakeOodOptions parseOptions(const std::vector<std::string>& arguments)
{
  MakeOodOptions options;
  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    const std::string& option = arguments[i];
    const auto value = [&]() -> const std::string&
    {
      if (i + 1 >= arguments.size())
      {
        throw std::invalid_argument(option + " needs a value");
      }
      return arguments[++i];
    };
    if (option == "--dataset")
    {
      options.dataset = value();
    }
    else if (option == "--out")
    {
      options.out = value();
    }
    else if (option == "--corruptions")
    {
      const std::string list = value();
      options.corruptions.clear();
      options.sketch = false;
      for (const std::string& name : splitList(list))
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
          throw std::invalid_argument("unknown corruption '" + name + "'");
        }
      }
    }
    else if (option == "--severities")
    {
      options.severities.clear();
      for (const std::string& text : splitList(value()))
      {
        const std::uint64_t severity = parseCount("--severities", text);
        if (severity < 1 || severity > 5)
        {
          throw std::invalid_argument("severities are 1..5, not " + text);
        }
        options.severities.push_back(static_cast<int>(severity));
      }
    }
    else if (option == "--seed")
    {
      options.seed = parseCount(option, value());
      options.seedGiven = true;
    }
    else if (option == "--limit")
    {
      options.limit = static_cast<std::size_t>(parseCount(option, value()));
    }
    else if (option == "--workers")
    {
      options.workers = static_cast<int>(parseCount(option, value()));
    }
    else if (option == "--format")
    {
      const std::string format = value();
      if (format != "png" && format != "jpg")
      {
        throw std::invalid_argument("--format is png or jpg");
      }
      options.extension = "." + format;
    }
    else if (option == "--ood-set")
    {
      options.oodSet = value();
    }
    else if (option == "--no-sketch")
    {
      options.sketch = false;
    }
    else if (option == "--overwrite")
    {
      options.overwrite = true;
    }
    else if (option == "--skip-bad")
    {
      options.skipBad = true;
    }
    else
    {
      throw std::invalid_argument("unknown option '" + option + "'");
    }
  }
  if (options.out.empty())
  {
    throw std::invalid_argument("--out DIR is required");
  }
  if (options.dataset.empty() && options.oodSet.empty())
  {
    throw std::invalid_argument("--dataset SPEC (or --ood-set SET) is required");
  }
  return options;
}

/// One output folder's worth of work: a (corrupted) dataset written under a folder.
struct Job
{
  std::shared_ptr<const ImageDataset> dataset;
  fs::path folder;
};

std::string jsonString(const std::string& text)
{
  std::string quoted = "\"";
  for (char c : text)
  {
    if (c == '"' || c == '\\')
    {
      quoted += '\\';
    }
    if (static_cast<unsigned char>(c) < 0x20)
    {
      std::ostringstream escape;
      escape << "\\u" << std::hex << std::setw(4) << std::setfill('0') << static_cast<int>(c);
      quoted += escape.str();
      continue;
    }
    quoted += c;
  }
  return quoted + "\"";
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

int runMakeOod(const std::vector<std::string>& arguments)
{
  MakeOodOptions options;
  try
  {
    options = parseOptions(arguments);
  }
  catch (const std::invalid_argument& error)
  {
    std::cerr << "bmfl make-ood: " << error.what() << "\n";
    return 2;
  }

  std::vector<Job> jobs;
  std::shared_ptr<const ImageDataset> base;
  try
  {
    base = openImageDataset(options.dataset.empty() ? "fashion-mnist:test" : options.dataset);
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
        if (options.oodSet == "all" || options.oodSet == set.key ||
            options.oodSet == set.folderName)
        {
          jobs.push_back({ makeOodSet(base, set.key, options.seed), out / set.folderName });
        }
      }
      if (jobs.empty())
      {
        throw std::invalid_argument("unknown OOD set '" + options.oodSet +
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
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl make-ood: " << error.what() << "\n";
    return 1;
  }
  catch (const std::invalid_argument& error)
  {
    std::cerr << "bmfl make-ood: " << error.what() << "\n";
    return 2;
  }

  const std::size_t perJob =
    options.limit > 0 ? std::min(options.limit, base->size()) : base->size();
  Progress progress(perJob * jobs.size());
  std::cerr << "make-ood: " << base->name() << ", " << perJob << " images x " << jobs.size()
            << " folders -> " << options.out << "\n";

  interrupted.store(false);
  const auto previousInt = std::signal(SIGINT, onInterrupt);
  const auto previousTerm = std::signal(SIGTERM, onInterrupt);
  std::size_t written = 0;
  std::size_t kept = 0;
  std::size_t skipped = 0;
  int status = 0;
  try
  {
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
          ++kept; // made by an earlier, interrupted run: same seed, same bytes
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
        std::cerr << "make-ood: skipped " << warning << "\n";
      }
      if (interrupted.load())
      {
        break;
      }
    }
    if (interrupted.load())
    {
      std::cerr << "make-ood: interrupted after " << progress.done()
                << " images; every file written is complete (run again to finish)\n";
      status = 130;
    }
    else
    {
      std::ostringstream manifest;
      manifest << "{\n  \"dataset\": " << jsonString(base->name())
               << ",\n  \"seed\": " << options.seed << ",\n  \"limit\": " << options.limit
               << ",\n  \"images_per_folder\": " << perJob << ",\n  \"folders\": [";
      for (std::size_t i = 0; i < jobs.size(); ++i)
      {
        manifest << (i ? ", " : "")
                 << jsonString(jobs[i].folder.lexically_relative(options.out).generic_string());
      }
      manifest << "],\n  \"written\": " << written << ",\n  \"kept\": " << kept
               << ",\n  \"skipped\": " << skipped << "\n}\n";
      writeTextFileAtomically((fs::path(options.out) / "make-ood.json").string(), manifest.str());
      std::cout << "make-ood: " << written << " images written, " << kept << " already present, "
                << skipped << " skipped, in " << jobs.size() << " folders under " << options.out
                << "\n";
    }
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl make-ood: " << error.what() << "\n";
    status = 1;
  }
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);
  return status;
}

} // namespace

BMFL_REGISTER_COMMAND(
  makeOod,
  "make-ood",
  "write corrupted copies of a dataset (ImageNet-C layout) or the demo's OOD sets",
  "bmfl make-ood --dataset SPEC --out DIR [--corruptions LIST] [--severities LIST] [--seed N]\n"
  "                     [--limit N] [--workers N] [--format png|jpg] [--no-sketch] [--overwrite]\n"
  "                     [--skip-bad]\n"
  "       bmfl make-ood --ood-set noise|blur|weather|digital|geometric|sketch|all --out DIR\n"
  "                     [--dataset SPEC (default fashion-mnist:test)] [--limit N]\n"
  "Writes DIR/<corruption>/<severity>/<class>/<id>.png and DIR/sketch/<class>/<id>.png; LIST is\n"
  "comma-separated: corruption names, 'standard' (the 15, the default), 'all', 'sketch'. Existing\n"
  "files are kept (re-running finishes an interrupted run). See docs/DATASETS.md.",
  runMakeOod);

} // namespace bmfl::cli

#else // built without OpenCV: the command exists and says why it cannot run

#include <iostream>

namespace bmfl::cli
{
namespace
{
int runMakeOod(const std::vector<std::string>&)
{
  std::cerr << "bmfl make-ood: this build has no image support (OpenCV was not found)\n";
  return 1;
}
} // namespace
BMFL_REGISTER_COMMAND(makeOod,
                      "make-ood",
                      "write corrupted copies of a dataset (needs OpenCV)",
                      "bmfl make-ood --dataset SPEC --out DIR",
                      runMakeOod);
} // namespace bmfl::cli

#endif
