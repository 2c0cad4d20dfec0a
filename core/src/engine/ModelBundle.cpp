#include "bmfl/ModelBundle.h"

#include "bmfl/FileError.h"
#include "bmfl/ParallelFor.h"
#include "bmfl/Sha256.h"
#include "engine/StaleFiles.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <thread>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

// Sizes beyond these are refused before anything is allocated: far above any real model (the
// largest Algonauts space has 40k vertices, ImageNet-21k 21,843 classes).
constexpr std::int64_t MaxVertices = 10'000'000;
constexpr std::int64_t MaxLabelSets = 64;
constexpr std::int64_t MaxConfigInteger = 1'000'000'000;
// Image sizes are no parameters, so the weights cannot bound them: the encoder interpolates its
// position embeddings to any grid, and attention grows with the fourth power of the side. Inputs
// may be up to this many times the trained grid a side, and never more pixels than this a side.
constexpr std::int64_t MaxGridScale = 4;
constexpr std::int64_t MaxImageSide = 16384;
constexpr char VertexSpaceMagic[8] = { 'B', 'M', 'F', 'L', 'V', 'S', 'P', '1' };

// The fields of each config struct, visited in manifest order. One list serves both the writer
// and the reader, so every field is always written and always checked.
template<class Config, class Visit>
void visitFields(Config& c, Visit&& visit, ImageEncoderConfig*)
{
  visit("imageSize", c.imageSize);
  visit("patchSize", c.patchSize);
  visit("inChannels", c.inChannels);
  visit("embedDim", c.embedDim);
  visit("depth", c.depth);
  visit("heads", c.heads);
  visit("mlpRatio", c.mlpRatio);
  visit("registerTokens", c.registerTokens);
  visit("positionGrid", c.positionGrid);
  visit("interpolateOffset", c.interpolateOffset);
  visit("interpolateAntialias", c.interpolateAntialias);
  visit("layerNormEps", c.layerNormEps);
  visit("layerScale", c.layerScale);
}

template<class Config, class Visit>
void visitFields(Config& c, Visit&& visit, BrainEncoderConfig*)
{
  visit("featureSource", c.featureSource);
  visit("featureBlock", c.featureBlock);
  visit("width", c.width);
  visit("heads", c.heads);
  visit("feedForward", c.feedForward);
  visit("decoderLayers", c.decoderLayers);
  visit("dropout", c.dropout);
  visit("queryLabelSet", c.queryLabelSet);
}

template<class Config, class Visit>
void visitFields(Config& c, Visit&& visit, BrainTransformerConfig*)
{
  visit("tokenizer", c.tokenizer);
  visit("sliceLength", c.sliceLength);
  visit("roiLabelSet", c.roiLabelSet);
  visit("standardizeInput", c.standardizeInput);
  visit("width", c.width);
  visit("depth", c.depth);
  visit("heads", c.heads);
  visit("mlpRatio", c.mlpRatio);
  visit("dropout", c.dropout);
}

template<class Config, class Visit>
void visitFields(Config& c, Visit&& visit, FusionConfig*)
{
  visit("mode", c.mode);
  visit("imageQueriesBrain", c.imageQueriesBrain);
  visit("brainQueriesImage", c.brainQueriesImage);
  visit("heads", c.heads);
  visit("dropout", c.dropout);
  visit("shuffleBrain", c.shuffleBrain);
}

template<class Config, class Visit>
void visitFields(Config& c, Visit&& visit, PreprocessConfig*)
{
  visit("resizeShortSide", c.resizeShortSide);
  visit("cropSize", c.cropSize);
  visit("padToMultiple", c.padToMultiple);
  visit("interpolation", c.interpolation);
  visit("grayscaleToRgb", c.grayscaleToRgb);
  visit("mean", c.mean);
  visit("std", c.std);
}

template<class Config, class Visit>
void visitAll(Config& c, Visit&& visit)
{
  using Plain = std::remove_const_t<Config>;
  visitFields(c, visit, static_cast<Plain*>(nullptr));
}

JsonValue toJson(int value)
{
  return JsonValue(value);
}
JsonValue toJson(double value)
{
  return JsonValue(value);
}
JsonValue toJson(bool value)
{
  return JsonValue(value);
}
JsonValue toJson(const std::string& value)
{
  return JsonValue(value);
}
JsonValue toJson(const std::vector<double>& values)
{
  JsonValue array = JsonValue::array();
  for (double value : values)
  {
    array.push(value);
  }
  return array;
}
JsonValue toJson(const std::vector<std::string>& values)
{
  JsonValue array = JsonValue::array();
  for (const std::string& value : values)
  {
    array.push(value);
  }
  return array;
}

template<class Config>
JsonValue configToJson(const Config& config)
{
  JsonValue object = JsonValue::object();
  visitAll(config, [&](const char* key, const auto& value) { object.set(key, toJson(value)); });
  return object;
}

std::string join(const std::string& path, const std::string& key)
{
  return path.empty() ? key : path + "." + key;
}

// Reads the members of one JSON object, naming each field by its JSON path in errors, and
// refusing members nobody asked for (a misspelt field would otherwise silently take a default).
class ObjectReader
{
public:
  ObjectReader(const JsonValue& value, std::string path, const std::string& file)
    : Value(value)
    , Path(std::move(path))
    , File(file)
  {
    if (!Value.isObject())
    {
      fail(Path + " must be an object but is " + article(Value));
    }
  }

  [[noreturn]] void fail(const std::string& problem) const { throw FileError(File, problem); }

  static std::string article(const JsonValue& value)
  {
    const std::string name = value.typeName();
    return (name == "integer" || name == "array" || name == "object" ? "an " : "a ") + name;
  }

  std::string pathOf(const std::string& key) const { return join(Path, key); }

  bool has(const std::string& key) const { return Value.find(key) != nullptr; }

