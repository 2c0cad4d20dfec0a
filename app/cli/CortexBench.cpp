#include "CortexBench.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#ifdef BMFL_HAVE_FIGURES
#include "bmfl/Fsaverage.h"
#include "bmfl/SurfaceRender.h"
#include "bmfl/Timing.h"
#include "bmfl/widgets/Figures.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <cmath>
#include <memory>
#include <numeric>
#include <random>
#endif

namespace bmfl::cli
{

namespace
{

std::string fixed(double value, int decimals)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(decimals) << value;
  return text.str();
}

const char* const OnScreenNote =
  "The on-screen VTK frame time is not measured here (the workbench's responsiveness test covers "
  "the GUI thread): frames are the software renderer's, as `bmfl render` and the figures draw "
  "them.";

#ifdef BMFL_HAVE_FIGURES

/// Min and median of the runs.
CortexBenchTiming summarise(const std::string& operation,
                            const CorticalSurface& surface,
                            const std::vector<double>& seconds)
{
  CortexBenchTiming timing;
  timing.operation = operation;
  timing.vertices = surface.left.mesh.vertexCount() + surface.right.mesh.vertexCount();
  timing.triangles = surface.left.mesh.triangleCount() + surface.right.mesh.triangleCount();
  timing.runs = static_cast<int>(seconds.size());
  timing.minSeconds = *std::min_element(seconds.begin(), seconds.end());
  timing.medianSeconds = medianOf(seconds);
  return timing;
}

/// A vertex space of every vertex of a template with `perHemisphere` vertices per hemisphere.
std::shared_ptr<const VertexSpace> wholeTemplateSpace(const std::string& templateName,
                                                      std::size_t left,
                                                      std::size_t right)
{
  auto space = std::make_shared<VertexSpace>();
  space->name = templateName;
  space->templateName = templateName;
  space->left.resize(left);
  space->right.resize(right);
  std::iota(space->left.begin(), space->left.end(), 0);
  std::iota(space->right.begin(), space->right.end(), 0);
  return space;
}

#endif

} // namespace

