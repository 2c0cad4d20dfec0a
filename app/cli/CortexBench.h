#pragma once

// `bmfl bench cortex` (issue #13): the cortex view's colouring and the software renderer timed on
// a template, with the same code the workbench's CortexView colours with (bmfl_figures). The
// on-screen VTK frame is not measured here. Built without bmfl_figures, it reports why it is
// absent.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace bmfl::cli
{

struct CortexBenchOptions
{
  std::string templateFolder; ///< nilearn or FreeSurfer layout; empty: the bundled fsaverage5
  int width = 1280;           ///< the frame: both hemispheres side by side, half the width each
  int height = 800;
  int azimuths = 12; ///< frames over one rotation about the vertical axis
  int repeats = 3;   ///< timed runs of each other operation (and rotations)
};

/// One operation: min and median seconds over its runs.
struct CortexBenchTiming
{
  std::string operation;
  std::size_t vertices = 0; ///< of both hemispheres' meshes
  std::size_t triangles = 0;
  int runs = 0;
  double minSeconds = 0.0;
  double medianSeconds = 0.0;
};

struct CortexBenchReport
{
  std::string templateName; ///< e.g. "fsaverage5"
  std::string source;       ///< the folder, or "bundled fsaverage5"
  int width = 0;
  int height = 0;
  int supersampling = 0;
  std::vector<CortexBenchTiming> timings;
  std::string absent; ///< non-empty: why nothing was measured (no bmfl_figures in this build)
};

/// Runs the cortex benchmark; progress is told what runs next. Throws FileError for an
/// unreadable template, std::invalid_argument for bad options.
CortexBenchReport benchCortex(const CortexBenchOptions& options,
                              const std::function<void(const std::string&)>& progress);

/// The report as plain text (the terminal) and as a Markdown section ("## The cortex view").
std::string cortexBenchText(const CortexBenchReport& report);
std::string cortexBenchMarkdown(const CortexBenchReport& report);

} // namespace bmfl::cli
