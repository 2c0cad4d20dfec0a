#pragma once

// The manifest every shard folder starts with, and the checks that make shards mergeable: the
// same bundle, datasets and settings, every shard of one count exactly once.

#include "bmfl/Json.h"
#include "bmfl/ShardFolders.h"

#include <string>
#include <vector>

namespace bmfl::detail
{

constexpr const char* ShardManifestFile = "manifest.json";

/// format, version, program, bundle (folder name, manifest SHA-256), datasets (spec, name,
/// images, class list SHA-256), limit and shard; callers append their own members.
JsonValue shardManifest(const char* format, const ShardJob& job, std::size_t limit);

/// Creates the folder with its manifest, or accepts an existing folder whose manifest equals it
/// in all but the program version (a resumed run). Throws FileError naming the folder otherwise.
void openShardFolder(const std::string& dir, const JsonValue& manifest);

struct ShardFolder
{
  std::string dir;
  JsonValue manifest;
  Shard shard;
};

/// Reads the folders' manifests and checks they are one complete set of shards of the format;
/// returns them in shard order. Throws FileError naming the offending folder (or the first).
std::vector<ShardFolder> readShardSet(const std::vector<std::string>& dirs, const char* format);

/// An unsigned member of a manifest object; throws FileError(dir, ...) naming the field.
std::size_t manifestCount(const std::string& dir, const JsonValue& object, const char* key);
/// A string member, likewise.
const std::string& manifestText(const std::string& dir, const JsonValue& object, const char* key);
/// An array member, likewise.
const JsonValue::Array& manifestArray(const std::string& dir,
                                      const JsonValue& object,
                                      const char* key);

} // namespace bmfl::detail
