#pragma once

#include "bmfl/Atlas.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// A FreeSurfer .annot parcellation of one hemisphere: the colour table's entries and, per vertex,
/// the entry it belongs to.
struct Annotation
{
  std::vector<std::int32_t> vertexEntries; ///< per vertex: index into names/colours, -1 = none
  std::vector<std::string> names;          ///< colour-table entry names ("unknown", "bankssts" ...)
  std::vector<AtlasColour> colours;
  std::vector<std::int32_t> structureIds; ///< FreeSurfer structure number of each entry
  std::string colourTableFile;            ///< the original colour-table path stored in the file

  std::size_t vertexCount() const { return vertexEntries.size(); }
};

/// Reads a FreeSurfer .annot file (big-endian: vertex count, vertex/RGB-code pairs, then a colour
/// table in the old or the version-2 layout). A vertex whose code matches no entry gets -1.
/// Throws FileError naming the file and the problem.
Annotation readAnnot(const std::string& path);

/// Parses an .annot file already in memory; path only names it in errors (used by the fuzzers).
Annotation parseAnnot(const std::string& path, const std::vector<unsigned char>& bytes);

} // namespace bmfl
