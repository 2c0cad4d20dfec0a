// The DINOv2 Vision Transformer, and the checkpoint reading of Checkpoint.h (kept in this
// translation unit so that the room compiles few torch translation units).

#include "model/DinoVisionTransformer.h"

#include "bmfl/FileError.h"
#include "model/Attention.h"
#include "model/Checkpoint.h"
#include "model/Linear.h"
#include "model/StateDictPickle.h"

#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <vector>

namespace bmfl
{
namespace detail
{

class PatchEmbedImpl : public torch::nn::Module
{
public:
  PatchEmbedImpl(std::int64_t inChannels, std::int64_t embedDim, std::int64_t patchSize)
  {
    Proj = register_module(
      "proj",
      torch::nn::Conv2d(
        torch::nn::Conv2dOptions(inChannels, embedDim, patchSize).stride(patchSize)));
  }
  torch::Tensor forward(const torch::Tensor& images) { return Proj->forward(images); }

private:
  torch::nn::Conv2d Proj{ nullptr };
};

class LayerScaleImpl : public torch::nn::Module
{
public:
  explicit LayerScaleImpl(std::int64_t dim)
  {
    Gamma = register_parameter("gamma", torch::ones({ dim }));
  }
  torch::Tensor forward(const torch::Tensor& x) { return x * Gamma; }

private:
  torch::Tensor Gamma;
};

class DinoAttentionImpl : public torch::nn::Module
{
public:
  DinoAttentionImpl(std::int64_t dim, std::int64_t heads)
    : Dim(dim)
    , Heads(heads)
  {
    Qkv = register_module("qkv", Linear(dim, 3 * dim));
    Proj = register_module("proj", Linear(dim, dim));
  }

  /// When query is given, it receives the q projection of every token ([B, N, D]).
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* query)
  {
    const std::int64_t batch = x.size(0);
    const std::int64_t tokens = x.size(1);
    const std::int64_t headDim = Dim / Heads;
    const torch::Tensor qkv = Qkv->forward(x);
    if (query != nullptr)
    {
      // q is the first third of qkv's output channels ([3, heads, head_dim] layout).
      *query = qkv.narrow(2, 0, Dim);
    }
    const torch::Tensor split =
      qkv.view({ batch, tokens, 3, Heads, headDim }).permute({ 2, 0, 3, 1, 4 });
    const torch::Tensor context =
      detail::scaledDotProductAttention(split[0], split[1], split[2], 0.0)
        .transpose(1, 2)
        .reshape({ batch, tokens, Dim });
    return Proj->forward(context);
  }

private:
  std::int64_t Dim;
  std::int64_t Heads;
  Linear Qkv{ nullptr };
  Linear Proj{ nullptr };
};
TORCH_MODULE(DinoAttention);

class DinoMlpImpl : public torch::nn::Module
{
public:
  DinoMlpImpl(std::int64_t dim, std::int64_t hidden)
  {
    Fc1 = register_module("fc1", Linear(dim, hidden));
    Fc2 = register_module("fc2", Linear(hidden, dim));
  }
  torch::Tensor forward(const torch::Tensor& x)
  {
    return Fc2->forward(torch::gelu(Fc1->forward(x)));
  }

private:
  Linear Fc1{ nullptr };
  Linear Fc2{ nullptr };
};
TORCH_MODULE(DinoMlp);

class DinoBlockImpl : public torch::nn::Module
{
public:
  explicit DinoBlockImpl(const ImageEncoderConfig& config)
  {
    const std::int64_t dim = config.embedDim;
    const auto normOptions = torch::nn::LayerNormOptions({ dim }).eps(config.layerNormEps);
    Norm1 = register_module("norm1", torch::nn::LayerNorm(normOptions));
    Attn = register_module("attn", DinoAttention(dim, config.heads));
    Norm2 = register_module("norm2", torch::nn::LayerNorm(normOptions));
    const auto hidden = static_cast<std::int64_t>(static_cast<double>(dim) * config.mlpRatio);
    Mlp = register_module("mlp", DinoMlp(dim, hidden));
    if (config.layerScale)
    {
      Ls1 = register_module("ls1", std::make_shared<LayerScaleImpl>(dim));
      Ls2 = register_module("ls2", std::make_shared<LayerScaleImpl>(dim));
    }
  }

  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* query)
  {
    torch::Tensor attended = Attn->forward(Norm1->forward(x), query);
    if (Ls1)
    {
      attended = Ls1->forward(attended);
    }
    const torch::Tensor y = x + attended;
    torch::Tensor mlpOut = Mlp->forward(Norm2->forward(y));
    if (Ls2)
    {
      mlpOut = Ls2->forward(mlpOut);
    }
    return y + mlpOut;
  }

private:
  torch::nn::LayerNorm Norm1{ nullptr };
  DinoAttention Attn{ nullptr };
  torch::nn::LayerNorm Norm2{ nullptr };
  DinoMlp Mlp{ nullptr };
  std::shared_ptr<LayerScaleImpl> Ls1;
  std::shared_ptr<LayerScaleImpl> Ls2;
};

} // namespace detail

