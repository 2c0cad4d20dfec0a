#pragma once

#include <string>

namespace bmfl
{

/// The folder holding the bundled resources (fsaverage5, atlases, licences). Looked up, in order:
/// $BMFL_RESOURCE_DIR; <executable>/../share/bmfl/resources (installed); the source tree's
/// resources/ (build tree). Throws FileError naming the places tried when none exists.
std::string resourceDirectory();

} // namespace bmfl
