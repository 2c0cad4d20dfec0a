#include "bmfl/Atlas.h"

#include "bmfl/FileError.h"
#include "bmfl/Resources.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr std::size_t GlasserAreasPerHemisphere = 180;
constexpr std::uintmax_t MaxNameTableBytes = 1 << 20;

const std::vector<std::string>& bensonAreaNames()
{
  // neuropythy/vision/models.py `visual_area_names`, in label order.
  static const std::vector<std::string> names = { "none", "V1",  "V2",  "V3",  "hV4", "VO1", "VO2",
                                                  "LO1",  "LO2", "TO1", "TO2", "V3b", "V3a" };
  return names;
}

const std::vector<std::string>& wangAreaNames()
{
  // Wang et al. 2015 ROIfiles_Labeling order.
  static const std::vector<std::string> names = { "none", "V1v",  "V1d",  "V2v",  "V2d",  "V3v",
                                                  "V3d",  "hV4",  "VO1",  "VO2",  "PHC1", "PHC2",
                                                  "TO2",  "TO1",  "LO2",  "LO1",  "V3b",  "V3a",
                                                  "IPS0", "IPS1", "IPS2", "IPS3", "IPS4", "IPS5",
                                                  "SPL1", "FEF" };
  return names;
}

/// HCP-MMP1 area names in atlas order, from ENIGMA's L_..., R_... list (the left half, "L_"
/// dropped: both hemispheres use the same numbers 1..180).
std::vector<std::string> glasserAreaNames(const std::string& path)
{
  requireRegularFile(path);
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error)
  {
    throw FileError(path, "cannot read: " + error.message());
  }
  if (size > MaxNameTableBytes)
  {
    throw FileError(path, "too large for a name table");
  }
  std::ifstream file(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> names = { "none" };
  std::size_t start = 0;
  while (start <= text.size() && names.size() <= GlasserAreasPerHemisphere)
  {
    std::size_t end = text.find_first_of(",\n\r", start);
    end = end == std::string::npos ? text.size() : end;
    const std::string field = text.substr(start, end - start);
    if (field.rfind("L_", 0) != 0)
    {
      throw FileError(path,
                      "field " + std::to_string(names.size()) + " (\"" + field +
                        "\") is not a left-hemisphere HCP-MMP1 name L_...");
    }
    names.push_back(field.substr(2));
    start = end + 1;
  }
  if (names.size() != GlasserAreasPerHemisphere + 1)
  {
    throw FileError(path,
                    "holds " + std::to_string(names.size() - 1) +
                      " left-hemisphere names, expected " +
                      std::to_string(GlasserAreasPerHemisphere));
  }
  return names;
}

std::string surfaceFile(const std::string& atlasDirectory, bool left, const std::string& stem)
{
  return (fs::path(atlasDirectory) / "neuropythy" / "fsaverage" / "surf" /
          ((left ? "lh." : "rh.") + stem + ".mgz"))
    .string();
}

/// One hemisphere's full-fsaverage map, cut to the template's first vertices.
std::vector<float> readTemplateMap(const std::string& path, std::size_t vertexCount)
{
  VertexMap map = readVertexMap(path);
  if (map.vertexCount != FsaverageVertexCount || map.frameCount != 1)
  {
    throw FileError(path,
                    "holds " + std::to_string(map.vertexCount) + " vertices x " +
                      std::to_string(map.frameCount) + " frames, expected " +
                      std::to_string(FsaverageVertexCount) + " x 1 (a full fsaverage map)");
  }
  map.values.resize(vertexCount);
  return std::move(map.values);
}

/// Labels from a map of whole numbers; NaN (Glasser's medial wall) means none.
std::vector<std::int32_t> readTemplateLabels(const std::string& path,
                                             std::size_t vertexCount,
                                             std::size_t labelCount)
{
  const std::vector<float> values = readTemplateMap(path, vertexCount);
  std::vector<std::int32_t> labels(values.size(), 0);
  for (std::size_t vertex = 0; vertex < values.size(); ++vertex)
  {
    const float value = values[vertex];
    if (std::isnan(value))
    {
      continue;
    }
    if (value != std::floor(value) || value < 0 || value >= static_cast<float>(labelCount))
    {
      throw FileError(path,
                      "value " + std::to_string(value) + " at vertex " + std::to_string(vertex) +
                        " is not a label 0.." + std::to_string(labelCount - 1));
    }
    labels[vertex] = static_cast<std::int32_t>(value);
  }
  return labels;
}

std::uint8_t channel(double value)
{
  return static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0, 1.0) * 255.0));
}

} // namespace

const std::vector<std::string>& atlasNames()
{
  static const std::vector<std::string> names = { "benson14", "wang15", "glasser16" };
  return names;
}

std::string bundledAtlasDirectory()
{
  return (fs::path(resourceDirectory()) / "atlases").string();
}

AtlasColour qualitativeColour(std::size_t label)
{
  if (label == 0)
  {
    return { 200, 200, 200 };
  }
  const double hue = std::fmod(static_cast<double>(label) * 137.50776405, 360.0) / 60.0;
  const double saturation = label % 2 == 0 ? 0.55 : 0.8;
  const double value = (label / 2) % 2 == 0 ? 0.95 : 0.78;
  // HSV to RGB.
  const double chroma = value * saturation;
  const double second = chroma * (1.0 - std::fabs(std::fmod(hue, 2.0) - 1.0));
  const double base = value - chroma;
  double red = 0;
  double green = 0;
  double blue = 0;
  switch (static_cast<int>(hue))
  {
    case 0:
      red = chroma, green = second;
      break;
    case 1:
      red = second, green = chroma;
      break;
    case 2:
      green = chroma, blue = second;
      break;
    case 3:
      green = second, blue = chroma;
      break;
    case 4:
      red = second, blue = chroma;
      break;
    default:
      red = chroma, blue = second;
      break;
  }
  return { channel(red + base), channel(green + base), channel(blue + base) };
}