  const JsonValue& required(const std::string& key)
  {
    const JsonValue* member = Value.find(key);
    if (member == nullptr)
    {
      fail(pathOf(key) + " is missing");
    }
    Used.insert(key);
    return *member;
  }

  void read(const std::string& key, int& out)
  {
    const JsonValue& value = required(key);
    if (!value.isInteger())
    {
      fail(pathOf(key) + " must be an integer but is " + article(value));
    }
    const std::int64_t number = value.asInteger();
    if (number < -MaxConfigInteger || number > MaxConfigInteger)
    {
      fail(pathOf(key) + " is " + std::to_string(number) + ", out of range");
    }
    out = static_cast<int>(number);
  }

  void read(const std::string& key, std::int64_t& out)
  {
    const JsonValue& value = required(key);
    if (!value.isInteger())
    {
      fail(pathOf(key) + " must be an integer but is " + article(value));
    }
    out = value.asInteger();
  }

  void read(const std::string& key, double& out)
  {
    const JsonValue& value = required(key);
    if (!value.isNumber())
    {
      fail(pathOf(key) + " must be a number but is " + article(value));
    }
    out = value.asNumber();
  }

  void read(const std::string& key, bool& out)
  {
    const JsonValue& value = required(key);
    if (!value.isBool())
    {
      fail(pathOf(key) + " must be true or false but is " + article(value));
    }
    out = value.asBool();
  }

  void read(const std::string& key, std::string& out)
  {
    const JsonValue& value = required(key);
    if (!value.isString())
    {
      fail(pathOf(key) + " must be a string but is " + article(value));
    }
    out = value.asString();
  }

  const JsonValue::Array& array(const std::string& key)
  {
    const JsonValue& value = required(key);
    if (!value.isArray())
    {
      fail(pathOf(key) + " must be an array but is " + article(value));
    }
    return value.asArray();
  }

  void read(const std::string& key, std::vector<double>& out)
  {
    const JsonValue::Array& elements = array(key);
    out.clear();
    for (std::size_t i = 0; i < elements.size(); ++i)
    {
      if (!elements[i].isNumber())
      {
        fail(pathOf(key) + "[" + std::to_string(i) + "] must be a number but is " +
             article(elements[i]));
      }
      out.push_back(elements[i].asNumber());
    }
  }

  void read(const std::string& key, std::vector<std::string>& out)
  {
    const JsonValue::Array& elements = array(key);
    out.clear();
    for (std::size_t i = 0; i < elements.size(); ++i)
    {
      if (!elements[i].isString())
      {
        fail(pathOf(key) + "[" + std::to_string(i) + "] must be a string but is " +
             article(elements[i]));
      }
      out.push_back(elements[i].asString());
    }
  }

  /// Refuses members that were never read.
  void finish() const
  {
    for (const JsonValue::Member& member : Value.asObject())
    {
      if (Used.count(member.first) == 0)
      {
        fail(pathOf(member.first) + " is not a field bmfl knows (misspelt?)");
      }
    }
  }

private:
  const JsonValue& Value;
  std::string Path;
  const std::string& File;
  std::set<std::string> Used;
};

// Fields added after version 1 of the format: manifests written before lack them and load with
// the default (the behaviour they were made with).
bool isLaterField(const std::string& key)
{
  return key == "featureBlock" || key == "padToMultiple";
}

template<class Config>
Config configFromJson(const JsonValue& json, const std::string& file, const std::string& path)
{
  Config config;
  ObjectReader reader(json, path, file);
  visitAll(config,
           [&](const char* key, auto& value)
           {
             if (!isLaterField(key) || reader.has(key))
             {
               reader.read(key, value);
             }
           });
  reader.finish();
  return config;
}

std::string inQuotes(const std::string& text)
{
  return "\"" + text + "\"";
}

// A weights file name must stay inside the bundle folder.
bool isPlainFileName(const std::string& name)
{
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

std::vector<unsigned char> readWholeFile(const std::string& path, std::uint64_t maxBytes)
{
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file)
  {
    throw FileError(path, "is missing or cannot be opened");
  }
  const std::streamoff size = file.tellg();
  if (size < 0 || static_cast<std::uint64_t>(size) > maxBytes)
  {
    throw FileError(path, "is larger than " + std::to_string(maxBytes) + " bytes");
  }
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  file.seekg(0);
  if (size > 0 && !file.read(reinterpret_cast<char*>(bytes.data()), size))
  {
    throw FileError(path, "cannot be read");
  }
  return bytes;
}

void writeWholeFile(const std::string& path, const void* data, std::size_t size)
{
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
  {
    throw FileError(path, "cannot be created");
  }
  file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  file.flush();
  if (!file)
  {
    throw FileError(path, "write failed (disk full?)");
  }
}

void appendU64(std::vector<unsigned char>& out, std::uint64_t value)
{
  for (int i = 0; i < 8; ++i)
  {
    out.push_back(static_cast<unsigned char>(value >> (8 * i)));
  }
}

void appendI32Array(std::vector<unsigned char>& out, const std::vector<std::int32_t>& values)
{
  for (std::int32_t value : values)
  {
    const auto bits = static_cast<std::uint32_t>(value);
    for (int i = 0; i < 4; ++i)
    {
      out.push_back(static_cast<unsigned char>(bits >> (8 * i)));
    }
  }
}

std::uint64_t readU64(const unsigned char* at)
{
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
  {
    value = (value << 8) | at[i];
  }
  return value;
}

std::vector<std::int32_t> readI32Array(const unsigned char* at, std::size_t count)
{
  std::vector<std::int32_t> values(count);
  for (std::size_t k = 0; k < count; ++k)
  {
    const unsigned char* item = at + 4 * k;
    const std::uint32_t bits = std::uint32_t{ item[0] } | (std::uint32_t{ item[1] } << 8) |
                               (std::uint32_t{ item[2] } << 16) | (std::uint32_t{ item[3] } << 24);
    values[k] = static_cast<std::int32_t>(bits);
  }
  return values;
}

