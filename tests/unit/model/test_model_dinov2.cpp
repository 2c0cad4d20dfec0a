// The DINOv2 image encoder against an independent PyTorch reference (models/reference/
// dinov2_reference.py, run at test time into a temporary folder), and the checkpoint loader's
// handling of damaged or mismatched files.

#include "TestEnvironment.h"
#include "bmfl/FileError.h"
#include "model/Checkpoint.h"
#include "model/DinoVisionTransformer.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace
{

namespace fs = std::filesystem;

struct Variant
{
  std::string name;
  bmfl::ImageEncoderConfig config;
};

// Must mirror VARIANTS in dinov2_reference.py.
std::vector<Variant> variants()
{
  bmfl::ImageEncoderConfig plain;
  plain.imageSize = 56;
  plain.patchSize = 14;
  plain.embedDim = 128;
  plain.depth = 3;
  plain.heads = 2;
  plain.registerTokens = 0;
  plain.positionGrid = 4;
  plain.interpolateOffset = 0.1;
  plain.interpolateAntialias = false;

  bmfl::ImageEncoderConfig registers = plain;
  registers.embedDim = 48;
  registers.heads = 4;
  registers.registerTokens = 4;
  registers.interpolateOffset = 0.0;
  registers.interpolateAntialias = true;
  return { { "vit_d128_h2", plain }, { "vit_d48_h4_reg4", registers } };
}
constexpr int caseCount = 3;

std::vector<char> readBytes(const fs::path& path)
{
  std::ifstream stream(path, std::ios::binary);
  return { std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>() };
}

void writeBytes(const fs::path& path, const std::vector<char>& bytes)
{
  std::ofstream stream(path, std::ios::binary);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::map<std::string, torch::Tensor> readTensorDict(const fs::path& path)
{
  std::map<std::string, torch::Tensor> result;
  for (const auto& entry : torch::pickle_load(readBytes(path)).toGenericDict())
  {
    result[entry.key().toStringRef()] = entry.value().toTensor();
  }
  return result;
}

void writeTensorDict(const fs::path& path, const std::map<std::string, torch::Tensor>& tensors)
{
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [key, value] : tensors)
  {
    dict.insert(key, value);
  }
  writeBytes(path, torch::pickle_save(dict));
}

class DinoV2Reference : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    if (std::string(BMFL_REFERENCE_PYTHON).empty())
    {
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "bmfl-dinov2-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
    {
      return;
    }
    Folder = pattern;
    const std::string command = std::string("'") + BMFL_REFERENCE_PYTHON + "' '" +
                                BMFL_DINOV2_REFERENCE_SCRIPT + "' '" + Folder.string() + "'";
    ScriptStatus = std::system(command.c_str());
  }

  static void TearDownTestSuite()
  {
    if (!Folder.empty())
    {
      fs::remove_all(Folder);
    }
  }

  void SetUp() override
  {
    if (std::string(BMFL_REFERENCE_PYTHON).empty())
    {
      BMFL_SKIP_UNLESS_CI("the reference script needs /usr/bin/python3 with torch (python3-torch)");
    }
    ASSERT_FALSE(Folder.empty()) << "no temporary folder";
    ASSERT_EQ(ScriptStatus, 0) << "the reference script failed";
  }

  static fs::path file(const std::string& name) { return Folder / name; }

  // Loads the checkpoint into a fresh model and compares all three outputs on every case.
  static void expectParity(const Variant& variant, const std::string& checkpointSuffix)
  {
    SCOPED_TRACE(variant.name + checkpointSuffix);
    bmfl::DinoVisionTransformer model(variant.config);
    model->eval();
    bmfl::loadDinoV2Weights(model, file(variant.name + checkpointSuffix).string());
    const auto cases = readTensorDict(file(variant.name + "_cases.pth"));
    torch::NoGradGuard noGrad;
    for (int i = 0; i < caseCount; ++i)
    {
      const std::string index = std::to_string(i);
      const torch::Tensor& images = cases.at("input_" + index);
      const bmfl::ImageFeatures features = model->forward(images);
      EXPECT_EQ(features.gridHeight, images.size(2) / 14);
      EXPECT_EQ(features.gridWidth, images.size(3) / 14);
      for (const auto& [name, actual] : { std::pair{ "cls_", features.cls },
                                          std::pair{ "patches_", features.patches },
                                          std::pair{ "last_query_", features.lastQuery } })
      {
        const torch::Tensor& expected = cases.at(name + index);
        ASSERT_EQ(actual.sizes(), expected.sizes()) << name << index;
        EXPECT_LT((actual - expected).abs().max().item<double>(), 1e-4) << name << index;
      }
    }
  }

  static inline fs::path Folder;
  static inline int ScriptStatus = -1;
};

