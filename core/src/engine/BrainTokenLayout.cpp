#include "bmfl/InferenceEngine.h"

#include <algorithm>

namespace bmfl
{

namespace
{

/// The one or two ROIs most of a slice's vertices belong to, e.g. "V1/V2": a slice's vertex
/// numbers alone tell a user nothing about where on the cortex it lies.
std::string dominantRois(const VertexLabels& labels,
                         const VertexSpace& space,
                         std::size_t first,
                         std::size_t count)
{
  std::vector<std::size_t> counts(labels.names.size(), 0);
  const std::size_t leftCount = space.left.size();
  for (std::size_t v = first; v < first + count; ++v)
  {
    const std::vector<std::int32_t>& side = v < leftCount ? labels.left : labels.right;
    const std::size_t index = v < leftCount ? v : v - leftCount;
    const std::int32_t label = index < side.size() ? side[index] : 0;
    if (label > 0 && static_cast<std::size_t>(label) < counts.size())
    {
      ++counts[static_cast<std::size_t>(label)];
    }
  }
  std::vector<std::size_t> order;
  for (std::size_t label = 1; label < counts.size(); ++label)
  {
    if (counts[label] > 0)
    {
      order.push_back(label);
    }
  }
  std::stable_sort(order.begin(),
                   order.end(),
                   [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });
  std::string names;
  for (std::size_t i = 0; i < order.size() && i < 2; ++i)
  {
    names += (i == 0 ? "" : "/") + labels.names[order[i]];
  }
  return names;
}

} // namespace

std::vector<BrainToken> brainTokenLayout(const BrainTransformerConfig& config,
                                         const VertexSpace& space)
{
  std::vector<BrainToken> tokens;
  const std::size_t total = space.size();
  const std::size_t leftCount = space.left.size();
  if (config.tokenizer == "conv_slices" && config.sliceLength > 0)
  {
    // Slices are named by the ROIs of the transformer's ROI label set, where the space has it.
    const VertexLabels* rois = space.labels(config.roiLabelSet);
    if (rois == nullptr && !space.labelSets.empty())
    {
      rois = &space.labelSets.front();
    }
    const auto slice = static_cast<std::size_t>(config.sliceLength);
    for (std::size_t first = 0; first < total; first += slice)
    {
      BrainToken token;
      token.firstVertex = first;
      token.vertexCount = std::min(slice, total - first);
      const std::size_t last = first + token.vertexCount - 1;
      const char* side = last < leftCount ? "left" : first >= leftCount ? "right" : "left+right";
      const std::string vertices = "vertices " + std::to_string(first) + "-" + std::to_string(last);
      const std::string roiNames =
        rois == nullptr ? std::string() : dominantRois(*rois, space, first, token.vertexCount);
      token.name = roiNames.empty() ? vertices + " (" + side + ")"
                                    : roiNames + " (" + side + ", " + vertices + ")";
      tokens.push_back(std::move(token));
    }
  }
  else if (config.tokenizer == "roi_tokens")
  {
    const VertexLabels* labels = space.labels(config.roiLabelSet);
    if (labels == nullptr)
    {
      return tokens;
    }
    // One token per ROI (label > 0) that has vertices: left ROIs in label order, then right
    // ROIs, as the brain transformer makes them.
    const auto addSide = [&](const std::vector<std::int32_t>& side, const char* sideName)
    {
      for (std::size_t label = 1; label < labels->names.size(); ++label)
      {
        const auto value = static_cast<std::int32_t>(label);
        const auto count = static_cast<std::size_t>(std::count(side.begin(), side.end(), value));
        if (count == 0)
        {
          continue;
        }
        BrainToken token;
        token.name = labels->names[label] + " (" + sideName + ")";
        token.vertexCount = count;
        token.roiLabel = value;
        tokens.push_back(std::move(token));
      }
    };
    addSide(labels->left, "left");
    addSide(labels->right, "right");
  }
  return tokens;
}

} // namespace bmfl
