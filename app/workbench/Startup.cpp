#include "Startup.h"

#include "MainWindow.h"
#include "WorkbenchController.h"

#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/Resources.h"

#include <QFileInfo>
#include <QStatusBar>

#include <limits>

namespace bmfl
{

namespace
{

// The demo's datasets: the Fashion-MNIST test split and its six OOD sets.
QStringList demoDatasets()
{
  QStringList specs{ QStringLiteral("fashion-mnist:test") };
  for (const OodSetDefinition& set : fashionMnistOodSets())
  {
    specs << QStringLiteral("fashion-mnist-ood:%1").arg(QString::fromStdString(set.key));
  }
  return specs;
}

// The session to open: the one asked for, or else the last one, unless the command line names
// what to show, asks not to, or wants a screenshot (which depends on its arguments alone).
QString sessionToOpen(const StartupOptions& options)
{
  if (!options.sessionPath.isEmpty())
  {
    return options.sessionPath;
  }
  if (options.noRestore || !options.screenshotPath.isEmpty() || !options.modelDir.isEmpty() ||
      !options.datasets.isEmpty() || !options.templateFolder.isEmpty())
  {
    return {};
  }
  const QString last = MainWindow::defaultAutosavePath();
  return QFileInfo::exists(last) ? last : QString();
}

} // namespace

bool startWorkbench(MainWindow& window, const StartupOptions& options, bool translationFound)
{
  // English is the source language: it needs no translation.
  if (!options.language.isEmpty() && !translationFound &&
      !options.language.startsWith(QLatin1String("en")))
  {
    window.showProblem(
      MainWindow::tr("no translation for '%1'; showing English").arg(options.language));
  }
  else if (!options.language.isEmpty())
  {
    window.setLanguage(options.language);
  }
  // A screenshot shows the start-up state: no evaluation runs behind it.
  const int limit = options.screenshotPath.isEmpty() ? options.evaluationLimit : 0;
  const std::size_t evaluationLimit =
    limit < 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(limit);

  EngineOptions engineOptions;
  engineOptions.device = options.device.toStdString();
  engineOptions.precision = options.precision.toStdString();
  window.controller()->setEngineOptions(engineOptions);

  const QString sessionPath = sessionToOpen(options);
  if (!sessionPath.isEmpty())
  {
    try
    {
      WorkbenchSession session = readSessionFile(sessionPath);
      if (!options.language.isEmpty())
      {
        session.language.clear(); // --lang wins
      }
      window.applySession(session, evaluationLimit);
      return !session.modelDir.isEmpty();
    }
    catch (const FileError& error)
    {
      // The rest starts as if there were no session.
      window.showProblem(QString::fromStdString(error.what()));
    }
  }

  if (options.templateFolder.isEmpty())
  {
    window.showSurface(
      std::make_shared<const CorticalSurface>(loadBundledFsaverage5(options.surfaceKind)),
      QString());
  }
  else
  {
    // A template can be large (the full fsaverage): it loads while the window is up.
    window.loadSurfaceInBackground(options.templateFolder, options.surfaceKind, true);
  }
  window.setViewPreset(options.viewPreset);

  const QString modelDir =
    options.modelDir.isEmpty() ? QString::fromStdString(demoModelDirectory()) : options.modelDir;
  const bool withModel = !modelDir.isEmpty() && modelDir != QLatin1String("none");
  if (withModel)
  {
    window.openSession(
      modelDir, options.datasets.isEmpty() ? demoDatasets() : options.datasets, evaluationLimit);
  }
  else if (options.modelDir.isEmpty())
  {
    window.statusBar()->showMessage(
      MainWindow::tr("No demo model yet: build it with `bmfl train-demo` (see README)"));
  }
  return withModel;
}

} // namespace bmfl
