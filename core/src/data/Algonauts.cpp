#include "bmfl/Algonauts.h"

#include "bmfl/FileError.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr std::uint64_t MaxMappingJsonBytes = 1 << 20;
constexpr std::size_t MaxMappingLabel = 10000;

const char* hemisphereCode(bool left)
{
  return left ? "lh" : "rh";
}

std::string hemisphereFile(const fs::path& folder, bool left, const std::string& rest)
{
  return (folder / (std::string(hemisphereCode(left)) + rest)).string();
}

std::string describeShape(const std::vector<std::uint64_t>& shape)
{
  std::string text;
  for (std::size_t axis = 0; axis < shape.size(); ++axis)
  {
    text += (axis > 0 ? " x " : "") + std::to_string(shape[axis]);
  }
  return shape.empty() ? "a scalar" : text;
}

/// A 1-D array's values as integers; float arrays must hold whole numbers.
std::vector<std::int64_t> integerValues(const std::string& path, const NpyArray& array)
{
  if (array.shape.size() != 1)
  {
    throw FileError(path, "expected a 1-D array but the shape is " + describeShape(array.shape));
  }
  if (const auto* integers = std::get_if<std::vector<std::int64_t>>(&array.values))
  {
    return *integers;
  }
  const std::vector<float> values = array.toFloat();
  std::vector<std::int64_t> converted(values.size());
  for (std::size_t index = 0; index < values.size(); ++index)
  {
    const float value = values[index];
    if (!std::isfinite(value) || value != std::floor(value) || std::fabs(value) > 1e9f)
    {
      throw FileError(path,
                      "value " + std::to_string(value) + " at index " + std::to_string(index) +
                        " is not an integer label");
    }
    converted[index] = static_cast<std::int64_t>(value);
  }
  return converted;
}

/// The fsaverage indices selected by an all-vertices mask (challenge vertex j = j-th nonzero).
std::vector<std::int32_t> readChallengeMask(const std::string& path)
{
  const std::vector<std::int64_t> mask = integerValues(path, readNpy(path));
  if (mask.size() != FsaverageVertexCount)
  {
    throw FileError(path,
                    "has " + std::to_string(mask.size()) + " values, expected " +
                      std::to_string(FsaverageVertexCount) + " (one per fsaverage vertex)");
  }
  std::vector<std::int32_t> indices;
  for (std::size_t vertex = 0; vertex < mask.size(); ++vertex)
  {
    if (mask[vertex] != 0 && mask[vertex] != 1)
    {
      throw FileError(path,
                      "mask value " + std::to_string(mask[vertex]) + " at vertex " +
                        std::to_string(vertex) + " is neither 0 nor 1");
    }
    if (mask[vertex] == 1)
    {
      indices.push_back(static_cast<std::int32_t>(vertex));
    }
  }
  return indices;
}

std::vector<std::string> imagesIn(const fs::path& folder)
{
  std::vector<std::string> images;
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    return images;
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error))
  {
    std::string extension = entry.path().extension().string();
    std::transform(extension.begin(),
                   extension.end(),
                   extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (entry.is_regular_file(error) &&
        (extension == ".png" || extension == ".jpg" || extension == ".jpeg"))
    {
      images.push_back(entry.path().string());
    }
  }
  if (error)
  {
    throw FileError(folder.string(), "cannot list: " + error.message());
  }
  // Lexicographic file-name order is the fMRI row order (train-0001_nsd-00013.png ...).
  std::sort(images.begin(), images.end());
  return images;
}

/// Reads {"1": "V1v", "2": "V1d", ...}: a flat JSON object of label numbers to names, parsed
/// strictly by nlohmann-json; a duplicate key or a nested value is refused while parsing.
std::map<std::size_t, std::string> parseLabelMapping(const std::string& path,
                                                     const std::string& text)
{
  using Json = nlohmann::json;
  const auto fail = [&](const std::string& problem)
  { throw FileError(path, "malformed label mapping JSON: " + problem); };
  std::set<std::string> keys;
  const Json::parser_callback_t check = [&](int depth, Json::parse_event_t event, Json& parsed)
  {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth > 0)
    {
      fail("label names must be strings, not nested values");
    }
    if (event == Json::parse_event_t::key && !keys.insert(parsed.get<std::string>()).second)
    {
      fail("duplicate key \"" + parsed.get<std::string>() + "\"");
    }
    return true;
  };
  Json root;
  try
  {
    root = Json::parse(text, check, true, false);
  }
  catch (const Json::parse_error& error)
  {
    fail("not valid JSON at byte " + std::to_string(error.byte));
  }
  if (!root.is_object())
  {
    fail("expected an object of label numbers to names");
  }
  std::map<std::size_t, std::string> names;
  for (const auto& [key, name] : root.items())
  {
    std::size_t label = 0;
    if (key.empty() || key.size() > 6 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (label = std::stoul(key)) > MaxMappingLabel)
    {
      fail("key \"" + key + "\" is not a label number 0.." + std::to_string(MaxMappingLabel));
    }
    if (!name.is_string())
    {
      fail("the name of label " + key + " is not a string");
    }
    names[label] = name.get<std::string>();
  }
  return names;
}

