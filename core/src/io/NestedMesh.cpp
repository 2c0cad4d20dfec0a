// Values of a coarser icosahedral fsaverage drawn on a finer one (fsaverage5 on fsaverage).
#include "bmfl/Fsaverage.h"

#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <stdexcept>
#include <utility>

namespace bmfl
{

std::size_t fsaverageVertexCount(const std::string& templateName)
{
  if (templateName == "fsaverage")
  {
    return 163842;
  }
  const std::string prefix = "fsaverage";
  if (templateName.size() == prefix.size() + 1 && templateName.rfind(prefix, 0) == 0 &&
      templateName.back() >= '1' && templateName.back() <= '6')
  {
    return 10 * (std::size_t{ 1 } << (2 * (templateName.back() - '0'))) + 2;
  }
  return 0;
}

bool isFsaverageVertexCount(std::size_t count)
{
  for (const char* name : { "fsaverage1",
                            "fsaverage2",
                            "fsaverage3",
                            "fsaverage4",
                            "fsaverage5",
                            "fsaverage6",
                            "fsaverage" })
  {
    if (fsaverageVertexCount(name) == count)
    {
      return true;
    }
  }
  return false;
}

std::vector<std::int32_t> nearestNestedVertices(const SurfaceMesh& fineMesh,
                                                std::size_t coarseCount)
{
  const std::size_t count = fineMesh.vertexCount();
  if (coarseCount == 0 || coarseCount > count)
  {
    throw std::invalid_argument("nearestNestedVertices: a mesh of " + std::to_string(count) +
                                " vertices cannot refine one of " + std::to_string(coarseCount));
  }
  // Neighbours of each vertex, from the triangles' edges (each edge seen from both triangles).
  std::vector<std::vector<std::int32_t>> neighbours(count);
  for (std::size_t t = 0; t + 2 < fineMesh.triangles.size(); t += 3)
  {
    for (int corner = 0; corner < 3; ++corner)
    {
      const std::int32_t a = fineMesh.triangles[t + static_cast<std::size_t>(corner)];
      const std::int32_t b = fineMesh.triangles[t + static_cast<std::size_t>((corner + 1) % 3)];
      if (a >= 0 && b >= 0 && static_cast<std::size_t>(a) < count &&
          static_cast<std::size_t>(b) < count)
      {
        neighbours[static_cast<std::size_t>(a)].push_back(b);
        neighbours[static_cast<std::size_t>(b)].push_back(a);
      }
    }
  }
  const auto length = [&](std::int32_t a, std::int32_t b)
  {
    double sum = 0.0;
    for (std::size_t axis = 0; axis < 3; ++axis)
    {
      const double d = fineMesh.points[3 * static_cast<std::size_t>(a) + axis] -
                       fineMesh.points[3 * static_cast<std::size_t>(b) + axis];
      sum += d * d;
    }
    return std::sqrt(sum);
  };

  // Dijkstra from all coarse vertices at once, by edge count first (the nesting is a matter of
  // topology, the same on every surface kind) and length second: each fine vertex is claimed by
  // the nearest coarse vertex.
  using Distance = std::pair<std::int32_t, double>;
  std::vector<Distance> distance(count, { std::numeric_limits<std::int32_t>::max(), 0.0 });
  std::vector<std::int32_t> nearest(count, -1);
  using Reached = std::pair<Distance, std::int32_t>;
  std::priority_queue<Reached, std::vector<Reached>, std::greater<>> frontier;
  for (std::size_t v = 0; v < coarseCount; ++v)
  {
    distance[v] = { 0, 0.0 };
    nearest[v] = static_cast<std::int32_t>(v);
    frontier.push({ distance[v], static_cast<std::int32_t>(v) });
  }
  while (!frontier.empty())
  {
    const auto [reached, vertex] = frontier.top();
    frontier.pop();
    if (reached > distance[static_cast<std::size_t>(vertex)])
    {
      continue;
    }
    for (const std::int32_t next : neighbours[static_cast<std::size_t>(vertex)])
    {
      const Distance through = { reached.first + 1, reached.second + length(vertex, next) };
      if (through < distance[static_cast<std::size_t>(next)])
      {
        distance[static_cast<std::size_t>(next)] = through;
        nearest[static_cast<std::size_t>(next)] = nearest[static_cast<std::size_t>(vertex)];
        frontier.push({ through, next });
      }
    }
  }
  return nearest;
}

} // namespace bmfl
