#include "TinyModel.h"

#include "bmfl/FileError.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/Json.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Sha256.h"
#include "bmfl/Training.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

namespace fs = std::filesystem;
using bmfl::test::TemporaryFolder;

bmfl::TrainingProvenance tinyProvenance()
{
  bmfl::TrainingProvenance provenance;
  provenance.command = "test_engine_bundle";
  provenance.seed = 7;
  provenance.datasets = { { "synthetic", 40 }, { "synthetic-val", 4 } };
  provenance.epochs = 3;
  provenance.finalMetrics = { { "val_accuracy", 0.25 }, { "undefined", std::nan("") } };
  provenance.date = "2026-11-22T05:00:00Z";
  provenance.libraryVersions = { { "libtorch", "1.13.1" } };
  return provenance;
}

void writeTinyBundle(const std::string& folder, std::uint64_t seed = 1)
{
  bmfl::TrainerOptions options;
  options.seed = seed;
  options.device = "cpu";
  bmfl::Trainer trainer(bmfl::test::tinyConfig(),
                        bmfl::test::tinySpace(),
                        bmfl::test::tinyClassNames(),
                        bmfl::test::tinyPreprocess(),
                        options);
  trainer.saveBundle(folder, tinyProvenance());
}

std::vector<bmfl::PreparedImage> tinyImages(std::size_t count)
{
  std::vector<bmfl::PreparedImage> images;
  for (const bmfl::TrainingExample& example : bmfl::test::tinyExamples(count, 5))
  {
    images.push_back({ example.id, 1, 28, 28, example.image, 0, 0, {} });
  }
  return images;
}

