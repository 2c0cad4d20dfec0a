#include "bmfl/SurfaceRender.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace bmfl
{

namespace
{

using Vec3 = std::array<float, 3>;

Vec3 cross(const Vec3& a, const Vec3& b)
{
  return { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };
}

float dot(const Vec3& a, const Vec3& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

Vec3 normalised(const Vec3& v)
{
  const float length = std::sqrt(dot(v, v));
  return length > 0.0F ? Vec3{ v[0] / length, v[1] / length, v[2] / length } : v;
}

/// A vertex on screen: sample coordinates (x right, y down) and depth (larger: nearer).
struct Projected
{
  float x = 0.0F;
  float y = 0.0F;
  float depth = 0.0F;
};

/// The mesh seen through the camera, on the supersampled grid.
class Projection
{
public:
  Projection(const SurfaceMesh& mesh, const SurfaceCamera& camera, const SurfaceRenderOptions& o)
    : Direction(normalised(camera.direction))
  {
    // Up made perpendicular to the direction (a caller's up need not be exactly).
    const float along = dot(camera.up, Direction);
    Up = normalised({ camera.up[0] - along * Direction[0],
                      camera.up[1] - along * Direction[1],
                      camera.up[2] - along * Direction[2] });
    Right = cross(Up, Direction);
    float low[3] = { std::numeric_limits<float>::max(),
                     std::numeric_limits<float>::max(),
                     std::numeric_limits<float>::max() };
    float high[3] = { std::numeric_limits<float>::lowest(),
                      std::numeric_limits<float>::lowest(),
                      std::numeric_limits<float>::lowest() };
    // Fitted to the vertices that triangles use: a flat patch keeps its cut-away vertices.
    std::vector<bool> used(mesh.vertexCount(), false);
    for (std::int32_t index : mesh.triangles)
    {
      used[static_cast<std::size_t>(index)] = true;
    }
    bool any = false;
    for (std::size_t v = 0; v < mesh.vertexCount(); ++v)
    {
      if (!used[v])
      {
        continue;
      }
      any = true;
      const Vec3 camera3 = toCamera(&mesh.points[3 * v]);
      for (int axis = 0; axis < 3; ++axis)
      {
        low[axis] = std::min(low[axis], camera3[static_cast<std::size_t>(axis)]);
        high[axis] = std::max(high[axis], camera3[static_cast<std::size_t>(axis)]);
      }
    }
    if (!any)
    {
      std::fill(low, low + 3, 0.0F);
      std::fill(high, high + 3, 0.0F);
    }
    const auto samples = static_cast<float>(o.supersampling);
    const float usable = std::clamp(1.0F - 2.0F * o.margin, 0.05F, 1.0F);
    const float width = std::max(high[0] - low[0], 1e-6F);
    const float height = std::max(high[1] - low[1], 1e-6F);
    Scale = samples * std::min(usable * static_cast<float>(o.width) / width,
                               usable * static_cast<float>(o.height) / height);
    CentreX = 0.5F * (low[0] + high[0]);
    CentreY = 0.5F * (low[1] + high[1]);
    HalfWidth = 0.5F * samples * static_cast<float>(o.width);
    HalfHeight = 0.5F * samples * static_cast<float>(o.height);
    DepthExtent = high[2] - low[2];
  }

  Projected project(const float* point) const
  {
    const Vec3 c = toCamera(point);
    return { HalfWidth + (c[0] - CentreX) * Scale, HalfHeight - (c[1] - CentreY) * Scale, c[2] };
  }

  const Vec3& direction() const { return Direction; }
  float depthExtent() const { return DepthExtent; }

private:
  Vec3 toCamera(const float* p) const
  {
    const Vec3 point{ p[0], p[1], p[2] };
    return { dot(point, Right), dot(point, Up), dot(point, Direction) };
  }

  Vec3 Direction;
  Vec3 Up{};
  Vec3 Right{};
  float Scale = 1.0F;
  float CentreX = 0.0F;
  float CentreY = 0.0F;
  float HalfWidth = 0.0F;
  float HalfHeight = 0.0F;
  float DepthExtent = 0.0F;
};

/// Area-weighted smooth normals.
std::vector<Vec3> vertexNormals(const SurfaceMesh& mesh)
{
  std::vector<Vec3> normals(mesh.vertexCount(), Vec3{ 0.0F, 0.0F, 0.0F });
  for (std::size_t t = 0; t < mesh.triangleCount(); ++t)
  {
    const auto* index = &mesh.triangles[3 * t];
    const float* a = &mesh.points[3 * static_cast<std::size_t>(index[0])];
    const float* b = &mesh.points[3 * static_cast<std::size_t>(index[1])];
    const float* c = &mesh.points[3 * static_cast<std::size_t>(index[2])];
    const Vec3 face =
      cross({ b[0] - a[0], b[1] - a[1], b[2] - a[2] }, { c[0] - a[0], c[1] - a[1], c[2] - a[2] });
    for (int corner = 0; corner < 3; ++corner)
    {
      Vec3& normal = normals[static_cast<std::size_t>(index[corner])];
      normal = { normal[0] + face[0], normal[1] + face[1], normal[2] + face[2] };
    }
  }
  for (Vec3& normal : normals)
  {
    normal = normalised(normal);
  }
  return normals;
}

/// The supersampled frame: depth (lowest float where empty) and RGB per sample.
struct Frame
{
  int width = 0;
  int height = 0;
  std::vector<float> depth;
  std::vector<std::uint8_t> rgb;

  Frame(int w, int h)
    : width(w)
    , height(h)
    , depth(static_cast<std::size_t>(w) * static_cast<std::size_t>(h),
            std::numeric_limits<float>::lowest())
    , rgb(3 * depth.size(), 0)
  {
  }

  bool covered(std::size_t sample) const
  {
    return depth[sample] != std::numeric_limits<float>::lowest();
  }
};

struct ShadedVertex
{
  Projected at;
  std::array<float, 3> colour;
};

void rasterise(Frame& frame, const ShadedVertex& a, const ShadedVertex& b0, const ShadedVertex& c0)
{
  // Counter-clockwise on screen (y down: negative signed area), whatever the mesh's winding.
  const float area =
    (b0.at.x - a.at.x) * (c0.at.y - a.at.y) - (b0.at.y - a.at.y) * (c0.at.x - a.at.x);
  if (area == 0.0F || !std::isfinite(area))
  {
    return;
  }
  const ShadedVertex& b = area > 0.0F ? b0 : c0;
  const ShadedVertex& c = area > 0.0F ? c0 : b0;
  const float inverseArea = 1.0F / std::abs(area);
  const int x0 = std::max(0, static_cast<int>(std::floor(std::min({ a.at.x, b.at.x, c.at.x }))));
  const int x1 =
    std::min(frame.width - 1, static_cast<int>(std::ceil(std::max({ a.at.x, b.at.x, c.at.x }))));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::min({ a.at.y, b.at.y, c.at.y }))));
  const int y1 =
    std::min(frame.height - 1, static_cast<int>(std::ceil(std::max({ a.at.y, b.at.y, c.at.y }))));
  auto edge = [](const Projected& p, const Projected& q, float x, float y)
  { return (q.x - p.x) * (y - p.y) - (q.y - p.y) * (x - p.x); };
  for (int y = y0; y <= y1; ++y)
  {
    const float sy = static_cast<float>(y) + 0.5F;
    for (int x = x0; x <= x1; ++x)
    {
      const float sx = static_cast<float>(x) + 0.5F;
      const float wa = edge(b.at, c.at, sx, sy);
      const float wb = edge(c.at, a.at, sx, sy);
      const float wc = edge(a.at, b.at, sx, sy);
      if (wa < 0.0F || wb < 0.0F || wc < 0.0F)
      {
        continue;
      }
      const float la = wa * inverseArea;
      const float lb = wb * inverseArea;
      const float lc = wc * inverseArea;
      const float depth = la * a.at.depth + lb * b.at.depth + lc * c.at.depth;
      const std::size_t sample =
        static_cast<std::size_t>(y) * static_cast<std::size_t>(frame.width) +
        static_cast<std::size_t>(x);
      if (depth <= frame.depth[sample])
      {
        continue;
      }
      frame.depth[sample] = depth;
      for (std::size_t channel = 0; channel < 3; ++channel)
      {
        const float value =
          la * a.colour[channel] + lb * b.colour[channel] + lc * c.colour[channel];
        frame.rgb[3 * sample + channel] =
          static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0F, 255.0F)));
      }
    }
  }
}