namespace
{

void requirePositive(int value, const char* name)
{
  if (value <= 0)
  {
    throw std::invalid_argument(std::string("image encoder: ") + name + " must be positive, got " +
                                std::to_string(value));
  }
}

void validate(const ImageEncoderConfig& config)
{
  requirePositive(config.patchSize, "patchSize");
  requirePositive(config.inChannels, "inChannels");
  requirePositive(config.embedDim, "embedDim");
  requirePositive(config.depth, "depth");
  requirePositive(config.heads, "heads");
  requirePositive(config.positionGrid, "positionGrid");
  if (config.embedDim % config.heads != 0)
  {
    throw std::invalid_argument("image encoder: embedDim " + std::to_string(config.embedDim) +
                                " is not divisible by " + std::to_string(config.heads) + " heads");
  }
  if (config.registerTokens < 0 || !(config.mlpRatio > 0.0) || !(config.layerNormEps > 0.0) ||
      config.interpolateOffset < 0.0)
  {
    throw std::invalid_argument("image encoder: registerTokens, mlpRatio, layerNormEps or "
                                "interpolateOffset out of range");
  }
}

} // namespace

DinoVisionTransformerImpl::DinoVisionTransformerImpl(const ImageEncoderConfig& config)
  : Config(config)
{
  validate(Config);
  const std::int64_t dim = Config.embedDim;
  const std::int64_t grid = Config.positionGrid;
  PatchEmbed = register_module(
    "patch_embed",
    std::make_shared<detail::PatchEmbedImpl>(Config.inChannels, dim, Config.patchSize));
  // DINOv2's initialisation; released weights replace it.
  ClsToken = register_parameter("cls_token", torch::randn({ 1, 1, dim }) * 1e-6);
  PosEmbed = register_parameter("pos_embed", torch::randn({ 1, 1 + grid * grid, dim }) * 0.02);
  if (Config.registerTokens > 0)
  {
    RegisterTokens =
      register_parameter("register_tokens", torch::randn({ 1, Config.registerTokens, dim }) * 1e-6);
  }
  MaskToken = register_parameter("mask_token", torch::zeros({ 1, dim }));
  Blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < Config.depth; ++i)
  {
    Blocks->push_back(std::make_shared<detail::DinoBlockImpl>(Config));
  }
  Norm = register_module(
    "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim }).eps(Config.layerNormEps)));
}

