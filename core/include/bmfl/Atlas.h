#pragma once

#include "bmfl/Surface.h"
#include "bmfl/TemplateValues.h"
#include "bmfl/VertexSpace.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

struct AtlasColour
{
  std::uint8_t red = 0;
  std::uint8_t green = 0;
  std::uint8_t blue = 0;
};

/// A parcellation of a template's vertices: labels.left/right hold one label per vertex of each
/// hemisphere (0 = none), labels.names and colours are indexed by label.
struct Atlas
{
  std::string templateName; ///< "fsaverage" or "fsaverage5"
  std::string citation;
  VertexLabels labels; ///< labels.name is the atlas name
  std::vector<AtlasColour> colours;
};

/// The atlases loadAtlas knows, each on fsaverage and fsaverage5:
///  - "benson14": Benson et al. 2014 retinotopy template v4.0 visual areas (V1 ... V3a, 12 areas);
///  - "wang15":   Wang et al. 2015 maximum-probability visual areas (V1v ... FEF, 25 areas);
///  - "glasser16": HCP-MMP1.0, Glasser et al. 2016 (180 areas per hemisphere, same numbers in
///  both).
const std::vector<std::string>& atlasNames();

/// The folder of the bundled atlases: resourceDirectory()/atlases.
std::string bundledAtlasDirectory();

/// Loads an atlas for "fsaverage" (163,842 labels per hemisphere) or "fsaverage5" (the first
/// 10,242) from atlasDirectory (laid out as resources/atlases: neuropythy/fsaverage/surf/*.mgz and
/// enigma/funcLabels_ctx_glasser_360.csv). Throws FileError for missing or malformed files and
/// std::invalid_argument for an unknown atlas or template.
Atlas loadAtlas(const std::string& atlasName,
                const std::string& templateName,
                const std::string& atlasDirectory = bundledAtlasDirectory());

/// Benson 2014 retinotopy: visual areas and per-vertex polar angle (degrees, 0 = upper vertical
/// meridian, 180 = lower), eccentricity (degrees) and pRF size sigma (degrees). Values are 0
/// outside the template's visual cortex, as in the source files.
struct RetinotopyMaps
{
  Atlas visualAreas;
  HemisphereValues angle;
  HemisphereValues eccentricity;
  HemisphereValues sigma;
};

RetinotopyMaps loadBensonRetinotopy(const std::string& templateName,
                                    const std::string& atlasDirectory = bundledAtlasDirectory());

/// Colours for labels of sources that define none: label 0 is light grey; label k > 0 steps the
/// hue by the golden angle (137.5 degrees), so neighbouring numbers get far-apart hues, and
/// alternates saturation and brightness so that hues revisited after many labels still differ.
AtlasColour qualitativeColour(std::size_t label);

/// Where labels change on a mesh: every edge of a triangle whose two end vertices carry different
/// labels (each edge once, as vertex pairs a < b), and the vertices on those edges (sorted).
struct LabelBorders
{
  std::vector<std::int32_t> edges; ///< two vertex indices per border edge
  std::vector<std::int32_t> vertices;

  std::size_t edgeCount() const { return edges.size() / 2; }
};

/// Throws std::invalid_argument when labels.size() differs from the mesh's vertex count or a
/// triangle refers to a vertex outside the mesh.
LabelBorders computeLabelBorders(const SurfaceMesh& mesh, const std::vector<std::int32_t>& labels);

} // namespace bmfl
