#pragma once

#include "bmfl/Surface.h"

#include <string>
#include <vector>

namespace bmfl::io
{

/// GIFTI readers on libgiftiio. Each takes the file's whole (gunzipped) content; path names the
/// file in errors. Without libgiftiio in the build they refuse every file. All throw FileError.

/// The first NIFTI_INTENT_POINTSET (N x 3) and NIFTI_INTENT_TRIANGLE (M x 3) arrays.
SurfaceMesh readGiftiSurface(const std::string& path, const std::vector<unsigned char>& bytes);

/// Every other data array as frames: an N array is one frame, an N x K array K frames.
VertexMap readGiftiVertexMap(const std::string& path, const std::vector<unsigned char>& bytes);

} // namespace bmfl::io
