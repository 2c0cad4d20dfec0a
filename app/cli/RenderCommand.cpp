#include "Commands.h"

#if defined(BMFL_HAVE_FIGURES) && defined(BMFL_HAVE_IMAGES)

#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/Printable.h"
#include "bmfl/widgets/Figures.h"

#include <QGuiApplication>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace bmfl::cli
{

namespace
{

struct RenderOptions
{
  std::string model;
  std::string image;
  std::string out;
  std::vector<std::string> views{ "lateral", "medial" };
  std::string surface = "inflated";
  std::string templateFolder;
  std::string atlas = "benson14";
  std::string size = "2400x1500";
  int dpi = 300;
  std::vector<double> range;
  std::string colormap = "diverging";
  EngineOptions engine;
};

SurfaceKind surfaceKindFromName(const std::string& name)
{
  for (SurfaceKind kind : { SurfaceKind::Inflated,
                            SurfaceKind::Pial,
                            SurfaceKind::White,
                            SurfaceKind::Sphere,
                            SurfaceKind::Flat })
  {
    if (name == surfaceKindName(kind))
    {
      return kind;
    }
  }
  throw UsageError("--surface: unknown surface '" + name + "'");
}

FigureSize figureSize(const std::string& text, int dpi)
{
  FigureSize size;
  size.dpi = dpi;
  char extra = '\0';
  if (std::sscanf(text.c_str(), "%dx%d%c", &size.width, &size.height, &extra) != 2 ||
      size.width < 200 || size.height < 150 || size.width > 20000 || size.height > 20000)
  {
    throw UsageError("--size: '" + text +
                     "' is not WIDTHxHEIGHT in pixels (200x150 to 20000x20000)");
  }
  return size;
}

std::string fileName(const std::string& path)
{
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string folderName(std::string path)
{
  while (path.size() > 1 && path.back() == '/')
  {
    path.pop_back();
  }
  return fileName(path);
}

std::string formatted(double value)
{
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

/// The image as the model saw it: the centre window that the bundle's resize and crop keep, cut
/// from the full image (so the figure shows it at its own resolution).
Image modelWindow(const Image& image, const PreprocessConfig& preprocess)
{
  const int shortSide = std::min(image.width, image.height);
  const int side = preprocess.resizeShortSide > 0
                     ? std::max(1,
                                static_cast<int>(static_cast<double>(shortSide) *
                                                 preprocess.cropSize / preprocess.resizeShortSide))
                     : preprocess.cropSize;
  return centerCrop(image, std::min(side, shortSide));
}

int runRender(const RenderOptions& options, const std::string& programName)
{
  // Check what the user gave before the model loads.
  figureFormatFor(options.out);
  const FigureSize size = figureSize(options.size, options.dpi);
  std::vector<SurfaceView> views;
  for (const std::string& key : options.views)
  {
    try
    {
      views.push_back(surfaceViewFromKey(key));
    }
    catch (const std::invalid_argument& error)
    {
      throw UsageError(std::string("--view: ") + error.what());
    }
  }
  const SurfaceKind kind = surfaceKindFromName(options.surface);
  if (!options.range.empty() &&
      (options.range.size() != 2 || !(options.range[0] < options.range[1])))
  {
    throw UsageError("--range: give MIN,MAX with MIN < MAX");
  }
  const Image image = decodeImageFile(options.image);

  // No display is needed: Qt draws the figure offscreen.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
  {
    qputenv("QT_QPA_PLATFORM", "offscreen");
  }
  int argc = 1;
  std::string name = programName;
  char* argv[] = { name.data(), nullptr };
  const QGuiApplication application(argc, argv);

  const std::unique_ptr<InferenceEngine> engine =
    InferenceEngine::open(options.model, options.engine);
  const BundleManifest& manifest = engine->manifest();
  const PreparedImage prepared = prepareImage(image,
                                              options.image,
                                              manifest.model.encoder.inChannels,
                                              manifest.preprocess,
                                              manifest.brainPreprocess);
  const std::vector<ImageResult> results = engine->run({ prepared });
  const ImageResult& result = results.at(0);

  const CorticalSurface surface = options.templateFolder.empty()
                                    ? loadBundledFsaverage5(kind)
                                    : loadTemplateSurface(options.templateFolder, kind);
  auto space = std::make_shared<const VertexSpace>(manifest.vertexSpace);
  const bool fits = space->templateName == surface.templateName ||
                    (space->templateName.rfind("fsaverage", 0) == 0 &&
                     surface.templateName.rfind("fsaverage", 0) == 0);
  if (!fits)
  {
    throw UsageError("--template: the model's vertex space lies on " + space->templateName +
                     ", not on " + surface.templateName);
  }

  SurfaceOverlay overlay;
  overlay.space = space;
  overlay.values = result.predictedFmri;
  overlay.colormap =
    options.colormap == "sequential" ? OverlayColormap::Sequential : OverlayColormap::Diverging;
  std::string rangeNote;
  if (options.range.empty())
  {
    const float extent = symmetricRange99(overlay.values);
    overlay.rangeMinimum = overlay.colormap == OverlayColormap::Diverging ? -extent : 0.0F;
    overlay.rangeMaximum = extent;
    rangeNote = overlay.colormap == OverlayColormap::Diverging
                  ? " (symmetric, 99th percentile of |value|)"
                  : " (0 to the 99th percentile of |value|)";
  }
  else
  {
    overlay.rangeMinimum = static_cast<float>(options.range[0]);
    overlay.rangeMaximum = static_cast<float>(options.range[1]);
  }
  overlay.title = "Predicted fMRI response (" + space->name + ")";

  TemplateLabels borders;
  const bool withBorders = options.atlas != "none";
  if (withBorders)
  {
    try
    {
      borders = templateLabels(options.atlas, surface.templateName, space.get());
    }
    catch (const std::invalid_argument& error)
    {
      throw UsageError(std::string("--atlas: ") + error.what());
    }
  }

  FigureProvenance provenance = makeFigureProvenance(options.model, options.image);
  provenance.title = "BMFL figure: " + folderName(options.model) + ", " + fileName(options.image);
  provenance.colourRange =
    formatted(overlay.rangeMinimum) + " to " + formatted(overlay.rangeMaximum) + rangeNote;
  provenance.atlas = withBorders ? options.atlas : "none";

  const Image window = modelWindow(image, manifest.preprocess);
  CompositeFigureContent content;
  content.cortex.surface = &surface;
  content.cortex.overlay = &overlay;
  content.cortex.colourBarTitle = overlay.title;
  content.cortex.borders = withBorders ? &borders : nullptr;
  // A flat map has no sides: one row, seen from above.
  content.cortex.views =
    kind == SurfaceKind::Flat ? std::vector<SurfaceView>{ SurfaceView::Flat } : views;
  content.result = &result;
  content.image = &window;
  content.caption = "Model " + folderName(options.model) + " \u00b7 image " +
                    fileName(options.image) + " \u00b7 " + surface.templateName + " " +
                    surfaceKindName(kind) + " \u00b7 colour range " + provenance.colourRange +
                    " \u00b7 " + provenance.program;
  writeCompositeFigure(options.out, content, size, provenance);
  std::cout << "wrote " << printable(options.out) << " (" << size.width << "x" << size.height
            << " px, " << size.dpi << " dpi)\n";
  return 0;
}

CommandRun defineRender(CLI::App& command)
{
  auto options = std::make_shared<RenderOptions>();
  command.add_option("--model", options->model, "the model bundle folder")
    ->required()
    ->type_name("BUNDLE_DIR");
  command.add_option("--image", options->image, "the image to analyse")
    ->required()
    ->type_name("IMAGE");
  command.add_option("--out", options->out, "the figure: .png, .tif/.tiff, .svg or .pdf")
    ->required()
    ->check(outputFile())
    ->type_name("FILE");
  command.add_option("--view", options->views, "cortex views, one row each")
    ->delimiter(',')
    ->check(
      CLI::IsMember({ "lateral", "medial", "dorsal", "ventral", "anterior", "posterior", "flat" }))
    ->capture_default_str()
    ->type_name("VIEW[,VIEW...]");
  command.add_option("--surface", options->surface, "the template surface drawn")
    ->check(CLI::IsMember({ "inflated", "pial", "white", "sphere", "flat" }))
    ->capture_default_str();
  command
    .add_option("--template",
                options->templateFolder,
                "a template folder (nilearn or FreeSurfer layout); default: bundled fsaverage5")
    ->check(CLI::ExistingDirectory)
    ->type_name("DIR");
  command
    .add_option("--atlas",
                options->atlas,
                "ROI borders: benson14, wang15, glasser16, a label set of the model's vertex "
                "space, or none")
    ->capture_default_str();
  command.add_option("--size", options->size, "figure size in pixels")
    ->capture_default_str()
    ->type_name("WxH");
  command.add_option("--dpi", options->dpi, "resolution (page size of SVG and PDF)")
    ->check(wholeNumber(30, 2400))
    ->capture_default_str();
  command
    .add_option("--range",
                options->range,
                "colour range; default symmetric around 0 at the 99th percentile of |value|")
    ->delimiter(',')
    ->expected(2)
    ->type_name("MIN,MAX");
  command.add_option("--colormap", options->colormap, "the overlay's colormap")
    ->check(CLI::IsMember({ "diverging", "sequential" }))
    ->capture_default_str();
  command.add_option("--device", options->engine.device, "where the model runs")
    ->check(deviceName())
    ->capture_default_str();
  std::string program = command.get_parent() ? command.get_parent()->get_name() : "bmfl";
  return [options, program]() { return runRender(*options, program.empty() ? "bmfl" : program); };
}

} // namespace

BMFL_REGISTER_COMMAND(render,
                      "render",
                      "write the composite figure of one image (PNG, TIFF, SVG, PDF; no display)",
                      defineRender);

} // namespace bmfl::cli

#else // built without the GUI libraries or OpenCV: the command exists and says why it cannot run

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun defineRender(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl render: this build has no figure support (built with BMFL_BUILD_GUI=OFF "
                 "or without OpenCV)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(render,
                      "render",
                      "write the composite figure of one image (needs the GUI build)",
                      defineRender);
} // namespace bmfl::cli

#endif
