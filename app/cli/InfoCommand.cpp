#include "Commands.h"

#include "bmfl/FileError.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/Json.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Printable.h"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace bmfl::cli
{

namespace
{

constexpr std::size_t ClassesShown = 10;

// Writes a number with thousands separators: parameter counts read better that way.
std::string grouped(std::int64_t value)
{
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (std::ptrdiff_t at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
  {
    digits.insert(static_cast<std::size_t>(at), ",");
  }
  return value < 0 ? "-" + digits : digits;
}

// One "name value" line per leaf of the architecture JSON, named by its path.
void printFields(const JsonValue& value, const std::string& path, std::ostream& out)
{
  if (value.isObject())
  {
    for (const JsonValue::Member& member : value.asObject())
    {
      printFields(member.second, path.empty() ? member.first : path + "." + member.first, out);
    }
    return;
  }
  out << "  " << std::left << std::setw(38) << path << " " << writeJson(value, 0) << "\n";
}

void printEncoder(const ImageEncoderConfig& encoder, std::ostream& out)
{
  BmflModelConfig config;
  config.encoder = encoder;
  printFields(*modelConfigToJson(config).find("encoder"), "encoder", out);
}

std::string joinNames(const std::vector<std::string>& names, std::size_t limit)
{
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i)
  {
    text += (i > 0 ? ", " : "") + printable(names[i]);
  }
  if (names.size() > limit)
  {
    text += ", ... (" + std::to_string(names.size() - limit) + " more)";
  }
  return text;
}

std::string describePreprocess(const PreprocessConfig& preprocess)
{
  std::ostringstream text;
  if (preprocess.resizeShortSide > 0)
  {
    text << "resize short side " << preprocess.resizeShortSide << " (" << preprocess.interpolation
         << ")";
  }
  else
  {
    text << "no resize";
  }
  text << ", centre crop " << preprocess.cropSize << ", grey to RGB "
       << (preprocess.grayscaleToRgb ? "yes" : "no") << ", mean [";
  for (std::size_t i = 0; i < preprocess.mean.size(); ++i)
  {
    text << (i > 0 ? ", " : "") << preprocess.mean[i];
  }
  text << "], std [";
  for (std::size_t i = 0; i < preprocess.std.size(); ++i)
  {
    text << (i > 0 ? ", " : "") << preprocess.std[i];
  }
  text << "]";
  if (preprocess.padToMultiple > 1)
  {
    const int multiple = preprocess.padToMultiple;
    text << ", zero-padded bottom/right to "
         << (preprocess.cropSize + multiple - 1) / multiple * multiple << " (a multiple of "
         << multiple << ")";
  }
  return text.str();
}

void describeBundle(const std::string& bundleDir, std::ostream& out)
{
  const BundleManifest manifest = readBundleManifest(bundleDir);
  const std::vector<ModuleParameterCount> counts = bundleParameterCounts(bundleDir, manifest);

  out << "bundle:  " << bundleDir << " (" << BundleFormatName << " version " << BundleFormatVersion
      << ")\n";
  out << "architecture:\n";
  printFields(modelConfigToJson(manifest.model), "", out);
  const std::vector<BrainToken> tokens =
    brainTokenLayout(manifest.model.brainTransformer, manifest.vertexSpace);
  out << "  brain tokens                           " << tokens.size() << " ("
      << manifest.model.brainTransformer.tokenizer << ")\n";

  out << "parameters:\n";
  std::int64_t total = 0;
  std::int64_t trainable = 0;
  for (const ModuleParameterCount& count : counts)
  {
    out << "  " << std::left << std::setw(14) << count.module << " total " << std::right
        << std::setw(14) << grouped(count.total) << "   trainable " << std::setw(14)
        << grouped(count.trainable) << "\n";
    total += count.total;
    trainable += count.trainable;
  }
  out << "  " << std::left << std::setw(14) << "all"
      << " total " << std::right << std::setw(14) << grouped(total) << "   trainable "
      << std::setw(14) << grouped(trainable) << "\n";

  out << "classes: " << manifest.classNames.size() << ": "
      << joinNames(manifest.classNames, ClassesShown) << "\n";

  out << "preprocess: " << describePreprocess(manifest.preprocess) << "\n";
  if (manifest.brainPreprocess)
  {
    out << "brain preprocess (second encoder pass for the brain encoder): "
        << describePreprocess(*manifest.brainPreprocess) << "\n";
  }
  else
  {
    out << "brain preprocess: as preprocess (one encoder pass)\n";
  }

  const VertexSpace& space = manifest.vertexSpace;
  out << "vertex space: " << space.name << " on " << space.templateName << ": " << space.left.size()
      << " left + " << space.right.size() << " right = " << space.size() << " vertices\n";
  for (const VertexLabels& set : space.labelSets)
  {
    out << "  label set " << set.name << ": " << set.names.size() << " labels ("
        << joinNames(set.names, ClassesShown) << ")\n";
  }

  const TrainingProvenance& provenance = manifest.provenance;
  out << "provenance:\n"
      << "  command   " << provenance.command << "\n"
      << "  seed      " << provenance.seed << "\n"
      << "  epochs    " << provenance.epochs << "\n"
      << "  date      " << provenance.date << "\n";
  for (const DatasetRecord& dataset : provenance.datasets)
  {
    out << "  dataset   " << dataset.name << " (" << grouped(dataset.size) << " examples)\n";
  }
  for (const auto& [name, value] : provenance.finalMetrics)
  {
    out << "  metric    " << name << " = "
        << (std::isnan(value) ? std::string("undefined") : std::to_string(value)) << "\n";
  }
  for (const auto& [library, version] : provenance.libraryVersions)
  {
    out << "  library   " << library << " " << version << "\n";
  }
  out << "weights:\n";
  for (const BundleWeights& weights : manifest.weights)
  {
    out << "  " << std::left << std::setw(14) << weights.module << " " << std::setw(18)
        << weights.file << " sha256 " << weights.sha256 << "\n";
  }
}

void describeCheckpoint(const std::string& path, std::ostream& out)
{
  const ImageEncoderConfig encoder = inspectDinoV2Checkpoint(path);
  const std::int64_t grid = encoder.positionGrid;
  out << "checkpoint: " << path << " (DINOv2 image encoder, learned position grid " << grid << "x"
      << grid << ")\n";
  printEncoder(encoder, out);
}

CommandRun defineInfo(CLI::App& command)
{
  auto model = std::make_shared<std::string>();
  auto checkpoint = std::make_shared<std::string>();
  command.add_option("--model", *model, "a model bundle folder")->type_name("BUNDLE_DIR");
  command.add_option("--checkpoint", *checkpoint, "a DINOv2 checkpoint (.pth or TorchScript)")
    ->type_name("FILE");
  command.require_option(1);
  return [model, checkpoint]()
  {
    // Names come from the files (class names, provenance): each line is printed made safe.
    std::ostringstream out;
    try
    {
      if (!model->empty())
      {
        describeBundle(*model, out);
      }
      else
      {
        requireRegularFile(*checkpoint, "a checkpoint");
        describeCheckpoint(*checkpoint, out);
      }
    }
    catch (const FileError& error)
    {
      std::cerr << "bmfl info: " << printable(error.what()) << "\n";
      return 1;
    }
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);)
    {
      std::cout << printable(line) << "\n";
    }
    return 0;
  };
}

} // namespace

BMFL_REGISTER_COMMAND(info, "info", "describe a model bundle or a DINOv2 checkpoint", defineInfo);

} // namespace bmfl::cli
