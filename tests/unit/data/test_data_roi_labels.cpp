#include "bmfl/RoiLabels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

const std::string AtlasFolder = BMFL_SOURCE_RESOURCE_DIR "/atlases";

/// A space of three left and two right vertices of fsaverage1 (42 vertices per hemisphere) with
/// one label set "areas" (V1v, hV4, FFA-1).
bmfl::VertexSpace smallSpace()
{
  bmfl::VertexSpace space;
  space.name = "tiny";
  space.templateName = "fsaverage1";
  space.left = { 0, 5, 7 };
  space.right = { 1, 40 };
  bmfl::VertexLabels areas;
  areas.name = "areas";
  areas.names = { "none", "V1v", "hV4", "FFA-1" };
  areas.left = { 1, 1, 2 };
  areas.right = { 3, 0 };
  space.labelSets = { areas };
  return space;
}

TEST(RoiLabels, SourcesAreTheLabelSetsThenTheAtlases)
{
  const bmfl::VertexSpace space = smallSpace();
  const std::vector<std::string> sources = bmfl::roiLabelSources(&space);
  std::vector<std::string> expected = { "areas" };
  expected.insert(expected.end(), bmfl::atlasNames().begin(), bmfl::atlasNames().end());
  EXPECT_EQ(sources, expected);
  EXPECT_EQ(bmfl::roiLabelSources(nullptr), bmfl::atlasNames());
  EXPECT_EQ(bmfl::roiLabelSourceTitle("wang15"), "Wang 2015");
  EXPECT_EQ(bmfl::roiLabelSourceTitle("areas"), "areas");
}

TEST(RoiLabels, ALabelSetSpreadsOntoItsTemplate)
{
  const bmfl::VertexSpace space = smallSpace();
  const bmfl::TemplateLabels labels = bmfl::templateLabels("areas", "fsaverage1", &space);
  EXPECT_EQ(labels.source, "areas");
  EXPECT_EQ(labels.templateName, "fsaverage1");
  ASSERT_EQ(labels.left.size(), 42u);
  ASSERT_EQ(labels.right.size(), 42u);
  EXPECT_EQ(labels.nestedCount, 0u);
  EXPECT_EQ(labels.names, space.labelSets[0].names);
  EXPECT_EQ(labels.colours.size(), labels.names.size());
  EXPECT_EQ(labels.left[0], 1);
  EXPECT_EQ(labels.left[5], 1);
  EXPECT_EQ(labels.left[7], 2);
  EXPECT_EQ(labels.left[1], 0); // outside the space
  EXPECT_EQ(labels.right[1], 3);
  EXPECT_EQ(labels.right[40], 0);
  EXPECT_EQ(&labels.of(bmfl::Hemisphere::Right), &labels.right);
}

TEST(RoiLabels, ACoarserSpaceIsCarriedToAFinerTemplateByTheNesting)
{
  const bmfl::VertexSpace space = smallSpace();
  bmfl::TemplateLabels labels = bmfl::templateLabels("areas", "fsaverage2", &space);
  ASSERT_EQ(labels.left.size(), 162u);
  EXPECT_EQ(labels.nestedCount, 42u);
  EXPECT_EQ(labels.left[7], 2);
  EXPECT_EQ(labels.left[49], 0); // not nested: no label until spread

  // A made-up nesting: fine vertex v takes coarse vertex v % 42.
  std::vector<std::int32_t> nearest(162);
  for (std::size_t v = 0; v < nearest.size(); ++v)
  {
    nearest[v] = static_cast<std::int32_t>(v % 42);
  }
  nearest[161] = -1; // unconnected
  bmfl::spreadOverFinerMesh(labels, bmfl::Hemisphere::Left, nearest);
  EXPECT_EQ(labels.left[49], 2); // 49 % 42 = 7
  EXPECT_EQ(labels.left[47], 1); // 47 % 42 = 5
  EXPECT_EQ(labels.left[43], 0);
  EXPECT_EQ(labels.left[161], 0);
  EXPECT_EQ(labels.right[43], 0); // the other hemisphere is left alone
  EXPECT_THROW(bmfl::spreadOverFinerMesh(labels, bmfl::Hemisphere::Right, { 0, 1 }),
               std::invalid_argument);

  // A finer space on a coarser template keeps the nested vertices only.
  bmfl::VertexSpace fine = space;
  fine.templateName = "fsaverage2";
  fine.left = { 3, 100, 7 };
  const bmfl::TemplateLabels coarse = bmfl::templateLabels("areas", "fsaverage1", &fine);
  EXPECT_EQ(coarse.left.size(), 42u);
  EXPECT_EQ(coarse.left[3], 1);
  EXPECT_EQ(coarse.left[7], 2);
}

TEST(RoiLabels, RefusesUnknownSourcesAndTemplatesOutOfReach)
{
  const bmfl::VertexSpace space = smallSpace();
  EXPECT_THROW(bmfl::templateLabels("streams", "fsaverage1", &space), std::invalid_argument);
  EXPECT_THROW(bmfl::templateLabels("areas", "fsaverage1", nullptr), std::invalid_argument);
  EXPECT_THROW(bmfl::templateLabels("areas", "colin27", &space), std::invalid_argument);
  bmfl::VertexSpace broken = space;
  broken.left = { 0, 5, 99 }; // beyond fsaverage1
  EXPECT_THROW(bmfl::templateLabels("areas", "fsaverage1", &broken), std::invalid_argument);
  // An atlas on a template it does not exist for.
  EXPECT_THROW(bmfl::templateLabels("wang15", "fsaverage1", &space, AtlasFolder),
               std::invalid_argument);
}