std::vector<std::string> labelNamesFor(const fs::path& roiFolder, const std::string& roiClass)
{
  std::vector<std::string> names = nsdRoiLabelNames(roiClass);
  const fs::path jsonPath = roiFolder / ("mapping_" + roiClass + ".json");
  std::error_code error;
  if (!fs::is_regular_file(jsonPath, error))
  {
    return names;
  }
  const std::uintmax_t size = fs::file_size(jsonPath, error);
  if (error || size > MaxMappingJsonBytes)
  {
    throw FileError(jsonPath.string(), error ? "cannot read: " + error.message() : "too large");
  }
  std::ifstream file(jsonPath, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const auto& [label, name] : parseLabelMapping(jsonPath.string(), text))
  {
    if (label >= names.size())
    {
      names.resize(label + 1);
    }
    names[label] = name;
  }
  for (std::size_t label = 0; label < names.size(); ++label)
  {
    if (names[label].empty())
    {
      names[label] = label == 0 ? "Unknown" : "label " + std::to_string(label);
    }
  }
  return names;
}

std::vector<std::int32_t> readRoiLabels(const std::string& path,
                                        std::size_t expectedCount,
                                        std::size_t labelCount,
                                        const std::string& roiClass)
{
  const std::vector<std::int64_t> values = integerValues(path, readNpy(path));
  if (values.size() != expectedCount)
  {
    throw FileError(path,
                    "has " + std::to_string(values.size()) + " values but the challenge space of " +
                      "this hemisphere has " + std::to_string(expectedCount) + " vertices");
  }
  std::vector<std::int32_t> labels(values.size());
  for (std::size_t vertex = 0; vertex < values.size(); ++vertex)
  {
    if (values[vertex] < 0 || static_cast<std::uint64_t>(values[vertex]) >= labelCount)
    {
      throw FileError(path,
                      "label " + std::to_string(values[vertex]) + " at vertex " +
                        std::to_string(vertex) + " is outside the " + roiClass + " labels 0.." +
                        std::to_string(labelCount - 1));
    }
    labels[vertex] = static_cast<std::int32_t>(values[vertex]);
  }
  return labels;
}

void checkFsaverageSpaceFile(const std::string& path)
{
  std::error_code error;
  if (!fs::exists(path, error))
  {
    return;
  }
  const NpyHeader header = readNpyHeader(path);
  if (header.shape.size() != 1 || header.shape[0] != FsaverageVertexCount)
  {
    throw FileError(path,
                    "has shape " + describeShape(header.shape) + ", expected " +
                      std::to_string(FsaverageVertexCount) + " values (one per fsaverage vertex)");
  }
}

template<typename Value>
std::vector<Value> spreadHemisphere(const std::vector<std::int32_t>& indices,
                                    const Value* values,
                                    std::size_t vertexCount,
                                    Value outside)
{
  std::vector<Value> spread(vertexCount, outside);
  for (std::size_t index = 0; index < indices.size(); ++index)
  {
    const auto vertex = static_cast<std::size_t>(indices[index]);
    if (vertex < vertexCount)
    {
      spread[vertex] = values[index];
    }
  }
  return spread;
}

void requireFsaverageSpace(const VertexSpace& space)
{
  if (space.templateName != "fsaverage")
  {
    throw std::invalid_argument("vertex space '" + space.name + "' lies on '" + space.templateName +
                                "', not on fsaverage");
  }
}

} // namespace

std::size_t templateVertexCount(const std::string& templateName)
{
  if (templateName == "fsaverage")
  {
    return FsaverageVertexCount;
  }
  if (templateName == "fsaverage5")
  {
    return Fsaverage5VertexCount;
  }
  throw std::invalid_argument("unknown template '" + templateName +
                              "' (expected fsaverage or fsaverage5)");
}

