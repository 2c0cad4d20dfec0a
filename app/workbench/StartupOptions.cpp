#include "StartupOptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace bmfl
{

namespace
{

std::optional<SurfaceKind> surfaceKindFromName(const QString& name)
{
  for (SurfaceKind kind :
       { SurfaceKind::Inflated, SurfaceKind::Pial, SurfaceKind::White, SurfaceKind::Sphere })
  {
    if (name == QLatin1String(surfaceKindName(kind)))
    {
      return kind;
    }
  }
  return std::nullopt;
}

std::optional<CortexView::ViewPreset> viewPresetFromName(const QString& name)
{
  for (CortexView::ViewPreset preset : { CortexView::ViewPreset::Lateral,
                                         CortexView::ViewPreset::Medial,
                                         CortexView::ViewPreset::Dorsal,
                                         CortexView::ViewPreset::Ventral,
                                         CortexView::ViewPreset::Anterior,
                                         CortexView::ViewPreset::Posterior })
  {
    if (name == QLatin1String(CortexView::presetKey(preset)))
    {
      return preset;
    }
  }
  return std::nullopt;
}

std::optional<QSize> sizeFromText(const QString& text)
{
  const QStringList parts = text.split(QLatin1Char('x'));
  if (parts.size() != 2)
  {
    return std::nullopt;
  }
  bool widthOk = false;
  bool heightOk = false;
  const int width = parts[0].toInt(&widthOk);
  const int height = parts[1].toInt(&heightOk);
  if (!widthOk || !heightOk || width < 320 || height < 240 || width > 8192 || height > 8192)
  {
    return std::nullopt;
  }
  return QSize(width, height);
}

} // namespace

std::optional<StartupOptions> parseStartupOptions(const QStringList& arguments, QString& error)
{
  QCommandLineParser parser;
  parser.setApplicationDescription(
    QCoreApplication::translate("main", "BMFL Workbench: brain-machine fusion learning"));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot(
    QStringLiteral("screenshot"),
    QCoreApplication::translate("main", "Render the window as it starts, save it as PNG, exit."),
    QStringLiteral("FILE.png"));
  const QCommandLineOption size(
    QStringLiteral("size"),
    QCoreApplication::translate("main", "Window size (default 1440x900)."),
    QStringLiteral("WxH"),
    QStringLiteral("1440x900"));
  const QCommandLineOption templateFolder(
    QStringLiteral("template"),
    QCoreApplication::translate("main",
                                "Folder of a template surface, e.g. the full fsaverage "
                                "(default: the bundled fsaverage5)."),
    QStringLiteral("DIR"));
  const QCommandLineOption surface(
    QStringLiteral("surface"),
    QCoreApplication::translate("main", "inflated (default), pial, white or sphere."),
    QStringLiteral("KIND"),
    QStringLiteral("inflated"));
  const QCommandLineOption view(
    QStringLiteral("view"),
    QCoreApplication::translate(
      "main", "lateral (default), medial, dorsal, ventral, anterior or posterior."),
    QStringLiteral("VIEW"),
    QStringLiteral("lateral"));
  const QCommandLineOption language(
    QStringLiteral("lang"),
    QCoreApplication::translate("main", "User interface language, e.g. zh_CN."),
    QStringLiteral("LANG"));
  const QCommandLineOption model(
    QStringLiteral("model"),
    QCoreApplication::translate(
      "main", "Model bundle folder (default: the embedded demo; 'none': no model)."),
    QStringLiteral("DIR"));
  const QCommandLineOption dataset(
    QStringLiteral("dataset"),
    QCoreApplication::translate("main", "A dataset to open (repeatable), e.g. fashion-mnist:test."),
    QStringLiteral("SPEC"));
  const QCommandLineOption evaluationLimit(
    QStringLiteral("evaluate-limit"),
    QCoreApplication::translate(
      "main", "Images per dataset evaluated at start-up (default 500; 0: none, -1: all)."),
    QStringLiteral("N"),
    QStringLiteral("500"));
  parser.addOptions(
    { screenshot, size, templateFolder, surface, view, language, model, dataset, evaluationLimit });

  if (!parser.parse(arguments))
  {
    error = parser.errorText();
    return std::nullopt;
  }
  if (parser.isSet(QStringLiteral("help")))
  {
    parser.showHelp(0);
  }
  if (parser.isSet(QStringLiteral("version")))
  {
    parser.showVersion();
  }
  if (!parser.positionalArguments().isEmpty())
  {
    error = QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first());
    return std::nullopt;
  }

  StartupOptions options;
  options.screenshotPath = parser.value(screenshot);
  options.templateFolder = parser.value(templateFolder);
  options.language = parser.value(language);
  options.modelDir = parser.value(model);
  options.datasets = parser.values(dataset);
  bool limitOk = false;
  options.evaluationLimit = parser.value(evaluationLimit).toInt(&limitOk);
  if (!limitOk || options.evaluationLimit < -1)
  {
    error = QStringLiteral("--evaluate-limit: expected a number >= -1, got '%1'")
              .arg(parser.value(evaluationLimit));
    return std::nullopt;
  }
  if (const std::optional<QSize> windowSize = sizeFromText(parser.value(size)))
  {
    options.windowSize = *windowSize;
  }
  else
  {
    error = QStringLiteral("--size: expected WIDTHxHEIGHT between 320x240 and 8192x8192, got '%1'")
              .arg(parser.value(size));
    return std::nullopt;
  }
  if (const std::optional<SurfaceKind> kind = surfaceKindFromName(parser.value(surface)))
  {
    options.surfaceKind = *kind;
  }
  else
  {
    error = QStringLiteral("--surface: expected inflated, pial, white or sphere, got '%1'")
              .arg(parser.value(surface));
    return std::nullopt;
  }
  if (const std::optional<CortexView::ViewPreset> preset = viewPresetFromName(parser.value(view)))
  {
    options.viewPreset = *preset;
  }
  else
  {
    error = QStringLiteral(
              "--view: expected lateral, medial, dorsal, ventral, anterior or posterior, got '%1'")
              .arg(parser.value(view));
    return std::nullopt;
  }
  return options;
}

} // namespace bmfl