std::string readText(const std::string& path)
{
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

void writeText(const std::string& path, const std::string& text)
{
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
}

// Edits manifest.json of a bundle through a callback on its JSON.
void editManifest(const std::string& bundle, const std::function<void(bmfl::JsonValue&)>& edit)
{
  const std::string path = bundle + "/manifest.json";
  bmfl::JsonValue root = bmfl::readJsonFile(path);
  edit(root);
  writeText(path, bmfl::writeJson(root));
}

// The one-line error of loading a bundle fully (manifest, then every module).
std::string loadError(const std::string& bundle)
{
  try
  {
    bmfl::EngineOptions options;
    options.device = "cpu";
    bmfl::InferenceEngine::open(bundle, options);
  }
  catch (const bmfl::FileError& error)
  {
    const std::string what = error.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  return "";
}

class BundleErrors : public ::testing::Test
{
protected:
  void SetUp() override { writeTinyBundle(Bundle); }
  bmfl::JsonValue& at(bmfl::JsonValue& root, std::initializer_list<const char*> path)
  {
    bmfl::JsonValue* value = &root;
    for (const char* key : path)
    {
      value = value->find(key);
      EXPECT_NE(value, nullptr) << key;
    }
    return *value;
  }
  TemporaryFolder Folder{ "bmfl-bundle-errors" };
  std::string Bundle = Folder / "tiny.bmfl";
};

TEST(ModelBundle, ManifestRoundTripsEveryField)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string bundle = folder / "tiny.bmfl";
  writeTinyBundle(bundle);
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(bundle);
  EXPECT_EQ(bmfl::modelConfigToJson(manifest.model),
            bmfl::modelConfigToJson(bmfl::test::tinyConfig()));
  EXPECT_EQ(manifest.classNames, bmfl::test::tinyClassNames());
  EXPECT_EQ(manifest.preprocess.mean, bmfl::test::tinyPreprocess().mean);
  EXPECT_EQ(manifest.preprocess.interpolation, "bilinear");
  const bmfl::VertexSpace space = bmfl::test::tinySpace();
  EXPECT_EQ(manifest.vertexSpace.name, space.name);
  EXPECT_EQ(manifest.vertexSpace.templateName, space.templateName);
  EXPECT_EQ(manifest.vertexSpace.left, space.left);
  EXPECT_EQ(manifest.vertexSpace.right, space.right);
  ASSERT_EQ(manifest.vertexSpace.labelSets.size(), 2u);
  EXPECT_EQ(manifest.vertexSpace.labelSets[1].names, space.labelSets[1].names);
  EXPECT_EQ(manifest.vertexSpace.labelSets[1].left, space.labelSets[1].left);
  EXPECT_EQ(manifest.vertexSpace.labelSets[1].right, space.labelSets[1].right);
  const bmfl::TrainingProvenance expected = tinyProvenance();
  EXPECT_EQ(manifest.provenance.command, expected.command);
  EXPECT_EQ(manifest.provenance.seed, 7u);
  ASSERT_EQ(manifest.provenance.datasets.size(), 2u);
  EXPECT_EQ(manifest.provenance.datasets[0].size, 40);
  EXPECT_EQ(manifest.provenance.epochs, 3);
  ASSERT_EQ(manifest.provenance.finalMetrics.size(), 2u);
  EXPECT_EQ(manifest.provenance.finalMetrics[0].second, 0.25);
  EXPECT_TRUE(std::isnan(manifest.provenance.finalMetrics[1].second));
  EXPECT_EQ(manifest.provenance.date, expected.date);
  EXPECT_EQ(manifest.provenance.libraryVersions, expected.libraryVersions);
  ASSERT_EQ(manifest.weights.size(), 4u);
  for (const bmfl::BundleWeights& weights : manifest.weights)
  {
    EXPECT_EQ(weights.sha256, bmfl::sha256OfFile(bundle + "/" + weights.file));
  }
}

TEST(ModelBundle, SaveLoadSaveGivesIdenticalOutputs)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string first = folder / "first.bmfl";
  const std::string second = folder / "second.bmfl";
  writeTinyBundle(first);
  bmfl::TrainerOptions options;
  options.device = "cpu";
  bmfl::Trainer::fromBundle(first, options)->saveBundle(second, tinyProvenance());

  bmfl::EngineOptions engineOptions;
  engineOptions.device = "cpu";
  const std::vector<bmfl::PreparedImage> images = tinyImages(3);
  const std::vector<bmfl::ImageResult> a =
    bmfl::InferenceEngine::open(first, engineOptions)->run(images);
  const std::vector<bmfl::ImageResult> b =
    bmfl::InferenceEngine::open(second, engineOptions)->run(images);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    EXPECT_EQ(a[i].bmflProbabilities, b[i].bmflProbabilities);
    EXPECT_EQ(a[i].baselineProbabilities, b[i].baselineProbabilities);
    EXPECT_EQ(a[i].predictedFmri, b[i].predictedFmri);
    EXPECT_EQ(a[i].imageToBrainAttention, b[i].imageToBrainAttention);
  }
  // A different seed gives different weights, hence different outputs.
  const std::string other = folder / "other.bmfl";
  writeTinyBundle(other, 2);
  const std::vector<bmfl::ImageResult> c =
    bmfl::InferenceEngine::open(other, engineOptions)->run(images);
  EXPECT_NE(a[0].bmflProbabilities, c[0].bmflProbabilities);
}

TEST(ModelBundle, SavingReplacesAnOldBundleAndLeavesNoStagingFolder)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string bundle = folder / "tiny.bmfl";
  writeTinyBundle(bundle, 1);
  const std::string before = bmfl::readBundleManifest(bundle).weights[0].sha256;
  writeTinyBundle(bundle, 2);
  EXPECT_NE(bmfl::readBundleManifest(bundle).weights[0].sha256, before);
  std::vector<std::string> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder.path()))
  {
    entries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{ "tiny.bmfl" });
}