torch::Tensor DinoVisionTransformerImpl::positionEmbedding(std::int64_t gridHeight,
                                                           std::int64_t gridWidth) const
{
  const std::int64_t grid = Config.positionGrid;
  if (gridHeight == grid && gridWidth == grid)
  {
    return PosEmbed;
  }
  const std::int64_t dim = Config.embedDim;
  const torch::Tensor classPosition = PosEmbed.narrow(1, 0, 1);
  const torch::Tensor patchGrid = PosEmbed.narrow(1, 1, grid * grid)
                                    .to(torch::kFloat)
                                    .reshape({ 1, grid, grid, dim })
                                    .permute({ 0, 3, 1, 2 });
  namespace F = torch::nn::functional;
  auto options = F::InterpolateFuncOptions()
                   .mode(torch::kBicubic)
                   .align_corners(false)
                   .antialias(Config.interpolateAntialias);
  if (Config.interpolateOffset != 0.0)
  {
    // DINOv2 passes (g + offset) / grid as the scale factor and lets the output size floor to g;
    // the source coordinates then follow that scale, not g / grid.
    const double gridSize = static_cast<double>(grid);
    options
      .scale_factor(std::vector<double>{
        (static_cast<double>(gridHeight) + Config.interpolateOffset) / gridSize,
        (static_cast<double>(gridWidth) + Config.interpolateOffset) / gridSize })
      .recompute_scale_factor(false);
  }
  else
  {
    options.size(std::vector<std::int64_t>{ gridHeight, gridWidth });
  }
  const torch::Tensor resized = F::interpolate(patchGrid, options);
  if (resized.size(2) != gridHeight || resized.size(3) != gridWidth)
  {
    throw std::runtime_error("position embedding interpolation gave a " +
                             std::to_string(resized.size(2)) + "x" +
                             std::to_string(resized.size(3)) + " grid instead of " +
                             std::to_string(gridHeight) + "x" + std::to_string(gridWidth));
  }
  const torch::Tensor patchPositions =
    resized.permute({ 0, 2, 3, 1 }).reshape({ 1, gridHeight * gridWidth, dim });
  return torch::cat({ classPosition, patchPositions.to(PosEmbed.scalar_type()) }, 1);
}

ImageFeatures DinoVisionTransformerImpl::forward(const torch::Tensor& images, int queryBlock)
{
  if (images.dim() != 4 || images.size(1) != Config.inChannels)
  {
    throw std::invalid_argument("image encoder: expected images [B, " +
                                std::to_string(Config.inChannels) + ", H, W], got " +
                                c10::str(images.sizes()));
  }
  const std::int64_t patch = Config.patchSize;
  if (images.size(2) < patch || images.size(3) < patch || images.size(2) % patch != 0 ||
      images.size(3) % patch != 0)
  {
    throw std::invalid_argument("image encoder: image size " + std::to_string(images.size(2)) +
                                "x" + std::to_string(images.size(3)) +
                                " is not a positive multiple of the patch size " +
                                std::to_string(patch));
  }
  const std::int64_t batch = images.size(0);
  const std::int64_t gridHeight = images.size(2) / patch;
  const std::int64_t gridWidth = images.size(3) / patch;
  const std::int64_t patches = gridHeight * gridWidth;

  torch::Tensor x = PatchEmbed->forward(images).flatten(2).transpose(1, 2);
  x = torch::cat({ ClsToken.expand({ batch, -1, -1 }), x }, 1);
  x = x + positionEmbedding(gridHeight, gridWidth);
  const std::int64_t registers = Config.registerTokens;
  if (registers > 0)
  {
    x = torch::cat(
      { x.narrow(1, 0, 1), RegisterTokens.expand({ batch, -1, -1 }), x.narrow(1, 1, patches) }, 1);
  }
  torch::Tensor query;
  const std::size_t depth = Blocks->size();
  const auto blockCount = static_cast<int>(depth);
  if (queryBlock < -blockCount || queryBlock >= blockCount)
  {
    throw std::invalid_argument("image encoder: no block " + std::to_string(queryBlock) +
                                " among " + std::to_string(depth));
  }
  const auto queried =
    static_cast<std::size_t>(queryBlock < 0 ? blockCount + queryBlock : queryBlock);
  for (std::size_t i = 0; i < depth; ++i)
  {
    x = Blocks->ptr<detail::DinoBlockImpl>(i)->forward(x, i == queried ? &query : nullptr);
  }
  x = Norm->forward(x);

  ImageFeatures features;
  features.cls = x.select(1, 0);
  features.patches = x.narrow(1, 1 + registers, patches);
  features.lastQuery = query.narrow(1, 1 + registers, patches);
  features.gridHeight = gridHeight;
  features.gridWidth = gridWidth;
  return features;
}

