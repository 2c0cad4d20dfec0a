#include "engine/BundleModules.h"

#include "bmfl/FileError.h"
#include "bmfl/Sha256.h"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sstream>
#include <system_error>
#include <unistd.h>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

std::string shapeText(const torch::IntArrayRef& sizes)
{
  std::ostringstream text;
  text << "[";
  for (std::size_t i = 0; i < sizes.size(); ++i)
  {
    text << (i > 0 ? ", " : "") << sizes[i];
  }
  text << "]";
  return text.str();
}

// A configuration value that fixes some parameter dimension, to explain a shape mismatch in the
// user's terms ("encoder.embedDim is 384") rather than in tensor terms only.
struct ConfigFact
{
  std::string description;
  std::int64_t value;
};

std::vector<ConfigFact> configFacts(const std::string& module, const BundleManifest& manifest)
{
  const BmflModelConfig& config = manifest.model;
  const auto is = [](const std::string& field, std::int64_t value) {
    return ConfigFact{ field + " is " + std::to_string(value), value };
  };
  std::vector<ConfigFact> facts;
  if (module == "encoder")
  {
    facts.push_back(is("encoder.embedDim", config.encoder.embedDim));
    facts.push_back(is("encoder.patchSize", config.encoder.patchSize));
    facts.push_back(is("encoder.inChannels", config.encoder.inChannels));
    facts.push_back(
      { "encoder.mlpRatio is " + std::to_string(config.encoder.mlpRatio) + " (hidden width " +
          std::to_string(
            static_cast<std::int64_t>(config.encoder.embedDim * config.encoder.mlpRatio)) +
          ")",
        static_cast<std::int64_t>(config.encoder.embedDim * config.encoder.mlpRatio) });
    const std::int64_t grid = config.encoder.positionGrid;
    facts.push_back({ "encoder.positionGrid is " + std::to_string(grid) + " (" +
                        std::to_string(grid * grid + 1) + " positions)",
                      grid * grid + 1 });
    facts.push_back(is("encoder.registerTokens", config.encoder.registerTokens));
  }
  else if (module == "brainEncoder")
  {
    facts.push_back({ "the vertex space has " + std::to_string(manifest.vertexSpace.left.size()) +
                        " left vertices",
                      static_cast<std::int64_t>(manifest.vertexSpace.left.size()) });
    facts.push_back({ "the vertex space has " + std::to_string(manifest.vertexSpace.right.size()) +
                        " right vertices",
                      static_cast<std::int64_t>(manifest.vertexSpace.right.size()) });
    facts.push_back(is("brainEncoder.width", config.brainEncoder.width));
    facts.push_back(is("brainEncoder.feedForward", config.brainEncoder.feedForward));
    facts.push_back(is("encoder.embedDim", config.encoder.embedDim));
  }
  else if (module == "bmflHead")
  {
    facts.push_back(is("numClasses", config.numClasses));
    facts.push_back(is("brainTransformer.width", config.brainTransformer.width));
    facts.push_back(is("brainTransformer.sliceLength", config.brainTransformer.sliceLength));
    facts.push_back(is("encoder.embedDim", config.encoder.embedDim));
    facts.push_back(
      { "the vertex space has " + std::to_string(manifest.vertexSpace.size()) + " vertices",
        static_cast<std::int64_t>(manifest.vertexSpace.size()) });
  }
  else if (module == "baselineHead")
  {
    facts.push_back(is("numClasses", config.numClasses));
    facts.push_back({ "encoder.embedDim is " + std::to_string(config.encoder.embedDim) +
                        " (probe input " + std::to_string(2 * config.encoder.embedDim) + ")",
                      2 * static_cast<std::int64_t>(config.encoder.embedDim) });
  }
  return facts;
}

// The layout of torch::nn::Module::save (one nested archive per submodule), with every tensor
// copied to the CPU so that a bundle written on a GPU machine loads anywhere.
void writeArchive(const torch::nn::Module& module, torch::serialize::OutputArchive& archive)
{
  for (const auto& parameter : module.named_parameters(false))
  {
    archive.write(parameter.key(), parameter.value().detach().to(torch::kCPU));
  }
  for (const auto& buffer : module.named_buffers(false))
  {
    archive.write(buffer.key(), buffer.value().to(torch::kCPU), true);
  }
  for (const auto& child : module.named_children())
  {
    if (child.value()->is_serializable())
    {
      torch::serialize::OutputArchive childArchive(archive.compilation_unit());
      writeArchive(*child.value(), childArchive);
      archive.write(child.key(), childArchive);
    }
  }
}