/// Averages each pixel's samples: colour over the covered ones, alpha from their share.
void resolve(const Frame& frame, int samples, SurfaceImage& image)
{
  image.rgba.assign(
    4 * static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height), 0);
  for (int y = 0; y < image.height; ++y)
  {
    for (int x = 0; x < image.width; ++x)
    {
      unsigned sum[3] = { 0, 0, 0 };
      unsigned covered = 0;
      for (int sy = 0; sy < samples; ++sy)
      {
        for (int sx = 0; sx < samples; ++sx)
        {
          const std::size_t sample =
            static_cast<std::size_t>(y * samples + sy) * static_cast<std::size_t>(frame.width) +
            static_cast<std::size_t>(x * samples + sx);
          if (frame.covered(sample))
          {
            ++covered;
            for (std::size_t c = 0; c < 3; ++c)
            {
              sum[c] += frame.rgb[3 * sample + c];
            }
          }
        }
      }
      if (covered == 0)
      {
        continue;
      }
      std::uint8_t* pixel =
        &image.rgba[4 * (static_cast<std::size_t>(y) * static_cast<std::size_t>(image.width) +
                         static_cast<std::size_t>(x))];
      for (std::size_t c = 0; c < 3; ++c)
      {
        pixel[c] = static_cast<std::uint8_t>((sum[c] + covered / 2) / covered);
      }
      const unsigned all = static_cast<unsigned>(samples * samples);
      pixel[3] = static_cast<std::uint8_t>((255U * covered + all / 2) / all);
    }
  }
}

