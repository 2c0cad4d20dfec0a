#pragma once

// The evaluation room's one loop over a dataset: images streamed (decoded on worker threads),
// batched through the engine, results handed on batch by batch. Shared by evaluateDatasets, the
// sharded evaluation and the feature extraction.

#include "bmfl/Evaluation.h"
#include "bmfl/Shards.h"

namespace bmfl::detail
{

/// Each dataset's transform (datasetPreprocess), once every dataset's classes are checked to fit
/// the model. Throws std::invalid_argument naming a dataset that does not fit.
std::vector<PreprocessConfig> checkedTransforms(
  const BundleManifest& manifest,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets);

/// A batch's images: their indices in the dataset, labels (-1: none) and the engine's results.
struct PredictionBatch
{
  std::vector<std::size_t> indices;
  std::vector<int> labels;
  std::vector<ImageResult> results;
};

/// Streams images range of dataset through the engine in batches of options.batchSize and calls
/// onBatch after each. Returns false when cancel became true: the batch being filled is then
/// dropped.
bool streamPredictions(InferenceEngine& engine,
                       const std::shared_ptr<const ImageDataset>& dataset,
                       const PreprocessConfig& transform,
                       const IndexRange& range,
                       const EvaluationOptions& options,
                       const std::function<void(const PredictionBatch&)>& onBatch,
                       const std::atomic<bool>* cancel);

} // namespace bmfl::detail
