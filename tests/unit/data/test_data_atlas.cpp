#include "Correlation.h"
#include "DataTestSupport.h"

#include "bmfl/Atlas.h"
#include "bmfl/FileError.h"
#include "bmfl/Fsaverage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace
{

const std::string AtlasFolder = BMFL_SOURCE_RESOURCE_DIR "/atlases";

double meanCoordinate(const bmfl::SurfaceMesh& mesh,
                      const std::vector<std::int32_t>& labels,
                      std::int32_t label,
                      std::size_t axis)
{
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t vertex = 0; vertex < labels.size(); ++vertex)
  {
    if (labels[vertex] == label)
    {
      sum += mesh.points[3 * vertex + axis];
      ++count;
    }
  }
  return count > 0 ? sum / static_cast<double>(count) : 0;
}

std::set<std::int32_t> distinct(const std::vector<std::int32_t>& labels)
{
  return std::set<std::int32_t>(labels.begin(), labels.end());
}

TEST(Atlas, BensonV1LiesAtTheOccipitalPoleOfBothHemispheresOnFsaverage5)
{
  const bmfl::RetinotopyMaps maps = bmfl::loadBensonRetinotopy("fsaverage5", AtlasFolder);
  const bmfl::CorticalSurface sphere = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Sphere);
  const bmfl::CorticalSurface inflated = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated);
  const bmfl::VertexLabels& areas = maps.visualAreas.labels;
  ASSERT_EQ(areas.left.size(), 10242u);
  ASSERT_EQ(areas.right.size(), 10242u);
  EXPECT_EQ(areas.names[1], "V1");
  EXPECT_EQ(areas.names[12], "V3a");
  for (const bool left : { true, false })
  {
    const std::vector<std::int32_t>& labels = left ? areas.left : areas.right;
    const bmfl::SurfaceMesh& sphereMesh = left ? sphere.left.mesh : sphere.right.mesh;
    const bmfl::SurfaceMesh& inflatedMesh = left ? inflated.left.mesh : inflated.right.mesh;
    // All 12 areas and "none" are present; V1 has a few hundred fsaverage5 vertices.
    EXPECT_EQ(distinct(labels).size(), 13u);
    const auto v1Count = std::count(labels.begin(), labels.end(), 1);
    EXPECT_GT(v1Count, 150);
    EXPECT_LT(v1Count, 400);
    // V1 is posterior (negative y) on the sphere and on the inflated surface, and well behind
    // the mean of the hemisphere.
    EXPECT_LT(meanCoordinate(sphereMesh, labels, 1, 1), -50.0);
    EXPECT_LT(meanCoordinate(inflatedMesh, labels, 1, 1), -60.0);

    // Eccentricity grows anteriorly within V1..V3: it correlates with y.
    const std::vector<float>& eccentricity =
      left ? maps.eccentricity.left : maps.eccentricity.right;
    const std::vector<float>& angle = left ? maps.angle.left : maps.angle.right;
    const std::vector<float>& sigma = left ? maps.sigma.left : maps.sigma.right;
    std::vector<double> y;
    std::vector<double> eccentricities;
    for (std::size_t vertex = 0; vertex < labels.size(); ++vertex)
    {
      // The template stores polar angles with float rounding around the 0..180 range.
      EXPECT_GE(angle[vertex], -0.01f);
      EXPECT_LE(angle[vertex], 180.01f);
      EXPECT_GE(eccentricity[vertex], 0.0f);
      EXPECT_LE(eccentricity[vertex], 90.0f);
      EXPECT_GE(sigma[vertex], 0.0f);
      if (labels[vertex] >= 1 && labels[vertex] <= 3)
      {
        y.push_back(sphereMesh.points[3 * vertex + 1]);
        eccentricities.push_back(eccentricity[vertex]);
      }
    }
    EXPECT_GT(bmfl::test::pearson(y, eccentricities), 0.5);
  }
}

