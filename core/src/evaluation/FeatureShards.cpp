#include "bmfl/ShardFolders.h"

#include "Predictions.h"
#include "ShardManifest.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Printable.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr const char* FeatureFormat = "bmfl-feature-shard";
constexpr const char* MergedFeatureFormat = "bmfl-features";

/// An IEEE half from a float, rounded to nearest even (overflow to infinity).
std::uint16_t toHalf(float value)
{
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000U);
  std::uint32_t mantissa = bits & 0x7FFFFFU;
  const int exponent = static_cast<int>((bits >> 23) & 0xFFU);
  if (exponent == 255) // infinity, NaN
  {
    return static_cast<std::uint16_t>(sign | 0x7C00U | (mantissa != 0 ? 0x200U : 0U));
  }
  const int halfExponent = exponent - 127 + 15;
  if (halfExponent >= 31)
  {
    return static_cast<std::uint16_t>(sign | 0x7C00U);
  }
  std::uint32_t half = 0;
  std::uint32_t rest = 0;
  std::uint32_t halfway = 0;
  if (halfExponent <= 0) // a subnormal half, or zero
  {
    if (halfExponent < -10)
    {
      return sign;
    }
    mantissa |= 0x800000U;
    const int shift = 14 - halfExponent;
    half = mantissa >> shift;
    rest = mantissa & ((1U << shift) - 1U);
    halfway = 1U << (shift - 1);
  }
  else
  {
    half = (static_cast<std::uint32_t>(halfExponent) << 10) | (mantissa >> 13);
    rest = mantissa & 0x1FFFU;
    halfway = 0x1000U;
  }
  if (rest > halfway || (rest == halfway && (half & 1U) != 0))
  {
    ++half; // a carry into the exponent is the correct rounding
  }
  return static_cast<std::uint16_t>(sign | half);
}

/// A .npy version 1.0 header (C order, little-endian) for descr ('<f4', '<f2', '<i8') and shape,
/// padded so the data start at a multiple of 64 bytes.
std::string npyHeader(const std::string& descr, const std::vector<std::uint64_t>& shape)
{
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    dict += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
  }
  dict += "), }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xFFU);
  header += static_cast<char>((dict.size() >> 8) & 0xFFU);
  return header + dict;
}

std::string floatDescr(FeatureType type)
{
  return type == FeatureType::Float16 ? "<f2" : "<f4";
}

/// Appends values little-endian as the array's element type.
void appendFloats(std::vector<std::uint8_t>& bytes,
                  const std::vector<float>& values,
                  FeatureType type)
{
  for (float value : values)
  {
    if (type == FeatureType::Float16)
    {
      const std::uint16_t half = toHalf(value);
      bytes.push_back(static_cast<std::uint8_t>(half & 0xFFU));
      bytes.push_back(static_cast<std::uint8_t>(half >> 8));
    }
    else
    {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &value, sizeof bits);
      for (int shift = 0; shift < 32; shift += 8)
      {
        bytes.push_back(static_cast<std::uint8_t>((bits >> shift) & 0xFFU));
      }
    }
  }
}

/// The bytes of a .npy array: header, then data.
std::vector<std::uint8_t> npyBytes(const std::string& descr,
                                   const std::vector<std::uint64_t>& shape,
                                   const std::vector<std::uint8_t>& data)
{
  const std::string header = npyHeader(descr, shape);
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::string datasetFolder(std::size_t d)
{
  return "dataset-" + std::to_string(d + 1);
}

/// A chunk's files start with its first image's index: dataset-1/000001024.cls.npy.
std::string chunkStem(std::size_t d, std::size_t first)
{
  char name[32];
  std::snprintf(name, sizeof name, "%09zu", first);
  return datasetFolder(d) + "/" + name;
}

std::size_t datasetImages(const std::string& dir, const JsonValue& dataset, std::size_t limit)
{
  const std::size_t images = detail::manifestCount(dir, dataset, "images");
  return limit > 0 ? std::min(limit, images) : images;
}

/// The chunks of range: [first, end) cut at multiples of chunkImages.
std::vector<IndexRange> chunksOf(const IndexRange& range, std::size_t chunkImages)
{
  std::vector<IndexRange> chunks;
  for (std::size_t first = range.begin; first < range.end;)
  {
    const std::size_t end = std::min(range.end, (first / chunkImages + 1) * chunkImages);
    chunks.push_back({ first, end });
    first = end;
  }
  return chunks;
}

/// Copies a chunk file's data to out after checking its header is the one written for shape.
void appendNpyData(const std::string& path,
                   const std::string& descr,
                   const std::vector<std::uint64_t>& shape,
                   std::size_t elementBytes,
                   std::ofstream& out)
{
  requireRegularFile(path, "a feature chunk");
  const std::string header = npyHeader(descr, shape);
  std::uint64_t elements = elementBytes;
  for (std::uint64_t side : shape)
  {
    elements *= side;
  }
  std::error_code error;
  if (fs::file_size(path, error) != header.size() + elements)
  {
    throw FileError(path, "is not the " + descr + " array of shape the manifest implies");
  }
  std::ifstream in(path, std::ios::binary);
  std::string start(header.size(), '\0');
  in.read(start.data(), static_cast<std::streamsize>(start.size()));
  if (!in || start != header)
  {
    throw FileError(path, "is not the " + descr + " array of shape the manifest implies");
  }
  out << in.rdbuf();
}

} // namespace