/// A point of a border (an edge's midpoint or a triangle's centroid) on screen.
struct BorderNode
{
  Projected at;
};

struct BorderSegment
{
  std::size_t from = 0;
  std::size_t to = 0;
  std::int32_t labelA = 0;
  std::int32_t labelB = 0;
};

class BorderTracer
{
public:
  BorderTracer(const SurfaceMesh& mesh,
               const std::vector<std::int32_t>& labels,
               const Projection& projection)
    : Mesh(mesh)
    , Labels(labels)
    , View(projection)
  {
  }

  void trace()
  {
    for (std::size_t t = 0; t < Mesh.triangleCount(); ++t)
    {
      const std::int32_t* v = &Mesh.triangles[3 * t];
      const std::int32_t l[3] = { Labels[static_cast<std::size_t>(v[0])],
                                  Labels[static_cast<std::size_t>(v[1])],
                                  Labels[static_cast<std::size_t>(v[2])] };
      if (l[0] == l[1] && l[1] == l[2])
      {
        continue;
      }
      if (l[0] != l[1] && l[1] != l[2] && l[0] != l[2])
      {
        // Three labels meet: each pair's border runs from its edge's midpoint to the centroid.
        const std::size_t centre = centroidNode(v);
        for (int i = 0; i < 3; ++i)
        {
          const int j = (i + 1) % 3;
          Segments.push_back({ midpointNode(v[i], v[j]), centre, l[i], l[j] });
        }
        continue;
      }
      // Two labels: the border joins the midpoints of the two edges that cross it.
      const int odd = l[0] == l[1] ? 2 : (l[1] == l[2] ? 0 : 1);
      const int p = (odd + 1) % 3;
      const int q = (odd + 2) % 3;
      Segments.push_back({ midpointNode(v[odd], v[p]), midpointNode(v[odd], v[q]), l[odd], l[p] });
    }
  }

  const std::vector<BorderNode>& nodes() const { return Nodes; }
  const std::vector<BorderSegment>& segments() const { return Segments; }

private:
  std::size_t midpointNode(std::int32_t a, std::int32_t b)
  {
    const auto low = static_cast<std::uint64_t>(static_cast<std::uint32_t>(std::min(a, b)));
    const auto high = static_cast<std::uint64_t>(static_cast<std::uint32_t>(std::max(a, b)));
    const auto [found, added] = Midpoints.try_emplace((low << 32U) | high, Nodes.size());
    if (added)
    {
      const float* pa = &Mesh.points[3 * static_cast<std::size_t>(a)];
      const float* pb = &Mesh.points[3 * static_cast<std::size_t>(b)];
      const float middle[3] = { 0.5F * (pa[0] + pb[0]),
                                0.5F * (pa[1] + pb[1]),
                                0.5F * (pa[2] + pb[2]) };
      Nodes.push_back({ View.project(middle) });
    }
    return found->second;
  }

  std::size_t centroidNode(const std::int32_t* v)
  {
    float centre[3] = { 0.0F, 0.0F, 0.0F };
    for (int corner = 0; corner < 3; ++corner)
    {
      for (std::size_t axis = 0; axis < 3; ++axis)
      {
        centre[axis] += Mesh.points[3 * static_cast<std::size_t>(v[corner]) + axis] / 3.0F;
      }
    }
    Nodes.push_back({ View.project(centre) });
    return Nodes.size() - 1;
  }

  const SurfaceMesh& Mesh;
  const std::vector<std::int32_t>& Labels;
  const Projection& View;
  std::vector<BorderNode> Nodes;
  std::vector<BorderSegment> Segments;
  std::unordered_map<std::uint64_t, std::size_t> Midpoints;
};

