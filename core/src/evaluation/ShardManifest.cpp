#include "ShardManifest.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Sha256.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace bmfl::detail
{

namespace fs = std::filesystem;

namespace
{

constexpr int ShardFormatVersion = 1;

/// The manifest without what may differ between runs or shards of one job.
JsonValue comparable(JsonValue manifest, bool withShardIndex)
{
  manifest.erase("program");
  if (!withShardIndex)
  {
    manifest.erase("shard");
  }
  return manifest;
}

/// The first top-level member whose value differs, in words; empty when none does.
std::string difference(const JsonValue& first, const JsonValue& second)
{
  static const std::map<std::string, std::string> words = {
    { "format", "another kind of folder" },   { "version", "another format version" },
    { "bundle", "another model bundle" },     { "datasets", "other datasets" },
    { "limit", "another --limit" },           { "shard", "another shard" },
    { "rows", "other evaluation rows" },      { "dtype", "another --dtype" },
    { "chunk_images", "another chunk size" },
  };
  for (const auto& [key, value] : first.asObject())
  {
    const JsonValue* other = second.find(key);
    if (other == nullptr || *other != value)
    {
      const auto word = words.find(key);
      return word != words.end() ? word->second : "another " + key;
    }
  }
  for (const auto& member : second.asObject())
  {
    if (first.find(member.first) == nullptr)
    {
      return "another " + member.first;
    }
  }
  return {};
}

std::string bundleWords(const JsonValue& manifest)
{
  const JsonValue* bundle = manifest.find("bundle");
  const JsonValue* name = bundle != nullptr ? bundle->find("name") : nullptr;
  const JsonValue* sha = bundle != nullptr ? bundle->find("manifest_sha256") : nullptr;
  if (name == nullptr || sha == nullptr || !name->isString() || !sha->isString())
  {
    return "?";
  }
  return name->asString() + ", manifest " + sha->asString().substr(0, 12);
}

} // namespace

std::size_t manifestCount(const std::string& dir, const JsonValue& object, const char* key)
{
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->isInteger() || value->asInteger() < 0)
  {
    throw FileError(dir, std::string("manifest field '") + key + "' is not a whole number");
  }
  return static_cast<std::size_t>(value->asInteger());
}

const std::string& manifestText(const std::string& dir, const JsonValue& object, const char* key)
{
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->isString())
  {
    throw FileError(dir, std::string("manifest field '") + key + "' is not a string");
  }
  return value->asString();
}

const JsonValue::Array& manifestArray(const std::string& dir,
                                      const JsonValue& object,
                                      const char* key)
{
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->isArray())
  {
    throw FileError(dir, std::string("manifest field '") + key + "' is not an array");
  }
  return value->asArray();
}

JsonValue shardManifest(const char* format, const ShardJob& job, std::size_t limit)
{
  JsonValue manifest = JsonValue::object();
  manifest.set("format", format);
  manifest.set("version", ShardFormatVersion);
  manifest.set("program", std::string("bmfl ") + BMFL_VERSION);
  JsonValue bundle = JsonValue::object();
  fs::path bundleName = fs::path(job.bundleDir).lexically_normal();
  if (!bundleName.has_filename()) // "bundle/"
  {
    bundleName = bundleName.parent_path();
  }
  bundle.set("name", bundleName.filename().string());
  bundle.set("manifest_sha256",
             sha256OfFile((fs::path(job.bundleDir) / BundleManifestFile).string()));
  manifest.set("bundle", std::move(bundle));
  JsonValue datasets = JsonValue::array();
  for (std::size_t d = 0; d < job.datasets.size(); ++d)
  {
    JsonValue dataset = JsonValue::object();
    dataset.set("spec", job.specs.at(d));
    dataset.set("name", job.datasets[d]->name());
    dataset.set("images", static_cast<std::uint64_t>(job.datasets[d]->size()));
    std::string classes;
    for (const std::string& name : job.datasets[d]->classNames())
    {
      classes += name + "\n";
    }
    dataset.set("classes_sha256", sha256Hex(classes));
    datasets.push(std::move(dataset));
  }
  manifest.set("datasets", std::move(datasets));
  manifest.set("limit", static_cast<std::uint64_t>(limit));
  JsonValue shard = JsonValue::object();
  shard.set("index", static_cast<std::uint64_t>(job.shard.index));
  shard.set("count", static_cast<std::uint64_t>(job.shard.count));
  manifest.set("shard", std::move(shard));
  return manifest;
}

