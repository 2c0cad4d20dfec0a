#include "bmfl/ShardFolders.h"

#include "Predictions.h"
#include "ShardManifest.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr const char* EvaluationFormat = "bmfl-evaluation-shard";
constexpr const char* RowHeader = "index,label,baseline,bmfl";

/// Row r's file inside a shard folder: rows/00001.csv for the first.
std::string rowFile(std::size_t r)
{
  char name[32];
  std::snprintf(name, sizeof name, "rows/%05zu.csv", r + 1);
  return name;
}

std::size_t rowImages(const ImageDataset& row, std::size_t limit)
{
  return limit > 0 ? std::min(limit, row.size()) : row.size();
}

/// Reads one shard's block of a row (the images range, in order) into row.
void readRowFile(const detail::ShardFolder& folder,
                 const std::string& file,
                 const IndexRange& range,
                 DatasetAccuracy& row)
{
  const std::string path = (fs::path(folder.dir) / file).string();
  std::error_code error;
  if (!fs::exists(path, error))
  {
    throw FileError(folder.dir,
                    "row " + row.dataset + " is not finished (no " + file + "): rerun shard " +
                      folder.shard.text() + " to resume it");
  }
  requireRegularFile(path, "an evaluation row");
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != RowHeader)
  {
    throw FileError(path, std::string("does not start with the header ") + RowHeader);
  }
  std::size_t expected = range.begin;
  std::size_t lineNumber = 1;
  while (std::getline(in, line))
  {
    ++lineNumber;
    long long index = 0;
    int label = 0;
    int baseline = 0;
    int bmfl = 0;
    char end = 0;
    if (std::sscanf(line.c_str(), "%lld,%d,%d,%d%c", &index, &label, &baseline, &bmfl, &end) != 4 ||
        index < 0 || static_cast<std::size_t>(index) != expected || expected >= range.end)
    {
      throw FileError(path,
                      "line " + std::to_string(lineNumber) + " is not the verdict of image " +
                        std::to_string(expected) + " of " + std::to_string(range.begin) + "-" +
                        std::to_string(range.end));
    }
    ++expected;
    if (label < 0)
    {
      continue; // unlabelled images count in no accuracy
    }
    row.add(baseline == label, bmfl == label);
    row.verdicts.push_back({ static_cast<std::size_t>(index), baseline == label, bmfl == label });
  }
  if (expected != range.end)
  {
    throw FileError(path,
                    "holds images " + std::to_string(range.begin) + "-" + std::to_string(expected) +
                      ", not " + std::to_string(range.begin) + "-" + std::to_string(range.end));
  }
}

} // namespace

ShardRunSummary evaluateShard(InferenceEngine& engine,
                              const ShardJob& job,
                              const EvaluationOptions& options,
                              const ShardProgressFunction& progress,
                              const std::atomic<bool>* cancel)
{
  const std::vector<std::shared_ptr<const ImageDataset>> rows = evaluationRows(job.datasets);
  const std::vector<PreprocessConfig> transforms =
    detail::checkedTransforms(engine.manifest(), rows);
  JsonValue manifest = detail::shardManifest(EvaluationFormat, job, options.limit);
  JsonValue rowList = JsonValue::array();
  for (std::size_t r = 0; r < rows.size(); ++r)
  {
    JsonValue entry = JsonValue::object();
    entry.set("name", rows[r]->name());
    const std::optional<ImageDataset::Part> part = rows[r]->partOf();
    entry.set("whole", part ? part->whole : std::string());
    entry.set("part", part ? part->part : std::string());
    entry.set("images", static_cast<std::uint64_t>(rowImages(*rows[r], options.limit)));
    entry.set("file", rowFile(r));
    rowList.push(std::move(entry));
  }
  manifest.set("rows", std::move(rowList));
  detail::openShardFolder(job.outDir, manifest);
  std::error_code error;
  fs::create_directories(fs::path(job.outDir) / "rows", error);
  if (error)
  {
    throw FileError(job.outDir + "/rows", "cannot create the folder: " + error.message());
  }

  ShardRunSummary summary;
  for (std::size_t r = 0; r < rows.size(); ++r)
  {
    const std::string path = (fs::path(job.outDir) / rowFile(r)).string();
    const IndexRange range = shardRange(job.shard, rowImages(*rows[r], options.limit));
    if (fs::exists(path, error))
    {
      ++summary.itemsReused;
      if (progress)
      {
        progress({ rows[r]->name(), range.size(), range.size(), true });
      }
      continue;
    }
    const std::vector<int> outputIndices = rows[r]->outputIndices();
    std::ostringstream csv;
    csv << RowHeader << '\n';
    std::size_t done = 0;
    const bool finished = detail::streamPredictions(
      engine,
      rows[r],
      transforms[r],
      range,
      options,
      [&](const detail::PredictionBatch& batch)
      {
        for (std::size_t i = 0; i < batch.results.size(); ++i)
        {
          csv << batch.indices[i] << ',' << batch.labels[i] << ','
              << predictedLabel(batch.results[i].baselineProbabilities, outputIndices) << ','
              << predictedLabel(batch.results[i].bmflProbabilities, outputIndices) << '\n';
        }
        done += batch.results.size();
        if (progress)
        {
          progress({ rows[r]->name(), done, range.size(), false });
        }
      },
      cancel);
    if (!finished)
    {
      summary.cancelled = true;
      break;
    }
    writeTextFileAtomically(path, csv.str());
    ++summary.itemsWritten;
  }
  return summary;
}

ShardFolderKind shardFolderKind(const std::string& dir)
{
  const std::string path = (fs::path(dir) / detail::ShardManifestFile).string();
  requireRegularFile(path, "a shard folder's manifest");
  const JsonValue manifest = readJsonFile(path);
  const JsonValue* format = manifest.find("format");
  if (format != nullptr && *format == JsonValue(EvaluationFormat))
  {
    return ShardFolderKind::Evaluation;
  }
  if (format != nullptr && *format == JsonValue("bmfl-feature-shard"))
  {
    return ShardFolderKind::Features;
  }
  throw FileError(dir, "is neither an evaluation nor a feature shard folder");
}

std::vector<DatasetAccuracy> mergeEvaluationShards(const std::vector<std::string>& dirs)
{
  const std::vector<detail::ShardFolder> folders = detail::readShardSet(dirs, EvaluationFormat);
  const detail::ShardFolder& first = folders.front();
  const JsonValue::Array& rowList = detail::manifestArray(first.dir, first.manifest, "rows");
  std::vector<DatasetAccuracy> rows;
  for (std::size_t r = 0; r < rowList.size(); ++r)
  {
    const JsonValue& entry = rowList[r];
    DatasetAccuracy row;
    row.dataset = detail::manifestText(first.dir, entry, "name");
    row.whole = detail::manifestText(first.dir, entry, "whole");
    row.part = detail::manifestText(first.dir, entry, "part");
    const std::size_t images = detail::manifestCount(first.dir, entry, "images");
    if (detail::manifestText(first.dir, entry, "file") != rowFile(r))
    {
      throw FileError(first.dir, "manifest row " + std::to_string(r + 1) + " names another file");
    }
    for (const detail::ShardFolder& folder : folders)
    {
      readRowFile(folder, rowFile(r), shardRange(folder.shard, images), row);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

} // namespace bmfl