/// Whether a point on the surface is what the frame shows at its place: not further behind the
/// nearest surface drawn in its 3 x 3 samples than the tolerance (a point with no surface drawn
/// around it lies on the outline, where nothing hides it).
bool visibleIn(const Frame& frame, const Projected& point, float tolerance)
{
  const int cx = static_cast<int>(std::floor(point.x));
  const int cy = static_cast<int>(std::floor(point.y));
  float nearest = std::numeric_limits<float>::max();
  for (int y = cy - 1; y <= cy + 1; ++y)
  {
    for (int x = cx - 1; x <= cx + 1; ++x)
    {
      if (x < 0 || y < 0 || x >= frame.width || y >= frame.height)
      {
        continue;
      }
      const std::size_t sample =
        static_cast<std::size_t>(y) * static_cast<std::size_t>(frame.width) +
        static_cast<std::size_t>(x);
      if (frame.covered(sample))
      {
        nearest = std::min(nearest, frame.depth[sample]);
      }
    }
  }
  return nearest == std::numeric_limits<float>::max() || point.depth >= nearest - tolerance;
}

/// Joins visible segments that share a node (where exactly two meet) into polylines.
std::vector<BorderPolyline> joinSegments(const std::vector<BorderNode>& nodes,
                                         const std::vector<BorderSegment>& segments,
                                         float sampleScale)
{
  std::vector<std::vector<std::size_t>> touching(nodes.size());
  for (std::size_t s = 0; s < segments.size(); ++s)
  {
    touching[segments[s].from].push_back(s);
    touching[segments[s].to].push_back(s);
  }
  std::vector<bool> used(segments.size(), false);
  auto other = [&](std::size_t segment, std::size_t node)
  { return segments[segment].from == node ? segments[segment].to : segments[segment].from; };
  // From a node, follows unused segments through nodes where exactly two segments meet.
  auto walk = [&](std::size_t node, std::vector<std::size_t>& chain)
  {
    while (touching[node].size() == 2)
    {
      const std::size_t next = used[touching[node][0]] ? touching[node][1] : touching[node][0];
      if (used[next])
      {
        break;
      }
      used[next] = true;
      node = other(next, node);
      chain.push_back(node);
    }
  };
  std::vector<BorderPolyline> polylines;
  for (std::size_t s = 0; s < segments.size(); ++s)
  {
    if (used[s])
    {
      continue;
    }
    used[s] = true;
    std::vector<std::size_t> backward{ segments[s].from };
    walk(segments[s].from, backward);
    std::vector<std::size_t> chain(backward.rbegin(), backward.rend());
    chain.push_back(segments[s].to);
    walk(segments[s].to, chain);
    BorderPolyline line;
    line.points.reserve(2 * chain.size());
    for (std::size_t node : chain)
    {
      line.points.push_back(nodes[node].at.x * sampleScale);
      line.points.push_back(nodes[node].at.y * sampleScale);
    }
    polylines.push_back(std::move(line));
  }
  return polylines;
}

} // namespace

const char* surfaceViewKey(SurfaceView view)
{
  switch (view)
  {
    case SurfaceView::Lateral:
      return "lateral";
    case SurfaceView::Medial:
      return "medial";
    case SurfaceView::Dorsal:
      return "dorsal";
    case SurfaceView::Ventral:
      return "ventral";
    case SurfaceView::Anterior:
      return "anterior";
    case SurfaceView::Posterior:
      return "posterior";
    case SurfaceView::Flat:
      return "flat";
  }
  return "";
}

SurfaceView surfaceViewFromKey(const std::string& key)
{
  for (SurfaceView view : { SurfaceView::Lateral,
                            SurfaceView::Medial,
                            SurfaceView::Dorsal,
                            SurfaceView::Ventral,
                            SurfaceView::Anterior,
                            SurfaceView::Posterior,
                            SurfaceView::Flat })
  {
    if (key == surfaceViewKey(view))
    {
      return view;
    }
  }
  throw std::invalid_argument("unknown view '" + key +
                              "' (lateral, medial, dorsal, ventral, anterior, posterior, flat)");
}