void openShardFolder(const std::string& dir, const JsonValue& manifest)
{
  std::error_code error;
  const fs::path manifestPath = fs::path(dir) / ShardManifestFile;
  if (!fs::exists(dir, error))
  {
    fs::create_directories(dir, error);
    if (error)
    {
      throw FileError(dir, "cannot create the folder: " + error.message());
    }
  }
  else if (!fs::is_directory(dir, error))
  {
    throw FileError(dir, "is not a folder");
  }
  else if (fs::exists(manifestPath, error))
  {
    const JsonValue existing = readJsonFile(manifestPath.string());
    const std::string differs =
      existing.isObject() ? difference(comparable(existing, true), comparable(manifest, true))
                          : std::string("another kind of folder");
    if (!differs.empty())
    {
      throw FileError(dir,
                      "holds results of " + differs +
                        " than this run: rerun with the same settings to resume, or choose "
                        "another --out");
    }
    return;
  }
  else if (!fs::is_empty(dir, error))
  {
    throw FileError(dir, "is not empty and holds no shard manifest: choose another --out");
  }
  writeTextFileAtomically(manifestPath.string(), writeJson(manifest) + "\n");
}

std::vector<ShardFolder> readShardSet(const std::vector<std::string>& dirs, const char* format)
{
  std::vector<ShardFolder> folders;
  for (const std::string& dir : dirs)
  {
    const std::string path = (fs::path(dir) / ShardManifestFile).string();
    requireRegularFile(path, "a shard folder's manifest");
    ShardFolder folder{ dir, readJsonFile(path), {} };
    if (!folder.manifest.isObject() || folder.manifest.find("format") == nullptr ||
        *folder.manifest.find("format") != JsonValue(format))
    {
      throw FileError(dir, std::string("is not a folder of ") + format);
    }
    const JsonValue* shard = folder.manifest.find("shard");
    if (shard == nullptr || !shard->isObject())
    {
      throw FileError(dir, "manifest field 'shard' is not an object");
    }
    folder.shard.index = manifestCount(dir, *shard, "index");
    folder.shard.count = manifestCount(dir, *shard, "count");
    if (folder.shard.index < 1 || folder.shard.index > folder.shard.count)
    {
      throw FileError(dir, "manifest names shard " + folder.shard.text());
    }
    if (!folders.empty())
    {
      const ShardFolder& first = folders.front();
      const std::string differs =
        difference(comparable(first.manifest, false), comparable(folder.manifest, false));
      if (differs == "another model bundle")
      {
        throw FileError(dir,
                        "is a shard of another model bundle (" + bundleWords(folder.manifest) +
                          ") than " + first.dir + " (" + bundleWords(first.manifest) + ")");
      }
      if (!differs.empty())
      {
        throw FileError(dir, "holds results of " + differs + " than " + first.dir);
      }
      if (folder.shard.count != first.shard.count)
      {
        throw FileError(dir,
                        "is shard " + folder.shard.text() + " but " + first.dir + " is shard " +
                          first.shard.text() + ": not shards of one run");
      }
      for (const ShardFolder& earlier : folders)
      {
        if (earlier.shard.index == folder.shard.index)
        {
          throw FileError(dir,
                          "is shard " + folder.shard.text() + " again (as " + earlier.dir + ")");
        }
      }
    }
    folders.push_back(std::move(folder));
  }
  if (folders.empty())
  {
    throw std::invalid_argument("no shard folders to merge");
  }
  std::sort(folders.begin(),
            folders.end(),
            [](const ShardFolder& a, const ShardFolder& b)
            { return a.shard.index < b.shard.index; });
  const std::size_t count = folders.front().shard.count;
  if (folders.size() != count)
  {
    std::string missing;
    std::size_t next = 0;
    for (std::size_t index = 1; index <= count; ++index)
    {
      if (next < folders.size() && folders[next].shard.index == index)
      {
        ++next;
        continue;
      }
      missing += (missing.empty() ? "" : ", ") + Shard{ index, count }.text();
    }
    throw FileError(folders.front().dir,
                    "is one of " + std::to_string(folders.size()) + " shard folders given of " +
                      std::to_string(count) + "; missing shard" +
                      (count - folders.size() > 1 ? "s " : " ") + missing);
  }
  return folders;
}

} // namespace bmfl::detail