TEST(Atlas, WangAndGlasserHaveTheirLabelTablesAndAgreeWithBensonV1)
{
  const bmfl::Atlas benson = bmfl::loadAtlas("benson14", "fsaverage", AtlasFolder);
  const bmfl::Atlas wang = bmfl::loadAtlas("wang15", "fsaverage", AtlasFolder);
  const bmfl::Atlas glasser = bmfl::loadAtlas("glasser16", "fsaverage", AtlasFolder);
  ASSERT_EQ(wang.labels.names.size(), 26u);
  EXPECT_EQ(wang.labels.names[13], "TO1");
  EXPECT_EQ(wang.labels.names[25], "FEF");
  ASSERT_EQ(glasser.labels.names.size(), 181u);
  EXPECT_EQ(glasser.labels.names[1], "V1");
  EXPECT_EQ(glasser.labels.names[4], "V2");
  EXPECT_EQ(glasser.labels.names[180], "p24");
  EXPECT_EQ(glasser.colours.size(), 181u);
  for (const bool left : { true, false })
  {
    const auto& bensonLabels = left ? benson.labels.left : benson.labels.right;
    const auto& wangLabels = left ? wang.labels.left : wang.labels.right;
    const auto& glasserLabels = left ? glasser.labels.left : glasser.labels.right;
    ASSERT_EQ(glasserLabels.size(), 163842u);
    EXPECT_EQ(distinct(wangLabels).size(), 26u);
    EXPECT_EQ(distinct(glasserLabels).size(), 181u); // 1..180 and the NaN medial wall as 0
    // Wang's V1v/V1d lie almost entirely inside Benson's V1; Glasser's V1 covers most of it.
    std::size_t bensonV1 = 0;
    std::size_t wangV1 = 0;
    std::size_t wangV1InBenson = 0;
    std::size_t glasserV1InBenson = 0;
    for (std::size_t vertex = 0; vertex < bensonLabels.size(); ++vertex)
    {
      const bool inBenson = bensonLabels[vertex] == 1;
      const bool inWang = wangLabels[vertex] == 1 || wangLabels[vertex] == 2;
      bensonV1 += inBenson ? 1 : 0;
      wangV1 += inWang ? 1 : 0;
      wangV1InBenson += inWang && inBenson ? 1 : 0;
      glasserV1InBenson += inBenson && glasserLabels[vertex] == 1 ? 1 : 0;
    }
    EXPECT_GT(static_cast<double>(wangV1InBenson) / static_cast<double>(wangV1), 0.9);
    EXPECT_GT(static_cast<double>(glasserV1InBenson) / static_cast<double>(bensonV1), 0.6);
  }
  // fsaverage5 is the first 10242 values of fsaverage.
  const bmfl::Atlas small = bmfl::loadAtlas("glasser16", "fsaverage5", AtlasFolder);
  EXPECT_TRUE(
    std::equal(small.labels.right.begin(), small.labels.right.end(), glasser.labels.right.begin()));
  EXPECT_THROW(bmfl::loadAtlas("aparc", "fsaverage5", AtlasFolder), std::invalid_argument);
  EXPECT_THROW(bmfl::loadAtlas("wang15", "fsaverage4", AtlasFolder), std::invalid_argument);
  // From the bundled resources: the same labels as the shared copy.
  const bmfl::Atlas bundled = bmfl::loadAtlas("wang15", "fsaverage5");
  const bmfl::Atlas shared = bmfl::loadAtlas("wang15", "fsaverage5", AtlasFolder);
  EXPECT_EQ(bundled.labels.left, shared.labels.left);
  EXPECT_EQ(bundled.labels.right, shared.labels.right);
}

TEST(Atlas, QualitativeColoursAreDistinctForNeighbouringLabels)
{
  std::set<std::tuple<int, int, int>> colours;
  for (std::size_t label = 0; label <= 180; ++label)
  {
    const bmfl::AtlasColour colour = bmfl::qualitativeColour(label);
    colours.insert({ colour.red, colour.green, colour.blue });
  }
  EXPECT_EQ(colours.size(), 181u);
  const bmfl::AtlasColour none = bmfl::qualitativeColour(0);
  EXPECT_EQ(none.red, none.green);
}

TEST(Atlas, BordersFollowLabelChangesOnARealMesh)
{
  const bmfl::Atlas benson = bmfl::loadAtlas("benson14", "fsaverage5", AtlasFolder);
  const bmfl::CorticalSurface surface = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated);
  const bmfl::SurfaceMesh& mesh = surface.left.mesh;
  const bmfl::LabelBorders borders = bmfl::computeLabelBorders(mesh, benson.labels.left);
  ASSERT_GT(borders.edgeCount(), 100u);
  std::set<std::pair<std::int32_t, std::int32_t>> expected;
  for (std::size_t first = 0; first < mesh.triangles.size(); first += 3)
  {
    for (std::size_t corner = 0; corner < 3; ++corner)
    {
      const std::int32_t a = mesh.triangles[first + corner];
      const std::int32_t b = mesh.triangles[first + (corner + 1) % 3];
      if (benson.labels.left[static_cast<std::size_t>(a)] !=
          benson.labels.left[static_cast<std::size_t>(b)])
      {
        expected.insert({ std::min(a, b), std::max(a, b) });
      }
    }
  }
  std::set<std::pair<std::int32_t, std::int32_t>> found;
  for (std::size_t edge = 0; edge < borders.edgeCount(); ++edge)
  {
    found.insert({ borders.edges[2 * edge], borders.edges[2 * edge + 1] });
  }
  EXPECT_EQ(found, expected);
  EXPECT_EQ(found.size(), borders.edgeCount()); // each edge once
  for (const std::int32_t vertex : borders.vertices)
  {
    EXPECT_TRUE(std::any_of(found.begin(),
                            found.end(),
                            [&](const auto& edge)
                            { return edge.first == vertex || edge.second == vertex; }));
  }
}