ShardRunSummary extractFeatureShard(InferenceEngine& engine,
                                    const ShardJob& job,
                                    const FeatureOptions& options,
                                    const ShardProgressFunction& progress,
                                    const std::atomic<bool>* cancel)
{
  if (options.chunkImages < 1)
  {
    throw std::invalid_argument("feature chunks need at least one image");
  }
  const BundleManifest& bundle = engine.manifest();
  JsonValue manifest = detail::shardManifest(FeatureFormat, job, options.evaluation.limit);
  manifest.set("dtype", options.type == FeatureType::Float16 ? "float16" : "float32");
  manifest.set("chunk_images", static_cast<std::uint64_t>(options.chunkImages));
  manifest.set("cls_dim", bundle.model.encoder.embedDim);
  manifest.set("fmri_dim", static_cast<std::uint64_t>(bundle.vertexSpace.size()));
  detail::openShardFolder(job.outDir, manifest);
  const auto dim = static_cast<std::size_t>(bundle.model.encoder.embedDim);
  const std::size_t vertices = bundle.vertexSpace.size();
  const std::string descr = floatDescr(options.type);

  ShardRunSummary summary;
  for (std::size_t d = 0; d < job.datasets.size() && !summary.cancelled; ++d)
  {
    std::error_code error;
    fs::create_directories(fs::path(job.outDir) / datasetFolder(d), error);
    if (error)
    {
      throw FileError(job.outDir + "/" + datasetFolder(d),
                      "cannot create the folder: " + error.message());
    }
    const std::size_t total = options.evaluation.limit > 0
                                ? std::min(options.evaluation.limit, job.datasets[d]->size())
                                : job.datasets[d]->size();
    const PreprocessConfig transform = datasetPreprocess(*job.datasets[d], bundle.preprocess);
    for (const IndexRange& chunk : chunksOf(shardRange(job.shard, total), options.chunkImages))
    {
      const std::string stem = (fs::path(job.outDir) / chunkStem(d, chunk.begin)).string();
      const std::string item = job.datasets[d]->name() + " " + std::to_string(chunk.begin) + "-" +
                               std::to_string(chunk.end);
      // The ids file is written last: a chunk with it is complete.
      if (fs::exists(stem + ".ids.txt", error))
      {
        ++summary.itemsReused;
        if (progress)
        {
          progress({ item, chunk.size(), chunk.size(), true });
        }
        continue;
      }
      std::vector<std::vector<std::uint8_t>> floats(3); // cls, mean_patch, fmri
      std::vector<std::uint8_t> labels;
      std::string ids;
      std::size_t done = 0;
      const bool finished = detail::streamPredictions(
        engine,
        job.datasets[d],
        transform,
        chunk,
        options.evaluation,
        [&](const detail::PredictionBatch& batch)
        {
          for (std::size_t i = 0; i < batch.results.size(); ++i)
          {
            const ImageResult& result = batch.results[i];
            if (result.clsToken.size() != dim || result.meanPatchToken.size() != dim ||
                result.predictedFmri.size() != vertices)
            {
              throw std::logic_error("feature extraction needs an engine opened with "
                                     "EngineOptions::imageFeatures");
            }
            appendFloats(floats[0], result.clsToken, options.type);
            appendFloats(floats[1], result.meanPatchToken, options.type);
            appendFloats(floats[2], result.predictedFmri, options.type);
            const auto label = static_cast<std::int64_t>(batch.labels[i]);
            for (int shift = 0; shift < 64; shift += 8)
            {
              labels.push_back(
                static_cast<std::uint8_t>((static_cast<std::uint64_t>(label) >> shift) & 0xFFU));
            }
            ids += printable(result.id) + "\n";
          }
          done += batch.results.size();
          if (progress)
          {
            progress({ item, done, chunk.size(), false });
          }
        },
        cancel);
      if (!finished)
      {
        summary.cancelled = true;
        break;
      }
      const std::uint64_t rows = chunk.size();
      writeFileAtomically(stem + ".cls.npy", npyBytes(descr, { rows, dim }, floats[0]));
      writeFileAtomically(stem + ".mean_patch.npy", npyBytes(descr, { rows, dim }, floats[1]));
      writeFileAtomically(stem + ".fmri.npy", npyBytes(descr, { rows, vertices }, floats[2]));
      writeFileAtomically(stem + ".labels.npy", npyBytes("<i8", { rows }, labels));
      writeTextFileAtomically(stem + ".ids.txt", ids);
      ++summary.itemsWritten;
    }
  }
  return summary;
}