namespace
{

using StateDict = std::map<std::string, torch::Tensor>;

// c10 messages carry backtraces and several lines: a user sees the first line only.
std::string firstLine(const std::string& text)
{
  std::string line = text.substr(0, text.find('\n'));
  constexpr std::size_t longest = 200;
  if (line.size() > longest)
  {
    line = line.substr(0, longest) + "...";
  }
  return line;
}

std::string describe(const std::exception& error)
{
  if (const auto* torchError = dynamic_cast<const c10::Error*>(&error))
  {
    return firstLine(torchError->what_without_backtrace());
  }
  return firstLine(error.what());
}

std::vector<char> readWholeFile(const std::string& path)
{
  // A folder would "open" and report a size of 2^63 bytes; a FIFO would block.
  requireRegularFile(path, "a checkpoint file");
  std::ifstream stream(path, std::ios::binary | std::ios::ate);
  if (!stream)
  {
    throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
  }
  const std::streamoff size = stream.tellg();
  if (size < 0)
  {
    throw FileError(path, "cannot determine the file size");
  }
  std::vector<char> bytes(static_cast<std::size_t>(size));
  stream.seekg(0);
  if (!stream.read(bytes.data(), size))
  {
    throw FileError(path, "read error");
  }
  return bytes;
}

bool startsWith(const std::string& text, const std::string& prefix)
{
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool isDigits(const std::string& text)
{
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Maps the key spellings of DINOv2's training checkpoints onto the backbone's own names:
// "backbone." (teacher/student wrappers), "module." (DistributedDataParallel) and the chunked
// block lists of FSDP training ("blocks.<chunk>.<index>.", where index is already global).
StateDict normaliseKeys(const StateDict& raw)
{
  const bool hasBackbone = std::any_of(
    raw.begin(), raw.end(), [](const auto& entry) { return startsWith(entry.first, "backbone."); });
  StateDict result;
  for (const auto& [rawKey, tensor] : raw)
  {
    std::string key = rawKey;
    if (startsWith(key, "module."))
    {
      key = key.substr(7);
    }
    if (hasBackbone)
    {
      if (!startsWith(key, "backbone."))
      {
        continue; // the DINO/iBOT heads of a training checkpoint
      }
      key = key.substr(9);
    }
    if (startsWith(key, "blocks."))
    {
      const std::size_t first = key.find('.', 7);
      const std::size_t second = first == std::string::npos ? first : key.find('.', first + 1);
      if (second != std::string::npos && isDigits(key.substr(7, first - 7)) &&
          isDigits(key.substr(first + 1, second - first - 1)))
      {
        key = "blocks." + key.substr(first + 1);
      }
    }
    result[key] = tensor;
  }
  return result;
}

// The element type and width of a torch.save storage class.
std::pair<torch::ScalarType, std::size_t> storageElement(const std::string& path,
                                                         const std::string& storageType)
{
  static const std::map<std::string, std::pair<torch::ScalarType, std::size_t>> types = {
    { "FloatStorage", { torch::kFloat, 4 } }, { "DoubleStorage", { torch::kDouble, 8 } },
    { "HalfStorage", { torch::kHalf, 2 } },   { "BFloat16Storage", { torch::kBFloat16, 2 } },
    { "LongStorage", { torch::kLong, 8 } },   { "IntStorage", { torch::kInt, 4 } },
    { "ShortStorage", { torch::kShort, 2 } }, { "CharStorage", { torch::kChar, 1 } },
    { "ByteStorage", { torch::kByte, 1 } },   { "BoolStorage", { torch::kBool, 1 } },
  };
  const auto found = types.find(storageType);
  if (found == types.end())
  {
    throw FileError(path, "unsupported tensor storage type '" + storageType + "'");
  }
  return found->second;
}

// Where a record of a torch.save archive lies in the file: torch.save stores records
// uncompressed, so a record is read in place, after its size (from the zip directory) has been
// checked against the file; nothing is allocated beyond what the file holds.
std::pair<const char*, std::size_t> storedRecord(
  const std::string& path,
  const std::vector<char>& archive,
  const std::map<std::string, detail::ZipEntry>& directory,
  const std::string& prefix,
  const std::string& record,
  caffe2::serialize::PyTorchStreamReader& reader)
{
  const auto entry = directory.find(prefix + record);
  if (entry == directory.end() || !reader.hasRecord(record))
  {
    throw FileError(path, "the archive has no record '" + record + "'");
  }
  if (entry->second.compression != 0)
  {
    throw FileError(path, "record '" + record + "' is compressed, which torch.save never does");
  }
  const std::size_t offset = reader.getRecordOffset(record);
  if (offset > archive.size() || entry->second.size > archive.size() - offset)
  {
    throw FileError(path, "record '" + record + "' runs past the end of the file");
  }
  return { archive.data() + offset, static_cast<std::size_t>(entry->second.size) };
}

// Builds a tensor from its storage record, checking the view against the bytes present.
torch::Tensor materialise(
  const std::string& path,
  const std::string& key,
  const detail::PickledTensor& pickled,
  const std::function<std::pair<const char*, std::size_t>(const std::string&)>& record,
  std::map<std::string, torch::Tensor>& storages)
{
  const auto [dtype, width] = storageElement(path, pickled.storageType);
  auto storage = storages.find(pickled.storageKey);
  if (storage == storages.end())
  {
    const auto [data, size] = record("data/" + pickled.storageKey);
    const auto elements = static_cast<std::uint64_t>(pickled.storageElements);
    if (elements > size / width)
    {
      throw FileError(path, "tensor '" + key + "' needs more bytes than its storage record holds");
    }
    torch::Tensor values = torch::empty({ pickled.storageElements }, torch::TensorOptions(dtype));
    std::memcpy(values.data_ptr(), data, static_cast<std::size_t>(elements) * width);
    storage = storages.emplace(pickled.storageKey, values).first;
  }
  const std::int64_t elements = storage->second.numel();
  std::int64_t last = pickled.storageOffset;
  std::int64_t count = 1;
  for (std::size_t d = 0; d < pickled.sizes.size(); ++d)
  {
    const std::int64_t size = pickled.sizes[d];
    const std::int64_t stride = pickled.strides[d];
    if (size == 0)
    {
      return torch::empty(pickled.sizes, torch::TensorOptions(dtype));
    }
    // A view may not reach past its storage nor hold more elements than it (which would let
    // zero strides ask for unbounded memory).
    if ((stride > 0 && (size - 1) > (elements - last) / stride) || size > elements / count)
    {
      throw FileError(path, "tensor '" + key + "' does not fit in its storage");
    }
    last += (size - 1) * stride;
    count *= size;
  }
  if (last >= elements)
  {
    throw FileError(path, "tensor '" + key + "' does not fit in its storage");
  }
  return storage->second.as_strided(pickled.sizes, pickled.strides, pickled.storageOffset).clone();
}

std::string shapeText(const torch::Tensor& tensor)
{
  return tensor.defined() ? c10::str(tensor.sizes()) : std::string("(not a tensor)");
}

// "3 missing keys (a, b, c, ...)" with the first few names.
std::string listProblem(const std::vector<std::string>& items, const std::string& what)
{
  constexpr std::size_t shown = 3;
  std::string text =
    std::to_string(items.size()) + " " + what + (items.size() == 1 ? "" : "s") + " (";
  for (std::size_t i = 0; i < std::min(items.size(), shown); ++i)
  {
    text += (i > 0 ? ", " : "") + items[i];
  }
  return text + (items.size() > shown ? ", ...)" : ")");
}

} // namespace

namespace
{

using TensorSelection = std::function<std::vector<std::string>(const detail::PickledStateDict&)>;

// The named tensors of a checkpoint file as stored: all of them (a TorchScript module's parameters
// and buffers, or a state dict with its non-tensor entries as undefined tensors) when select is
// null, else the tensors of a torch.save state dict that select picks after seeing its pickle.
StateDict readArchive(const std::string& path, const TensorSelection* select)
{
  const std::vector<char> bytes = readWholeFile(path);
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "PK\x03\x04", 4) != 0)
  {
    if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80)
    {
      throw FileError(path,
                      "legacy torch.save format (before PyTorch 1.6) is not supported; "
                      "re-save it with a current PyTorch");
    }
    throw FileError(path,
                    "not a PyTorch checkpoint (neither a torch.save zip archive nor a "
                    "TorchScript file)");
  }
  std::map<std::string, detail::ZipEntry> directory;
  try
  {
    directory = detail::readZipDirectory(bytes.data(), bytes.size());
  }
  catch (const std::exception& error)
  {
    throw FileError(path, std::string("damaged or truncated checkpoint archive: ") + error.what());
  }
  StateDict raw;
  try
  {
    caffe2::serialize::PyTorchStreamReader reader(
      std::make_shared<caffe2::serialize::MemoryReadAdapter>(bytes.data(),
                                                             static_cast<off_t>(bytes.size())));
    const std::vector<std::string> records = reader.getAllRecords();
    const bool torchScript =
      std::any_of(records.begin(),
                  records.end(),
                  [](const std::string& record)
                  { return record == "constants.pkl" || startsWith(record, "code/"); });
    if (torchScript && select != nullptr)
    {
      throw FileError(path, "is a TorchScript module, not a torch.save training checkpoint");
    }
    if (torchScript)
    {
      torch::jit::Module module = torch::jit::load(path, torch::kCPU);
      for (const auto& parameter : module.named_parameters(true))
      {
        raw[parameter.name] = parameter.value;
      }
      for (const auto& buffer : module.named_buffers(true))
      {
        raw[buffer.name] = buffer.value;
      }
    }
    else
    {
      // The archive's records sit under one folder, named after the file torch.save wrote.
      const auto pickleEntry =
        std::find_if(directory.begin(),
                     directory.end(),
                     [](const auto& entry)
                     {
                       return entry.first.size() > 9 &&
                              entry.first.compare(entry.first.size() - 9, 9, "/data.pkl") == 0;
                     });
      if (pickleEntry == directory.end())
      {
        throw FileError(path, "not a PyTorch checkpoint: the archive has no data.pkl");
      }
      const std::string prefix = pickleEntry->first.substr(0, pickleEntry->first.size() - 8);
      const auto record = [&](const std::string& name)
      { return storedRecord(path, bytes, directory, prefix, name, reader); };
      const auto [pickle, pickleSize] = record("data.pkl");
      const detail::PickledStateDict pickled = detail::parseStateDictPickle(pickle, pickleSize);
      std::map<std::string, torch::Tensor> storages;
      if (select != nullptr)
      {
        for (const std::string& key : (*select)(pickled))
        {
          const auto found = std::find_if(pickled.tensors.begin(),
                                          pickled.tensors.end(),
                                          [&](const auto& entry) { return entry.first == key; });
          if (found == pickled.tensors.end())
          {
            throw FileError(path, "has no tensor '" + key + "'");
          }
          raw[key] = materialise(path, key, found->second, record, storages);
        }
        return raw;
      }
      for (const auto& [key, tensor] : pickled.tensors)
      {
        raw[key] = materialise(path, key, tensor, record, storages);
      }
      // Kept as undefined entries so that the key check reports them as unexpected.
      for (const std::string& key : pickled.otherKeys)
      {
        raw[key] = torch::Tensor();
      }
    }
  }
  catch (const FileError&)
  {
    throw;
  }
  catch (const std::exception& error)
  {
    throw FileError(path, "cannot read checkpoint: " + describe(error));
  }
  return raw;
}

} // namespace

