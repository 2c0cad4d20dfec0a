#include "MainWindow.h"
#include "StartupOptions.h"

#include "bmfl/FileError.h"
#include "bmfl/Runtime.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

#include <cstdio>

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

// Renders the first frames, writes the PNG and quits: used by the rendering tests and by
// figure scripts. The view must have painted at least once, or the grab would be blank.
void scheduleScreenshotAndQuit(bmfl::MainWindow& window, const QString& path)
{
  auto* timeout = new QTimer(&window);
  timeout->setSingleShot(true);
  QObject::connect(timeout,
                   &QTimer::timeout,
                   &window,
                   [path]()
                   {
                     std::fprintf(stderr,
                                  "bmfl-workbench: %s: the view did not render within 60 s\n",
                                  qPrintable(path));
                     QCoreApplication::exit(1);
                   });
  timeout->start(60000);
  QObject::connect(
    window.cortexView(),
    &bmfl::CortexView::frameRendered,
    &window,
    [&window, path]()
    {
      // Let the event loop settle (status bar, menus) before grabbing.
      QTimer::singleShot(100,
                         &window,
                         [&window, path]()
                         {
                           const QString error = window.saveScreenshot(path);
                           if (!error.isEmpty())
                           {
                             std::fprintf(stderr, "bmfl-workbench: %s\n", qPrintable(error));
                             QCoreApplication::exit(1);
                             return;
                           }
                           QCoreApplication::exit(0);
                         });
    },
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
  if (!options->screenshotPath.isEmpty())
  {
    scheduleScreenshotAndQuit(window, options->screenshotPath);
  }
  window.show();
  return QApplication::exec();
}