bool divides(int divisor, int value)
{
  return divisor > 0 && value % divisor == 0;
}

// A lower bound on each module's parameter count, from the architecture alone. Compared with
// the weights files' sizes before any module is built, so that a manifest with absurd sizes
// (depth 100000, a million classes) is refused instead of allocating what it asks for.
double minimumParameters(const std::string& module,
                         const BmflModelConfig& config,
                         const VertexSpace& space)
{
  const ImageEncoderConfig& encoder = config.encoder;
  const double width = encoder.embedDim;
  if (module == "encoder")
  {
    const double grid = encoder.positionGrid;
    return encoder.depth * (4.0 + 2.0 * encoder.mlpRatio) * width * width +
           (grid * grid + 1.0 + encoder.registerTokens) * width +
           static_cast<double>(encoder.inChannels) * encoder.patchSize * encoder.patchSize * width;
  }
  if (module == "brainEncoder")
  {
    const BrainEncoderConfig& brain = config.brainEncoder;
    return static_cast<double>(space.size()) * brain.width +
           brain.decoderLayers * (4.0 * brain.width * brain.width +
                                  2.0 * static_cast<double>(brain.width) * brain.feedForward);
  }
  if (module == "bmflHead")
  {
    const BrainTransformerConfig& transformer = config.brainTransformer;
    const double slicing = transformer.tokenizer == "conv_slices"
                             ? static_cast<double>(transformer.sliceLength) * transformer.width
                             : 0.0;
    return static_cast<double>(config.numClasses) * width + slicing +
           transformer.depth * (4.0 + 2.0 * transformer.mlpRatio) * transformer.width *
             transformer.width;
  }
  return static_cast<double>(config.numClasses) * 2.0 * width;
}

std::string hostName()
{
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
  {
    return "localhost";
  }
  return name;
}

// The staging folders of a target on this host: ".<name>.staging-<host>-<pid>-<n>". The host
// keeps a run on another machine sharing the folder from mistaking a live staging for stale.
std::string stagingPrefix(const fs::path& target)
{
  return "." + target.filename().string() + ".staging-" + hostName() + "-";
}

// Removes the staging folders of target that runs on this host left when they were killed:
// only names of exactly the staging pattern, and only when their process no longer exists.
void removeStaleStaging(const fs::path& target)
{
  const std::string prefix = stagingPrefix(target);
  std::error_code error;
  std::vector<fs::path> stale;
  for (fs::directory_iterator entry(target.parent_path(), error), end; !error && entry != end;
       entry.increment(error))
  {
    std::error_code statusError;
    if (isLeftByAGoneProcess(entry->path().filename().string(), prefix) &&
        fs::is_directory(fs::symlink_status(entry->path(), statusError)))
    {
      stale.push_back(entry->path());
    }
  }
  for (const fs::path& folder : stale)
  {
    fs::remove_all(folder, error);
  }
}

// Throws unless an image of size pixels a side fits what the encoder can take (see MaxGridScale).
void checkImageSide(const char* field,
                    std::int64_t size,
                    const ImageEncoderConfig& encoder,
                    const std::string& file)
{
  const std::int64_t patch = encoder.patchSize;
  const std::int64_t largest =
    std::min(MaxImageSide, (MaxGridScale * encoder.positionGrid + 1) * patch - 1);
  if (size > largest)
  {
    throw FileError(file,
                    std::string(field) + " is " + std::to_string(size) +
                      " but the encoder (encoder.patchSize " + std::to_string(patch) +
                      ", encoder.positionGrid " + std::to_string(encoder.positionGrid) +
                      ") takes images of at most " + std::to_string(largest) + " pixels a side");
  }
}

// The side of the images a transform gives: the crop, padded up to a multiple.
std::int64_t paddedSize(const PreprocessConfig& preprocess)
{
  const std::int64_t multiple = std::max(preprocess.padToMultiple, 1);
  return (preprocess.cropSize + multiple - 1) / multiple * multiple;
}

// Checked before anything reads an image with a transform: it allocates what the sizes say.
void checkPreprocess(const PreprocessConfig& preprocess,
                     const std::string& name,
                     const ImageEncoderConfig& encoder,
                     const std::string& file)
{
  const auto fail = [&](const std::string& problem) { throw FileError(file, problem); };
  if (preprocess.mean.size() != static_cast<std::size_t>(encoder.inChannels) ||
      preprocess.std.size() != static_cast<std::size_t>(encoder.inChannels))
  {
    fail(name + ".mean and " + name +
         ".std need one value per channel (architecture.encoder.inChannels is " +
         std::to_string(encoder.inChannels) + ")");
  }
  for (double deviation : preprocess.std)
  {
    if (!(deviation > 0.0))
    {
      fail(name + ".std values must be positive");
    }
  }
  if (preprocess.cropSize < 1 || preprocess.resizeShortSide < 0)
  {
    fail(name + ".cropSize must be positive and " + name +
         ".resizeShortSide positive or 0 (no resize)");
  }
  if (preprocess.padToMultiple < 0 || preprocess.padToMultiple > MaxImageSide)
  {
    fail(name + ".padToMultiple is " + std::to_string(preprocess.padToMultiple) +
         " but must be between 0 (no padding) and " + std::to_string(MaxImageSide));
  }
  const std::string field =
    name + (preprocess.padToMultiple > 1 ? ".cropSize (padded)" : ".cropSize");
  checkImageSide(field.c_str(), paddedSize(preprocess), encoder, file);
  if (preprocess.resizeShortSide > std::min(MaxImageSide, MaxGridScale * preprocess.cropSize))
  {
    fail(name + ".resizeShortSide is " + std::to_string(preprocess.resizeShortSide) +
         " but may be at most " +
         std::to_string(std::min(MaxImageSide, MaxGridScale * preprocess.cropSize)) + " (" +
         std::to_string(MaxGridScale) + " times " + name + ".cropSize)");
  }
}

