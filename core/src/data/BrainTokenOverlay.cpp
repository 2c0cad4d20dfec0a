#include "bmfl/BrainTokenOverlay.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace bmfl
{

namespace
{

/// How many ROI tokens the left hemisphere has: one per label (> 0) with a vertex in it.
std::size_t leftRoiTokenCount(const VertexLabels& labels)
{
  std::size_t count = 0;
  for (std::size_t label = 1; label < labels.names.size(); ++label)
  {
    const auto value = static_cast<std::int32_t>(label);
    if (std::find(labels.left.begin(), labels.left.end(), value) != labels.left.end())
    {
      ++count;
    }
  }
  return count;
}

} // namespace

std::vector<float> brainTokenVertexValues(const VertexSpace& space,
                                          const std::vector<BrainToken>& tokens,
                                          const std::vector<float>& weights,
                                          const std::string& roiLabelSet)
{
  if (weights.size() != tokens.size())
  {
    throw std::invalid_argument("brain token attention: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(tokens.size()) + " tokens");
  }
  std::vector<float> values(space.size(), std::numeric_limits<float>::quiet_NaN());
  const VertexLabels* labels = nullptr;
  std::size_t leftTokens = 0;
  std::size_t roiTokens = 0;
  for (std::size_t t = 0; t < tokens.size(); ++t)
  {
    const BrainToken& token = tokens[t];
    if (token.roiLabel < 0)
    {
      if (token.firstVertex >= space.size())
      {
        throw std::invalid_argument("brain token attention: token \"" + token.name +
                                    "\" lies outside the vertex space " + space.name);
      }
      // The last slice may be padded past the space's end.
      const std::size_t end = std::min(token.firstVertex + token.vertexCount, space.size());
      std::fill(values.begin() + static_cast<std::ptrdiff_t>(token.firstVertex),
                values.begin() + static_cast<std::ptrdiff_t>(end),
                weights[t]);
      continue;
    }
    if (labels == nullptr)
    {
      labels = space.labels(roiLabelSet);
      if (labels == nullptr)
      {
        throw std::invalid_argument("brain token attention: the vertex space " + space.name +
                                    " has no label set \"" + roiLabelSet + "\"");
      }
      leftTokens = leftRoiTokenCount(*labels);
    }
    const bool right = roiTokens++ >= leftTokens;
    const std::vector<std::int32_t>& side = right ? labels->right : labels->left;
    const std::size_t offset = right ? space.left.size() : 0;
    if (side.size() > (right ? space.right.size() : space.left.size()))
    {
      throw std::invalid_argument("brain token attention: the label set \"" + roiLabelSet +
                                  "\" has more labels than the vertex space " + space.name);
    }
    std::size_t painted = 0;
    for (std::size_t v = 0; v < side.size(); ++v)
    {
      if (side[v] == token.roiLabel)
      {
        values[offset + v] = weights[t];
        ++painted;
      }
    }
    if (painted == 0)
    {
      throw std::invalid_argument("brain token attention: token \"" + token.name +
                                  "\" has no vertex in the label set \"" + roiLabelSet + "\"");
    }
  }
  return values;
}

} // namespace bmfl