TEST_F(DinoV2Reference, StateDictMatchesReferenceOnSquareAndNonSquareInputs)
{
  for (const Variant& variant : variants())
  {
    expectParity(variant, "_state_dict.pth");
  }
}

TEST_F(DinoV2Reference, TorchScriptMatchesReference)
{
  for (const Variant& variant : variants())
  {
    expectParity(variant, "_scripted.pt");
  }
}

TEST_F(DinoV2Reference, TrainingCheckpointWithTeacherBackboneLoads)
{
  for (const Variant& variant : variants())
  {
    expectParity(variant, "_wrapped.pth");
  }
}

TEST_F(DinoV2Reference, InfersTheConfigurationFromBothCheckpointKinds)
{
  const bmfl::ImageEncoderConfig expected = variants()[0].config;
  for (const std::string suffix : { "_state_dict.pth", "_scripted.pt" })
  {
    const bmfl::ImageEncoderConfig config =
      bmfl::inferDinoV2Config(file("vit_d128_h2" + suffix).string());
    EXPECT_EQ(config.embedDim, expected.embedDim);
    EXPECT_EQ(config.depth, expected.depth);
    EXPECT_EQ(config.heads, expected.heads);
    EXPECT_EQ(config.patchSize, expected.patchSize);
    EXPECT_EQ(config.inChannels, 3);
    EXPECT_DOUBLE_EQ(config.mlpRatio, 4.0);
    EXPECT_EQ(config.registerTokens, 0);
    EXPECT_EQ(config.positionGrid, expected.positionGrid);
    EXPECT_TRUE(config.layerScale);
    EXPECT_DOUBLE_EQ(config.interpolateOffset, 0.1);
    EXPECT_FALSE(config.interpolateAntialias);
    EXPECT_EQ(config.imageSize % config.patchSize, 0);
  }
}

TEST_F(DinoV2Reference, InferRefusesAWidthWithoutSixtyFourWideHeads)
{
  const std::string path = file("vit_d48_h4_reg4_state_dict.pth").string();
  try
  {
    bmfl::inferDinoV2Config(path);
    FAIL() << "expected a FileError";
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_EQ(error.path(), path);
    EXPECT_NE(std::string(error.what()).find("64"), std::string::npos) << error.what();
  }
}

// Expects loading `path` into the plain variant to fail with a FileError naming the file and
// containing every one of `fragments`.
void expectLoadError(const fs::path& path, const std::vector<std::string>& fragments)
{
  bmfl::DinoVisionTransformer model(variants()[0].config);
  try
  {
    bmfl::loadDinoV2Weights(model, path.string());
    FAIL() << "expected a FileError for " << path;
  }
  catch (const bmfl::FileError& error)
  {
    const std::string message = error.what();
    EXPECT_EQ(error.path(), path.string());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(path.string(), 0), 0U) << message;
    for (const std::string& fragment : fragments)
    {
      EXPECT_NE(message.find(fragment), std::string::npos) << fragment << " not in: " << message;
    }
  }
}

// The reference weights as a name -> tensor map (read through the loader under test, which the
// parity tests check), to be damaged and written back with LibTorch's own pickler.
std::map<std::string, torch::Tensor> referenceState(const fs::path& checkpoint)
{
  bmfl::DinoVisionTransformer model(variants()[0].config);
  bmfl::loadDinoV2Weights(model, checkpoint.string());
  std::map<std::string, torch::Tensor> state;
  for (const auto& parameter : model->named_parameters())
  {
    state[parameter.key()] = parameter.value().detach();
  }
  return state;
}

TEST_F(DinoV2Reference, MissingKeyIsNamed)
{
  auto state = referenceState(file("vit_d128_h2_state_dict.pth"));
  const fs::path complete = file("complete.pth");
  writeTensorDict(complete, state);
  bmfl::DinoVisionTransformer model(variants()[0].config);
  EXPECT_NO_THROW(bmfl::loadDinoV2Weights(model, complete.string()));

  state.erase("blocks.1.attn.qkv.weight");
  const fs::path path = file("missing_key.pth");
  writeTensorDict(path, state);
  expectLoadError(path, { "1 missing key", "blocks.1.attn.qkv.weight" });
}