std::vector<std::string> entriesOf(const std::string& folder)
{
  std::vector<std::string> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder))
  {
    entries.push_back(entry.path().filename().string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::string refusal(const std::string& target)
{
  return target + ": not a model bundle; refusing to replace it (choose another --out or remove "
                  "it yourself)";
}

std::string stagingError(const std::string& target)
{
  try
  {
    bmfl::StagedFolder staged(target);
  }
  catch (const bmfl::FileError& error)
  {
    return error.what();
  }
  return "";
}

TEST(ModelBundle, OnlyABundleOrAnEmptyFolderIsReplaced)
{
  TemporaryFolder folder("bmfl-bundle");
  // A folder of somebody's files: refused before anything is written, the files untouched.
  const std::string data = folder / "data";
  fs::create_directories(data);
  writeText(data + "/notes.txt", "keep me");
  EXPECT_EQ(stagingError(data), refusal(data));
  EXPECT_THROW(bmfl::checkBundleTarget(data), bmfl::FileError);
  EXPECT_THROW(writeTinyBundle(data), bmfl::FileError);
  EXPECT_EQ(readText(data + "/notes.txt"), "keep me");
  // A file, a FIFO, a link to a non-bundle folder, a dangling link.
  const std::string file = folder / "file";
  writeText(file, "x");
  EXPECT_EQ(stagingError(file), refusal(file));
  const std::string fifo = folder / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(stagingError(fifo), refusal(fifo));
  const std::string link = folder / "link";
  fs::create_directory_symlink(data, link);
  EXPECT_EQ(stagingError(link), refusal(link));
  const std::string dangling = folder / "dangling";
  fs::create_symlink(folder / "nothing", dangling);
  EXPECT_EQ(stagingError(dangling), refusal(dangling));
  // The working folder itself, as `--out .` names it.
  const fs::path here = fs::current_path();
  fs::current_path(data);
  EXPECT_EQ(stagingError("."), refusal("."));
  fs::current_path(here);
  // Absent, empty and bundle folders are fine.
  EXPECT_NO_THROW(bmfl::checkBundleTarget(folder / "absent"));
  fs::create_directories(folder / "empty");
  writeTinyBundle(folder / "empty");
  EXPECT_NO_THROW(bmfl::checkBundleTarget(folder / "empty"));
  writeTinyBundle(folder / "empty", 2);
  EXPECT_EQ(entriesOf(folder.path()),
            (std::vector<std::string>{ "dangling", "data", "empty", "fifo", "file", "link" }));
}

TEST(ModelBundle, CommitRefusesATargetThatBecameSomethingElse)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string target = folder / "out";
  {
    bmfl::StagedFolder staged(target);
    writeText(staged.path() + "/manifest.json", "{}");
    fs::create_directories(target);
    writeText(target + "/photo.jpg", "precious");
    EXPECT_THROW(staged.commit(), bmfl::FileError);
  }
  EXPECT_EQ(readText(target + "/photo.jpg"), "precious");
  EXPECT_EQ(entriesOf(folder.path()), std::vector<std::string>{ "out" });
}

TEST(ModelBundle, StagingFoldersOfKilledRunsAreRemoved)
{
  TemporaryFolder folder("bmfl-bundle");
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  // A pid that certainly ran and ended: a child that exits at once, reaped.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0)
  {
    ::_exit(0);
  }
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string prefix = ".tiny.bmfl.staging-" + std::string(host) + "-";
  const std::string dead = prefix + std::to_string(child) + "-0";
  const std::string live = prefix + std::to_string(::getpid()) + "-999";
  const std::string otherHost = ".tiny.bmfl.staging-elsewhere-" + std::to_string(child) + "-0";
  const std::string notOurs = prefix + "notes";
  const std::string otherTarget =
    ".other.staging-" + std::string(host) + "-" + std::to_string(child) + "-0";
  for (const std::string& name : { dead, live, otherHost, notOurs, otherTarget })
  {
    fs::create_directories(folder / name);
    writeText(folder / name + "/encoder.pt", "half written");
  }
  writeTinyBundle(folder / "tiny.bmfl");
  std::vector<std::string> expected = { live, notOurs, otherHost, otherTarget, "tiny.bmfl" };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(entriesOf(folder.path()), expected);
}

TEST(ModelBundle, AFullDiskIsAFileErrorAndLeavesNoStagingFolder)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string bundle = folder / "tiny.bmfl";
  writeTinyBundle(bundle, 1);
  const std::string before = readText(bundle + "/manifest.json");
  // Files may not grow past 4 KiB: the first weights write fails as on a full disk.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try
  {
    writeTinyBundle(bundle, 2);
  }
  catch (const bmfl::FileError& error)
  {
    message = error.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
  EXPECT_NE(message.find("/encoder.pt: write failed: File too large"), std::string::npos)
    << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  // The old bundle is whole and no staging folder is left.
  EXPECT_EQ(readText(bundle + "/manifest.json"), before);
  EXPECT_NO_THROW(bmfl::readBundleManifest(bundle));
  EXPECT_EQ(entriesOf(folder.path()), std::vector<std::string>{ "tiny.bmfl" });
}

TEST_F(BundleErrors, NotABundle)
{
  EXPECT_NE(loadError(Folder.path()).find("no manifest.json"), std::string::npos);
  EXPECT_NE(loadError(Folder / "absent").find("no such folder"), std::string::npos);
}

TEST_F(BundleErrors, TruncatedManifestNamesLineAndColumn)
{
  const std::string text = readText(Bundle + "/manifest.json");
  writeText(Bundle + "/manifest.json", text.substr(0, text.size() / 2));
  const std::string error = loadError(Bundle);
  EXPECT_EQ(error.rfind(Bundle + "/manifest.json: line ", 0), 0u) << error;
}

TEST_F(BundleErrors, UnknownVersion)
{
  editManifest(Bundle, [&](bmfl::JsonValue& root) { at(root, { "version" }) = 2; });
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: bundle version 2 is not supported (this "
                     "build reads version 1)");
}

TEST_F(BundleErrors, WrongFormat)
{
  editManifest(Bundle, [&](bmfl::JsonValue& root) { at(root, { "format" }) = "zip"; });
  EXPECT_NE(loadError(Bundle).find("format is \"zip\", not \"bmfl-bundle\""), std::string::npos);
}

TEST_F(BundleErrors, MissingField)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder" }).erase("depth");
               });
  EXPECT_EQ(loadError(Bundle), Bundle + "/manifest.json: architecture.encoder.depth is missing");
}

