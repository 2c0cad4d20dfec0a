#pragma once

// Evaluating a bundle's heads on cached features (issue #13): the frozen encoders run once per
// image into a cache folder; a later evaluation of the same bundle, or of another bundle whose
// heads share its frozen encoders (an ablation, a lever), reads the cache and runs the heads
// alone. Torch-free.

#include "bmfl/Evaluation.h"
#include "bmfl/ImageDataset.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

struct CachedEvaluationOptions
{
  /// The cache folder (created when missing). It records what made it (the image encoder's and
  /// brain encoder's weights checksums and both transforms); a bundle with other encoders or
  /// transforms is refused with a FileError naming it.
  std::string cacheDir;
  std::string device = "auto"; ///< as EngineOptions::device
  int batchSize = 64;
  std::size_t limit = 0; ///< at most this many images per dataset (0: all)
  int workers = 0;       ///< decoding threads for the images not cached yet (0: one per core)
};

struct CachedEvaluationResult
{
  std::vector<DatasetAccuracy> rows; ///< as evaluateDatasets counts them
  std::size_t cachedImages = 0;      ///< images whose features were read from the cache
  std::size_t computedImages = 0;    ///< images the encoders ran on (now cached)
  bool cancelled = false;            ///< then rows hold the datasets finished before
};

/// Progress: a row (its dataset's name) is done, with this many images.
using CachedEvaluationProgress = std::function<void(const std::string& row, std::size_t images)>;

/// The key a cache folder records for a bundle: a digest of its encoder and brain encoder
/// weights checksums and its (brain) preprocessing. Bundles with equal keys share a cache.
std::string featureCacheKey(const std::string& bundleDir);

/// Evaluates the bundle's baseline and BMFL heads on the rows (evaluationRows) of the datasets
/// the specs name (opened with the bundle's classes), each row's images transformed as
/// evaluateDatasets transforms them, through the cache: the encoders run only on images not
/// cached yet. The heads read the image features rounded to
/// fp16 (as cached), also on the first pass, so that every pass gives the same verdicts. Throws
/// FileError for a cache made by other encoders or transforms, std::invalid_argument for a
/// dataset whose classes do not fit the model or that scores a subset of the classes
/// (ImageNet-A/R: evaluate those from images).
CachedEvaluationResult evaluateDatasetsCached(const std::string& bundleDir,
                                              const std::vector<std::string>& datasetSpecs,
                                              const CachedEvaluationOptions& options,
                                              const CachedEvaluationProgress& progress = {},
                                              const std::atomic<bool>* cancel = nullptr);

} // namespace bmfl