std::size_t mergeFeatureShards(const std::vector<std::string>& dirs, const std::string& outDir)
{
  const std::vector<detail::ShardFolder> folders = detail::readShardSet(dirs, FeatureFormat);
  const detail::ShardFolder& first = folders.front();
  const JsonValue::Array& datasets = detail::manifestArray(first.dir, first.manifest, "datasets");
  const std::size_t limit = detail::manifestCount(first.dir, first.manifest, "limit");
  const std::size_t chunkImages = detail::manifestCount(first.dir, first.manifest, "chunk_images");
  const std::uint64_t dim = detail::manifestCount(first.dir, first.manifest, "cls_dim");
  const std::uint64_t vertices = detail::manifestCount(first.dir, first.manifest, "fmri_dim");
  const std::string& dtype = detail::manifestText(first.dir, first.manifest, "dtype");
  if ((dtype != "float32" && dtype != "float16") || chunkImages < 1)
  {
    throw FileError(first.dir, "manifest names dtype '" + dtype + "' or no chunk size");
  }
  const std::string descr = dtype == "float16" ? "<f2" : "<f4";
  const std::size_t floatBytes = dtype == "float16" ? 2 : 4;

  std::error_code error;
  const fs::path outManifest = fs::path(outDir) / detail::ShardManifestFile;
  if (fs::exists(outManifest, error))
  {
    const JsonValue existing = readJsonFile(outManifest.string());
    if (existing.find("format") == nullptr ||
        *existing.find("format") != JsonValue(MergedFeatureFormat))
    {
      throw FileError(outDir, "holds other results (a shard folder?): choose another --out");
    }
  }
  else if (fs::is_directory(outDir, error) && !fs::is_empty(outDir, error))
  {
    throw FileError(outDir, "is not empty and holds no merged features: choose another --out");
  }
  fs::create_directories(outDir, error);
  if (error || !fs::is_directory(outDir, error))
  {
    throw FileError(outDir, "cannot create the folder");
  }
  JsonValue merged = first.manifest;
  merged.asObject().front().second = MergedFeatureFormat;
  merged.erase("shard");
  merged.erase("chunk_images");
  merged.set("merged_shards", static_cast<std::uint64_t>(folders.size()));
  // A partial result is never left under a final name: each file is written beside it first.
  const std::string hidden = "." + std::to_string(getpid()) + ".partial";
  std::size_t written = 0;
  for (std::size_t d = 0; d < datasets.size(); ++d)
  {
    const std::uint64_t total = datasetImages(first.dir, datasets[d], limit);
    const fs::path target = fs::path(outDir) / datasetFolder(d);
    fs::create_directories(target, error);
    if (error)
    {
      throw FileError(target.string(), "cannot create the folder: " + error.message());
    }
    struct Output
    {
      std::string name;
      std::string descr;
      std::vector<std::uint64_t> shape;
      std::size_t elementBytes;
    };
    const std::vector<Output> outputs = {
      { "cls.npy", descr, { total, dim }, floatBytes },
      { "mean_patch.npy", descr, { total, dim }, floatBytes },
      { "fmri.npy", descr, { total, vertices }, floatBytes },
      { "labels.npy", "<i8", { total }, 8 },
      { "ids.txt", "", {}, 0 },
    };
    for (const Output& output : outputs)
    {
      const fs::path path = target / output.name;
      const std::string partial = (target / (output.name + hidden)).string();
      {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!output.descr.empty())
        {
          out << npyHeader(output.descr, output.shape);
        }
        for (const detail::ShardFolder& folder : folders)
        {
          for (const IndexRange& chunk : chunksOf(shardRange(folder.shard, total), chunkImages))
          {
            const std::string stem = (fs::path(folder.dir) / chunkStem(d, chunk.begin)).string();
            if (!fs::exists(stem + ".ids.txt", error))
            {
              fs::remove(partial, error);
              throw FileError(folder.dir,
                              "images " + std::to_string(chunk.begin) + "-" +
                                std::to_string(chunk.end) + " of " + datasetFolder(d) +
                                " are not finished: rerun shard " + folder.shard.text() +
                                " to resume it");
            }
            try
            {
              if (output.descr.empty())
              {
                requireRegularFile(stem + ".ids.txt", "a feature chunk's ids");
                std::ifstream in(stem + ".ids.txt", std::ios::binary);
                out << in.rdbuf();
              }
              else
              {
                std::vector<std::uint64_t> shape = output.shape;
                shape[0] = chunk.size();
                appendNpyData(
                  stem + "." + output.name, output.descr, shape, output.elementBytes, out);
              }
            }
            catch (...)
            {
              fs::remove(partial, error);
              throw;
            }
          }
        }
        out.flush();
        if (!out)
        {
          fs::remove(partial, error);
          throw FileError(path.string(), "cannot be written");
        }
      }
      fs::rename(partial, path, error);
      if (error)
      {
        fs::remove(partial, error);
        throw FileError(path.string(), "cannot be written: " + error.message());
      }
    }
    written += total;
  }
  writeTextFileAtomically((fs::path(outDir) / detail::ShardManifestFile).string(),
                          writeJson(merged) + "\n");
  return written;
}

} // namespace bmfl