TEST_F(BundleErrors, WrongType)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "embedDim" }) = "32";
               });
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: architecture.encoder.embedDim must be an "
                     "integer but is a string");
}

TEST_F(BundleErrors, UnknownField)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "fusion" }).set("headz", 4);
               });
  EXPECT_NE(loadError(Bundle).find("architecture.fusion.headz is not a field bmfl knows"),
            std::string::npos);
}

TEST_F(BundleErrors, InvalidArchitectureValue)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "brainTransformer", "tokenizer" }) = "bogus";
               });
  EXPECT_NE(loadError(Bundle).find("brainTransformer.tokenizer is \"bogus\""), std::string::npos);
}

TEST_F(BundleErrors, ClassNamesDisagreeWithClassCount)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) { at(root, { "classes" }).asArray().pop_back(); });
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: architecture.numClasses is 10 but classes "
                     "lists 9 names");
}

TEST_F(BundleErrors, ClassCountDisagreesWithClassifierShape)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root)
               {
                 at(root, { "architecture", "numClasses" }) = 12;
                 at(root, { "classes" }).push("extra 1");
                 at(root, { "classes" }).push("extra 2");
               });
  const std::string error = loadError(Bundle);
  EXPECT_NE(error.find("manifest.json: numClasses is 12 but bmfl_head.pt has "), std::string::npos)
    << error;
  EXPECT_NE(error.find("of shape [10"), std::string::npos) << error;
}