std::map<std::string, torch::Tensor> readCheckpointTensors(const std::string& path)
{
  return normaliseKeys(readArchive(path, nullptr));
}

std::map<std::string, torch::Tensor> readSelectedCheckpointTensors(const std::string& path,
                                                                   const TensorSelection& select)
{
  return readArchive(path, &select);
}

void loadModuleState(torch::nn::Module& module,
                     const std::map<std::string, torch::Tensor>& state,
                     const std::string& path,
                     const std::string& description)
{
  std::map<std::string, torch::Tensor> targets;
  for (const auto& parameter : module.named_parameters(true))
  {
    targets[parameter.key()] = parameter.value();
  }
  for (const auto& buffer : module.named_buffers(true))
  {
    targets[buffer.key()] = buffer.value();
  }
  std::vector<std::string> missing;
  std::vector<std::string> mismatched;
  std::vector<std::string> unexpected;
  for (const auto& [key, target] : targets)
  {
    const auto found = state.find(key);
    if (found == state.end())
    {
      missing.push_back(key);
    }
    else if (!found->second.defined() || found->second.sizes() != target.sizes())
    {
      mismatched.push_back(key + " " + shapeText(found->second) + " vs model " +
                           c10::str(target.sizes()));
    }
  }
  for (const auto& entry : state)
  {
    if (targets.count(entry.first) == 0)
    {
      unexpected.push_back(entry.first);
    }
  }
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty())
  {
    std::string problem = description + ":";
    std::string separator = " ";
    if (!missing.empty())
    {
      problem += separator + listProblem(missing, "missing key");
      separator = "; ";
    }
    if (!mismatched.empty())
    {
      problem += separator + listProblem(mismatched, "shape mismatch");
      separator = "; ";
    }
    if (!unexpected.empty())
    {
      problem += separator + listProblem(unexpected, "unexpected key");
    }
    throw FileError(path, problem);
  }
  torch::NoGradGuard noGrad;
  for (auto& [key, target] : targets)
  {
    target.copy_(state.at(key));
  }
}