Atlas loadAtlas(const std::string& atlasName,
                const std::string& templateName,
                const std::string& atlasDirectory)
{
  const std::size_t vertexCount = templateVertexCount(templateName);
  Atlas atlas;
  atlas.templateName = templateName;
  atlas.labels.name = atlasName;
  std::string stem;
  if (atlasName == "benson14")
  {
    stem = "benson14_varea.v4_0";
    atlas.labels.names = bensonAreaNames();
    atlas.citation = "Benson NC, Butt OH, Brainard DH, Aguirre GK (2014) Correction of distortion "
                     "in flattened representations of the cortical surface allows prediction of "
                     "V1-V3 functional organization from anatomy. PLoS Comput Biol 10:e1003538; "
                     "template v4.0: Benson & Winawer (2018) eLife 7:e40224";
  }
  else if (atlasName == "wang15")
  {
    stem = "wang15_mplbl.v1_0";
    atlas.labels.names = wangAreaNames();
    atlas.citation = "Wang L, Mruczek REB, Arcaro MJ, Kastner S (2015) Probabilistic maps of "
                     "visual topography in human cortex. Cereb Cortex 25:3911-3931";
  }
  else if (atlasName == "glasser16")
  {
    stem = "glasser16_atlas.v1_0";
    atlas.labels.names = glasserAreaNames(
      (fs::path(atlasDirectory) / "enigma" / "funcLabels_ctx_glasser_360.csv").string());
    atlas.citation = "Glasser MF et al. (2016) A multi-modal parcellation of human cerebral "
                     "cortex. Nature 536:171-178 (HCP-MMP1.0)";
  }
  else
  {
    throw std::invalid_argument("unknown atlas '" + atlasName +
                                "' (expected benson14, wang15 or glasser16)");
  }
  atlas.labels.left = readTemplateLabels(
    surfaceFile(atlasDirectory, true, stem), vertexCount, atlas.labels.names.size());
  atlas.labels.right = readTemplateLabels(
    surfaceFile(atlasDirectory, false, stem), vertexCount, atlas.labels.names.size());
  for (std::size_t label = 0; label < atlas.labels.names.size(); ++label)
  {
    atlas.colours.push_back(qualitativeColour(label));
  }
  return atlas;
}

RetinotopyMaps loadBensonRetinotopy(const std::string& templateName,
                                    const std::string& atlasDirectory)
{
  const std::size_t vertexCount = templateVertexCount(templateName);
  RetinotopyMaps maps;
  maps.visualAreas = loadAtlas("benson14", templateName, atlasDirectory);
  const auto load = [&](const std::string& stem)
  {
    HemisphereValues values;
    values.left = readTemplateMap(surfaceFile(atlasDirectory, true, stem), vertexCount);
    values.right = readTemplateMap(surfaceFile(atlasDirectory, false, stem), vertexCount);
    return values;
  };
  maps.angle = load("benson14_angle.v4_0");
  maps.eccentricity = load("benson14_eccen.v4_0");
  maps.sigma = load("benson14_sigma.v4_0");
  return maps;
}

LabelBorders computeLabelBorders(const SurfaceMesh& mesh, const std::vector<std::int32_t>& labels)
{
  const std::size_t vertexCount = mesh.vertexCount();
  if (labels.size() != vertexCount)
  {
    throw std::invalid_argument("computeLabelBorders: " + std::to_string(labels.size()) +
                                " labels for a mesh of " + std::to_string(vertexCount) +
                                " vertices");
  }
  // Each border edge as one 64-bit key (low vertex, high vertex), deduplicated by sorting: an
  // inner edge is shared by two triangles.
  std::vector<std::uint64_t> edgeKeys;
  const std::vector<std::int32_t>& triangles = mesh.triangles;
  for (std::size_t first = 0; first + 2 < triangles.size(); first += 3)
  {
    for (std::size_t corner = 0; corner < 3; ++corner)
    {
      const std::int32_t a = triangles[first + corner];
      const std::int32_t b = triangles[first + (corner + 1) % 3];
      if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= vertexCount ||
          static_cast<std::size_t>(b) >= vertexCount)
      {
        throw std::invalid_argument("computeLabelBorders: triangle " + std::to_string(first / 3) +
                                    " refers to a vertex outside the mesh");
      }
      if (labels[static_cast<std::size_t>(a)] != labels[static_cast<std::size_t>(b)])
      {
        const auto low = static_cast<std::uint64_t>(std::min(a, b));
        const auto high = static_cast<std::uint64_t>(std::max(a, b));
        edgeKeys.push_back((low << 32) | high);
      }
    }
  }
  std::sort(edgeKeys.begin(), edgeKeys.end());
  edgeKeys.erase(std::unique(edgeKeys.begin(), edgeKeys.end()), edgeKeys.end());

  LabelBorders borders;
  borders.edges.reserve(2 * edgeKeys.size());
  for (const std::uint64_t key : edgeKeys)
  {
    borders.edges.push_back(static_cast<std::int32_t>(key >> 32));
    borders.edges.push_back(static_cast<std::int32_t>(key & 0xFFFFFFFFu));
  }
  borders.vertices = borders.edges;
  std::sort(borders.vertices.begin(), borders.vertices.end());
  borders.vertices.erase(std::unique(borders.vertices.begin(), borders.vertices.end()),
                         borders.vertices.end());
  return borders;
}

} // namespace bmfl