const std::vector<std::string>& nsdRoiClasses()
{
  static const std::vector<std::string> classes = { "prf-visualrois", "floc-bodies", "floc-faces",
                                                    "floc-places",    "floc-words",  "streams" };
  return classes;
}

std::vector<std::string> nsdRoiLabelNames(const std::string& roiClass)
{
  static const std::map<std::string, std::vector<std::string>> tables = {
    { "prf-visualrois", { "Unknown", "V1v", "V1d", "V2v", "V2d", "V3v", "V3d", "hV4" } },
    { "floc-bodies", { "Unknown", "EBA", "FBA-1", "FBA-2", "mTL-bodies" } },
    { "floc-faces", { "Unknown", "OFA", "FFA-1", "FFA-2", "mTL-faces", "aTL-faces" } },
    { "floc-places", { "Unknown", "OPA", "PPA", "RSC" } },
    { "floc-words", { "Unknown", "OWFA", "VWFA-1", "VWFA-2", "mfs-words", "mTL-words" } },
    { "streams",
      { "Unknown",
        "early",
        "midventral",
        "midlateral",
        "midparietal",
        "ventral",
        "lateral",
        "parietal" } },
  };
  const auto found = tables.find(roiClass);
  if (found == tables.end())
  {
    throw std::invalid_argument("unknown NSD ROI class '" + roiClass + "'");
  }
  return found->second;
}

bool isAlgonautsSubjectFolder(const std::string& folder)
{
  std::error_code error;
  return fs::is_directory(fs::path(folder) / "roi_masks", error) ||
         fs::is_directory(fs::path(folder) / "training_split", error);
}

AlgonautsSubject openAlgonautsSubject(const std::string& folder)
{
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    throw FileError(folder, "not a folder (expected an Algonauts subject folder subjXX/)");
  }
  const fs::path root(folder);
  const fs::path roiFolder = root / "roi_masks";
  const fs::path fmriFolder = root / "training_split" / "training_fmri";

  AlgonautsSubject subject;
  subject.folder = folder;
  subject.subject = (root.filename().empty() ? root.parent_path() : root).filename().string();
  subject.space.name = "algonauts-" + subject.subject;
  subject.space.templateName = "fsaverage";

  for (const bool left : { true, false })
  {
    const std::string maskPath =
      hemisphereFile(roiFolder, left, ".all-vertices_fsaverage_space.npy");
    if (!fs::is_regular_file(maskPath, error))
    {
      throw FileError(maskPath,
                      "missing: an Algonauts subject folder needs both hemispheres' "
                      "all-vertices masks in roi_masks/");
    }
    (left ? subject.space.left : subject.space.right) = readChallengeMask(maskPath);
  }

  subject.leftFmriPath = hemisphereFile(fmriFolder, true, "_training_fmri.npy");
  subject.rightFmriPath = hemisphereFile(fmriFolder, false, "_training_fmri.npy");
  const bool haveLeft = fs::is_regular_file(subject.leftFmriPath, error);
  const bool haveRight = fs::is_regular_file(subject.rightFmriPath, error);
  if (haveLeft != haveRight)
  {
    throw FileError(haveLeft ? subject.rightFmriPath : subject.leftFmriPath,
                    "missing, while the other hemisphere's training fMRI is present");
  }
  subject.trainingImages = imagesIn(root / "training_split" / "training_images");
  subject.testImages = imagesIn(root / "test_split" / "test_images");
  if (haveLeft)
  {
    for (const bool left : { true, false })
    {
      const std::string& path = left ? subject.leftFmriPath : subject.rightFmriPath;
      NpyHeader header = readNpyHeader(path);
      const std::size_t vertices = (left ? subject.space.left : subject.space.right).size();
      if (header.shape.size() != 2)
      {
        throw FileError(path,
                        "expected fMRI of shape images x vertices but the shape is " +
                          describeShape(header.shape));
      }
      if (header.shape[1] != vertices)
      {
        throw FileError(path,
                        "has " + std::to_string(header.shape[1]) + " vertex columns but " +
                          std::string(hemisphereCode(left)) +
                          ".all-vertices_fsaverage_space.npy selects " + std::to_string(vertices) +
                          " vertices");
      }
      (left ? subject.leftFmri : subject.rightFmri) = std::move(header);
    }
    if (subject.leftFmri.shape[0] != subject.rightFmri.shape[0])
    {
      throw FileError(subject.rightFmriPath,
                      "has " + std::to_string(subject.rightFmri.shape[0]) + " image rows but " +
                        "lh_training_fmri.npy has " + std::to_string(subject.leftFmri.shape[0]));
    }
    if (subject.trainingImages.size() != subject.leftFmri.shape[0])
    {
      throw FileError((root / "training_split" / "training_images").string(),
                      "holds " + std::to_string(subject.trainingImages.size()) +
                        " images but the training fMRI has " +
                        std::to_string(subject.leftFmri.shape[0]) + " rows (one per image)");
    }
  }

  for (const std::string& roiClass : nsdRoiClasses())
  {
    const std::string leftPath =
      hemisphereFile(roiFolder, true, "." + roiClass + "_challenge_space.npy");
    const std::string rightPath =
      hemisphereFile(roiFolder, false, "." + roiClass + "_challenge_space.npy");
    const bool leftPresent = fs::is_regular_file(leftPath, error);
    const bool rightPresent = fs::is_regular_file(rightPath, error);
    if (!leftPresent && !rightPresent)
    {
      continue;
    }
    if (leftPresent != rightPresent)
    {
      throw FileError(leftPresent ? rightPath : leftPath,
                      "missing, while the other hemisphere's " + roiClass + " file is present");
    }
    VertexLabels labels;
    labels.name = roiClass;
    labels.names = labelNamesFor(roiFolder, roiClass);
    labels.left = readRoiLabels(leftPath, subject.space.left.size(), labels.names.size(), roiClass);
    labels.right =
      readRoiLabels(rightPath, subject.space.right.size(), labels.names.size(), roiClass);
    checkFsaverageSpaceFile(
      hemisphereFile(roiFolder, true, "." + roiClass + "_fsaverage_space.npy"));
    checkFsaverageSpaceFile(
      hemisphereFile(roiFolder, false, "." + roiClass + "_fsaverage_space.npy"));
    subject.space.labelSets.push_back(std::move(labels));
  }
  return subject;
}

