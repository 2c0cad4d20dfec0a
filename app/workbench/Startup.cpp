#include "Startup.h"

#include "MainWindow.h"

#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/Resources.h"

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

  std::shared_ptr<const CorticalSurface> surface;
  QString folder = options.templateFolder;
  if (!folder.isEmpty())
  {
    try
    {
      surface = std::make_shared<const CorticalSurface>(
        loadTemplateSurface(folder.toStdString(), options.surfaceKind));
    }
    catch (const FileError& error)
    {
      window.showProblem(MainWindow::tr("%1; showing the bundled fsaverage5")
                           .arg(QString::fromStdString(error.what())));
      folder.clear();
    }
  }
  if (!surface)
  {
    surface = std::make_shared<const CorticalSurface>(loadBundledFsaverage5(options.surfaceKind));
  }
  window.showSurface(surface, folder);
  window.setViewPreset(options.viewPreset);

  const QString modelDir =
    options.modelDir.isEmpty() ? QString::fromStdString(demoModelDirectory()) : options.modelDir;
  const bool withModel = !modelDir.isEmpty() && modelDir != QLatin1String("none");
  if (withModel)
  {
    // A screenshot shows the start-up state: no evaluation runs behind it.
    const int limit = options.screenshotPath.isEmpty() ? options.evaluationLimit : 0;
    window.openSession(modelDir,
                       options.datasets.isEmpty() ? demoDatasets() : options.datasets,
                       limit < 0 ? std::numeric_limits<std::size_t>::max()
                                 : static_cast<std::size_t>(limit));
  }
  else if (options.modelDir.isEmpty())
  {
    window.statusBar()->showMessage(
      MainWindow::tr("No demo model yet: build it with `bmfl train-demo` (see README)"));
  }
  return withModel;
}

} // namespace bmfl