// Reads the tensor stored under a dotted name from a torch::save archive of a module (nested
// archives per submodule). Returns an undefined tensor when any part of the path is absent.
torch::Tensor readNested(torch::serialize::InputArchive& root,
                         const std::string& dottedName,
                         bool isBuffer)
{
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true)
  {
    const std::string::size_type dot = dottedName.find('.', start);
    parts.push_back(dottedName.substr(start, dot - start));
    if (dot == std::string::npos)
    {
      break;
    }
    start = dot + 1;
  }
  torch::serialize::InputArchive* archive = &root;
  std::vector<torch::serialize::InputArchive> chain(parts.size());
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
  {
    if (!archive->try_read(parts[i], chain[i]))
    {
      return {};
    }
    archive = &chain[i];
  }
  torch::Tensor tensor;
  if (!archive->try_read(parts.back(), tensor, isBuffer))
  {
    return {};
  }
  return tensor;
}

// Every tensor name stored in an archive (nested archives flattened to dotted names).
void collectStoredNames(torch::serialize::InputArchive& archive,
                        const std::string& prefix,
                        std::vector<std::string>& names)
{
  for (const std::string& key : archive.keys())
  {
    c10::IValue value;
    if (!archive.try_read(key, value))
    {
      continue;
    }
    if (value.isTensor())
    {
      names.push_back(prefix + key);
    }
    else if (value.isObject())
    {
      torch::serialize::InputArchive child;
      if (archive.try_read(key, child))
      {
        collectStoredNames(child, prefix + key + ".", names);
      }
    }
  }
}

void loadModuleChecked(torch::nn::Module& module,
                       const std::string& moduleName,
                       const std::string& fileName,
                       const std::string& bundleDir,
                       const BundleManifest& manifest)
{
  const std::string manifestPath = (fs::path(bundleDir) / BundleManifestFile).string();
  const std::string path = (fs::path(bundleDir) / fileName).string();
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(path, torch::kCPU);
  }
  catch (const c10::Error& error)
  {
    throw FileError(path, "is not a torch archive: " + torchErrorLine(error));
  }
  const std::vector<ConfigFact> facts = configFacts(moduleName, manifest);
  torch::NoGradGuard noGrad;
  std::set<const void*> adopted; // storages already given to a tensor of the module
  const auto check = [&](const std::string& name, torch::Tensor& target, bool isBuffer)
  {
    if (!target.defined())
    {
      return;
    }
    torch::Tensor stored;
    try
    {
      stored = readNested(archive, name, isBuffer);
    }
    catch (const c10::Error& error)
    {
      throw FileError(manifestPath,
                      fileName + " cannot be read at " + name + ": " + torchErrorLine(error));
    }
    if (!stored.defined())
    {
      throw FileError(manifestPath,
                      fileName + " has no " + name + ", which the architecture (" + moduleName +
                        ") needs");
    }
    if (stored.sizes() != target.sizes())
    {
      // Name the configuration value that fixes the first mismatching dimension.
      std::string because;
      const torch::IntArrayRef expected = target.sizes();
      const torch::IntArrayRef actual = stored.sizes();
      for (std::size_t d = 0; d < expected.size() && because.empty(); ++d)
      {
        if (d >= actual.size() || actual[d] != expected[d])
        {
          for (const ConfigFact& fact : facts)
          {
            if (fact.value == expected[d])
            {
              because = fact.description;
              break;
            }
          }
        }
      }
      const std::string found = fileName + " has " + name + " of shape " + shapeText(actual);
      throw FileError(manifestPath,
                      because.empty() ? found + " but the architecture needs " + shapeText(expected)
                                      : because + " but " + found);
    }
    if (stored.scalar_type() != target.scalar_type())
    {
      throw FileError(manifestPath,
                      fileName + " has " + name + " of type " +
                        std::string(c10::toString(stored.scalar_type())) + ", not " +
                        std::string(c10::toString(target.scalar_type())));
    }
    // A tensor alone in its storage is taken as it is (the module's own tensor was never
    // filled: SkipParameterInit); one sharing its storage, with part of it or with another name
    // of the file, is copied.
    if (stored.is_contiguous() && stored.storage_offset() == 0 &&
        stored.storage().nbytes() == stored.nbytes() &&
        adopted.insert(stored.storage().data()).second)
    {
      target.set_(stored);
    }
    else
    {
      target.copy_(stored);
    }
  };
  for (auto& item : module.named_parameters(true))
  {
    check(item.key(), item.value(), false);
  }
  for (auto& item : module.named_buffers(true))
  {
    check(item.key(), item.value(), true);
  }
  // Tensors the architecture has no place for: a file from a deeper or different model.
  std::set<std::string> expected;
  for (const auto& item : module.named_parameters(true))
  {
    expected.insert(item.key());
  }
  for (const auto& item : module.named_buffers(true))
  {
    expected.insert(item.key());
  }
  std::vector<std::string> stored;
  try
  {
    collectStoredNames(archive, "", stored);
  }
  catch (const c10::Error& error)
  {
    throw FileError(manifestPath, fileName + " cannot be listed: " + torchErrorLine(error));
  }
  std::size_t unexpected = 0;
  std::string first;
  for (const std::string& name : stored)
  {
    if (expected.count(name) == 0)
    {
      first = unexpected == 0 ? name : first;
      ++unexpected;
    }
  }
  if (unexpected > 0)
  {
    throw FileError(
      manifestPath,
      fileName + " has " + first + ", which the architecture (" + moduleName + ") does not have" +
        (unexpected > 1 ? " (" + std::to_string(unexpected) + " such tensors)" : std::string()));
  }
}