std::vector<float> readAlgonautsFmriRows(const AlgonautsSubject& subject,
                                         std::size_t firstRow,
                                         std::size_t rowCount)
{
  if (subject.leftFmri.shape.size() != 2)
  {
    throw FileError(subject.leftFmriPath, "missing: this subject has no training fMRI");
  }
  const std::vector<float> left =
    readNpyRows(subject.leftFmriPath, subject.leftFmri, firstRow, rowCount);
  const std::vector<float> right =
    readNpyRows(subject.rightFmriPath, subject.rightFmri, firstRow, rowCount);
  const std::size_t leftLength = subject.space.left.size();
  const std::size_t rightLength = subject.space.right.size();
  std::vector<float> rows(rowCount * (leftLength + rightLength));
  for (std::size_t row = 0; row < rowCount; ++row)
  {
    float* out = rows.data() + row * (leftLength + rightLength);
    std::copy_n(left.data() + row * leftLength, leftLength, out);
    std::copy_n(right.data() + row * rightLength, rightLength, out + leftLength);
  }
  return rows;
}

HemisphereValues spreadOntoTemplate(const VertexSpace& space,
                                    const std::vector<float>& values,
                                    const std::string& templateName)
{
  requireFsaverageSpace(space);
  const std::size_t vertexCount = templateVertexCount(templateName);
  if (values.size() != space.size())
  {
    throw std::invalid_argument("spreadOntoTemplate: " + std::to_string(values.size()) +
                                " values for a space of " + std::to_string(space.size()) +
                                " vertices");
  }
  const float outside = std::numeric_limits<float>::quiet_NaN();
  HemisphereValues spread;
  spread.left = spreadHemisphere(space.left, values.data(), vertexCount, outside);
  spread.right =
    spreadHemisphere(space.right, values.data() + space.left.size(), vertexCount, outside);
  return spread;
}

VertexLabels spreadLabelsOntoTemplate(const VertexSpace& space,
                                      const VertexLabels& labels,
                                      const std::string& templateName)
{
  requireFsaverageSpace(space);
  const std::size_t vertexCount = templateVertexCount(templateName);
  if (labels.left.size() != space.left.size() || labels.right.size() != space.right.size())
  {
    throw std::invalid_argument("spreadLabelsOntoTemplate: label set '" + labels.name +
                                "' does not match vertex space '" + space.name + "'");
  }
  VertexLabels spread;
  spread.name = labels.name;
  spread.names = labels.names;
  spread.left = spreadHemisphere(space.left, labels.left.data(), vertexCount, std::int32_t{ 0 });
  spread.right = spreadHemisphere(space.right, labels.right.data(), vertexCount, std::int32_t{ 0 });
  return spread;
}

} // namespace bmfl
