#pragma once

#include "bmfl/Json.h"
#include "bmfl/ModelConfig.h"
#include "bmfl/VertexSpace.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bmfl
{

// A model bundle is a folder:
//   manifest.json      {"format": "bmfl-bundle", "version": 1, architecture, classes, preprocess,
//                       [brainPreprocess,] vertexSpace, provenance, weights}: the single source
//                       of truth
//   vertex_space.bin   the vertex indices and label arrays of the vertex space (checksummed)
//   encoder.pt, brain_encoder.pt, bmfl_head.pt, baseline_head.pt   torch::save archives
// Loading checks every field, checksum and parameter shape and names what does not match.

constexpr const char* BundleFormatName = "bmfl-bundle";
constexpr int BundleFormatVersion = 1;
constexpr const char* BundleManifestFile = "manifest.json";
constexpr const char* BundleVertexSpaceFile = "vertex_space.bin";

struct DatasetRecord
{
  std::string name;
  std::int64_t size = 0; ///< number of examples
};

/// How the weights were made, for a methods section.
struct TrainingProvenance
{
  std::string command; ///< the command line or job that trained the bundle
  std::uint64_t seed = 0;
  std::vector<DatasetRecord> datasets;
  int epochs = 0;
  /// name -> value, e.g. "val_accuracy". NaN is stored as null and read back as NaN.
  std::vector<std::pair<std::string, double>> finalMetrics;
  std::string date; ///< ISO 8601, UTC
  /// library -> version, e.g. "libtorch" -> "1.13.1"
  std::vector<std::pair<std::string, std::string>> libraryVersions;
};

/// One weights file of the bundle: which module, which file, its checksum.
struct BundleWeights
{
  std::string module; ///< "encoder", "brainEncoder", "bmflHead", "baselineHead"
  std::string file;   ///< a plain file name inside the bundle folder
  std::string sha256; ///< lower-case hex
};

struct BundleManifest
{
  BmflModelConfig model;
  std::vector<std::string> classNames; ///< numClasses names, index = class
  PreprocessConfig preprocess;
  /// The brain encoder's own input transform (Adeli et al.: 425 px, zero-padded to 434); the
  /// encoder then runs once more on it for the brain encoder. Absent: the brain encoder reads
  /// the features of the classifier's input (one encoder pass).
  std::optional<PreprocessConfig> brainPreprocess;
  VertexSpace vertexSpace;
  TrainingProvenance provenance;
  std::vector<BundleWeights> weights;

  /// The weights entry of a module, or nullptr.
  const BundleWeights* weightsOf(const std::string& module) const;
};

/// The four modules of a bundle, in the order they are saved, and their default file names.
const std::vector<std::pair<std::string, std::string>>& bundleModuleFiles();

/// The manifest as JSON (weights checksums as given; the vertex space refers to its side file,
/// whose checksum the caller passes in).
JsonValue manifestToJson(const BundleManifest& manifest, const std::string& vertexSpaceSha256);

/// The architecture as JSON and back. Reading checks every field's presence, type and range and
/// refuses unknown fields; errors are FileError(file, "<jsonPath>: problem").
JsonValue modelConfigToJson(const BmflModelConfig& config);
BmflModelConfig modelConfigFromJson(const JsonValue& json,
                                    const std::string& file,
                                    const std::string& jsonPath);

/// Checks the architecture for values no model can be built from (non-positive sizes, image size
/// not a multiple of the patch size, widths the heads do not divide, unknown mode names, label
/// sets the vertex space lacks). Throws FileError(file, problem).
void validateModelConfig(const BmflModelConfig& config,
                         const VertexSpace& space,
                         const std::string& file);

/// Writes manifest.json and vertex_space.bin into an existing folder (the weights files, named by
/// manifest.weights, are already there).
void writeManifestFiles(const std::string& folder, const BundleManifest& manifest);

/// Reads and checks manifest.json and vertex_space.bin of a bundle folder, and that each weights
/// file is present with its checksum. Parameter shapes are checked when the modules load
/// (loadBundleModules in the engine). Throws FileError naming the file and the problem.
BundleManifest readBundleManifest(const std::string& bundleDir);

/// The vertex space's side file: indices and label arrays, little-endian.
std::vector<unsigned char> encodeVertexSpace(const VertexSpace& space);
/// Fills space.left/right and each label set's arrays from the side file; the counts and label
/// set names come from the manifest (already in space). Throws FileError(path, problem).
void decodeVertexSpace(const std::vector<unsigned char>& bytes,
                       const std::string& path,
                       std::size_t leftCount,
                       std::size_t rightCount,
                       VertexSpace& space);

struct ModuleParameterCount
{
  std::string module;
  std::int64_t total = 0;
  std::int64_t trainable = 0; ///< what BMFL training updates: 0 for the frozen image encoder
};

/// Loads the bundle's modules (every check of loading included) and counts their parameters.
std::vector<ModuleParameterCount> bundleParameterCounts(const std::string& bundleDir,
                                                        const BundleManifest& manifest);

/// The architecture of a bare DINOv2 checkpoint (.pth state dict or TorchScript), read from its
/// parameter shapes. Throws FileError.
ImageEncoderConfig inspectDinoV2Checkpoint(const std::string& path);

/// Throws FileError(target, "not a model bundle; refusing to replace it (...)") unless target
/// is absent, an empty folder or a model bundle folder (a link to one included): what a
/// StagedFolder may replace. Cheap: commands call it while checking their options, before any
/// long work starts.
void checkBundleTarget(const std::string& target);

/// Builds a folder's contents beside its final place and moves it there in one rename, so a
/// reader never sees a half-written bundle. A bundle (or empty folder) already at the target is
/// replaced; anything else there is refused, by the constructor and again by commit(). The
/// staging folder (".<name>.staging-<host>-<pid>-<n>" beside the target) is removed if commit()
/// is never reached; those of killed runs on this host are removed by the next StagedFolder of
/// the same target.
class StagedFolder
{
public:
  explicit StagedFolder(const std::string& target);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  const std::string& path() const { return Staging; }
  void commit();

private:
  std::string Target;
  std::string Staging;
  bool Committed = false;
};

} // namespace bmfl
