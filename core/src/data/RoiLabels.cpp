#include "bmfl/RoiLabels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace bmfl
{

namespace
{

/// A label set's per-vertex labels on templateName's vertices.
std::vector<std::int32_t> spreadLabels(const std::vector<std::int32_t>& spaceVertices,
                                       const std::vector<std::int32_t>& spaceLabels,
                                       std::size_t templateCount,
                                       std::size_t spaceTemplateCount,
                                       const std::string& what)
{
  if (spaceVertices.size() != spaceLabels.size())
  {
    throw std::invalid_argument(what + ": " + std::to_string(spaceLabels.size()) + " labels for " +
                                std::to_string(spaceVertices.size()) + " vertices");
  }
  std::vector<std::int32_t> labels(templateCount, 0);
  for (std::size_t i = 0; i < spaceVertices.size(); ++i)
  {
    const std::int32_t vertex = spaceVertices[i];
    if (vertex < 0 || static_cast<std::size_t>(vertex) >= spaceTemplateCount)
    {
      throw std::invalid_argument(what + ": vertex " + std::to_string(vertex) +
                                  " is outside its template");
    }
    // Nested fsaverages share their first vertices: a finer space's extra vertices have none here.
    if (static_cast<std::size_t>(vertex) < templateCount)
    {
      labels[static_cast<std::size_t>(vertex)] = spaceLabels[i];
    }
  }
  return labels;
}

void accumulate(const std::vector<float>& values,
                std::size_t offset,
                const std::vector<std::int32_t>& spaceVertices,
                const std::vector<std::int32_t>& labels,
                std::size_t labelCount,
                Hemisphere hemisphere,
                std::vector<RoiResponse>& out,
                const std::vector<std::string>& names)
{
  std::vector<std::size_t> vertices(labelCount, 0);
  std::vector<std::size_t> finite(labelCount, 0);
  std::vector<double> sum(labelCount, 0.0);
  std::vector<double> squares(labelCount, 0.0);
  // Two passes (mean, then squared deviations) keep the SD accurate for large offsets.
  std::vector<std::int32_t> labelOf(spaceVertices.size(), 0);
  for (std::size_t i = 0; i < spaceVertices.size(); ++i)
  {
    const auto vertex = static_cast<std::size_t>(spaceVertices[i]);
    const std::int32_t label = vertex < labels.size() ? labels[vertex] : 0;
    if (label <= 0 || static_cast<std::size_t>(label) >= labelCount)
    {
      continue;
    }
    labelOf[i] = label;
    const auto k = static_cast<std::size_t>(label);
    ++vertices[k];
    const float value = values[offset + i];
    if (std::isfinite(value))
    {
      ++finite[k];
      sum[k] += value;
    }
  }
  std::vector<double> mean(labelCount, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < labelCount; ++k)
  {
    if (finite[k] > 0)
    {
      mean[k] = sum[k] / static_cast<double>(finite[k]);
    }
  }
  for (std::size_t i = 0; i < spaceVertices.size(); ++i)
  {
    const float value = values[offset + i];
    if (labelOf[i] > 0 && std::isfinite(value))
    {
      const auto k = static_cast<std::size_t>(labelOf[i]);
      squares[k] += (value - mean[k]) * (value - mean[k]);
    }
  }
  for (std::size_t k = 1; k < labelCount; ++k)
  {
    if (vertices[k] == 0)
    {
      continue;
    }
    RoiResponse response;
    response.label = static_cast<int>(k);
    response.name = k < names.size() ? names[k] : std::to_string(k);
    response.hemisphere = hemisphere;
    response.vertices = vertices[k];
    response.mean = mean[k];
    response.sd = finite[k] > 0 ? std::sqrt(squares[k] / static_cast<double>(finite[k]))
                                : std::numeric_limits<double>::quiet_NaN();
    out.push_back(std::move(response));
  }
}

std::size_t labelCountOf(const TemplateLabels& labels)
{
  std::size_t count = labels.names.size();
  for (const std::vector<std::int32_t>* side : { &labels.left, &labels.right })
  {
    for (std::int32_t label : *side)
    {
      if (label > 0 && static_cast<std::size_t>(label) >= count)
      {
        count = static_cast<std::size_t>(label) + 1;
      }
    }
  }
  return count;
}

} // namespace

std::vector<std::string> roiLabelSources(const VertexSpace* space)
{
  std::vector<std::string> sources;
  if (space)
  {
    for (const VertexLabels& set : space->labelSets)
    {
      sources.push_back(set.name);
    }
  }
  for (const std::string& atlas : atlasNames())
  {
    sources.push_back(atlas);
  }
  return sources;
}

std::string roiLabelSourceTitle(const std::string& source)
{
  static const std::map<std::string, std::string> titles = {
    { "benson14", "Benson 2014" },
    { "wang15", "Wang 2015" },
    { "glasser16", "HCP-MMP1 (Glasser 2016)" },
  };
  const auto found = titles.find(source);
  return found == titles.end() ? source : found->second;
}

TemplateLabels templateLabels(const std::string& source,
                              const std::string& templateName,
                              const VertexSpace* space,
                              const std::string& atlasDirectory)
{
  TemplateLabels result;
  result.source = source;
  result.templateName = templateName;
  const VertexLabels* set = space ? space->labels(source) : nullptr;
  if (set)
  {
    const std::size_t templateCount = fsaverageVertexCount(templateName);
    const std::size_t spaceCount = fsaverageVertexCount(space->templateName);
    if (templateName != space->templateName && (templateCount == 0 || spaceCount == 0))
    {
      throw std::invalid_argument("label set " + source + " of " + space->name + " on " +
                                  space->templateName + " cannot be shown on " + templateName);
    }
    // A template that is not an fsaverage: its size is what the space's vertices reach.
    std::size_t count = templateCount;
    if (count == 0)
    {
      for (const std::vector<std::int32_t>* side : { &space->left, &space->right })
      {
        for (std::int32_t vertex : *side)
        {
          count = std::max(count, static_cast<std::size_t>(std::max(vertex, 0)) + 1);
        }
      }
    }
    const std::size_t spaceTemplateCount = spaceCount == 0 ? count : spaceCount;
    const std::string what = "label set " + source + " of " + space->name;
    result.left = spreadLabels(space->left, set->left, count, spaceTemplateCount, what);
    result.right = spreadLabels(space->right, set->right, count, spaceTemplateCount, what);
    result.names = set->names;
    if (result.names.empty())
    {
      result.names.push_back("none");
    }
    const std::size_t labelCount = labelCountOf(result);
    result.names.reserve(labelCount);
    for (std::size_t k = result.names.size(); k < labelCount; ++k)
    {
      result.names.push_back(std::to_string(k));
    }
    for (std::size_t k = 0; k < labelCount; ++k)
    {
      result.colours.push_back(qualitativeColour(k));
    }
    result.nestedCount = spaceCount != 0 && spaceCount < count ? spaceCount : 0;
    return result;
  }
  bool known = false;
  for (const std::string& atlas : atlasNames())
  {
    known = known || atlas == source;
  }
  if (!known)
  {
    throw std::invalid_argument("unknown ROI label source \"" + source + "\"" +
                                (space ? " (not a label set of " + space->name + ")" : ""));
  }
  Atlas atlas = loadAtlas(source, templateName, atlasDirectory);
  result.names = std::move(atlas.labels.names);
  result.left = std::move(atlas.labels.left);
  result.right = std::move(atlas.labels.right);
  result.colours = std::move(atlas.colours);
  const std::size_t labelCount = labelCountOf(result);
  for (std::size_t k = result.colours.size(); k < labelCount; ++k)
  {
    result.colours.push_back(qualitativeColour(k));
  }
  return result;
}

void spreadOverFinerMesh(TemplateLabels& labels,
                         Hemisphere hemisphere,
                         const std::vector<std::int32_t>& nearest)
{
  std::vector<std::int32_t>& side = hemisphere == Hemisphere::Left ? labels.left : labels.right;
  if (nearest.size() != side.size())
  {
    throw std::invalid_argument("spreadOverFinerMesh: " + std::to_string(nearest.size()) +
                                " nearest vertices for " + std::to_string(side.size()) + " labels");
  }
  if (labels.nestedCount == 0)
  {
    return;
  }
  const std::vector<std::int32_t> coarse = side;
  for (std::size_t v = labels.nestedCount; v < side.size(); ++v)
  {
    const std::int32_t from = nearest[v];
    side[v] = from >= 0 && static_cast<std::size_t>(from) < labels.nestedCount
                ? coarse[static_cast<std::size_t>(from)]
                : 0;
  }
}

std::string fullAreaName(const std::string& shortName)
{
  static const std::map<std::string, std::string> names = {
    // Visual areas (Wang 2015, Benson 2014, Algonauts' prf-visualrois).
    { "V1v", "V1 ventral" },
    { "V1d", "V1 dorsal" },
    { "V2v", "V2 ventral" },
    { "V2d", "V2 dorsal" },
    { "V3v", "V3 ventral" },
    { "V3d", "V3 dorsal" },
    { "hV4", "human V4" },
    { "VO1", "ventral occipital 1" },
    { "VO2", "ventral occipital 2" },
    { "PHC1", "parahippocampal cortex 1" },
    { "PHC2", "parahippocampal cortex 2" },
    { "LO1", "lateral occipital 1" },
    { "LO2", "lateral occipital 2" },
    { "TO1", "temporal occipital 1 (MT)" },
    { "TO2", "temporal occipital 2 (MST)" },
    { "V3a", "V3A" },
    { "V3b", "V3B" },
    { "IPS0", "intraparietal sulcus 0" },
    { "IPS1", "intraparietal sulcus 1" },
    { "IPS2", "intraparietal sulcus 2" },
    { "IPS3", "intraparietal sulcus 3" },
    { "IPS4", "intraparietal sulcus 4" },
    { "IPS5", "intraparietal sulcus 5" },
    { "SPL1", "superior parietal lobule 1" },
    { "FEF", "frontal eye field" },
    // Algonauts' category-selective (floc) areas.
    { "EBA", "extrastriate body area" },
    { "FBA-1", "fusiform body area 1" },
    { "FBA-2", "fusiform body area 2" },
    { "mTL-bodies", "mid temporal lobe, bodies" },
    { "OFA", "occipital face area" },
    { "FFA-1", "fusiform face area 1" },
    { "FFA-2", "fusiform face area 2" },
    { "mTL-faces", "mid temporal lobe, faces" },
    { "aTL-faces", "anterior temporal lobe, faces" },
    { "OPA", "occipital place area" },
    { "PPA", "parahippocampal place area" },
    { "RSC", "retrosplenial cortex" },
    { "OWFA", "occipital word form area" },
    { "VWFA-1", "visual word form area 1" },
    { "VWFA-2", "visual word form area 2" },
    { "mfs-words", "mid fusiform sulcus, words" },
    { "mTL-words", "mid temporal lobe, words" },
    // Algonauts' streams.
    { "early", "early visual cortex" },
    { "midventral", "mid ventral stream" },
    { "midlateral", "mid lateral stream" },
    { "midparietal", "mid parietal stream" },
    { "ventral", "ventral stream" },
    { "lateral", "lateral stream" },
    { "parietal", "parietal stream" },
  };
  const auto found = names.find(shortName);
  return found == names.end() ? shortName : found->second;
}

std::vector<RoiResponse> roiResponses(const std::vector<float>& values,
                                      const VertexSpace& space,
                                      const TemplateLabels& labels)
{
  if (values.size() != space.size())
  {
    throw std::invalid_argument("roiResponses: " + std::to_string(values.size()) +
                                " values for the " + std::to_string(space.size()) +
                                " vertices of " + space.name);
  }
  const std::size_t labelCount = labelCountOf(labels);
  std::vector<RoiResponse> responses;
  accumulate(
    values, 0, space.left, labels.left, labelCount, Hemisphere::Left, responses, labels.names);
  accumulate(values,
             space.left.size(),
             space.right,
             labels.right,
             labelCount,
             Hemisphere::Right,
             responses,
             labels.names);
  return responses;
}

} // namespace bmfl