TEST_F(BundleErrors, VertexCountDisagreesWithReadoutShape)
{
  // A consistent manifest and side file for a space with 5 fewer left vertices.
  bmfl::VertexSpace smaller = bmfl::test::tinySpace();
  smaller.left.resize(55);
  for (bmfl::VertexLabels& set : smaller.labelSets)
  {
    set.left.resize(55);
  }
  const std::vector<unsigned char> bytes = bmfl::encodeVertexSpace(smaller);
  writeText(Bundle + "/vertex_space.bin", std::string(bytes.begin(), bytes.end()));
  editManifest(
    Bundle,
    [&](bmfl::JsonValue& root)
    {
      at(root, { "vertexSpace", "leftCount" }) = 55;
      at(root, { "vertexSpace", "sha256" }) = bmfl::sha256OfFile(Bundle + "/vertex_space.bin");
    });
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: the vertex space has 55 left vertices but "
                     "brain_encoder.pt has lh_embed.weight of shape [60, 32]");
}

TEST_F(BundleErrors, ParameterShapeMismatchNamesTheConfigField)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "embedDim" }) = 16;
               });
  const std::string error = loadError(Bundle);
  EXPECT_EQ(error,
            Bundle + "/manifest.json: encoder.embedDim is 16 but encoder.pt has "
                     "cls_token of shape [1, 1, 32]");
}

TEST_F(BundleErrors, MissingParameter)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "depth" }) = 3;
               });
  EXPECT_NE(loadError(Bundle).find("encoder.pt has no blocks.2."), std::string::npos);
}

TEST_F(BundleErrors, AbsurdSizesAreRefusedBeforeAnythingIsBuilt)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "depth" }) = 100000;
               });
  const std::string error = loadError(Bundle);
  EXPECT_NE(error.find("the architecture of encoder needs at least 819"), std::string::npos)
    << error;
  writeTinyBundle(Bundle);
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "numClasses" }) = 100000000;
               });
  EXPECT_NE(loadError(Bundle).find("the architecture of bmflHead needs at least 3200"),
            std::string::npos);
}

TEST_F(BundleErrors, UnexpectedParameter)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "depth" }) = 1;
               });
  const std::string error = loadError(Bundle);
  EXPECT_NE(error.find("manifest.json: encoder.pt has blocks.1."), std::string::npos) << error;
  EXPECT_NE(error.find("which the architecture (encoder) does not have"), std::string::npos);
}

TEST_F(BundleErrors, WeightsChecksumMismatch)
{
  std::string bytes = readText(Bundle + "/encoder.pt");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5A);
  writeText(Bundle + "/encoder.pt", bytes);
  EXPECT_NE(
    loadError(Bundle).find("manifest.json: checksum mismatch for encoder.pt (manifest says "),
    std::string::npos);
}

TEST_F(BundleErrors, VertexSpaceChecksumMismatch)
{
  std::string bytes = readText(Bundle + "/vertex_space.bin");
  bytes[40] = static_cast<char>(bytes[40] ^ 1);
  writeText(Bundle + "/vertex_space.bin", bytes);
  EXPECT_NE(loadError(Bundle).find("checksum mismatch for vertex_space.bin"), std::string::npos);
}

TEST_F(BundleErrors, MissingWeightsFile)
{
  fs::remove(Bundle + "/baseline_head.pt");
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: the weights file baseline_head.pt "
                     "(baselineHead) is missing");
}

TEST_F(BundleErrors, WeightsFileOutsideTheBundle)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "weights", "encoder", "file" }) = "../encoder.pt";
               });
  EXPECT_NE(loadError(Bundle).find("is not a plain file name inside the bundle"),
            std::string::npos);
}

