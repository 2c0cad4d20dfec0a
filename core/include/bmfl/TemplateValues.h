#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bmfl
{

/// Vertices per hemisphere of full fsaverage and of fsaverage5. The icosahedral meshes are nested:
/// fsaverage5 vertex i (i < 10242) is fsaverage vertex i, so an fsaverage map becomes an fsaverage5
/// map by keeping its first 10242 values.
constexpr std::size_t FsaverageVertexCount = 163842;
constexpr std::size_t Fsaverage5VertexCount = 10242;

/// Vertices per hemisphere of a template ("fsaverage" or "fsaverage5"); throws
/// std::invalid_argument for any other name.
std::size_t templateVertexCount(const std::string& templateName);

/// One float per vertex of each hemisphere of a template (NaN where there is no value).
struct HemisphereValues
{
  std::vector<float> left;
  std::vector<float> right;
};

} // namespace bmfl