// The file a manifest names inside the bundle folder, with links resolved: it must stay inside
// the folder and be a regular file (a FIFO would block the reader, a device never end).
std::string fileInsideBundle(const std::string& bundleDir,
                             const std::string& name,
                             const std::string& what,
                             const std::string& manifestPath)
{
  const fs::path path = fs::path(bundleDir) / name;
  std::error_code error;
  if (fs::symlink_status(path, error).type() == fs::file_type::not_found)
  {
    throw FileError(manifestPath, "the " + what + " is missing");
  }
  const fs::path folder = fs::weakly_canonical(fs::absolute(bundleDir), error);
  const fs::path resolved = error ? fs::path() : fs::weakly_canonical(fs::absolute(path), error);
  if (error)
  {
    throw FileError(path.string(), "cannot be resolved: " + error.message());
  }
  const auto [folderEnd, resolvedAt] =
    std::mismatch(folder.begin(), folder.end(), resolved.begin(), resolved.end());
  if (folderEnd != folder.end() || resolvedAt == resolved.end())
  {
    throw FileError(manifestPath,
                    "the " + what + " is a link that leaves the bundle folder (to " +
                      resolved.string() + ")");
  }
  requireRegularFile(path.string(), "a bundle file");
  return path.string();
}

} // namespace

const BundleWeights* BundleManifest::weightsOf(const std::string& module) const
{
  for (const BundleWeights& entry : weights)
  {
    if (entry.module == module)
    {
      return &entry;
    }
  }
  return nullptr;
}

const std::vector<std::pair<std::string, std::string>>& bundleModuleFiles()
{
  static const std::vector<std::pair<std::string, std::string>> files = {
    { "encoder", "encoder.pt" },
    { "brainEncoder", "brain_encoder.pt" },
    { "bmflHead", "bmfl_head.pt" },
    { "baselineHead", "baseline_head.pt" },
  };
  return files;
}

JsonValue modelConfigToJson(const BmflModelConfig& config)
{
  JsonValue object = JsonValue::object();
  object.set("encoder", configToJson(config.encoder));
  object.set("brainEncoder", configToJson(config.brainEncoder));
  object.set("brainTransformer", configToJson(config.brainTransformer));
  object.set("fusion", configToJson(config.fusion));
  object.set("numClasses", config.numClasses);
  object.set("pccWeight", config.pccWeight);
  return object;
}

BmflModelConfig modelConfigFromJson(const JsonValue& json,
                                    const std::string& file,
                                    const std::string& jsonPath)
{
  ObjectReader reader(json, jsonPath, file);
  BmflModelConfig config;
  config.encoder =
    configFromJson<ImageEncoderConfig>(reader.required("encoder"), file, reader.pathOf("encoder"));
  config.brainEncoder = configFromJson<BrainEncoderConfig>(
    reader.required("brainEncoder"), file, reader.pathOf("brainEncoder"));
  config.brainTransformer = configFromJson<BrainTransformerConfig>(
    reader.required("brainTransformer"), file, reader.pathOf("brainTransformer"));
  config.fusion =
    configFromJson<FusionConfig>(reader.required("fusion"), file, reader.pathOf("fusion"));
  reader.read("numClasses", config.numClasses);
  reader.read("pccWeight", config.pccWeight);
  reader.finish();
  return config;
}