TEST_F(BundleErrors, WeightsFileThatIsNoArchive)
{
  writeText(Bundle + "/bmfl_head.pt", "not a zip archive at all");
  editManifest(
    Bundle,
    [&](bmfl::JsonValue& root) {
      at(root, { "weights", "bmflHead", "sha256" }) = bmfl::sha256OfFile(Bundle + "/bmfl_head.pt");
    });
  EXPECT_NE(loadError(Bundle).find("bmfl_head.pt: is not a torch archive"), std::string::npos);
}

TEST_F(BundleErrors, VertexSpaceFileOfTheWrongSize)
{
  std::string bytes = readText(Bundle + "/vertex_space.bin");
  bytes.resize(bytes.size() - 4);
  writeText(Bundle + "/vertex_space.bin", bytes);
  editManifest(
    Bundle,
    [&](bmfl::JsonValue& root) {
      at(root, { "vertexSpace", "sha256" }) = bmfl::sha256OfFile(Bundle + "/vertex_space.bin");
    });
  EXPECT_NE(loadError(Bundle).find("vertex_space.bin: is "), std::string::npos);
}

} // namespace

namespace
{

TEST_F(BundleErrors, WeightsFileLinkedOutsideTheBundle)
{
  // The same bytes (so the checksum matches) but outside the bundle folder.
  fs::copy_file(Bundle + "/encoder.pt", Folder / "elsewhere.pt");
  fs::remove(Bundle + "/encoder.pt");
  fs::create_symlink(Folder / "elsewhere.pt", Bundle + "/encoder.pt");
  const std::string error = loadError(Bundle);
  EXPECT_NE(error.find("manifest.json: the weights file encoder.pt (encoder) is a link that "
                       "leaves the bundle folder"),
            std::string::npos)
    << error;
  // A link inside the bundle is fine.
  fs::remove(Bundle + "/encoder.pt");
  fs::copy_file(Folder / "elsewhere.pt", Bundle + "/encoder-copy.pt");
  fs::create_symlink("encoder-copy.pt", Bundle + "/encoder.pt");
  EXPECT_EQ(loadError(Bundle), "");
}

TEST_F(BundleErrors, WeightsFileThatIsAFifoIsRefusedWithoutBlocking)
{
  fs::remove(Bundle + "/bmfl_head.pt");
  ASSERT_EQ(::mkfifo((Bundle + "/bmfl_head.pt").c_str(), 0600), 0);
  const std::string error = loadError(Bundle);
  EXPECT_NE(error.find("bmfl_head.pt: "), std::string::npos) << error;
  EXPECT_NE(error.find("FIFO"), std::string::npos) << error;
}

TEST_F(BundleErrors, ImageSizesBeyondWhatTheEncoderTakesAreRefused)
{
  // positionGrid 4, patch 7: at most 4 x 4 = 16 patches a side, 118 pixels.
  for (const int crop : { 20000, 100000, 119 })
  {
    writeTinyBundle(Bundle);
    editManifest(Bundle,
                 [&](bmfl::JsonValue& root)
                 {
                   at(root, { "preprocess", "cropSize" }) = crop;
                   at(root, { "preprocess", "resizeShortSide" }) = crop;
                 });
    EXPECT_EQ(loadError(Bundle),
              Bundle + "/manifest.json: preprocess.cropSize is " + std::to_string(crop) +
                " but the encoder (encoder.patchSize 7, encoder.positionGrid 4) takes images of "
                "at most 118 pixels a side");
  }
  writeTinyBundle(Bundle);
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "preprocess", "cropSize" }) = 118;
               });
  EXPECT_EQ(loadError(Bundle), "");
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "preprocess", "resizeShortSide" }) = 100000;
               });
  EXPECT_NE(loadError(Bundle).find("preprocess.resizeShortSide is 100000 but may be at most 472"),
            std::string::npos);
  writeTinyBundle(Bundle);
  editManifest(Bundle, [&](bmfl::JsonValue& root) { at(root, { "preprocess", "cropSize" }) = 0; });
  EXPECT_NE(loadError(Bundle).find("preprocess.cropSize must be positive and "
                                   "preprocess.resizeShortSide positive or 0 (no resize)"),
            std::string::npos);
  writeTinyBundle(Bundle);
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "encoder", "imageSize" }) = 70000;
               });
  EXPECT_NE(loadError(Bundle).find("encoder.imageSize is 70000 but the encoder"),
            std::string::npos);
  writeTinyBundle(Bundle);
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "brainTransformer", "sliceLength" }) = 100000000;
               });
  EXPECT_NE(loadError(Bundle).find("the architecture of bmflHead needs at least"),
            std::string::npos);
  // Longer than the vertex space: one padded token of mostly nothing.
  writeTinyBundle(Bundle);
  std::int64_t vertices = 0;
  editManifest(Bundle,
               [&](bmfl::JsonValue& root)
               {
                 vertices = at(root, { "vertexSpace", "leftCount" }).asInteger() +
                            at(root, { "vertexSpace", "rightCount" }).asInteger();
                 at(root, { "architecture", "brainTransformer", "sliceLength" }) = vertices + 1;
               });
  EXPECT_EQ(loadError(Bundle),
            Bundle + "/manifest.json: brainTransformer.sliceLength is " +
              std::to_string(vertices + 1) + " but the vertex space has only " +
              std::to_string(vertices) + " vertices");
}

