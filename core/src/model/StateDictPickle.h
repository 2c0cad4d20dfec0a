#pragma once

// A reader for the pickle program inside a torch.save archive (data.pkl) that holds a state
// dict. LibTorch 1.13's own unpickler turns collections.OrderedDict into None (it only expects
// one as a tensor's backward-hook table), so the ordinary state_dict() files that DINOv2 and
// most projects release cannot be read with torch::pickle_load. This reader runs the subset of
// the pickle machine that state dicts use and describes each tensor without touching torch, so
// it stays a cheap translation unit; the caller reads the storages from the archive.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bmfl
{
namespace detail
{

/// One tensor of a pickled state dict: a strided view of a storage record "data/<storageKey>".
struct PickledTensor
{
  std::string storageKey;
  std::string storageType; ///< e.g. "FloatStorage", "HalfStorage", "BFloat16Storage"
  std::int64_t storageElements = 0;
  std::int64_t storageOffset = 0;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
};

/// A plain value of a pickled training run's arguments.
struct PickledScalar
{
  enum class Kind
  {
    None,
    Bool,
    Int,
    Float,
    String,
    Other ///< a container or object: not read
  };
  Kind kind = Kind::Other;
  std::int64_t integer = 0; ///< Bool, Int
  double real = 0.0;        ///< Float
  std::string text;         ///< String
};

struct PickledStateDict
{
  std::vector<std::pair<std::string, PickledTensor>> tensors;
  std::vector<std::string> otherKeys; ///< keys whose values are not tensors
  /// The attributes of the argparse.Namespace that a training checkpoint keeps under "args"
  /// (DETR-style main.py files: {'model', 'optimizer', 'lr_scheduler', 'epoch', 'args'}), in the
  /// order pickled; empty when there is none.
  std::vector<std::pair<std::string, PickledScalar>> arguments;
};

/// An entry of a zip archive's central directory.
struct ZipEntry
{
  std::uint64_t size = 0;        ///< uncompressed size
  std::uint16_t compression = 0; ///< 0 = stored (what torch.save writes)
};

/// The central directory of a zip archive (zip64 included), read from its bytes: name -> entry.
/// The sizes it gives let a reader check a record against the file before allocating (the local
/// headers of torch.save archives carry no sizes). Throws std::runtime_error when malformed.
std::map<std::string, ZipEntry> readZipDirectory(const char* data, std::size_t size);

/// Runs the pickle program and returns the state dict it builds: the top-level dict, or the dict
/// under "teacher", "model" or "state_dict" when the top level is a training checkpoint (whose
/// other entries, optimizer state included, are skipped; its "args" Namespace is described).
/// Throws std::runtime_error (a one-line reason) for malformed or unsupported content.
PickledStateDict parseStateDictPickle(const char* data, std::size_t size);

} // namespace detail
} // namespace bmfl
