#pragma once

#include "bmfl/Surface.h"

#include <cstddef>
#include <string>
#include <vector>

namespace bmfl::io
{

/// FreeSurfer's binary formats, big-endian. Each reader takes the file's whole (gunzipped) content;
/// path only names the file in errors. All throw FileError.

/// An MGH file's fixed header; the data start right after it.
constexpr std::size_t MghHeaderBytes = 284;

/// Triangle surface: magic 0xFFFFFE, "created by" line, blank line, vertex and face counts, xyz
/// float32 per vertex, three int32 indices per face.
SurfaceMesh readFreeSurferSurface(const std::string& path, const std::vector<unsigned char>& bytes);

/// "New" curv format: magic 0xFFFFFF, vertex count, face count, values per vertex (1), float32
/// values.
VertexMap readFreeSurferCurv(const std::string& path, const std::vector<unsigned char>& bytes);

/// MGH volume (MGZ once gunzipped) whose width x height x depth voxels are the vertices.
VertexMap readMgh(const std::string& path, const std::vector<unsigned char>& bytes);

} // namespace bmfl::io
