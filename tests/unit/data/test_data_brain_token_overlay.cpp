#include "bmfl/BrainTokenOverlay.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace
{

/// Three left and four right vertices; areas V1, V2 on the left, V1 and V3 on the right.
bmfl::VertexSpace smallSpace()
{
  bmfl::VertexSpace space;
  space.name = "small";
  space.templateName = "fsaverage5";
  space.left = { 10, 11, 12 };
  space.right = { 20, 21, 22, 23 };
  bmfl::VertexLabels areas;
  areas.name = "visual-areas";
  areas.names = { "none", "V1", "V2", "V3" };
  areas.left = { 1, 2, 1 };
  areas.right = { 3, 1, 1, 0 };
  space.labelSets.push_back(areas);
  return space;
}

bmfl::BrainToken roiToken(int label)
{
  bmfl::BrainToken token;
  token.name = "area " + std::to_string(label); // the side is told by the order, not the name
  token.roiLabel = label;
  return token;
}

bmfl::BrainToken slice(std::size_t first, std::size_t count)
{
  bmfl::BrainToken token;
  token.name = "slice";
  token.firstVertex = first;
  token.vertexCount = count;
  return token;
}

} // namespace

TEST(BrainTokenOverlay, RoiTokensPaintTheirAreaInTheirHemisphere)
{
  const std::vector<bmfl::BrainToken> tokens = {
    roiToken(1), roiToken(2), roiToken(1), roiToken(3)
  };
  const std::vector<float> weights = { 0.4F, 0.1F, 0.3F, 0.2F };
  const std::vector<float> values =
    bmfl::brainTokenVertexValues(smallSpace(), tokens, weights, "visual-areas");
  ASSERT_EQ(values.size(), 7U);
  EXPECT_FLOAT_EQ(values[0], 0.4F); // left V1
  EXPECT_FLOAT_EQ(values[1], 0.1F); // left V2
  EXPECT_FLOAT_EQ(values[2], 0.4F);
  EXPECT_FLOAT_EQ(values[3], 0.2F); // right V3
  EXPECT_FLOAT_EQ(values[4], 0.3F); // right V1, not the left V1's weight
  EXPECT_FLOAT_EQ(values[5], 0.3F);
  EXPECT_TRUE(std::isnan(values[6])); // no area: outside every token
}

TEST(BrainTokenOverlay, ConvSlicesPaintTheirVerticesAndThePaddedLastSliceStops)
{
  const std::vector<bmfl::BrainToken> tokens = { slice(0, 3), slice(3, 3), slice(6, 3) };
  const std::vector<float> values =
    bmfl::brainTokenVertexValues(smallSpace(), tokens, { 0.5F, 0.3F, 0.2F }, "absent");
  const std::vector<float> expected = { 0.5F, 0.5F, 0.5F, 0.3F, 0.3F, 0.3F, 0.2F };
  EXPECT_EQ(values, expected);
}

TEST(BrainTokenOverlay, NoTokensLeaveEveryVertexUncovered)
{
  const std::vector<float> values = bmfl::brainTokenVertexValues(smallSpace(), {}, {}, "");
  ASSERT_EQ(values.size(), 7U);
  for (float value : values)
  {
    EXPECT_TRUE(std::isnan(value));
  }
}

TEST(BrainTokenOverlay, RefusesTokensThatDoNotFit)
{
  const bmfl::VertexSpace space = smallSpace();
  EXPECT_THROW(bmfl::brainTokenVertexValues(space, { roiToken(1) }, {}, "visual-areas"),
               std::invalid_argument);
  EXPECT_THROW(bmfl::brainTokenVertexValues(space, { roiToken(1) }, { 1.0F }, "streams"),
               std::invalid_argument);
  EXPECT_THROW(bmfl::brainTokenVertexValues(space, { roiToken(3) }, { 1.0F }, "visual-areas"),
               std::invalid_argument); // V3 has no left vertex
  EXPECT_THROW(bmfl::brainTokenVertexValues(space, { slice(7, 3) }, { 1.0F }, ""),
               std::invalid_argument);
}