TEST_F(DinoV2Reference, WrongShapeAndUnexpectedKeysAreNamed)
{
  auto state = referenceState(file("vit_d128_h2_state_dict.pth"));
  state["pos_embed"] = torch::zeros({ 1, 10, 128 });
  state["head.weight"] = torch::zeros({ 3, 3 });
  const fs::path path = file("wrong_shape.pth");
  writeTensorDict(path, state);
  expectLoadError(path, { "pos_embed", "[1, 10, 128]", "unexpected key", "head.weight" });
}

TEST_F(DinoV2Reference, CheckpointOfAnotherArchitectureIsRefused)
{
  // The register model's weights do not fit the plain model: every width differs.
  expectLoadError(file("vit_d48_h4_reg4_state_dict.pth"),
                  { "shape mismatch", "unexpected key", "register_tokens" });
}

TEST_F(DinoV2Reference, TruncatedFilesAreRefused)
{
  for (const std::string name : { "vit_d128_h2_state_dict.pth", "vit_d128_h2_scripted.pt" })
  {
    const std::vector<char> bytes = readBytes(file(name));
    const fs::path path = file("truncated_" + name);
    writeBytes(path, std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    expectLoadError(path, {});
  }
}

TEST_F(DinoV2Reference, NonCheckpointFilesAreRefused)
{
  const fs::path text = file("notes.pth");
  writeBytes(text, { 'h', 'e', 'l', 'l', 'o', '\n' });
  expectLoadError(text, { "not a PyTorch checkpoint" });
  expectLoadError(file("does_not_exist.pth"), { "cannot open" });
  // A zip archive holding a pickled list, not a state dict.
  const fs::path list = file("list.pth");
  writeBytes(list, torch::pickle_save(c10::List<int64_t>({ 1, 2, 3 })));
  expectLoadError(list, { "state dict" });
}

// A torch.save-style archive written here: a hand-assembled pickle (protocol 2) for
// {"w": tensor(storage "0" of `storageElements` floats, size [viewSize])} and a storage record of
// `recordFloats` floats.
std::vector<char> handMadeCheckpoint(int storageElements,
                                     int viewSize,
                                     int recordFloats,
                                     const std::string& pickleTail = "")
{
  const auto binunicode = [](const std::string& text)
  {
    const auto length = static_cast<uint32_t>(text.size());
    std::string op = "X";
    for (int i = 0; i < 4; ++i)
    {
      op += static_cast<char>((length >> (8 * i)) & 0xff);
    }
    return op + text;
  };
  const auto binint1 = [](int value) { return std::string("K") + static_cast<char>(value); };
  std::string pickle = std::string("\x80\x02") + "}(" + binunicode("w") +
                       "ctorch._utils\n_rebuild_tensor_v2\n((" + binunicode("storage") +
                       "ctorch\nFloatStorage\n" + binunicode("0") + binunicode("cpu") +
                       binint1(storageElements) + "tQ" + binint1(0) + binint1(viewSize) + "\x85" +
                       binint1(1) + "\x85\x89tRu" + pickleTail + ".";
  std::vector<char> archive;
  caffe2::serialize::PyTorchStreamWriter writer(
    [&](const void* data, size_t size)
    {
      const char* bytes = static_cast<const char*>(data);
      archive.insert(archive.end(), bytes, bytes + size);
      return size;
    });
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  const std::vector<float> values(static_cast<size_t>(recordFloats), 1.5F);
  writer.writeRecord("data/0", values.data(), values.size() * sizeof(float));
  writer.writeEndOfFile();
  return archive;
}

TEST(CheckpointReader, ReadsAHandMadeArchiveAndRefusesViewsPastTheData)
{
  const fs::path folder = fs::temp_directory_path();
  const fs::path good = folder / ("bmfl-handmade-good-" + std::to_string(getpid()) + ".pth");
  writeBytes(good, handMadeCheckpoint(4, 4, 4));
  const auto state = bmfl::readCheckpointTensors(good.string());
  ASSERT_EQ(state.count("w"), 1U);
  EXPECT_TRUE(torch::equal(state.at("w"), torch::full({ 4 }, 1.5F)));

  const std::vector<std::pair<std::vector<char>, std::string>> bad = {
    { handMadeCheckpoint(4, 16, 4), "does not fit in its storage" },
    { handMadeCheckpoint(100, 4, 4), "needs more bytes than its storage record holds" },
    { handMadeCheckpoint(4, 4, 4, "\x8f"), "unsupported pickle opcode 0x8f" }, // EMPTY_SET
    { handMadeCheckpoint(4, 4, 4, "h\x07"), "memo entry 7" },
  };
  for (const auto& [bytes, fragment] : bad)
  {
    const fs::path path = folder / ("bmfl-handmade-bad-" + std::to_string(getpid()) + ".pth");
    writeBytes(path, bytes);
    try
    {
      bmfl::readCheckpointTensors(path.string());
      ADD_FAILURE() << "expected a FileError containing " << fragment;
    }
    catch (const bmfl::FileError& error)
    {
      EXPECT_EQ(error.path(), path.string());
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
    fs::remove(path);
  }
  fs::remove(good);
}

TEST(CheckpointReader, SurvivesContainersNestedAMillionDeep)
{
  // After the state dict: a million empty lists, each appended into the one below, then POP.
  constexpr std::size_t depth = 1000000;
  const std::string nesting = std::string(depth, ']') + std::string(depth - 1, 'a') + "0";
  const fs::path path =
    fs::temp_directory_path() / ("bmfl-handmade-deep-" + std::to_string(getpid()) + ".pth");
  writeBytes(path, handMadeCheckpoint(4, 4, 4, nesting));
  EXPECT_EQ(bmfl::readCheckpointTensors(path.string()).count("w"), 1U);
  fs::remove(path);
}

TEST(DinoVisionTransformer, ShapesForNonSquareInputsAndRegisters)
{
  bmfl::ImageEncoderConfig config = variants()[1].config;
  bmfl::DinoVisionTransformer model(config);
  torch::NoGradGuard noGrad;
  const bmfl::ImageFeatures features = model->forward(torch::randn({ 2, 3, 28, 70 }));
  EXPECT_EQ(features.cls.sizes(), (std::vector<int64_t>{ 2, 48 }));
  EXPECT_EQ(features.patches.sizes(), (std::vector<int64_t>{ 2, 10, 48 }));
  EXPECT_EQ(features.lastQuery.sizes(), (std::vector<int64_t>{ 2, 10, 48 }));
  EXPECT_EQ(features.gridHeight, 2);
  EXPECT_EQ(features.gridWidth, 5);
  EXPECT_EQ(model->positionEmbedding(2, 5).sizes(), (std::vector<int64_t>{ 1, 11, 48 }));
}

TEST(DinoVisionTransformer, ParameterNamesFollowDinoV2)
{
  bmfl::DinoVisionTransformer model(variants()[1].config);
  const auto parameters = model->named_parameters();
  for (const std::string key : { "patch_embed.proj.weight",
                                 "patch_embed.proj.bias",
                                 "cls_token",
                                 "pos_embed",
                                 "register_tokens",
                                 "mask_token",
                                 "blocks.0.norm1.weight",
                                 "blocks.0.attn.qkv.bias",
                                 "blocks.0.attn.proj.weight",
                                 "blocks.0.ls1.gamma",
                                 "blocks.2.norm2.bias",
                                 "blocks.2.mlp.fc1.weight",
                                 "blocks.2.mlp.fc2.bias",
                                 "blocks.2.ls2.gamma",
                                 "norm.weight" })
  {
    EXPECT_TRUE(parameters.contains(key)) << key;
  }
  // 6 top-level tensors (patch embedding weight and bias included), 14 per block, 2 final norm.
  EXPECT_EQ(parameters.size(), 6U + 3U * 14U + 2U);
}

TEST(DinoVisionTransformer, RejectsImagesThatAreNotWholePatches)
{
  bmfl::DinoVisionTransformer model(variants()[0].config);
  EXPECT_THROW(model->forward(torch::randn({ 1, 3, 50, 56 })), std::invalid_argument);
  EXPECT_THROW(model->forward(torch::randn({ 1, 1, 56, 56 })), std::invalid_argument);
  bmfl::ImageEncoderConfig bad = variants()[0].config;
  bad.heads = 3;
  EXPECT_THROW(bmfl::DinoVisionTransformer{ bad }, std::invalid_argument);
}

TEST(DinoVisionTransformer, SeededConstructionIsDeterministic)
{
  torch::manual_seed(11);
  bmfl::DinoVisionTransformer first(variants()[0].config);
  torch::manual_seed(11);
  bmfl::DinoVisionTransformer second(variants()[0].config);
  const torch::Tensor images = torch::randn({ 1, 3, 42, 56 });
  torch::NoGradGuard noGrad;
  EXPECT_TRUE(torch::equal(first->forward(images).patches, second->forward(images).patches));
}

} // namespace