SurfaceCamera surfaceCamera(SurfaceView view, Hemisphere hemisphere)
{
  const float outward = hemisphere == Hemisphere::Left ? -1.0F : 1.0F;
  switch (view)
  {
    case SurfaceView::Lateral:
      return { { outward, 0.0F, 0.0F }, { 0.0F, 0.0F, 1.0F } };
    case SurfaceView::Medial:
      return { { -outward, 0.0F, 0.0F }, { 0.0F, 0.0F, 1.0F } };
    case SurfaceView::Dorsal:
      return { { 0.0F, 0.0F, 1.0F }, { 0.0F, 1.0F, 0.0F } };
    case SurfaceView::Ventral:
      return { { 0.0F, 0.0F, -1.0F }, { 0.0F, 1.0F, 0.0F } };
    case SurfaceView::Anterior:
      return { { 0.0F, 1.0F, 0.0F }, { 0.0F, 0.0F, 1.0F } };
    case SurfaceView::Posterior:
      return { { 0.0F, -1.0F, 0.0F }, { 0.0F, 0.0F, 1.0F } };
    case SurfaceView::Flat:
      return { { 0.0F, 0.0F, 1.0F }, { 0.0F, 1.0F, 0.0F } };
  }
  return {};
}

SurfaceImage renderSurface(const SurfaceMesh& mesh,
                           const std::vector<std::uint8_t>& vertexRgb,
                           const SurfaceCamera& camera,
                           const SurfaceRenderOptions& options,
                           const std::vector<std::int32_t>& labels)
{
  const std::size_t vertices = mesh.vertexCount();
  if (options.width <= 0 || options.height <= 0 || options.supersampling <= 0 ||
      options.supersampling > 8)
  {
    throw std::invalid_argument("renderSurface: the size and supersampling must be positive");
  }
  if (vertexRgb.size() != 3 * vertices)
  {
    throw std::invalid_argument("renderSurface: " + std::to_string(vertexRgb.size()) +
                                " colour bytes for " + std::to_string(vertices) + " vertices");
  }
  if (!labels.empty() && labels.size() != vertices)
  {
    throw std::invalid_argument("renderSurface: " + std::to_string(labels.size()) + " labels for " +
                                std::to_string(vertices) + " vertices");
  }
  for (std::int32_t index : mesh.triangles)
  {
    if (index < 0 || static_cast<std::size_t>(index) >= vertices)
    {
      throw std::invalid_argument("renderSurface: a triangle refers to vertex " +
                                  std::to_string(index) + " of " + std::to_string(vertices));
    }
  }

  const int samples = options.supersampling;
  const Projection projection(mesh, camera, options);
  const std::vector<Vec3> normals = vertexNormals(mesh);
  std::vector<ShadedVertex> shaded(vertices);
  for (std::size_t v = 0; v < vertices; ++v)
  {
    // Two-sided: a mesh's winding (and so its normals' sign) varies between file formats.
    const float light =
      options.ambient + options.diffuse * std::abs(dot(normals[v], projection.direction()));
    shaded[v].at = projection.project(&mesh.points[3 * v]);
    for (std::size_t c = 0; c < 3; ++c)
    {
      shaded[v].colour[c] = light * static_cast<float>(vertexRgb[3 * v + c]);
    }
  }
  Frame frame(options.width * samples, options.height * samples);
  for (std::size_t t = 0; t < mesh.triangleCount(); ++t)
  {
    const std::int32_t* index = &mesh.triangles[3 * t];
    rasterise(frame,
              shaded[static_cast<std::size_t>(index[0])],
              shaded[static_cast<std::size_t>(index[1])],
              shaded[static_cast<std::size_t>(index[2])]);
  }

  SurfaceImage image;
  image.width = options.width;
  image.height = options.height;
  resolve(frame, samples, image);
  if (labels.empty())
  {
    return image;
  }

  BorderTracer tracer(mesh, labels, projection);
  tracer.trace();
  const float tolerance = options.borderDepthTolerance * projection.depthExtent();
  std::vector<BorderSegment> visible;
  std::vector<std::int32_t> bordered;
  for (const BorderSegment& segment : tracer.segments())
  {
    const Projected& a = tracer.nodes()[segment.from].at;
    const Projected& b = tracer.nodes()[segment.to].at;
    const Projected middle{ 0.5F * (a.x + b.x), 0.5F * (a.y + b.y), 0.5F * (a.depth + b.depth) };
    if (visibleIn(frame, middle, tolerance))
    {
      visible.push_back(segment);
      bordered.push_back(segment.labelA);
      bordered.push_back(segment.labelB);
    }
  }
  image.borders = joinSegments(tracer.nodes(), visible, 1.0F / static_cast<float>(samples));
  std::sort(bordered.begin(), bordered.end());
  bordered.erase(std::unique(bordered.begin(), bordered.end()), bordered.end());
  bordered.erase(std::remove(bordered.begin(), bordered.end(), 0), bordered.end());
  image.borderedLabels = std::move(bordered);
  return image;
}

} // namespace bmfl
