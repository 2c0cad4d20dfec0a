#include "bmfl/SurfaceRender.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>

namespace bmfl
{
namespace
{

/// A cube from -1 to 1 on every axis: 8 vertices, 12 triangles.
SurfaceMesh cube()
{
  SurfaceMesh mesh;
  for (int v = 0; v < 8; ++v)
  {
    mesh.points.push_back((v & 1) ? 1.0F : -1.0F);
    mesh.points.push_back((v & 2) ? 1.0F : -1.0F);
    mesh.points.push_back((v & 4) ? 1.0F : -1.0F);
  }
  // Two triangles per face, each face's quad as corners (a, b, c, d) around it.
  const int faces[6][4] = { { 0, 1, 3, 2 }, { 4, 5, 7, 6 }, { 0, 1, 5, 4 },
                            { 2, 3, 7, 6 }, { 0, 2, 6, 4 }, { 1, 3, 7, 5 } };
  for (const auto& f : faces)
  {
    mesh.triangles.insert(mesh.triangles.end(), { f[0], f[1], f[2], f[0], f[2], f[3] });
  }
  return mesh;
}

/// Adds a small tetrahedron of one colour centred at (x, y, z).
void addMarker(SurfaceMesh& mesh,
               std::vector<std::uint8_t>& rgb,
               float x,
               float y,
               float z,
               std::array<std::uint8_t, 3> colour)
{
  const auto first = static_cast<std::int32_t>(mesh.vertexCount());
  const float s = 0.3F;
  const float corners[4][3] = { { s, s, s }, { s, -s, -s }, { -s, s, -s }, { -s, -s, s } };
  for (const auto& corner : corners)
  {
    mesh.points.insert(mesh.points.end(), { x + corner[0], y + corner[1], z + corner[2] });
    rgb.insert(rgb.end(), colour.begin(), colour.end());
  }
  mesh.triangles.insert(mesh.triangles.end(),
                        { first,
                          first + 1,
                          first + 2,
                          first,
                          first + 1,
                          first + 3,
                          first,
                          first + 2,
                          first + 3,
                          first + 1,
                          first + 2,
                          first + 3 });
}

const std::uint8_t* pixel(const SurfaceImage& image, int x, int y)
{
  return &image.rgba[4 * (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                          static_cast<std::size_t>(x))];
}

SurfaceRenderOptions smallOptions()
{
  SurfaceRenderOptions options;
  options.width = 64;
  options.height = 48;
  options.margin = 0.0F;
  return options;
}

TEST(SurfaceRender, FillsTheFittedSquareAndLeavesTheBackgroundTransparent)
{
  const SurfaceMesh mesh = cube();
  const std::vector<std::uint8_t> grey(3 * mesh.vertexCount(), 200);
  const SurfaceImage image =
    renderSurface(mesh, grey, surfaceCamera(SurfaceView::Dorsal, Hemisphere::Left), smallOptions());
  ASSERT_EQ(image.width, 64);
  ASSERT_EQ(image.height, 48);
  ASSERT_EQ(image.rgba.size(), 64U * 48U * 4U);
  // Fitted by the tighter height: a 48 x 48 square in the middle, opaque; the sides empty.
  EXPECT_EQ(pixel(image, 32, 24)[3], 255);
  EXPECT_EQ(pixel(image, 9, 1)[3], 255);
  EXPECT_EQ(pixel(image, 54, 46)[3], 255);
  EXPECT_EQ(pixel(image, 2, 24)[3], 0);
  EXPECT_EQ(pixel(image, 61, 24)[3], 0);
  // Lit from the camera through smooth corner normals: between ambient and full light, grey.
  const std::uint8_t* centre = pixel(image, 32, 24);
  EXPECT_GT(centre[0], 200 * 0.3);
  EXPECT_LT(centre[0], 200);
  EXPECT_EQ(centre[0], centre[1]);
  EXPECT_EQ(centre[1], centre[2]);
}

TEST(SurfaceRender, FitsOnlyTheVerticesTrianglesUse)
{
  // A flat patch keeps its cut-away vertices, in no triangle: they must not shrink the view.
  const SurfaceMesh mesh = cube();
  SurfaceMesh patch = mesh;
  patch.points.insert(patch.points.end(), { 50.0F, 50.0F, 50.0F });
  const SurfaceCamera camera = surfaceCamera(SurfaceView::Flat, Hemisphere::Left);
  const SurfaceImage plain = renderSurface(
    mesh, std::vector<std::uint8_t>(3 * mesh.vertexCount(), 90), camera, smallOptions());
  const SurfaceImage withUnused = renderSurface(
    patch, std::vector<std::uint8_t>(3 * patch.vertexCount(), 90), camera, smallOptions());
  EXPECT_EQ(plain.rgba, withUnused.rgba);
}

TEST(SurfaceRender, NearerFacesHideFartherOnes)
{
  SurfaceMesh mesh = cube();
  std::vector<std::uint8_t> rgb(3 * mesh.vertexCount(), 0);
  for (std::size_t v = 0; v < 8; ++v)
  {
    // The top face's corners (z = +1) red, the bottom's blue: faces between blend the two.
    rgb[3 * v + ((v & 4) ? 0 : 2)] = 255;
  }
  const SurfaceImage top =
    renderSurface(mesh, rgb, surfaceCamera(SurfaceView::Dorsal, Hemisphere::Left), smallOptions());
  const SurfaceImage bottom =
    renderSurface(mesh, rgb, surfaceCamera(SurfaceView::Ventral, Hemisphere::Left), smallOptions());
  EXPECT_GT(pixel(top, 32, 24)[0], 100);
  EXPECT_EQ(pixel(top, 32, 24)[2], 0);
  EXPECT_EQ(pixel(bottom, 32, 24)[0], 0);
  EXPECT_GT(pixel(bottom, 32, 24)[2], 100);
}

TEST(SurfaceRender, KeepsOnlyTheVisibleBorder)
{
  const SurfaceMesh mesh = cube();
  const std::vector<std::uint8_t> grey(3 * mesh.vertexCount(), 128);
  // Labels split the cube at x = 0: the border rings it over the top, bottom and y faces.
  std::vector<std::int32_t> labels(8);
  for (std::size_t v = 0; v < 8; ++v)
  {
    labels[v] = (v & 1) ? 1 : 2;
  }
  const SurfaceImage image = renderSurface(
    mesh, grey, surfaceCamera(SurfaceView::Dorsal, Hemisphere::Left), smallOptions(), labels);
  // Seen from above only the top face's border shows: one line down the middle, joined from its
  // two triangles' segments.
  ASSERT_EQ(image.borders.size(), 1U);
  const BorderPolyline& line = image.borders[0];
  ASSERT_EQ(line.pointCount(), 3U);
  for (std::size_t i = 0; i < line.pointCount(); ++i)
  {
    EXPECT_NEAR(line.points[2 * i], 32.0F, 0.01F);
  }
  const auto [low, high] = std::minmax({ line.points[1], line.points[3], line.points[5] });
  EXPECT_NEAR(low, 0.0F, 0.01F);
  EXPECT_NEAR(high, 48.0F, 0.01F);
  EXPECT_EQ(image.borderedLabels, (std::vector<std::int32_t>{ 1, 2 }));

  // Without labels, no borders.
  EXPECT_TRUE(
    renderSurface(mesh, grey, surfaceCamera(SurfaceView::Dorsal, Hemisphere::Left), smallOptions())
      .borders.empty());
}

/// Where the pixels of one marker colour lie, relative to the red marker, in screen terms
/// (x right, y up).
struct Offset
{
  int horizontal; ///< -1 left, 0 in line, +1 right
  int vertical;   ///< -1 below, 0 in line, +1 above
};

Offset offsetOf(const SurfaceImage& image, int channelHigh, int channelHigh2)
{
  auto centroid = [&](auto matches)
  {
    double sx = 0.0;
    double sy = 0.0;
    double n = 0.0;
    for (int y = 0; y < image.height; ++y)
    {
      for (int x = 0; x < image.width; ++x)
      {
        const std::uint8_t* p = pixel(image, x, y);
        if (p[3] == 255 && matches(p))
        {
          sx += x;
          sy += y;
          n += 1.0;
        }
      }
    }
    EXPECT_GT(n, 0.0);
    return std::array<double, 2>{ sx / std::max(n, 1.0), sy / std::max(n, 1.0) };
  };
  auto high = [](std::uint8_t value) { return value > 60; };
  const auto red =
    centroid([&](const std::uint8_t* p) { return high(p[0]) && !high(p[1]) && !high(p[2]); });
  const auto marker = centroid(
    [&](const std::uint8_t* p)
    {
      for (int c = 0; c < 3; ++c)
      {
        if (high(p[c]) != (c == channelHigh || c == channelHigh2))
        {
          return false;
        }
      }
      return true;
    });
  auto sign = [](double d) { return d > 3.0 ? 1 : (d < -3.0 ? -1 : 0); };
  return { sign(marker[0] - red[0]), sign(red[1] - marker[1]) };
}

TEST(SurfaceRender, EveryPresetLooksFromItsSide)
{
  // Markers: red at the origin, green anterior (+y), yellow at the right (+x) and below.
  SurfaceMesh mesh;
  std::vector<std::uint8_t> rgb;
  addMarker(mesh, rgb, 0.0F, 0.0F, 0.0F, { 255, 0, 0 });
  addMarker(mesh, rgb, 0.0F, 3.0F, 1.5F, { 0, 255, 0 });
  addMarker(mesh, rgb, 0.0F, 1.5F, 3.0F, { 0, 0, 255 });
  addMarker(mesh, rgb, 3.0F, 0.0F, -3.0F, { 255, 255, 0 });
  struct Case
  {
    SurfaceView view;
    Hemisphere hemisphere;
    Offset anterior;
    Offset right;
  };
  const Case cases[] = {
    { SurfaceView::Lateral, Hemisphere::Left, { -1, 1 }, { 0, -1 } },
    { SurfaceView::Lateral, Hemisphere::Right, { 1, 1 }, { 0, -1 } },
    { SurfaceView::Medial, Hemisphere::Left, { 1, 1 }, { 0, -1 } },
    { SurfaceView::Medial, Hemisphere::Right, { -1, 1 }, { 0, -1 } },
    { SurfaceView::Dorsal, Hemisphere::Left, { 0, 1 }, { 1, 0 } },
    { SurfaceView::Ventral, Hemisphere::Right, { 0, 1 }, { -1, 0 } },
    { SurfaceView::Anterior, Hemisphere::Left, { 0, 1 }, { -1, -1 } },
    { SurfaceView::Posterior, Hemisphere::Left, { 0, 1 }, { 1, -1 } },
    { SurfaceView::Flat, Hemisphere::Left, { 0, 1 }, { 1, 0 } },
  };
  SurfaceRenderOptions options;
  options.width = 120;
  options.height = 120;
  for (const Case& c : cases)
  {
    SCOPED_TRACE(std::string(surfaceViewKey(c.view)) +
                 (c.hemisphere == Hemisphere::Left ? " left" : " right"));
    const SurfaceImage image =
      renderSurface(mesh, rgb, surfaceCamera(c.view, c.hemisphere), options);
    const Offset anterior = offsetOf(image, 1, 1);
    const Offset right = offsetOf(image, 0, 1);
    EXPECT_EQ(anterior.horizontal, c.anterior.horizontal);
    EXPECT_EQ(anterior.vertical, c.anterior.vertical);
    EXPECT_EQ(right.horizontal, c.right.horizontal);
    EXPECT_EQ(right.vertical, c.right.vertical);
  }
}

TEST(SurfaceRender, IsDeterministic)
{
  const SurfaceMesh mesh = cube();
  std::vector<std::uint8_t> rgb(3 * mesh.vertexCount());
  for (std::size_t i = 0; i < rgb.size(); ++i)
  {
    rgb[i] = static_cast<std::uint8_t>(37 * i);
  }
  const std::vector<std::int32_t> labels{ 1, 2, 3, 1, 2, 3, 1, 2 };
  SurfaceCamera oblique;
  oblique.direction = { 0.5F, -0.6F, 0.62F };
  oblique.up = { 0.0F, 0.0F, 1.0F };
  const SurfaceImage a = renderSurface(mesh, rgb, oblique, smallOptions(), labels);
  const SurfaceImage b = renderSurface(mesh, rgb, oblique, smallOptions(), labels);
  EXPECT_EQ(a.rgba, b.rgba);
  ASSERT_EQ(a.borders.size(), b.borders.size());
  EXPECT_FALSE(a.borders.empty());
  for (std::size_t i = 0; i < a.borders.size(); ++i)
  {
    EXPECT_EQ(a.borders[i].points, b.borders[i].points);
  }
}

TEST(SurfaceRender, RefusesWhatDoesNotFit)
{
  const SurfaceMesh mesh = cube();
  const std::vector<std::uint8_t> grey(3 * mesh.vertexCount(), 128);
  const SurfaceCamera camera = surfaceCamera(SurfaceView::Lateral, Hemisphere::Left);
  SurfaceRenderOptions zero = smallOptions();
  zero.width = 0;
  EXPECT_THROW(renderSurface(mesh, grey, camera, zero), std::invalid_argument);
  EXPECT_THROW(renderSurface(mesh, { 1, 2, 3 }, camera, smallOptions()), std::invalid_argument);
  EXPECT_THROW(renderSurface(mesh, grey, camera, smallOptions(), { 1, 2 }), std::invalid_argument);
  SurfaceMesh broken = mesh;
  broken.triangles[0] = 99;
  EXPECT_THROW(renderSurface(broken, grey, camera, smallOptions()), std::invalid_argument);
  EXPECT_EQ(surfaceViewFromKey("medial"), SurfaceView::Medial);
  EXPECT_THROW(surfaceViewFromKey("sideways"), std::invalid_argument);
}

} // namespace
} // namespace bmfl