// A bundle whose brain encoder has its own input: the manifest says so and reads back the same.
TEST(ModelBundle, BrainPreprocessRoundTrips)
{
  TemporaryFolder folder("bmfl-bundle");
  const std::string bundle = folder / "brain.bmfl";
  bmfl::TrainerOptions options;
  options.device = "cpu";
  bmfl::BmflModelConfig config = bmfl::test::tinyConfig();
  config.brainEncoder.featureSource = "block_query";
  config.brainEncoder.featureBlock = 0;
  bmfl::Trainer trainer(config,
                        bmfl::test::tinySpace(),
                        bmfl::test::tinyClassNames(),
                        bmfl::test::tinyPreprocess(),
                        options);
  trainer.setBrainPreprocess(bmfl::test::tinyBrainPreprocess());
  trainer.saveBundle(bundle, tinyProvenance());
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(bundle);
  EXPECT_EQ(bmfl::modelConfigToJson(manifest.model), bmfl::modelConfigToJson(config));
  ASSERT_TRUE(manifest.brainPreprocess.has_value());
  const bmfl::JsonValue json = bmfl::readJsonFile(bundle + "/manifest.json");
  const bmfl::JsonValue* brain = json.find("brainPreprocess");
  ASSERT_NE(brain, nullptr);
  EXPECT_EQ(brain->find("resizeShortSide")->asInteger(), 0);
  EXPECT_EQ(brain->find("cropSize")->asInteger(), 40);
  EXPECT_EQ(brain->find("padToMultiple")->asInteger(), 7);
  EXPECT_EQ(manifest.brainPreprocess->interpolation, "bilinear");
  EXPECT_EQ(manifest.brainPreprocess->mean, bmfl::test::tinyPreprocess().mean);
  EXPECT_EQ(manifest.preprocess.padToMultiple, 0);
  // Without one, the manifest has no brainPreprocess and reads back without one.
  writeTinyBundle(bundle);
  EXPECT_EQ(bmfl::readJsonFile(bundle + "/manifest.json").find("brainPreprocess"), nullptr);
  EXPECT_FALSE(bmfl::readBundleManifest(bundle).brainPreprocess.has_value());
}