TEST(Atlas, BordersOfASmallMesh)
{
  // Two triangles sharing edge 1-2; labels change only across vertex 3.
  bmfl::SurfaceMesh mesh;
  mesh.points = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0 };
  mesh.triangles = { 0, 1, 2, 1, 3, 2 };
  const bmfl::LabelBorders borders = bmfl::computeLabelBorders(mesh, { 5, 5, 5, 7 });
  EXPECT_EQ(borders.edges, (std::vector<std::int32_t>{ 1, 3, 2, 3 }));
  EXPECT_EQ(borders.vertices, (std::vector<std::int32_t>{ 1, 2, 3 }));
  EXPECT_EQ(bmfl::computeLabelBorders(mesh, { 1, 1, 1, 1 }).edgeCount(), 0u);
  EXPECT_THROW(bmfl::computeLabelBorders(mesh, { 1, 1 }), std::invalid_argument);
  mesh.triangles.push_back(9);
  mesh.triangles.push_back(0);
  mesh.triangles.push_back(1);
  EXPECT_THROW(bmfl::computeLabelBorders(mesh, { 1, 1, 1, 1 }), std::invalid_argument);
}

/// Writes an uncompressed MGH file of one frame of int32 values.
void writeMgh(const std::string& path, const std::vector<std::int32_t>& values)
{
  std::vector<unsigned char> bytes(284, 0);
  const auto put = [&](std::size_t at, std::uint32_t value)
  {
    for (std::size_t i = 0; i < 4; ++i)
    {
      bytes[at + i] = static_cast<unsigned char>(value >> (24 - 8 * i));
    }
  };
  put(0, 1);
  put(4, static_cast<std::uint32_t>(values.size()));
  put(8, 1);
  put(12, 1);
  put(16, 1);
  put(20, 1); // INT
  for (const std::int32_t value : values)
  {
    bytes.resize(bytes.size() + 4);
    put(bytes.size() - 4, static_cast<std::uint32_t>(value));
  }
  bmfl::test::writeBytes(path, bytes);
}

TEST(Atlas, RefusesMalformedAtlasFilesNamingThem)
{
  bmfl::test::TemporaryFolder folder;
  const std::string surf = folder.file("neuropythy/fsaverage/surf");
  std::vector<std::int32_t> labels(163842, 0);
  writeMgh(surf + "/lh.wang15_mplbl.v1_0.mgz", labels);
  labels[77] = 26;
  writeMgh(surf + "/rh.wang15_mplbl.v1_0.mgz", labels);
  try
  {
    bmfl::loadAtlas("wang15", "fsaverage5", folder.path().string());
    ADD_FAILURE() << "no error";
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_EQ(error.path(), surf + "/rh.wang15_mplbl.v1_0.mgz");
    EXPECT_NE(std::string(error.what()).find("value 26.000000 at vertex 77"), std::string::npos)
      << error.what();
  }
  writeMgh(surf + "/rh.wang15_mplbl.v1_0.mgz", std::vector<std::int32_t>(10242, 0));
  try
  {
    bmfl::loadAtlas("wang15", "fsaverage5", folder.path().string());
    ADD_FAILURE() << "no error";
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_NE(std::string(error.what()).find("expected 163842 x 1"), std::string::npos)
      << error.what();
  }
  EXPECT_THROW(bmfl::loadAtlas("benson14", "fsaverage", folder.path().string()), bmfl::FileError);
  bmfl::test::writeBytes(folder.file("enigma/funcLabels_ctx_glasser_360.csv"),
                         { 'L', '_', 'V', '1', ',', 'R', '_', 'V', '1' });
  try
  {
    bmfl::loadAtlas("glasser16", "fsaverage", folder.path().string());
    ADD_FAILURE() << "no error";
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_NE(std::string(error.what()).find("is not a left-hemisphere HCP-MMP1 name"),
              std::string::npos)
      << error.what();
  }
}

} // namespace
