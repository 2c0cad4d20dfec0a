#pragma once

// The on-disk cache of frozen-encoder outputs used by training: one file per image, keyed by the
// image id and by a key naming the encoder weights and preprocessing (features) or the brain
// encoder weights (predicted fMRI). Torch-free: float vectors in, float vectors out.

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

struct CachedFeatures
{
  std::int64_t dim = 0;    ///< D
  std::int64_t tokens = 0; ///< N patches
  std::int64_t gridHeight = 0;
  std::int64_t gridWidth = 0;
  std::vector<float> cls;       ///< D
  std::vector<float> patches;   ///< N * D
  std::vector<float> lastQuery; ///< N * D (not in a compact cache)
  /// A compact cache's entries: cls and patches as IEEE fp16 bit patterns, no queries.
  std::vector<std::uint16_t> halfCls;     ///< D
  std::vector<std::uint16_t> halfPatches; ///< N * D
};

class FeatureCache
{
public:
  /// folder: the cache root (created when missing). featureKey: a digest of the encoder weights
  /// and the preprocessing; entries made under another key are never read.
  /// compact: entries hold halfCls and halfPatches only (what the heads read).
  FeatureCache(std::string folder, std::string featureKey, bool compact = false);

  /// Whether a complete entry is there: reads only its header and checks the file's size, so
  /// that a pass over a large, already cached data set stays cheap.
  bool hasFeatures(const std::string& id) const;
  /// False when absent or unreadable (a damaged entry is a miss, and is overwritten).
  bool loadFeatures(const std::string& id, CachedFeatures& features) const;
  void storeFeatures(const std::string& id, const CachedFeatures& features) const;

  /// Predicted fMRI of an image under brain encoder weights brainKey.
  bool hasFmri(const std::string& id, const std::string& brainKey, std::size_t vertexCount) const;
  bool loadFmri(const std::string& id,
                const std::string& brainKey,
                std::size_t vertexCount,
                std::vector<float>& fmri) const;
  void storeFmri(const std::string& id,
                 const std::string& brainKey,
                 const std::vector<float>& fmri) const;

  /// Removes the temporaries that killed runs left in this key's folders (their process gone
  /// and untouched for minutes). Lists the folders: call it once per pass, not per entry.
  void removeStaleTemporaries() const;

  const std::string& folder() const { return Folder; }

private:
  const char* magicOf() const;
  std::string featurePath(const std::string& id) const;
  std::string fmriPath(const std::string& id, const std::string& brainKey) const;

  std::string Folder;
  std::string FeatureKey;
  bool Compact = false;
};

} // namespace bmfl
