#pragma once

#include <string>

namespace bmfl
{

/// The folder holding the bundled resources (fsaverage5, atlases, licences). Looked up, in order:
/// $BMFL_RESOURCE_DIR; <executable>/../share/bmfl/resources (installed); the source tree's
/// resources/ (build tree). Throws FileError naming the places tried when none exists.
std::string resourceDirectory();

/// The embedded demo model bundle (models/demo): $BMFL_DEMO_MODEL; <executable>/../share/bmfl/
/// models/demo (installed); the source tree's models/demo. Empty when none holds a manifest.json
/// (the bundle is made by `bmfl train-demo`).
std::string demoModelDirectory();

} // namespace bmfl