void validateModelConfig(const BmflModelConfig& config,
                         const VertexSpace& space,
                         const std::string& file)
{
  const auto fail = [&](const std::string& problem) { throw FileError(file, problem); };
  const auto positive = [&](const char* name, int value)
  {
    if (value <= 0)
    {
      fail(std::string(name) + " is " + std::to_string(value) + " but must be positive");
    }
  };
  const auto probability = [&](const char* name, double value)
  {
    if (!(value >= 0.0 && value < 1.0))
    {
      fail(std::string(name) + " is " + std::to_string(value) + " but must be in [0, 1)");
    }
  };
  const ImageEncoderConfig& encoder = config.encoder;
  positive("encoder.imageSize", encoder.imageSize);
  positive("encoder.patchSize", encoder.patchSize);
  positive("encoder.inChannels", encoder.inChannels);
  positive("encoder.embedDim", encoder.embedDim);
  positive("encoder.depth", encoder.depth);
  positive("encoder.heads", encoder.heads);
  positive("encoder.positionGrid", encoder.positionGrid);
  if (!divides(encoder.patchSize, encoder.imageSize))
  {
    fail("encoder.imageSize " + std::to_string(encoder.imageSize) +
         " is not a multiple of encoder.patchSize " + std::to_string(encoder.patchSize));
  }
  checkImageSide("encoder.imageSize", encoder.imageSize, encoder, file);
  if (!divides(encoder.heads, encoder.embedDim))
  {
    fail("encoder.embedDim " + std::to_string(encoder.embedDim) +
         " is not divisible by encoder.heads " + std::to_string(encoder.heads));
  }
  if (encoder.registerTokens < 0)
  {
    fail("encoder.registerTokens is negative");
  }
  if (!(encoder.mlpRatio > 0.0) || !(encoder.layerNormEps > 0.0))
  {
    fail("encoder.mlpRatio and encoder.layerNormEps must be positive");
  }

  const BrainEncoderConfig& brain = config.brainEncoder;
  if (brain.featureSource != "last_block_query" && brain.featureSource != "block_query" &&
      brain.featureSource != "patch_tokens")
  {
    fail("brainEncoder.featureSource is " + inQuotes(brain.featureSource) +
         " but must be \"last_block_query\", \"block_query\" or \"patch_tokens\"");
  }
  if (brain.featureSource == "block_query")
  {
    if (brain.featureBlock < -encoder.depth || brain.featureBlock >= encoder.depth)
    {
      fail("brainEncoder.featureBlock is " + std::to_string(brain.featureBlock) +
           " but the encoder has blocks 0 to " + std::to_string(encoder.depth - 1) +
           " (or -1 to -" + std::to_string(encoder.depth) + " from the end)");
    }
  }
  else if (brain.featureBlock != -1)
  {
    fail("brainEncoder.featureBlock is " + std::to_string(brain.featureBlock) +
         " but only featureSource \"block_query\" reads a block (-1 otherwise)");
  }
  positive("brainEncoder.width", brain.width);
  positive("brainEncoder.heads", brain.heads);
  positive("brainEncoder.feedForward", brain.feedForward);
  positive("brainEncoder.decoderLayers", brain.decoderLayers);
  probability("brainEncoder.dropout", brain.dropout);
  if (!divides(brain.heads, brain.width))
  {
    fail("brainEncoder.width " + std::to_string(brain.width) +
         " is not divisible by brainEncoder.heads " + std::to_string(brain.heads));
  }
  if (space.labels(brain.queryLabelSet) == nullptr)
  {
    fail("brainEncoder.queryLabelSet is " + inQuotes(brain.queryLabelSet) +
         " but the vertex space has no such label set");
  }

  const BrainTransformerConfig& transformer = config.brainTransformer;
  if (transformer.tokenizer == "conv_slices")
  {
    positive("brainTransformer.sliceLength", transformer.sliceLength);
    if (static_cast<std::size_t>(transformer.sliceLength) > space.size())
    {
      fail("brainTransformer.sliceLength is " + std::to_string(transformer.sliceLength) +
           " but the vertex space has only " + std::to_string(space.size()) + " vertices");
    }
  }
  else if (transformer.tokenizer == "roi_tokens")
  {
    if (space.labels(transformer.roiLabelSet) == nullptr)
    {
      fail("brainTransformer.roiLabelSet is " + inQuotes(transformer.roiLabelSet) +
           " but the vertex space has no such label set");
    }
  }
  else
  {
    fail("brainTransformer.tokenizer is " + inQuotes(transformer.tokenizer) +
         " but must be \"conv_slices\" or \"roi_tokens\"");
  }
  positive("brainTransformer.width", transformer.width);
  positive("brainTransformer.depth", transformer.depth);
  positive("brainTransformer.heads", transformer.heads);
  probability("brainTransformer.dropout", transformer.dropout);
  if (!divides(transformer.heads, transformer.width))
  {
    fail("brainTransformer.width " + std::to_string(transformer.width) +
         " is not divisible by brainTransformer.heads " + std::to_string(transformer.heads));
  }

  const FusionConfig& fusion = config.fusion;
  if (fusion.mode != "cross_attention" && fusion.mode != "concatenation")
  {
    fail("fusion.mode is " + inQuotes(fusion.mode) +
         " but must be \"cross_attention\" or \"concatenation\"");
  }
  positive("fusion.heads", fusion.heads);
  probability("fusion.dropout", fusion.dropout);
  if (fusion.mode == "cross_attention" && !fusion.imageQueriesBrain && !fusion.brainQueriesImage)
  {
    fail("fusion.mode is \"cross_attention\" but both directions are off");
  }
  positive("numClasses", config.numClasses);
  if (!(config.pccWeight >= 0.0) || !std::isfinite(config.pccWeight))
  {
    fail("pccWeight must be a finite number >= 0");
  }
  if (space.size() == 0)
  {
    fail("the vertex space has no vertices");
  }
}

std::vector<unsigned char> encodeVertexSpace(const VertexSpace& space)
{
  std::vector<unsigned char> out(VertexSpaceMagic, VertexSpaceMagic + 8);
  appendU64(out, space.left.size());
  appendU64(out, space.right.size());
  appendU64(out, space.labelSets.size());
  appendI32Array(out, space.left);
  appendI32Array(out, space.right);
  for (const VertexLabels& set : space.labelSets)
  {
    if (set.left.size() != space.left.size() || set.right.size() != space.right.size())
    {
      throw std::invalid_argument("label set " + set.name + " does not cover the vertex space");
    }
    appendI32Array(out, set.left);
    appendI32Array(out, set.right);
  }
  return out;
}

void decodeVertexSpace(const std::vector<unsigned char>& bytes,
                       const std::string& path,
                       std::size_t leftCount,
                       std::size_t rightCount,
                       VertexSpace& space)
{
  constexpr std::size_t headerBytes = 8 + 3 * 8;
  if (bytes.size() < headerBytes || std::memcmp(bytes.data(), VertexSpaceMagic, 8) != 0)
  {
    throw FileError(path, "is not a bmfl vertex space file (bad header)");
  }
  const std::uint64_t storedLeft = readU64(bytes.data() + 8);
  const std::uint64_t storedRight = readU64(bytes.data() + 16);
  const std::uint64_t storedSets = readU64(bytes.data() + 24);
  if (storedLeft != leftCount || storedRight != rightCount || storedSets != space.labelSets.size())
  {
    throw FileError(path,
                    "holds " + std::to_string(storedLeft) + " + " + std::to_string(storedRight) +
                      " vertices and " + std::to_string(storedSets) +
                      " label sets but manifest.json says " + std::to_string(leftCount) + " + " +
                      std::to_string(rightCount) + " and " +
                      std::to_string(space.labelSets.size()));
  }
  // The counts are bounded by the manifest reader, so this cannot overflow.
  const std::size_t perArray = leftCount + rightCount;
  const std::size_t expected = headerBytes + 4 * perArray * (1 + space.labelSets.size());
  if (bytes.size() != expected)
  {
    throw FileError(path,
                    "is " + std::to_string(bytes.size()) + " bytes but should be " +
                      std::to_string(expected));
  }
  const unsigned char* at = bytes.data() + headerBytes;
  space.left = readI32Array(at, leftCount);
  at += 4 * leftCount;
  space.right = readI32Array(at, rightCount);
  at += 4 * rightCount;
  for (const std::vector<std::int32_t>* side : { &space.left, &space.right })
  {
    for (std::int32_t index : *side)
    {
      if (index < 0)
      {
        throw FileError(path, "holds a negative template vertex index");
      }
    }
  }
  for (VertexLabels& set : space.labelSets)
  {
    set.left = readI32Array(at, leftCount);
    at += 4 * leftCount;
    set.right = readI32Array(at, rightCount);
    at += 4 * rightCount;
    for (const std::vector<std::int32_t>* side : { &set.left, &set.right })
    {
      for (std::int32_t label : *side)
      {
        if (label < 0 || static_cast<std::size_t>(label) >= set.names.size())
        {
          throw FileError(path,
                          "label set " + inQuotes(set.name) + " holds label " +
                            std::to_string(label) + " but names only " +
                            std::to_string(set.names.size()) + " labels");
        }
      }
    }
  }
}

