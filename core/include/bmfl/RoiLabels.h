#pragma once

#include "bmfl/Atlas.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/VertexSpace.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// ROI labels over every vertex of a template's two hemispheres, from a bundle's label set or an
/// atlas.
struct TemplateLabels
{
  std::string source;       ///< "wang15", "benson14", "glasser16", or a label set name of the space
  std::string templateName; ///< "fsaverage5", "fsaverage"
  std::vector<std::string> names;   ///< index = label; names[0] = none
  std::vector<AtlasColour> colours; ///< index = label (qualitativeColour where the source has none)
  std::vector<std::int32_t> left, right; ///< one label per template vertex (0 = none)
  /// For a label set of a space on a coarser fsaverage: that template's vertices per hemisphere.
  /// Only those (the nested ones) carry labels until spreadOverFinerMesh gives every vertex one.
  /// 0 when every vertex already carries its label.
  std::size_t nestedCount = 0;

  /// The labels of one hemisphere.
  const std::vector<std::int32_t>& of(Hemisphere hemisphere) const
  {
    return hemisphere == Hemisphere::Left ? left : right;
  }
};

/// The sources offered for a vertex space: its label sets (in order), then atlasNames(). space may
/// be nullptr (atlases only).
std::vector<std::string> roiLabelSources(const VertexSpace* space);

/// A readable name of a source: a label set's name as is, "Benson 2014", "Wang 2015",
/// "HCP-MMP1 (Glasser 2016)" for the atlases.
std::string roiLabelSourceTitle(const std::string& source);

/// Resolves a source for a template; a label set of space is spread onto the template (vertices
/// outside the space: 0; a space on a coarser fsaverage carried to a finer template by the nesting:
/// its vertices keep their numbers, see nestedCount and spreadOverFinerMesh). Throws
/// std::invalid_argument for an unknown source or a template the source cannot reach, FileError for
/// bad atlas files.
TemplateLabels templateLabels(const std::string& source,
                              const std::string& templateName,
                              const VertexSpace* space,
                              const std::string& atlasDirectory = bundledAtlasDirectory());

/// Gives every vertex of one hemisphere of labels (nestedCount > 0) the label of its coarse vertex:
/// nearest is nearestNestedVertices(the hemisphere's mesh, labels.nestedCount). Call it for both
/// hemispheres, then set nestedCount to 0. Throws std::invalid_argument when nearest does not have
/// one entry per template vertex.
void spreadOverFinerMesh(TemplateLabels& labels,
                         Hemisphere hemisphere,
                         const std::vector<std::int32_t>& nearest);

/// Full readable name of a visual area label ("V1v" -> "V1 ventral", "hV4" -> "human V4", "LO1" ->
/// "lateral occipital 1", "TO1" -> "temporal occipital 1 (MT)", "IPS0" -> "intraparietal sulcus
/// 0", Algonauts' floc names "OFA" -> "occipital face area", "EBA", "FFA-1", "PPA", "OPA", "RSC",
/// "OWFA", "VWFA-1" ..., streams "early", "midventral" ...); the short name itself when unknown.
std::string fullAreaName(const std::string& shortName);

struct RoiResponse
{
  int label = 0;
  std::string name; ///< the short name (names[label])
  Hemisphere hemisphere = Hemisphere::Left;
  std::size_t vertices = 0; ///< space vertices with this label (NaN values included)
  double mean = 0;          ///< over the finite values (NaN when none)
  double sd = 0;            ///< population SD over the finite values (NaN when none)
};

/// Mean and SD over the space's vertices of each label of labels (per hemisphere), for values in
/// space (left part first): left hemisphere labels in increasing order, then right. Labels with no
/// vertex in the space are left out; NaN values skipped. Space vertices beyond the labels'
/// template (a space on a finer fsaverage) count as unlabelled. Throws std::invalid_argument when
/// values.size() != space.size().
std::vector<RoiResponse> roiResponses(const std::vector<float>& values,
                                      const VertexSpace& space,
                                      const TemplateLabels& labels);

} // namespace bmfl
