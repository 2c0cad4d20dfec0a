#include "StartupOptions.h"

#include "bmfl/Runtime.h"

#include <CLI/CLI.hpp>

#include <limits>
#include <map>
#include <string>
#include <vector>

namespace bmfl
{

namespace
{

std::map<std::string, SurfaceKind> surfaceKinds()
{
  std::map<std::string, SurfaceKind> kinds;
  for (SurfaceKind kind : { SurfaceKind::Inflated,
                            SurfaceKind::Pial,
                            SurfaceKind::White,
                            SurfaceKind::Sphere,
                            SurfaceKind::Flat })
  {
    kinds.emplace(surfaceKindName(kind), kind);
  }
  return kinds;
}

std::map<std::string, CortexView::ViewPreset> viewPresets()
{
  std::map<std::string, CortexView::ViewPreset> presets;
  for (CortexView::ViewPreset preset : { CortexView::ViewPreset::Lateral,
                                         CortexView::ViewPreset::Medial,
                                         CortexView::ViewPreset::Dorsal,
                                         CortexView::ViewPreset::Ventral,
                                         CortexView::ViewPreset::Anterior,
                                         CortexView::ViewPreset::Posterior })
  {
    presets.emplace(CortexView::presetKey(preset), preset);
  }
  return presets;
}

/// "WIDTHxHEIGHT" with each side in range, read strictly ("1024x640px" is refused).
bool parseSize(const std::string& text, QSize& size)
{
  const std::size_t x = text.find('x');
  if (x == std::string::npos)
  {
    return false;
  }
  int width = 0;
  int height = 0;
  if (!CLI::detail::lexical_cast(text.substr(0, x), width) ||
      !CLI::detail::lexical_cast(text.substr(x + 1), height) || width < 320 || height < 240 ||
      width > 8192 || height > 8192)
  {
    return false;
  }
  size = QSize(width, height);
  return true;
}

QString fromUtf8(const std::string& text)
{
  return QString::fromStdString(text);
}

} // namespace

StartupCommandLine parseStartupOptions(const QStringList& arguments)
{
  CLI::App app("BMFL Workbench: brain-machine fusion learning", "bmfl-workbench");
  app.set_version_flag("--version", BMFL_VERSION);
  std::string screenshot;
  std::string size = "1440x900";
  std::string templateFolder;
  std::string surfaceKind = "inflated";
  std::string viewPreset = "lateral";
  std::string language;
  std::string model;
  std::vector<std::string> datasets;
  int evaluationLimit = 500;
  std::string session;
  bool noRestore = false;
  std::string device = "auto";
  std::string precision = "fp32";
  app
    .add_option("--screenshot", screenshot, "Render the window as it starts, save it as PNG, exit")
    ->type_name("FILE.png");
  app.add_option("--size", size, "Window size (default 1440x900), from 320x240 to 8192x8192")
    ->type_name("WxH")
    ->check(CLI::Validator(
      [](std::string& text)
      {
        QSize parsed;
        return parseSize(text, parsed)
                 ? std::string()
                 : "expected WIDTHxHEIGHT between 320x240 and 8192x8192, got '" + text + "'";
      },
      ""));
  app
    .add_option("--template",
                templateFolder,
                "Folder of a template surface, e.g. the full fsaverage (default: the bundled "
                "fsaverage5)")
    ->type_name("DIR");
  app.add_option("--surface", surfaceKind, "inflated (default), pial, white, sphere or flat")
    ->type_name("KIND")
    ->check(CLI::IsMember(surfaceKinds()).description(""));
  app
    .add_option(
      "--view", viewPreset, "lateral (default), medial, dorsal, ventral, anterior or posterior")
    ->type_name("VIEW")
    ->check(CLI::IsMember(viewPresets()).description(""));
  app.add_option("--lang", language, "User interface language, e.g. zh_CN")->type_name("LANG");
  app
    .add_option(
      "--model", model, "Model bundle folder (default: the embedded demo; 'none': no model)")
    ->type_name("DIR");
  app.add_option("--dataset", datasets, "A dataset to open (repeatable), e.g. fashion-mnist:test")
    ->type_name("SPEC")
    ->take_all()
    ->allow_extra_args(false);
  app
    .add_option("--evaluate-limit",
                evaluationLimit,
                "Images per dataset evaluated at start-up (default 500; 0: none, -1: all)")
    ->type_name("N")
    ->check(CLI::Range(-1, std::numeric_limits<int>::max()).description(""));

  app
    .add_option("--session",
                session,
                "Open a saved session (File > Save Session): its model, datasets, image and view")
    ->type_name("FILE");
  app.add_flag("--no-restore",
               noRestore,
               "Do not reopen the last session (reopened when no model, dataset, template or "
               "session is given)");

  app
    .add_option("--device",
                device,
                "Where the model runs: auto (default: CUDA when there is one), cpu, cuda or cuda:N")
    ->type_name("DEVICE")
    ->check(CLI::Validator([](std::string& name) { return deviceNameProblem(name); }, ""));
  app
    .add_option("--precision",
                precision,
                "fp32 (default), or mixed precision for the encoders and the brain transformer: "
                "bf16 (fast on CPUs with AMX or AVX512-BF16, and on GPUs), fp16 (CUDA)")
    ->type_name("PRECISION")
    ->check(CLI::IsMember({ "fp32", "bf16", "fp16" }).description(""));

  std::vector<std::string> storage;
  for (const QString& argument : arguments)
  {
    storage.push_back(argument.toStdString());
  }
  std::vector<const char*> argv;
  for (const std::string& argument : storage)
  {
    argv.push_back(argument.c_str());
  }
  StartupCommandLine result;
  try
  {
    app.parse(static_cast<int>(argv.size()), argv.data());
  }
  catch (const CLI::CallForHelp&)
  {
    result.text = fromUtf8(app.help());
    return result;
  }
  catch (const CLI::CallForVersion& version)
  {
    result.text = fromUtf8(version.what()) + QLatin1Char('\n');
    return result;
  }
  catch (const CLI::ParseError& error)
  {
    result.text = fromUtf8(error.what());
    result.exitCode = 2;
    return result;
  }
  if (const std::string problem = precisionProblem(precision, device); !problem.empty())
  {
    result.text = fromUtf8("--precision: " + problem);
    result.exitCode = 2;
    return result;
  }
  StartupOptions options;
  options.screenshotPath = fromUtf8(screenshot);
  parseSize(size, options.windowSize);
  options.templateFolder = fromUtf8(templateFolder);
  options.surfaceKind = surfaceKinds().at(surfaceKind);
  options.viewPreset = viewPresets().at(viewPreset);
  options.language = fromUtf8(language);
  options.modelDir = fromUtf8(model);
  for (const std::string& dataset : datasets)
  {
    options.datasets << fromUtf8(dataset);
  }
  options.evaluationLimit = evaluationLimit;
  options.sessionPath = fromUtf8(session);
  options.noRestore = noRestore;
  options.device = fromUtf8(device);
  options.precision = fromUtf8(precision);
  result.options = options;
  return result;
}

} // namespace bmfl