JsonValue manifestToJson(const BundleManifest& manifest, const std::string& vertexSpaceSha256)
{
  JsonValue root = JsonValue::object();
  root.set("format", BundleFormatName);
  root.set("version", BundleFormatVersion);
  root.set("architecture", modelConfigToJson(manifest.model));
  root.set("classes", toJson(manifest.classNames));
  root.set("preprocess", configToJson(manifest.preprocess));
  if (manifest.brainPreprocess)
  {
    root.set("brainPreprocess", configToJson(*manifest.brainPreprocess));
  }

  JsonValue space = JsonValue::object();
  space.set("name", manifest.vertexSpace.name);
  space.set("template", manifest.vertexSpace.templateName);
  space.set("leftCount", static_cast<std::int64_t>(manifest.vertexSpace.left.size()));
  space.set("rightCount", static_cast<std::int64_t>(manifest.vertexSpace.right.size()));
  JsonValue labelSets = JsonValue::array();
  for (const VertexLabels& set : manifest.vertexSpace.labelSets)
  {
    JsonValue entry = JsonValue::object();
    entry.set("name", set.name);
    entry.set("names", toJson(set.names));
    labelSets.push(std::move(entry));
  }
  space.set("labelSets", std::move(labelSets));
  space.set("file", BundleVertexSpaceFile);
  space.set("sha256", vertexSpaceSha256);
  root.set("vertexSpace", std::move(space));

  const TrainingProvenance& provenance = manifest.provenance;
  JsonValue history = JsonValue::object();
  history.set("command", provenance.command);
  history.set("seed", provenance.seed);
  JsonValue datasets = JsonValue::array();
  for (const DatasetRecord& dataset : provenance.datasets)
  {
    JsonValue entry = JsonValue::object();
    entry.set("name", dataset.name);
    entry.set("size", dataset.size);
    datasets.push(std::move(entry));
  }
  history.set("datasets", std::move(datasets));
  history.set("epochs", provenance.epochs);
  JsonValue metrics = JsonValue::object();
  for (const auto& [name, value] : provenance.finalMetrics)
  {
    metrics.set(name, std::isfinite(value) ? JsonValue(value) : JsonValue());
  }
  history.set("finalMetrics", std::move(metrics));
  history.set("date", provenance.date);
  JsonValue versions = JsonValue::object();
  for (const auto& [library, version] : provenance.libraryVersions)
  {
    versions.set(library, version);
  }
  history.set("libraryVersions", std::move(versions));
  root.set("provenance", std::move(history));

  JsonValue weights = JsonValue::object();
  for (const BundleWeights& entry : manifest.weights)
  {
    JsonValue file = JsonValue::object();
    file.set("file", entry.file);
    file.set("sha256", entry.sha256);
    weights.set(entry.module, std::move(file));
  }
  root.set("weights", std::move(weights));
  return root;
}

void writeManifestFiles(const std::string& folder, const BundleManifest& manifest)
{
  const std::vector<unsigned char> spaceBytes = encodeVertexSpace(manifest.vertexSpace);
  Sha256 hash;
  hash.update(spaceBytes.data(), spaceBytes.size());
  const std::string spaceSha = hash.hexDigest();
  writeWholeFile(
    (fs::path(folder) / BundleVertexSpaceFile).string(), spaceBytes.data(), spaceBytes.size());
  const std::string text = writeJson(manifestToJson(manifest, spaceSha));
  writeWholeFile((fs::path(folder) / BundleManifestFile).string(), text.data(), text.size());
}