// Writes an archive through a file of our own. torch's file writer cannot be trusted with a
// failing disk: LibTorch 1.13 throws on the failed write, then again from the zip writer's
// destructor, which terminates the process. Here every write "succeeds" for torch; the first
// failure is kept and reported once torch is done.
void saveArchive(torch::serialize::OutputArchive& archive, const std::string& path)
{
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
  {
    throw FileError(path, "cannot be created: " + std::generic_category().message(errno));
  }
  int failure = 0;
  const auto write = [&](const void* data, std::size_t size) -> std::size_t
  {
    const char* at = static_cast<const char*>(data);
    std::size_t left = size;
    while (failure == 0 && left > 0)
    {
      const ssize_t written = ::write(fd, at, left);
      if (written < 0)
      {
        failure = errno == EINTR ? 0 : errno;
        continue;
      }
      at += written;
      left -= static_cast<std::size_t>(written);
    }
    return size;
  };
  try
  {
    archive.save_to(write);
  }
  catch (const c10::Error& error)
  {
    ::close(fd);
    throw FileError(path, "write failed: " + torchErrorLine(error));
  }
  if (failure == 0 && ::fsync(fd) != 0)
  {
    failure = errno;
  }
  if (::close(fd) != 0 && failure == 0)
  {
    failure = errno;
  }
  if (failure != 0)
  {
    throw FileError(path, "write failed: " + std::generic_category().message(failure));
  }
}

} // namespace

std::string torchErrorLine(const std::exception& error)
{
  const std::string text = error.what();
  return text.substr(0, text.find('\n'));
}

std::vector<std::pair<std::string, torch::nn::Module*>> BmflModules::named() const
{
  return { { "encoder", encoder.ptr().get() },
           { "brainEncoder", brainEncoder.ptr().get() },
           { "bmflHead", bmflHead.ptr().get() },
           { "baselineHead", baselineHead.ptr().get() } };
}

void BmflModules::to(const torch::Device& device)
{
  encoder->to(device);
  brainEncoder->to(device);
  bmflHead->to(device);
  baselineHead->to(device);
}

void BmflModules::eval()
{
  encoder->eval();
  brainEncoder->eval();
  bmflHead->eval();
  baselineHead->eval();
}

BmflModules buildModules(const BmflModelConfig& config,
                         const VertexSpace& space,
                         const std::string& errorPath)
{
  validateModelConfig(config, space, errorPath);
  BmflModules modules;
  try
  {
    modules.encoder = DinoVisionTransformer(config.encoder);
    modules.brainEncoder = BrainEncoder(config.brainEncoder, config.encoder.embedDim, space);
    modules.bmflHead = BmflHead(config, config.encoder.embedDim, space);
    modules.baselineHead = LinearProbeHead(config.encoder.embedDim, config.numClasses);
  }
  catch (const std::invalid_argument& error)
  {
    throw FileError(errorPath, error.what());
  }
  catch (const c10::Error& error)
  {
    throw FileError(errorPath, "the model cannot be built: " + torchErrorLine(error));
  }
  // BMFL never trains the image encoder: it is DINOv2, frozen.
  for (torch::Tensor& parameter : modules.encoder->parameters())
  {
    parameter.set_requires_grad(false);
  }
  return modules;
}