TEST(RoiLabels, AnAtlasKeepsItsNamesAndColours)
{
  const bmfl::TemplateLabels labels =
    bmfl::templateLabels("wang15", "fsaverage5", nullptr, AtlasFolder);
  EXPECT_EQ(labels.source, "wang15");
  ASSERT_EQ(labels.names.size(), 26u);
  EXPECT_EQ(labels.names[1], "V1v");
  EXPECT_GE(labels.colours.size(), labels.names.size());
  EXPECT_EQ(labels.left.size(), 10242u);
  EXPECT_EQ(labels.right.size(), 10242u);
  EXPECT_EQ(labels.nestedCount, 0u);
  std::size_t labelled = 0;
  for (std::int32_t label : labels.left)
  {
    labelled += label > 0 ? 1 : 0;
  }
  EXPECT_GT(labelled, 500u);
}

TEST(RoiLabels, FullAreaNames)
{
  EXPECT_EQ(bmfl::fullAreaName("V1v"), "V1 ventral");
  EXPECT_EQ(bmfl::fullAreaName("hV4"), "human V4");
  EXPECT_EQ(bmfl::fullAreaName("LO1"), "lateral occipital 1");
  EXPECT_EQ(bmfl::fullAreaName("TO1"), "temporal occipital 1 (MT)");
  EXPECT_EQ(bmfl::fullAreaName("IPS0"), "intraparietal sulcus 0");
  EXPECT_EQ(bmfl::fullAreaName("OFA"), "occipital face area");
  EXPECT_EQ(bmfl::fullAreaName("VWFA-1"), "visual word form area 1");
  EXPECT_EQ(bmfl::fullAreaName("PPA"), "parahippocampal place area");
  EXPECT_EQ(bmfl::fullAreaName("midventral"), "mid ventral stream");
  EXPECT_EQ(bmfl::fullAreaName("V23"), "V23"); // unknown: itself
}

TEST(RoiLabels, ResponsesPerLabelAndHemisphere)
{
  const bmfl::VertexSpace space = smallSpace();
  const bmfl::TemplateLabels labels = bmfl::templateLabels("areas", "fsaverage1", &space);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // left: V1v {1, 3}, hV4 {nan}; right: FFA-1 {-2}, unlabelled {100}.
  const std::vector<float> values = { 1.0F, 3.0F, nan, -2.0F, 100.0F };
  const std::vector<bmfl::RoiResponse> responses = bmfl::roiResponses(values, space, labels);
  ASSERT_EQ(responses.size(), 3u);

  EXPECT_EQ(responses[0].label, 1);
  EXPECT_EQ(responses[0].name, "V1v");
  EXPECT_EQ(responses[0].hemisphere, bmfl::Hemisphere::Left);
  EXPECT_EQ(responses[0].vertices, 2u);
  EXPECT_DOUBLE_EQ(responses[0].mean, 2.0);
  EXPECT_DOUBLE_EQ(responses[0].sd, 1.0);

  EXPECT_EQ(responses[1].name, "hV4");
  EXPECT_EQ(responses[1].vertices, 1u);
  EXPECT_TRUE(std::isnan(responses[1].mean));
  EXPECT_TRUE(std::isnan(responses[1].sd));

  EXPECT_EQ(responses[2].name, "FFA-1");
  EXPECT_EQ(responses[2].hemisphere, bmfl::Hemisphere::Right);
  EXPECT_DOUBLE_EQ(responses[2].mean, -2.0);
  EXPECT_DOUBLE_EQ(responses[2].sd, 0.0);

  EXPECT_THROW(bmfl::roiResponses({ 1.0F }, space, labels), std::invalid_argument);
}

TEST(RoiLabels, ResponsesOfAnFsaverage5SpaceUnderAnAtlas)
{
  // All of fsaverage5, each vertex's value its Wang label: every area's mean is its own number.
  const bmfl::TemplateLabels labels =
    bmfl::templateLabels("wang15", "fsaverage5", nullptr, AtlasFolder);
  bmfl::VertexSpace space;
  space.name = "fsaverage5";
  space.templateName = "fsaverage5";
  std::vector<float> values;
  for (std::int32_t v = 0; v < 10242; ++v)
  {
    space.left.push_back(v);
    values.push_back(static_cast<float>(labels.left[static_cast<std::size_t>(v)]));
  }
  for (std::int32_t v = 0; v < 10242; ++v)
  {
    space.right.push_back(v);
    values.push_back(static_cast<float>(labels.right[static_cast<std::size_t>(v)]));
  }
  const std::vector<bmfl::RoiResponse> responses = bmfl::roiResponses(values, space, labels);
  ASSERT_GE(responses.size(), 40u);
  for (const bmfl::RoiResponse& response : responses)
  {
    EXPECT_DOUBLE_EQ(response.mean, response.label) << response.name;
    EXPECT_DOUBLE_EQ(response.sd, 0.0) << response.name;
  }
}

} // namespace
