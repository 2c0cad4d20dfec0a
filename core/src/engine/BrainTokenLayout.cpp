#include "bmfl/InferenceEngine.h"

#include <algorithm>

namespace bmfl
{

std::vector<BrainToken> brainTokenLayout(const BrainTransformerConfig& config,
                                         const VertexSpace& space)
{
  std::vector<BrainToken> tokens;
  const std::size_t total = space.size();
  const std::size_t leftCount = space.left.size();
  if (config.tokenizer == "conv_slices" && config.sliceLength > 0)
  {
    const auto slice = static_cast<std::size_t>(config.sliceLength);
    for (std::size_t first = 0; first < total; first += slice)
    {
      BrainToken token;
      token.firstVertex = first;
      token.vertexCount = std::min(slice, total - first);
      const std::size_t last = first + token.vertexCount - 1;
      const char* side = last < leftCount ? "left" : first >= leftCount ? "right" : "left+right";
      token.name =
        "vertices " + std::to_string(first) + "-" + std::to_string(last) + " (" + side + ")";
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
