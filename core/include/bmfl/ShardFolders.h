#pragma once

// Sharded evaluation and feature extraction: each shard (one Slurm array task, say) writes its
// part of the work into a result folder of its own, which `bmfl merge` combines into what one
// unsharded run gives. Folder formats: docs/SHARDS.md.

#include "bmfl/Evaluation.h"
#include "bmfl/Shards.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

/// What a shard folder is for and about: the bundle, the datasets (specs[i] opened as
/// datasets[i]), the shard and the folder. Its manifest records these (the bundle by its
/// manifest's SHA-256, a dataset by spec, name, image count and class list).
struct ShardJob
{
  std::string bundleDir;
  std::vector<std::string> specs;
  std::vector<std::shared_ptr<const ImageDataset>> datasets;
  Shard shard;
  std::string outDir;
};

/// How far a sharded run is: an item (an evaluation row, a chunk of a dataset's features),
/// images done of total; alreadyDone for an item found finished by an earlier run.
struct ShardProgress
{
  std::string item;
  std::size_t done = 0;
  std::size_t total = 0;
  bool alreadyDone = false;
};
using ShardProgressFunction = std::function<void(const ShardProgress&)>;

struct ShardRunSummary
{
  std::size_t itemsWritten = 0;
  std::size_t itemsReused = 0; ///< found finished in the folder and left untouched
  bool cancelled = false;      ///< the items written stay; a rerun resumes
};

/// Evaluates the shard's block of every evaluation row (evaluationRows of the datasets, at most
/// options.limit images each; shardRange splits each row) and writes each row's per-image
/// predictions to the folder as it finishes (atomically). A folder from an earlier run with the
/// same settings is resumed: its finished rows are kept as they are. Throws FileError naming the
/// folder when it holds another run's results, std::invalid_argument as evaluateDatasets.
ShardRunSummary evaluateShard(InferenceEngine& engine,
                              const ShardJob& job,
                              const EvaluationOptions& options,
                              const ShardProgressFunction& progress = {},
                              const std::atomic<bool>* cancel = nullptr);

enum class FeatureType
{
  Float32,
  Float16
};

struct FeatureOptions
{
  EvaluationOptions evaluation; ///< batch size, limit (per dataset), decoding threads
  FeatureType type = FeatureType::Float32;
  std::size_t chunkImages = 1024; ///< images per chunk file: what a killed run keeps
};

/// Extracts, per image of the shard's block of every dataset, the [CLS] token, the mean patch
/// token and the predicted fMRI (the engine must be opened with EngineOptions::imageFeatures),
/// written as .npy chunks with the images' ids and labels; resumable per chunk like
/// evaluateShard.
ShardRunSummary extractFeatureShard(InferenceEngine& engine,
                                    const ShardJob& job,
                                    const FeatureOptions& options,
                                    const ShardProgressFunction& progress = {},
                                    const std::atomic<bool>* cancel = nullptr);

enum class ShardFolderKind
{
  Evaluation,
  Features
};

/// What a shard folder holds, from its manifest. Throws FileError naming it when it is none.
ShardFolderKind shardFolderKind(const std::string& dir);

/// The evaluation rows of a complete set of evaluation shard folders (any order), verdicts
/// included: exactly what evaluateDatasets gives for the same rows unsharded. Throws FileError,
/// one line naming the folder, for a folder of another bundle, other datasets or settings, or
/// another shard count, a shard given twice, unfinished rows; and naming the missing shards.
std::vector<DatasetAccuracy> mergeEvaluationShards(const std::vector<std::string>& dirs);

/// Concatenates a complete set of feature shard folders into one folder, each dataset's arrays
/// in image order (refusals as mergeEvaluationShards). Returns the images written.
std::size_t mergeFeatureShards(const std::vector<std::string>& dirs, const std::string& outDir);

} // namespace bmfl
