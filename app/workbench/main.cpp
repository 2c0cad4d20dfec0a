#include "MainWindow.h"
#include "StartupOptions.h"

#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/Resources.h"
#include "bmfl/Runtime.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QApplication>
#include <QLocale>
#include <QStatusBar>
#include <QTimer>
#include <QTranslator>

#include <cstdio>
#include <limits>

namespace
{

void installTranslator(QApplication& app, const QString& language)
{
  const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
  auto* translator = new QTranslator(&app);
  if (translator->load(
        locale, QStringLiteral("bmfl"), QStringLiteral("_"), QStringLiteral(":/i18n")))
  {
    QApplication::installTranslator(translator);
  }
}

// The demo's datasets: the Fashion-MNIST test split and its six OOD sets.
QStringList demoDatasets()
{
  QStringList specs{ QStringLiteral("fashion-mnist:test") };
  for (const bmfl::OodSetDefinition& set : bmfl::fashionMnistOodSets())
  {
    specs << QStringLiteral("fashion-mnist-ood:%1").arg(QString::fromStdString(set.key));
  }
  return specs;
}

void writeScreenshotAndQuit(bmfl::MainWindow& window, const QString& path)
{
  // Let the event loop settle (status bar, docks, the last frame) and the visible thumbnails
  // arrive before grabbing, so the image depends on nothing but the inputs.
  auto* poll = new QTimer(&window);
  QObject::connect(poll,
                   &QTimer::timeout,
                   &window,
                   [&window, path, poll]()
                   {
                     if (window.loadingThumbnails())
                     {
                       return;
                     }
                     poll->stop();
                     const QString error = window.saveScreenshot(path);
                     if (!error.isEmpty())
                     {
                       std::fprintf(stderr, "bmfl-workbench: %s\n", qPrintable(error));
                       QCoreApplication::exit(1);
                       return;
                     }
                     QCoreApplication::exit(0);
                   });
  poll->start(300);
}

// Renders the window as it starts, writes the PNG and quits: used by the rendering tests and by
// figure scripts. With a model it waits for the first analysed image; without, for the cortex's
// first frame (a grab before it would be blank).
void scheduleScreenshotAndQuit(bmfl::MainWindow& window, const QString& path, bool waitForAnalysis)
{
  auto* timeout = new QTimer(&window);
  timeout->setSingleShot(true);
  QObject::connect(timeout,
                   &QTimer::timeout,
                   &window,
                   [path]()
                   {
                     std::fprintf(stderr,
                                  "bmfl-workbench: %s: nothing to capture after 120 s\n",
                                  qPrintable(path));
                     QCoreApplication::exit(1);
                   });
  timeout->start(120000);
  if (waitForAnalysis)
  {
    QObject::connect(window.controller(),
                     &bmfl::WorkbenchController::failed,
                     &window,
                     [](const QString&) { QCoreApplication::exit(1); });
    QObject::connect(
      &window,
      &bmfl::MainWindow::analysisShown,
      &window,
      [&window, path]() { writeScreenshotAndQuit(window, path); },
      Qt::SingleShotConnection);
    return;
  }
  QObject::connect(
    window.cortexView(),
    &bmfl::CortexView::frameRendered,
    &window,
    [&window, path]() { writeScreenshotAndQuit(window, path); },
    Qt::SingleShotConnection);
}

} // namespace

int main(int argc, char** argv)
{
  bmfl::prepareProcess(argv);
  // Qt aborts when it finds no display; say so in one line instead.
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
      qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
  {
    std::fprintf(stderr,
                 "bmfl-workbench: no display (DISPLAY is not set): run it in a desktop "
                 "session, or under xvfb-run for --screenshot\n");
    return 1;
  }
  bmfl::VtkOpenGLWidget::configureDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("BMFL Workbench"));
  QApplication::setApplicationVersion(QStringLiteral(BMFL_VERSION));
  QApplication::setOrganizationName(QStringLiteral("BMFL"));

  QString optionError;
  const std::optional<bmfl::StartupOptions> options =
    bmfl::parseStartupOptions(QApplication::arguments(), optionError);
  if (!options)
  {
    std::fprintf(stderr, "bmfl-workbench: %s\n", qPrintable(optionError));
    return 2;
  }
  installTranslator(app, options->language);
  bmfl::initRuntime();

  std::shared_ptr<const bmfl::CorticalSurface> surface;
  try
  {
    surface = std::make_shared<const bmfl::CorticalSurface>(
      options->templateFolder.isEmpty()
        ? bmfl::loadBundledFsaverage5(options->surfaceKind)
        : bmfl::loadTemplateSurface(options->templateFolder.toStdString(), options->surfaceKind));
  }
  catch (const bmfl::FileError& error)
  {
    std::fprintf(stderr, "bmfl-workbench: %s\n", error.what());
    return 1;
  }

  bmfl::MainWindow window;
  window.resize(options->windowSize);
  window.showSurface(surface, options->templateFolder);
  window.setViewPreset(options->viewPreset);

  const QString modelDir = options->modelDir.isEmpty()
                             ? QString::fromStdString(bmfl::demoModelDirectory())
                             : options->modelDir;
  const bool withModel = !modelDir.isEmpty() && modelDir != QLatin1String("none");
  const bool screenshot = !options->screenshotPath.isEmpty();
  if (withModel)
  {
    // A screenshot shows the start-up state: no evaluation runs behind it.
    const int limit = screenshot ? 0 : options->evaluationLimit;
    window.openSession(modelDir,
                       options->datasets.isEmpty() ? demoDatasets() : options->datasets,
                       limit < 0 ? std::numeric_limits<std::size_t>::max()
                                 : static_cast<std::size_t>(limit));
  }
  else if (options->modelDir.isEmpty())
  {
    window.statusBar()->showMessage(
      QObject::tr("No demo model yet: build it with `bmfl train-demo` (see README)"));
  }
  if (screenshot)
  {
    scheduleScreenshotAndQuit(window, options->screenshotPath, withModel);
  }
  window.show();
  return QApplication::exec();
}