BundleManifest readBundleManifest(const std::string& bundleDir)
{
  const std::string manifestPath = (fs::path(bundleDir) / BundleManifestFile).string();
  std::error_code error;
  if (!fs::is_directory(bundleDir, error))
  {
    throw FileError(bundleDir, "is not a model bundle folder (no such folder)");
  }
  if (!fs::exists(manifestPath, error))
  {
    throw FileError(bundleDir, "is not a model bundle folder (no manifest.json)");
  }
  JsonLimits limits;
  limits.maxBytes = std::size_t{ 16 } << 20;
  const JsonValue root = readJsonFile(manifestPath, limits);
  ObjectReader reader(root, "", manifestPath);
  const auto fail = [&](const std::string& problem) { throw FileError(manifestPath, problem); };

  std::string format;
  reader.read("format", format);
  if (format != BundleFormatName)
  {
    fail("format is " + inQuotes(format) + ", not " + inQuotes(BundleFormatName));
  }
  std::int64_t version = 0;
  reader.read("version", version);
  if (version != BundleFormatVersion)
  {
    fail("bundle version " + std::to_string(version) +
         " is not supported (this build reads version " + std::to_string(BundleFormatVersion) +
         ")");
  }

  BundleManifest manifest;
  manifest.model =
    modelConfigFromJson(reader.required("architecture"), manifestPath, "architecture");
  reader.read("classes", manifest.classNames);
  manifest.preprocess =
    configFromJson<PreprocessConfig>(reader.required("preprocess"), manifestPath, "preprocess");
  if (reader.has("brainPreprocess"))
  {
    manifest.brainPreprocess = configFromJson<PreprocessConfig>(
      reader.required("brainPreprocess"), manifestPath, "brainPreprocess");
  }

  // Vertex space: names and counts here, arrays in the checksummed side file.
  {
    ObjectReader space(reader.required("vertexSpace"), "vertexSpace", manifestPath);
    VertexSpace& vertexSpace = manifest.vertexSpace;
    space.read("name", vertexSpace.name);
    space.read("template", vertexSpace.templateName);
    std::int64_t leftCount = 0;
    std::int64_t rightCount = 0;
    space.read("leftCount", leftCount);
    space.read("rightCount", rightCount);
    if (leftCount < 0 || rightCount < 0 || leftCount > MaxVertices || rightCount > MaxVertices)
    {
      fail("vertexSpace.leftCount/rightCount must be between 0 and " + std::to_string(MaxVertices));
    }
    const JsonValue::Array& sets = space.array("labelSets");
    if (static_cast<std::int64_t>(sets.size()) > MaxLabelSets)
    {
      fail("vertexSpace.labelSets has more than " + std::to_string(MaxLabelSets) + " sets");
    }
    for (std::size_t i = 0; i < sets.size(); ++i)
    {
      ObjectReader set(sets[i], "vertexSpace.labelSets[" + std::to_string(i) + "]", manifestPath);
      VertexLabels labels;
      set.read("name", labels.name);
      set.read("names", labels.names);
      set.finish();
      if (labels.names.empty())
      {
        fail("vertexSpace.labelSets[" + std::to_string(i) + "].names is empty");
      }
      if (vertexSpace.labels(labels.name) != nullptr)
      {
        fail("vertexSpace.labelSets has two sets named " + inQuotes(labels.name));
      }
      vertexSpace.labelSets.push_back(std::move(labels));
    }
    std::string file;
    std::string sha;
    space.read("file", file);
    space.read("sha256", sha);
    space.finish();
    if (!isPlainFileName(file))
    {
      fail("vertexSpace.file " + inQuotes(file) + " is not a plain file name inside the bundle");
    }
    const std::string spacePath =
      fileInsideBundle(bundleDir, file, "vertex space file " + file, manifestPath);
    const std::uint64_t expectedBytes =
      32 + 4 * static_cast<std::uint64_t>(leftCount + rightCount) * (1 + sets.size());
    const std::vector<unsigned char> bytes = readWholeFile(spacePath, expectedBytes);
    Sha256 hash;
    hash.update(bytes.data(), bytes.size());
    const std::string actual = hash.hexDigest();
    if (actual != sha)
    {
      fail("checksum mismatch for " + file + " (manifest says " + sha + ", the file has " + actual +
           ")");
    }
    decodeVertexSpace(bytes,
                      spacePath,
                      static_cast<std::size_t>(leftCount),
                      static_cast<std::size_t>(rightCount),
                      vertexSpace);
  }

  // Provenance.
  {
    ObjectReader history(reader.required("provenance"), "provenance", manifestPath);
    TrainingProvenance& provenance = manifest.provenance;
    history.read("command", provenance.command);
    std::int64_t seed = 0;
    history.read("seed", seed);
    provenance.seed = static_cast<std::uint64_t>(seed);
    const JsonValue::Array& datasets = history.array("datasets");
    for (std::size_t i = 0; i < datasets.size(); ++i)
    {
      ObjectReader dataset(
        datasets[i], "provenance.datasets[" + std::to_string(i) + "]", manifestPath);
      DatasetRecord record;
      dataset.read("name", record.name);
      dataset.read("size", record.size);
      dataset.finish();
      provenance.datasets.push_back(std::move(record));
    }
    history.read("epochs", provenance.epochs);
    const JsonValue& metrics = history.required("finalMetrics");
    if (!metrics.isObject())
    {
      fail("provenance.finalMetrics must be an object but is " + ObjectReader::article(metrics));
    }
    for (const JsonValue::Member& metric : metrics.asObject())
    {
      if (metric.second.isNull())
      {
        provenance.finalMetrics.emplace_back(metric.first,
                                             std::numeric_limits<double>::quiet_NaN());
      }
      else if (metric.second.isNumber())
      {
        provenance.finalMetrics.emplace_back(metric.first, metric.second.asNumber());
      }
      else
      {
        fail("provenance.finalMetrics." + metric.first + " must be a number but is " +
             ObjectReader::article(metric.second));
      }
    }
    history.read("date", provenance.date);
    const JsonValue& versions = history.required("libraryVersions");
    if (!versions.isObject())
    {
      fail("provenance.libraryVersions must be an object but is " +
           ObjectReader::article(versions));
    }
    for (const JsonValue::Member& library : versions.asObject())
    {
      if (!library.second.isString())
      {
        fail("provenance.libraryVersions." + library.first + " must be a string but is " +
             ObjectReader::article(library.second));
      }
      provenance.libraryVersions.emplace_back(library.first, library.second.asString());
    }
    history.finish();
  }

  // Weights: every module present, inside the folder, with a matching checksum.
  {
    ObjectReader weights(reader.required("weights"), "weights", manifestPath);
    std::vector<std::string> weightPaths;
    for (const auto& [module, defaultFile] : bundleModuleFiles())
    {
      ObjectReader entry(weights.required(module), "weights." + module, manifestPath);
      BundleWeights record;
      record.module = module;
      entry.read("file", record.file);
      entry.read("sha256", record.sha256);
      entry.finish();
      if (!isPlainFileName(record.file))
      {
        fail("weights." + module + ".file " + inQuotes(record.file) +
             " is not a plain file name inside the bundle");
      }
      const std::string weightsPath = fileInsideBundle(
        bundleDir, record.file, "weights file " + record.file + " (" + module + ")", manifestPath);
      // Weights are float32: a file far smaller than the architecture needs cannot fit it.
      const double needed = 4.0 * minimumParameters(module, manifest.model, manifest.vertexSpace);
      const auto fileBytes = static_cast<double>(fs::file_size(weightsPath, error));
      if (needed > 2.0 * fileBytes + 1e6)
      {
        fail("the architecture of " + module + " needs at least " +
             std::to_string(static_cast<std::int64_t>(needed / 4.0)) + " parameters but " +
             record.file + " holds only " + std::to_string(static_cast<std::int64_t>(fileBytes)) +
             " bytes");
      }
      weightPaths.push_back(weightsPath);
      manifest.weights.push_back(std::move(record));
    }
    weights.finish();
    // The files' checksums, one file per thread on up to every core (a ViT-S/14 bundle holds
    // 200 MB), compared in order.
    std::vector<std::string> actual(weightPaths.size());
    forEachInParallel(actual.size(),
                      std::max(1U, std::thread::hardware_concurrency()),
                      [&](std::size_t i) { actual[i] = sha256OfFile(weightPaths[i]); });
    for (std::size_t i = 0; i < actual.size(); ++i)
    {
      const BundleWeights& record = manifest.weights[i];
      if (actual[i] != record.sha256)
      {
        fail("checksum mismatch for " + record.file + " (manifest says " + record.sha256 +
             ", the file has " + actual[i] + ")");
      }
    }
  }
  reader.finish();

  if (manifest.classNames.size() != static_cast<std::size_t>(manifest.model.numClasses))
  {
    fail("architecture.numClasses is " + std::to_string(manifest.model.numClasses) +
         " but classes lists " + std::to_string(manifest.classNames.size()) + " names");
  }
  validateModelConfig(manifest.model, manifest.vertexSpace, manifestPath);
  checkPreprocess(manifest.preprocess, "preprocess", manifest.model.encoder, manifestPath);
  if (manifest.brainPreprocess)
  {
    const PreprocessConfig& brain = *manifest.brainPreprocess;
    checkPreprocess(brain, "brainPreprocess", manifest.model.encoder, manifestPath);
    const int patch = manifest.model.encoder.patchSize;
    if (paddedSize(brain) % patch != 0)
    {
      fail("brainPreprocess gives images of " + std::to_string(paddedSize(brain)) +
           " pixels a side, not a multiple of architecture.encoder.patchSize " +
           std::to_string(patch) + " (set padToMultiple to " + std::to_string(patch) + ")");
    }
  }
  return manifest;
}

