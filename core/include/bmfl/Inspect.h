#pragma once

#include <string>

namespace bmfl
{

/// What a file or folder is, with its key numbers, as one line "<path>: <kind>, <numbers>" (no
/// newline). The kind is told by content (magic bytes, also inside a gzip stream), not by name,
/// and whatever is reported on is read whole and checked as the readers proper check it: images
/// are decoded by the decoder inference uses, a model bundle is loaded through the bundle
/// manifest's checks (weights checksums included), IDX headers are checked against the data.
/// Recognises meshes and per-vertex maps (GIFTI, FreeSurfer, MGH/MGZ), FreeSurfer .annot, .npy,
/// IDX (gzipped or not), PNG/JPEG/BMP/TIFF/WebP images, Algonauts subjects, image datasets and
/// model bundles. Anything else, and anything neither a regular file nor a folder (a FIFO, a
/// device), is refused before it is opened: throws FileError naming the path and the problem.
std::string describePath(const std::string& path);

} // namespace bmfl
