// A bundle's brain encoder taken from a checkpoint of Adeli et al.'s own training code.

#include "bmfl/BrainEncoderImport.h"

#include "bmfl/FileError.h"
#include "bmfl/Timestamp.h"
#include "engine/BundleModules.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace bmfl
{

namespace
{

bool sameLabels(const VertexLabels& a, const VertexLabels& b)
{
  return a.name == b.name && a.names == b.names && a.left == b.left && a.right == b.right;
}

// Whether predicted fMRI in one space is predicted fMRI in the other, vertex for vertex and label
// for label: then a BMFL head trained on one reads the other.
bool sameSpace(const VertexSpace& a, const VertexSpace& b)
{
  if (a.name != b.name || a.templateName != b.templateName || a.left != b.left ||
      a.right != b.right || a.labelSets.size() != b.labelSets.size())
  {
    return false;
  }
  for (std::size_t i = 0; i < a.labelSets.size(); ++i)
  {
    if (!sameLabels(a.labelSets[i], b.labelSets[i]))
    {
      return false;
    }
  }
  return true;
}

// Adeli et al.'s input (their dataset_algonauts.py): the 425 px NSD image as it is, ToTensor and
// ImageNet normalisation, then zero padding bottom/right to a multiple of the patch size.
PreprocessConfig adeliPreprocess(const PreprocessConfig& classifier, int patchSize)
{
  PreprocessConfig preprocess = classifier;
  preprocess.resizeShortSide = 0;
  preprocess.cropSize = 425;
  preprocess.padToMultiple = patchSize;
  preprocess.grayscaleToRgb = true;
  preprocess.mean = { 0.485, 0.456, 0.406 };
  preprocess.std = { 0.229, 0.224, 0.225 };
  return preprocess;
}

} // namespace

BrainEncoderImportSummary importAdeliBrainEncoder(const std::string& checkpoint,
                                                  const VertexSpace& subjectSpace,
                                                  const std::string& bundleIn,
                                                  const std::string& bundleOut,
                                                  const BrainEncoderImportOptions& options)
{
  namespace fs = std::filesystem;
  BundleManifest manifest = readBundleManifest(bundleIn);
  const std::string manifestPath = (fs::path(bundleIn) / BundleManifestFile).string();
  const ImageEncoderConfig& encoder = manifest.model.encoder;
  if (options.adeliInput && (encoder.inChannels != 3 || encoder.patchSize != 14))
  {
    throw FileError(
      manifestPath,
      "the image encoder takes " + std::to_string(encoder.inChannels) +
        "-channel images in patches of " + std::to_string(encoder.patchSize) +
        ", not Adeli et al.'s RGB input in patches of 14 (425 px padded to 434); "
        "give the brain encoder the classifier's input instead (--brain-input classifier)");
  }
  checkBundleTarget(bundleOut);

  // The checkpoint is checked against the subject and the encoder width before any model exists.
  ImportedBrainEncoder imported = loadAdeliBrainEncoder(checkpoint, subjectSpace, encoder.embedDim);
  BmflModelConfig config = manifest.model;
  config.brainEncoder = imported.encoder->config();
  validateModelConfig(config, imported.space, manifestPath);

  BrainEncoderImportSummary summary;
  summary.readout = imported.readout;
  summary.config = config.brainEncoder;
  summary.leftVertices = imported.space.left.size();
  summary.rightVertices = imported.space.right.size();
  summary.droppedTensors = imported.droppedTensors;
  summary.adeliInput = options.adeliInput;
  summary.bmflHeadReset = !sameSpace(imported.space, manifest.vertexSpace);

  BmflModules modules = loadBundleModules(bundleIn, manifest);
  modules.brainEncoder = imported.encoder;
  if (summary.bmflHeadReset)
  {
    try
    {
      modules.bmflHead = BmflHead(config, encoder.embedDim, imported.space);
    }
    catch (const std::invalid_argument& error)
    {
      throw FileError(manifestPath, error.what());
    }
  }
  manifest.model = config;
  manifest.vertexSpace = imported.space;
  if (options.adeliInput)
  {
    manifest.brainPreprocess = adeliPreprocess(manifest.preprocess, encoder.patchSize);
  }
  else
  {
    manifest.brainPreprocess.reset();
  }
  TrainingProvenance& provenance = manifest.provenance;
  provenance.command += (provenance.command.empty() ? "" : "; ") +
                        std::string("brain encoder imported from ") +
                        fs::path(checkpoint).filename().string() + " (Adeli et al. 2023, " +
                        "readout_res " + imported.readout + ", " + subjectSpace.name + ")";
  provenance.date = utcTimestamp();
  // The BMFL head's results were measured on another brain encoder's predictions.
  std::vector<std::pair<std::string, double>> kept;
  for (const auto& metric : provenance.finalMetrics)
  {
    if (metric.first.rfind("baseline", 0) == 0)
    {
      kept.push_back(metric);
    }
  }
  provenance.finalMetrics = kept;
  saveBundle(bundleOut, manifest, modules);
  return summary;
}

} // namespace bmfl
