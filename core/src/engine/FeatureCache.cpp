#include "engine/FeatureCache.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Sha256.h"
#include "engine/StaleFiles.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr char FeatureMagic[8] = { 'B', 'M', 'F', 'L', 'F', 'E', 'A', 'T' };
constexpr char CompactMagic[8] = { 'B', 'M', 'F', 'L', 'F', 'E', '1', '6' };
constexpr char FmriMagic[8] = { 'B', 'M', 'F', 'L', 'F', 'M', 'R', 'I' };
// Bounds on a cache entry's header, checked before allocating: far above any ViT.
constexpr std::int64_t MaxDim = 1 << 16;
constexpr std::int64_t MaxTokens = 1 << 20;
constexpr std::int64_t MaxValues = std::int64_t{ 1 } << 31;

void appendRaw(std::string& out, const void* data, std::size_t size)
{
  out.append(static_cast<const char*>(data), size);
}

void appendString(std::string& out, const std::string& text)
{
  const auto length = static_cast<std::uint32_t>(text.size());
  appendRaw(out, &length, sizeof length);
  out += text;
}

template<class Value>
void appendFloats(std::string& out, const std::vector<Value>& values)
{
  appendRaw(out, values.data(), values.size() * sizeof(Value));
}

// Reads fields in order from a whole file, refusing to read past its end.
class Reader
{
public:
  explicit Reader(const std::string& bytes)
    : Bytes(bytes)
  {
  }
  bool raw(void* out, std::size_t size)
  {
    if (Bytes.size() - Position < size)
    {
      return false;
    }
    std::memcpy(out, Bytes.data() + Position, size);
    Position += size;
    return true;
  }
  bool text(std::string& out)
  {
    std::uint32_t length = 0;
    if (!raw(&length, sizeof length) || Bytes.size() - Position < length)
    {
      return false;
    }
    out.assign(Bytes, Position, length);
    Position += length;
    return true;
  }
  template<class Value>
  bool floats(std::vector<Value>& out, std::size_t count)
  {
    if ((Bytes.size() - Position) / sizeof(Value) < count)
    {
      return false;
    }
    out.resize(count);
    return raw(out.data(), count * sizeof(Value));
  }
  bool atEnd() const { return Position == Bytes.size(); }

private:
  const std::string& Bytes;
  std::size_t Position = 0;
};

bool readFile(const std::string& path, std::string& bytes)
{
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file)
  {
    return false;
  }
  const std::streamoff size = file.tellg();
  if (size < 0 || size > (std::streamoff{ 1 } << 34))
  {
    return false;
  }
  bytes.assign(static_cast<std::size_t>(size), '\0');
  file.seekg(0);
  return static_cast<bool>(file.read(bytes.data(), size));
}

// A concurrent reader sees a whole entry or none (temp file in the same folder, then rename).
void writeAtomically(const std::string& path, const std::string& bytes)
{
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  writeTextFileAtomically(path, bytes);
}

