#include "MainWindow.h"
#include "Startup.h"
#include "StartupOptions.h"

#include "bmfl/Runtime.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QApplication>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>

namespace
{

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
                     if (window.loadingThumbnails() || window.controller()->busy() ||
                         window.loadingSurface())
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
                     // The window shows what went wrong; the status says it too.
                     QCoreApplication::exit(window.problems().isEmpty() ? 0 : 1);
                   });
  poll->start(300);
}

// Renders the window as it starts, writes the PNG and quits: used by the rendering tests and by
// figure scripts. With a model it waits for the first analysed image, or, once something failed,
// for the window to settle with the problem shown (the exit status is then 1); without a model,
// for the cortex's first frame (a grab before it would be blank).
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
    auto started = std::make_shared<bool>(false);
    const auto capture = [&window, path, started]()
    {
      if (!*started)
      {
        *started = true;
        writeScreenshotAndQuit(window, path);
      }
    };
    QObject::connect(window.controller(), &bmfl::WorkbenchController::failed, &window, capture);
    QObject::connect(&window, &bmfl::MainWindow::analysisShown, &window, capture);
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

namespace
{

// Prints --help, --version or a bad option's one line; returns the exit status.
int printCommandLineText(const bmfl::StartupCommandLine& commandLine)
{
  std::fprintf(commandLine.exitCode == 0 ? stdout : stderr,
               commandLine.exitCode == 0 ? "%s" : "bmfl-workbench: %s\n",
               qPrintable(commandLine.text));
  return commandLine.exitCode;
}

// The command line without Qt's own options. Qt also takes "-session ID" (and "--session ID")
// for X11 session management and removes it from argv and QApplication::arguments(); ours names a
// workbench session file, so it is put back from the arguments as they were before Qt saw them.
QStringList startupArguments(const QStringList& original)
{
  QStringList arguments = QApplication::arguments();
  const auto isSessionOption = [](const QString& argument)
  {
    return argument == QLatin1String("--session") ||
           argument.startsWith(QLatin1String("--session="));
  };
  if (std::any_of(arguments.cbegin(), arguments.cend(), isSessionOption))
  {
    return arguments;
  }
  for (int i = 1; i < original.size(); ++i)
  {
    if (original[i] == QLatin1String("--session") && i + 1 < original.size())
    {
      arguments << original[i] << original[i + 1];
      ++i;
    }
    else if (isSessionOption(original[i]))
    {
      arguments << original[i];
    }
  }
  return arguments;
}

int runWorkbench(int argc, char** argv)
{
  bmfl::prepareProcess(argv);
  // Qt aborts when it finds no display; say so in one line instead (after --help and bad
  // options, which need none).
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
      qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
  {
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
    {
      arguments << QString::fromLocal8Bit(argv[i]);
    }
    const bmfl::StartupCommandLine commandLine = bmfl::parseStartupOptions(arguments);
    if (!commandLine.options)
    {
      return printCommandLineText(commandLine);
    }
    std::fprintf(stderr,
                 "bmfl-workbench: no display (DISPLAY is not set): run it in a desktop "
                 "session, or under xvfb-run for --screenshot\n");
    return 1;
  }
  bmfl::VtkOpenGLWidget::configureDefaultSurfaceFormat();
  QStringList original;
  for (int i = 0; i < argc; ++i)
  {
    original << QString::fromLocal8Bit(argv[i]);
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("BMFL Workbench"));
  QApplication::setApplicationVersion(QStringLiteral(BMFL_VERSION));
  QApplication::setOrganizationName(QStringLiteral("BMFL"));

  // Qt's own options (-platform, -style...) are gone from QApplication::arguments().
  const bmfl::StartupCommandLine commandLine =
    bmfl::parseStartupOptions(startupArguments(original));
  if (!commandLine.options)
  {
    return printCommandLineText(commandLine);
  }
  const bmfl::StartupOptions& options = *commandLine.options;
  const bool translationFound = bmfl::MainWindow::installLanguage(options.language);
  bmfl::initRuntime();

  bmfl::MainWindow window;
  window.resize(options.windowSize);
  if (options.screenshotPath.isEmpty())
  {
    window.setAutosavePath(bmfl::MainWindow::defaultAutosavePath()); // reopened next time
  }
  const bool withModel = bmfl::startWorkbench(window, options, translationFound);
  if (!options.screenshotPath.isEmpty())
  {
    scheduleScreenshotAndQuit(window, options.screenshotPath, withModel);
  }
  window.show();
  return QApplication::exec();
}

} // namespace

int main(int argc, char** argv)
{
  // Whatever escapes ends in one line and a non-zero status, never in an abort.
  try
  {
    return runWorkbench(argc, argv);
  }
  catch (const std::bad_alloc&)
  {
    std::fprintf(stderr, "bmfl-workbench: out of memory\n");
  }
  catch (const std::exception& error)
  {
    std::fprintf(stderr, "bmfl-workbench: %s\n", error.what());
  }
  catch (...)
  {
    std::fprintf(stderr, "bmfl-workbench: unexpected error\n");
  }
  return 1;
}