void checkBundleTarget(const std::string& target)
{
  std::error_code error;
  if (fs::symlink_status(target, error).type() == fs::file_type::not_found)
  {
    return;
  }
  // A folder (or a link to one) that is empty or holds a bundle's manifest may be replaced;
  // anything else is somebody's data.
  bool replaceable = false;
  if (fs::is_directory(fs::status(target, error)))
  {
    const bool empty = fs::is_empty(target, error);
    replaceable =
      (empty && !error) || fs::is_regular_file(fs::path(target) / BundleManifestFile, error);
  }
  if (!replaceable)
  {
    throw FileError(target,
                    "not a model bundle; refusing to replace it (choose another --out or remove it "
                    "yourself)");
  }
}

StagedFolder::StagedFolder(const std::string& target)
  : Target(fs::absolute(fs::path(target)).lexically_normal().string())
{
  static std::atomic<unsigned> counter{ 0 };
  fs::path targetPath(Target);
  if (targetPath.filename().empty())
  {
    targetPath = targetPath.parent_path();
    Target = targetPath.string();
  }
  checkBundleTarget(target);
  const fs::path parent = targetPath.parent_path();
  std::error_code error;
  fs::create_directories(parent, error);
  if (error)
  {
    throw FileError(parent.string(), "cannot create the folder: " + error.message());
  }
  removeStaleStaging(targetPath);
  Staging = (parent / (stagingPrefix(targetPath) + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++)))
              .string();
  fs::remove_all(Staging, error);
  if (!fs::create_directory(Staging, error))
  {
    throw FileError(Staging, "cannot create the staging folder: " + error.message());
  }
}

StagedFolder::~StagedFolder()
{
  if (!Committed)
  {
    std::error_code ignored;
    fs::remove_all(Staging, ignored);
  }
}

void StagedFolder::commit()
{
  // The target may have changed since the constructor looked at it (a long training run).
  checkBundleTarget(Target);
  std::error_code error;
  const fs::path target(Target);
  if (fs::exists(target, error))
  {
    if (!fs::is_directory(target, error))
    {
      throw FileError(Target, "exists and is not a folder: not replaced");
    }
    // Two renames: the old bundle stays whole until the new one is in place.
    const fs::path old = target.parent_path() /
                         ("." + target.filename().string() + ".old-" + std::to_string(::getpid()));
    fs::remove_all(old, error);
    fs::rename(target, old, error);
    if (error)
    {
      throw FileError(Target, "cannot move the old folder aside: " + error.message());
    }
    fs::rename(Staging, target, error);
    if (error)
    {
      fs::rename(old, target, error);
      throw FileError(Target, "cannot move the new folder into place");
    }
    fs::remove_all(old, error);
  }
  else
  {
    fs::rename(Staging, target, error);
    if (error)
    {
      throw FileError(Target, "cannot move the new folder into place: " + error.message());
    }
  }
  Committed = true;
}

} // namespace bmfl