// An entry's temporary (".<entry>.tmp-<pid>-<n>", AtomicFile's naming) left by a killed run:
// its process is gone and it has not been touched for a while (a run on another host sharing
// the cache may have the same pid; none takes minutes to write one entry).
bool isStaleTemporary(const fs::directory_entry& entry)
{
  const std::string name = entry.path().filename().string();
  const std::size_t marker = name.rfind(".tmp-");
  if (name.empty() || name[0] != '.' || marker == std::string::npos)
  {
    return false;
  }
  const std::string entryName = name.substr(1, marker - 1);
  const auto endsWith = [&](const std::string& suffix)
  {
    return entryName.size() > suffix.size() &&
           entryName.compare(entryName.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::error_code error;
  if (!(endsWith(".features") || endsWith(".fmri")) || !entry.is_regular_file(error) ||
      !isLeftByAGoneProcess(name, name.substr(0, marker + 5)))
  {
    return false;
  }
  const auto age = fs::file_time_type::clock::now() - entry.last_write_time(error);
  return !error && age > std::chrono::minutes(10);
}

// Removes stale temporaries from a cache folder and its fmri-* subfolders.
void removeStaleTemporariesIn(const fs::path& folder)
{
  std::error_code error;
  std::vector<fs::path> stale;
  std::vector<fs::path> subfolders;
  for (fs::directory_iterator entry(folder, error), end; !error && entry != end;
       entry.increment(error))
  {
    std::error_code statusError;
    if (entry->is_directory(statusError) &&
        entry->path().filename().string().rfind("fmri-", 0) == 0)
    {
      subfolders.push_back(entry->path());
    }
    else if (isStaleTemporary(*entry))
    {
      stale.push_back(entry->path());
    }
  }
  for (const fs::path& path : stale)
  {
    fs::remove(path, error);
  }
  for (const fs::path& subfolder : subfolders)
  {
    removeStaleTemporariesIn(subfolder);
  }
}

} // namespace

FeatureCache::FeatureCache(std::string folder, std::string featureKey, bool compact)
  : Folder(std::move(folder))
  , FeatureKey(std::move(featureKey))
  , Compact(compact)
{
  std::error_code error;
  fs::create_directories(fs::path(Folder) / FeatureKey.substr(0, 16), error);
  if (error)
  {
    throw FileError(Folder, "cannot create the feature cache folder: " + error.message());
  }
}

void FeatureCache::removeStaleTemporaries() const
{
  removeStaleTemporariesIn(fs::path(Folder) / FeatureKey.substr(0, 16));
}

const char* FeatureCache::magicOf() const
{
  return Compact ? CompactMagic : FeatureMagic;
}

std::string FeatureCache::featurePath(const std::string& id) const
{
  return (fs::path(Folder) / FeatureKey.substr(0, 16) / (sha256Hex(id).substr(0, 32) + ".features"))
    .string();
}

std::string FeatureCache::fmriPath(const std::string& id, const std::string& brainKey) const
{
  return (fs::path(Folder) / FeatureKey.substr(0, 16) / ("fmri-" + brainKey.substr(0, 16)) /
          (sha256Hex(id).substr(0, 32) + ".fmri"))
    .string();
}

bool FeatureCache::hasFeatures(const std::string& id) const
{
  std::ifstream file(featurePath(id), std::ios::binary | std::ios::ate);
  if (!file)
  {
    return false;
  }
  const std::streamoff size = file.tellg();
  const std::size_t headerBytes = 8 + 4 + id.size() + 4 + FeatureKey.size() + 4 * 8;
  if (size < static_cast<std::streamoff>(headerBytes))
  {
    return false;
  }
  std::string header(headerBytes, '\0');
  file.seekg(0);
  if (!file.read(header.data(), static_cast<std::streamsize>(headerBytes)))
  {
    return false;
  }
  Reader reader(header);
  char magic[8];
  std::string storedId;
  std::string storedKey;
  std::int64_t shape[4];
  if (!reader.raw(magic, 8) || std::memcmp(magic, magicOf(), 8) != 0 || !reader.text(storedId) ||
      !reader.text(storedKey) || storedId != id || storedKey != FeatureKey ||
      !reader.raw(shape, sizeof shape) || shape[0] <= 0 || shape[0] > MaxDim || shape[1] <= 0 ||
      shape[1] > MaxTokens)
  {
    return false;
  }
  const std::int64_t values =
    Compact ? 2 * shape[0] * (1 + shape[1]) : 4 * shape[0] * (1 + 2 * shape[1]);
  return size == static_cast<std::streamoff>(headerBytes) + values;
}

bool FeatureCache::loadFeatures(const std::string& id, CachedFeatures& features) const
{
  std::string bytes;
  if (!readFile(featurePath(id), bytes))
  {
    return false;
  }
  Reader reader(bytes);
  char magic[8];
  std::string storedId;
  std::string storedKey;
  std::int64_t header[4];
  if (!reader.raw(magic, 8) || std::memcmp(magic, magicOf(), 8) != 0 || !reader.text(storedId) ||
      !reader.text(storedKey) || storedId != id || storedKey != FeatureKey ||
      !reader.raw(header, sizeof header))
  {
    return false;
  }
  const std::int64_t dim = header[0];
  const std::int64_t tokens = header[1];
  if (dim <= 0 || dim > MaxDim || tokens <= 0 || tokens > MaxTokens || dim * tokens > MaxValues ||
      header[2] <= 0 || header[3] <= 0 || header[2] * header[3] != tokens)
  {
    return false;
  }
  const auto patchValues = static_cast<std::size_t>(dim * tokens);
  if (Compact)
  {
    if (!reader.floats(features.halfCls, static_cast<std::size_t>(dim)) ||
        !reader.floats(features.halfPatches, patchValues) || !reader.atEnd())
    {
      return false;
    }
  }
  else if (!reader.floats(features.cls, static_cast<std::size_t>(dim)) ||
           !reader.floats(features.patches, patchValues) ||
           !reader.floats(features.lastQuery, patchValues) || !reader.atEnd())
  {
    return false;
  }
  features.dim = dim;
  features.tokens = tokens;
  features.gridHeight = header[2];
  features.gridWidth = header[3];
  return true;
}

void FeatureCache::storeFeatures(const std::string& id, const CachedFeatures& features) const
{
  std::string bytes(magicOf(), 8);
  appendString(bytes, id);
  appendString(bytes, FeatureKey);
  const std::int64_t header[4] = {
    features.dim, features.tokens, features.gridHeight, features.gridWidth
  };
  appendRaw(bytes, header, sizeof header);
  if (Compact)
  {
    appendFloats(bytes, features.halfCls);
    appendFloats(bytes, features.halfPatches);
  }
  else
  {
    appendFloats(bytes, features.cls);
    appendFloats(bytes, features.patches);
    appendFloats(bytes, features.lastQuery);
  }
  writeAtomically(featurePath(id), bytes);
}

bool FeatureCache::loadFmri(const std::string& id,
                            const std::string& brainKey,
                            std::size_t vertexCount,
                            std::vector<float>& fmri) const
{
  std::string bytes;
  if (!readFile(fmriPath(id, brainKey), bytes))
  {
    return false;
  }
  Reader reader(bytes);
  char magic[8];
  std::string storedId;
  std::string storedKey;
  std::int64_t count = 0;
  return reader.raw(magic, 8) && std::memcmp(magic, FmriMagic, 8) == 0 && reader.text(storedId) &&
         reader.text(storedKey) && storedId == id && storedKey == FeatureKey + brainKey &&
         reader.raw(&count, sizeof count) && count == static_cast<std::int64_t>(vertexCount) &&
         reader.floats(fmri, vertexCount) && reader.atEnd();
}

bool FeatureCache::hasFmri(const std::string& id,
                           const std::string& brainKey,
                           std::size_t vertexCount) const
{
  std::error_code error;
  const std::uintmax_t size = fs::file_size(fmriPath(id, brainKey), error);
  // The identity of the entry is checked when it is loaded; here its size says it is complete.
  return !error &&
         size == 8 + 4 + id.size() + 4 + FeatureKey.size() + brainKey.size() + 8 + 4 * vertexCount;
}

void FeatureCache::storeFmri(const std::string& id,
                             const std::string& brainKey,
                             const std::vector<float>& fmri) const
{
  std::string bytes(FmriMagic, 8);
  appendString(bytes, id);
  appendString(bytes, FeatureKey + brainKey);
  const auto count = static_cast<std::int64_t>(fmri.size());
  appendRaw(bytes, &count, sizeof count);
  appendFloats(bytes, fmri);
  writeAtomically(fmriPath(id, brainKey), bytes);
}

} // namespace bmfl