// Manifests written before the brain preprocessing and the feature block existed load unchanged.
TEST_F(BundleErrors, ManifestsWithoutTheLaterFieldsLoad)
{
  editManifest(Bundle,
               [&](bmfl::JsonValue& root)
               {
                 at(root, { "architecture", "brainEncoder" }).erase("featureBlock");
                 at(root, { "preprocess" }).erase("padToMultiple");
               });
  EXPECT_EQ(loadError(Bundle), "");
  const bmfl::BundleManifest manifest = bmfl::readBundleManifest(Bundle);
  EXPECT_EQ(manifest.model.brainEncoder.featureBlock, -1);
  EXPECT_EQ(manifest.preprocess.padToMultiple, 0);
  EXPECT_FALSE(manifest.brainPreprocess.has_value());
}

TEST_F(BundleErrors, BadBrainPreprocessIsOneLineNamingTheField)
{
  const auto withBrain = [&](const std::function<void(bmfl::JsonValue&)>& edit)
  {
    writeTinyBundle(Bundle);
    editManifest(Bundle,
                 [&](bmfl::JsonValue& root)
                 {
                   bmfl::JsonValue brain = at(root, { "preprocess" });
                   *brain.find("resizeShortSide") = 0;
                   *brain.find("cropSize") = 40;
                   *brain.find("padToMultiple") = 7;
                   edit(brain);
                   root.set("brainPreprocess", std::move(brain));
                 });
    return loadError(Bundle);
  };
  EXPECT_EQ(withBrain([](bmfl::JsonValue&) {}), "");
  const std::string manifest = Bundle + "/manifest.json: ";
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { *brain.find("padToMultiple") = 0; }),
            manifest + "brainPreprocess gives images of 40 pixels a side, not a multiple of "
                       "architecture.encoder.patchSize 7 (set padToMultiple to 7)");
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { *brain.find("padToMultiple") = -7; }),
            manifest + "brainPreprocess.padToMultiple is -7 but must be between 0 (no padding) "
                       "and 16384");
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { *brain.find("cropSize") = 434; }),
            manifest + "brainPreprocess.cropSize (padded) is 434 but the encoder "
                       "(encoder.patchSize 7, encoder.positionGrid 4) takes images of at most "
                       "118 pixels a side");
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { *brain.find("resizeShortSide") = -1; }),
            manifest + "brainPreprocess.cropSize must be positive and "
                       "brainPreprocess.resizeShortSide positive or 0 (no resize)");
  EXPECT_EQ(
    withBrain([](bmfl::JsonValue& brain) { *brain.find("std") = bmfl::JsonValue::array(); }),
    manifest + "brainPreprocess.mean and brainPreprocess.std need one value per channel "
               "(architecture.encoder.inChannels is 1)");
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { brain.set("padTo", 7); }),
            manifest + "brainPreprocess.padTo is not a field bmfl knows (misspelt?)");
  EXPECT_EQ(withBrain([](bmfl::JsonValue& brain) { brain.erase("cropSize"); }),
            manifest + "brainPreprocess.cropSize is missing");
}

TEST_F(BundleErrors, FeatureBlockOutsideTheEncoderIsRefused)
{
  const std::string manifest = Bundle + "/manifest.json: ";
  editManifest(Bundle,
               [&](bmfl::JsonValue& root)
               {
                 at(root, { "architecture", "brainEncoder", "featureSource" }) = "block_query";
                 at(root, { "architecture", "brainEncoder", "featureBlock" }) = 2;
               });
  EXPECT_EQ(loadError(Bundle),
            manifest + "brainEncoder.featureBlock is 2 but the encoder has blocks 0 to 1 (or -1 "
                       "to -2 from the end)");
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "brainEncoder", "featureBlock" }) = -2;
               });
  EXPECT_EQ(loadError(Bundle), "");
  editManifest(Bundle,
               [&](bmfl::JsonValue& root) {
                 at(root, { "architecture", "brainEncoder", "featureSource" }) = "last_block_query";
               });
  EXPECT_EQ(loadError(Bundle),
            manifest + "brainEncoder.featureBlock is -2 but only featureSource \"block_query\" "
                       "reads a block (-1 otherwise)");
}

} // namespace