CortexBenchReport benchCortex(const CortexBenchOptions& options,
                              const std::function<void(const std::string&)>& progress)
{
  if (options.width < 2 || options.height < 1 || options.azimuths < 1 || options.repeats < 1)
  {
    throw std::invalid_argument("bench cortex: the frame size, azimuths and repeats must be "
                                "positive");
  }
  CortexBenchReport report;
#ifdef BMFL_HAVE_FIGURES
  report.source = options.templateFolder.empty() ? "bundled fsaverage5" : options.templateFolder;
  const auto load = [&options]()
  {
    return options.templateFolder.empty()
             ? loadBundledFsaverage5(SurfaceKind::Inflated)
             : loadTemplateSurface(options.templateFolder, SurfaceKind::Inflated);
  };
  progress("loading " + report.source + " (inflated, both hemispheres)");
  std::vector<double> loadSeconds;
  CorticalSurface surface;
  for (int run = 0; run < options.repeats; ++run)
  {
    const double start = monotonicSeconds();
    surface = load();
    loadSeconds.push_back(monotonicSeconds() - start);
  }
  report.templateName = surface.templateName;
  report.timings.push_back(
    summarise("load the template (inflated surfaces and sulcal depth)", surface, loadSeconds));

  progress("preparing the colouring (anatomy, fsaverage5 nesting)");
  std::vector<double> prepareSeconds;
  HemisphereColouring left;
  HemisphereColouring right;
  for (int run = 0; run < options.repeats; ++run)
  {
    const double start = monotonicSeconds();
    left = prepareHemisphereColouring(surface.left);
    right = prepareHemisphereColouring(surface.right);
    prepareSeconds.push_back(monotonicSeconds() - start);
  }
  report.timings.push_back(
    summarise("prepare the colouring (anatomy; on a finer fsaverage, the fsaverage5 nesting)",
              surface,
              prepareSeconds));

  // A new overlay each run: random values, their default range, both hemispheres recoloured.
  std::mt19937 random(7);
  std::normal_distribution<float> normal;
  const auto recolour = [&](const std::shared_ptr<const VertexSpace>& space)
  {
    std::vector<double> seconds;
    std::vector<std::uint8_t> rgb;
    for (int run = 0; run < options.repeats; ++run)
    {
      SurfaceOverlay overlay;
      overlay.space = space;
      overlay.values.resize(space->size());
      std::generate(overlay.values.begin(), overlay.values.end(), [&]() { return normal(random); });
      const double start = monotonicSeconds();
      const float range = symmetricRange99(overlay.values);
      overlay.rangeMinimum = -range;
      overlay.rangeMaximum = range;
      rgb = hemisphereColours(surface.left, &overlay, left);
      rgb = hemisphereColours(surface.right, &overlay, right);
      seconds.push_back(monotonicSeconds() - start);
    }
    return seconds;
  };
  progress("recolouring both hemispheres for new overlays");
  report.timings.push_back(summarise(
    "recolour both hemispheres: a new map on every vertex of " + surface.templateName,
    surface,
    recolour(wholeTemplateSpace(
      surface.templateName, surface.left.mesh.vertexCount(), surface.right.mesh.vertexCount()))));
  const std::size_t coarse = fsaverageVertexCount("fsaverage5");
  if (surface.templateName != "fsaverage5" &&
      isFsaverageVertexCount(surface.left.mesh.vertexCount()) &&
      surface.left.mesh.vertexCount() > coarse && surface.right.mesh.vertexCount() > coarse)
  {
    report.timings.push_back(summarise("recolour both hemispheres: a new fsaverage5 map carried "
                                       "to every vertex by the nesting",
                                       surface,
                                       recolour(wholeTemplateSpace("fsaverage5", coarse, coarse))));
  }

  // The frame: both hemispheres side by side, lateral-ish views rotating about the vertical axis.
  SurfaceRenderOptions render;
  render.width = options.width / 2;
  render.height = options.height;
  report.width = options.width;
  report.height = options.height;
  report.supersampling = render.supersampling;
  const std::vector<std::uint8_t> leftRgb = hemisphereColours(surface.left, nullptr, left);
  const std::vector<std::uint8_t> rightRgb = hemisphereColours(surface.right, nullptr, right);
  progress("rendering " + std::to_string(options.azimuths) + " frames of " +
           std::to_string(options.width) + " x " + std::to_string(options.height) + ", " +
           std::to_string(options.repeats) + " rotations");
  std::vector<double> frameSeconds;
  for (int run = 0; run < options.repeats; ++run)
  {
    for (int step = 0; step < options.azimuths; ++step)
    {
      const double angle = 2.0 * M_PI * step / options.azimuths;
      SurfaceCamera camera;
      camera.direction = { static_cast<float>(std::cos(angle)),
                           static_cast<float>(std::sin(angle)),
                           0.0F };
      camera.up = { 0.0F, 0.0F, 1.0F };
      const double start = monotonicSeconds();
      const SurfaceImage leftImage = renderSurface(surface.left.mesh, leftRgb, camera, render);
      const SurfaceImage rightImage = renderSurface(surface.right.mesh, rightRgb, camera, render);
      frameSeconds.push_back(monotonicSeconds() - start);
    }
  }
  report.timings.push_back(
    summarise("software-rendered frame of both hemispheres while rotating", surface, frameSeconds));
#else
  (void)progress;
  report.absent = "cortex view left out: this build has no figures library (bmfl_figures comes "
                  "with the GUI: -DBMFL_BUILD_GUI=ON)";
#endif
  return report;
}

std::string cortexBenchText(const CortexBenchReport& report)
{
  if (!report.absent.empty())
  {
    return report.absent + "\n";
  }
  std::ostringstream out;
  out << "cortex view (" << report.templateName << " from " << report.source << "; frame "
      << report.width << " x " << report.height << ", supersampling " << report.supersampling
      << "):\n";
  for (const CortexBenchTiming& timing : report.timings)
  {
    out << "  " << timing.operation << " (" << timing.vertices << " vertices, " << timing.triangles
        << " triangles, " << timing.runs << " runs): min " << fixed(1e3 * timing.minSeconds, 1)
        << " ms, median " << fixed(1e3 * timing.medianSeconds, 1) << " ms\n";
  }
  out << OnScreenNote << "\n";
  return out.str();
}

std::string cortexBenchMarkdown(const CortexBenchReport& report)
{
  std::ostringstream out;
  out << "\n## The cortex view\n\n";
  if (!report.absent.empty())
  {
    out << report.absent << ".\n";
    return out.str();
  }
  out << "Template " << report.templateName << " (" << report.source
      << "), inflated; the colouring is the workbench's (the same code as its cortex view); "
      << "recolouring: a new random map, its default range and both hemispheres' vertex colours; "
      << "frames: both hemispheres side by side in " << report.width << " x " << report.height
      << " pixels, supersampling " << report.supersampling << ", azimuths over one rotation. "
      << OnScreenNote << "\n\n"
      << "| operation | vertices | triangles | runs | min ms | median ms |\n"
      << "|---|---:|---:|---:|---:|---:|\n";
  for (const CortexBenchTiming& timing : report.timings)
  {
    out << "| " << timing.operation << " | " << timing.vertices << " | " << timing.triangles
        << " | " << timing.runs << " | " << fixed(1e3 * timing.minSeconds, 1) << " | "
        << fixed(1e3 * timing.medianSeconds, 1) << " |\n";
  }
  return out.str();
}

} // namespace bmfl::cli