void loadDinoV2Weights(DinoVisionTransformer& model, const std::string& path)
{
  const ImageEncoderConfig& config = model->config();
  loadModuleState(*model,
                  readCheckpointTensors(path),
                  path,
                  "does not fit the DINOv2 model (width " + std::to_string(config.embedDim) +
                    ", depth " + std::to_string(config.depth) + ", patch " +
                    std::to_string(config.patchSize) + ", " +
                    std::to_string(config.registerTokens) + " registers)");
}

ImageEncoderConfig inferDinoV2Config(const std::string& path)
{
  const StateDict state = readCheckpointTensors(path);
  const auto require = [&](const std::string& key, std::int64_t dims) -> const torch::Tensor&
  {
    const auto found = state.find(key);
    if (found == state.end() || !found->second.defined())
    {
      throw FileError(path, "not a DINOv2 checkpoint: no tensor '" + key + "'");
    }
    if (found->second.dim() != dims)
    {
      throw FileError(path,
                      "'" + key + "' has shape " + c10::str(found->second.sizes()) + ", expected " +
                        std::to_string(dims) + " dimensions");
    }
    return found->second;
  };
  const auto toInt = [](std::int64_t value) { return static_cast<int>(value); };

  ImageEncoderConfig config;
  const torch::Tensor& patchWeight = require("patch_embed.proj.weight", 4);
  if (patchWeight.size(2) != patchWeight.size(3))
  {
    throw FileError(path,
                    "non-square patches " + c10::str(patchWeight.sizes()) + " are not supported");
  }
  const std::int64_t dim = patchWeight.size(0);
  config.embedDim = toInt(dim);
  config.inChannels = toInt(patchWeight.size(1));
  config.patchSize = toInt(patchWeight.size(2));
  config.imageSize = std::max(1, 224 / config.patchSize) * config.patchSize;
  if (require("cls_token", 3).size(2) != dim)
  {
    throw FileError(path, "'cls_token' width does not match 'patch_embed.proj.weight'");
  }
  const std::int64_t positions = require("pos_embed", 3).size(1) - 1;
  const auto grid =
    static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(positions))));
  if (positions <= 0 || grid * grid != positions)
  {
    throw FileError(path,
                    "'pos_embed' holds " + std::to_string(positions) +
                      " patch positions, not a square grid");
  }
  config.positionGrid = toInt(grid);
  int depth = 0;
  while (state.count("blocks." + std::to_string(depth) + ".norm1.weight") != 0)
  {
    ++depth;
  }
  if (depth == 0)
  {
    throw FileError(path, "not a DINOv2 checkpoint: no 'blocks.0.norm1.weight'");
  }
  config.depth = depth;
  if (state.count("blocks.0.mlp.w12.weight") != 0)
  {
    throw FileError(path, "SwiGLU feed-forward blocks (ViT-g/14) are not supported");
  }
  config.mlpRatio =
    static_cast<double>(require("blocks.0.mlp.fc1.weight", 2).size(0)) / static_cast<double>(dim);
  // Every DINOv2 model uses 64-wide heads; the checkpoint does not store the count.
  if (dim % 64 != 0)
  {
    throw FileError(path,
                    "width " + std::to_string(dim) +
                      " is not a multiple of DINOv2's head width 64: the head count "
                      "cannot be inferred");
  }
  config.heads = toInt(dim / 64);
  const auto registers = state.find("register_tokens");
  config.registerTokens =
    registers != state.end() && registers->second.defined() && registers->second.dim() == 3
      ? toInt(registers->second.size(1))
      : 0;
  // DINOv2's hub: register models resize to the target size with antialiasing; the others use a
  // scale factor with offset 0.1 and no antialiasing.
  config.interpolateOffset = config.registerTokens > 0 ? 0.0 : 0.1;
  config.interpolateAntialias = config.registerTokens > 0;
  config.layerNormEps = 1e-6;
  config.layerScale = state.count("blocks.0.ls1.gamma") != 0;
  return config;
}

} // namespace bmfl