void saveBundle(const std::string& bundleDir, BundleManifest manifest, const BmflModules& modules)
{
  StagedFolder staged(bundleDir);
  manifest.weights.clear();
  const std::vector<std::pair<std::string, torch::nn::Module*>> named = modules.named();
  for (std::size_t i = 0; i < named.size(); ++i)
  {
    const std::string& fileName = bundleModuleFiles()[i].second;
    const std::string path = (fs::path(staged.path()) / fileName).string();
    torch::serialize::OutputArchive archive;
    writeArchive(*named[i].second, archive);
    saveArchive(archive, path);
    manifest.weights.push_back({ named[i].first, fileName, sha256OfFile(path) });
  }
  writeManifestFiles(staged.path(), manifest);
  staged.commit();
}

BmflModules loadBundleModules(const std::string& bundleDir, const BundleManifest& manifest)
{
  const std::string manifestPath = (fs::path(bundleDir) / BundleManifestFile).string();
  // Every parameter and buffer is read from the files below and checked to be there.
  const SkipParameterInit noInitialValues;
  BmflModules modules = buildModules(manifest.model, manifest.vertexSpace, manifestPath);
  for (const auto& [name, module] : modules.named())
  {
    const BundleWeights* weights = manifest.weightsOf(name);
    if (weights == nullptr)
    {
      throw FileError(manifestPath, "weights." + name + " is missing");
    }
    loadModuleChecked(*module, name, weights->file, bundleDir, manifest);
  }
  return modules;
}

int brainQueryBlock(const BrainEncoderConfig& config)
{
  return config.featureSource == "block_query" ? config.featureBlock : -1;
}

torch::Device resolveDevice(const std::string& name)
{
  if (name == "auto" || name.empty())
  {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0)
                                       : torch::Device(torch::kCPU);
  }
  torch::Device device(torch::kCPU);
  try
  {
    device = torch::Device(name);
  }
  catch (const c10::Error&)
  {
    throw std::invalid_argument("unknown device \"" + name + "\" (use auto, cpu, cuda or cuda:N)");
  }
  if (device.is_cuda() && !torch::cuda::is_available())
  {
    throw std::invalid_argument("device \"" + name + "\" asked for but CUDA is not available");
  }
  if (device.is_cuda() && device.has_index() &&
      device.index() >= static_cast<int>(torch::cuda::device_count()))
  {
    throw std::invalid_argument("device \"" + name + "\" does not exist");
  }
  return device;
}

std::vector<float> tensorToFloats(const torch::Tensor& tensor)
{
  const torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  return std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
}

std::string moduleChecksum(const torch::nn::Module& module)
{
  Sha256 hash;
  const auto add = [&](const std::string& name, const torch::Tensor& tensor)
  {
    if (!tensor.defined())
    {
      return;
    }
    hash.update(name.data(), name.size() + 1);
    const torch::Tensor values = tensor.detach().to(torch::kCPU).contiguous();
    for (std::int64_t size : values.sizes())
    {
      hash.update(&size, sizeof size);
    }
    hash.update(values.data_ptr(), values.nbytes());
  };
  for (const auto& item : module.named_parameters(true))
  {
    add(item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(true))
  {
    add(item.key(), item.value());
  }
  return hash.hexDigest();
}

std::vector<ModuleParameterCount> bundleParameterCounts(const std::string& bundleDir,
                                                        const BundleManifest& manifest)
{
  const BmflModules modules = loadBundleModules(bundleDir, manifest);
  std::vector<ModuleParameterCount> counts;
  for (const auto& [name, module] : modules.named())
  {
    ModuleParameterCount count;
    count.module = name;
    for (const torch::Tensor& parameter : module->parameters())
    {
      count.total += parameter.numel();
      count.trainable += parameter.requires_grad() ? parameter.numel() : 0;
    }
    counts.push_back(count);
  }
  return counts;
}

ImageEncoderConfig inspectDinoV2Checkpoint(const std::string& path)
{
  try
  {
    return inferDinoV2Config(path);
  }
  catch (const c10::Error& error)
  {
    throw FileError(path, "is not a readable DINOv2 checkpoint: " + torchErrorLine(error));
  }
}

} // namespace bmfl
