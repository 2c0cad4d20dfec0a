#include "MainWindow.h"

#include "bmfl/FileError.h"
#include "bmfl/Runtime.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QImageWriter>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

namespace bmfl
{

namespace
{

std::shared_ptr<const CorticalSurface> loadSurface(const QString& folder, SurfaceKind kind)
{
  if (folder.isEmpty())
  {
    return std::make_shared<const CorticalSurface>(loadBundledFsaverage5(kind));
  }
  return std::make_shared<const CorticalSurface>(loadTemplateSurface(folder.toStdString(), kind));
}

QString vertexCountText(std::size_t count)
{
  return QLocale().toString(static_cast<qulonglong>(count));
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
  : QMainWindow(parent)
{
  setWindowTitle(tr("BMFL Workbench"));
  Cortex = new CortexView(this);
  setCentralWidget(Cortex);

  SurfaceStatus = new QLabel(this);
  RuntimeStatus = new QLabel(this);
  statusBar()->addWidget(SurfaceStatus, 1);
  statusBar()->addPermanentWidget(RuntimeStatus);

  connect(&SurfaceLoad, &QFutureWatcher<LoadResult>::finished, this, &MainWindow::onSurfaceLoaded);
  buildMenus();
  updateStatus();
}

void MainWindow::buildMenus()
{
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* openTemplate = file->addAction(tr("Open &Template Surface Folder..."));
  connect(openTemplate, &QAction::triggered, this, &MainWindow::openTemplateFolder);
  QAction* bundled = file->addAction(tr("Use &Bundled fsaverage5"));
  connect(bundled,
          &QAction::triggered,
          this,
          [this]()
          {
            loadSurfaceInBackground(
              QString(), static_cast<SurfaceKind>(SurfaceKinds->checkedAction()->data().toInt()));
          });
  file->addSeparator();
  QAction* screenshot = file->addAction(tr("&Export View as PNG..."));
  screenshot->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(screenshot, &QAction::triggered, this, &MainWindow::exportScreenshot);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  ViewPresets = new QActionGroup(this);
  const CortexView::ViewPreset presets[] = {
    CortexView::ViewPreset::Lateral,  CortexView::ViewPreset::Medial,
    CortexView::ViewPreset::Dorsal,   CortexView::ViewPreset::Ventral,
    CortexView::ViewPreset::Anterior, CortexView::ViewPreset::Posterior,
  };
  int shortcutDigit = 1;
  for (CortexView::ViewPreset preset : presets)
  {
    QString name = CortexView::presetName(preset);
    name[0] = name[0].toUpper();
    QAction* action = view->addAction(name);
    action->setCheckable(true);
    action->setChecked(preset == Cortex->viewPreset());
    action->setData(static_cast<int>(preset));
    action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_0 + shortcutDigit++)));
    ViewPresets->addAction(action);
    connect(action, &QAction::triggered, this, [this, preset]() { setViewPreset(preset); });
  }
  QAction* reset = view->addAction(tr("&Reset View"));
  reset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  connect(reset, &QAction::triggered, Cortex, &CortexView::resetView);
  view->addSeparator();
  QMenu* surfaceMenu = view->addMenu(tr("&Surface"));
  SurfaceKinds = new QActionGroup(this);
  for (SurfaceKind kind :
       { SurfaceKind::Inflated, SurfaceKind::Pial, SurfaceKind::White, SurfaceKind::Sphere })
  {
    QString name = QString::fromLatin1(surfaceKindName(kind));
    name[0] = name[0].toUpper();
    QAction* action = surfaceMenu->addAction(name);
    action->setCheckable(true);
    action->setData(static_cast<int>(kind));
    action->setChecked(kind == SurfaceKind::Inflated);
    SurfaceKinds->addAction(action);
    connect(action,
            &QAction::triggered,
            this,
            [this, kind]() { loadSurfaceInBackground(TemplateFolder, kind); });
  }

  // Filled by the model and dataset features; present now so the window's layout is final.
  QMenu* model = menuBar()->addMenu(tr("&Model"));
  model->addAction(tr("No model loaded"))->setEnabled(false);
  QMenu* dataMenu = menuBar()->addMenu(tr("&Data"));
  dataMenu->addAction(tr("No dataset loaded"))->setEnabled(false);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  connect(help->addAction(tr("&About BMFL Workbench")),
          &QAction::triggered,
          this,
          &MainWindow::showAbout);
  connect(help->addAction(tr("About &Qt")), &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::setViewPreset(CortexView::ViewPreset preset)
{
  for (QAction* action : ViewPresets->actions())
  {
    action->setChecked(action->data().toInt() == static_cast<int>(preset));
  }
  Cortex->setViewPreset(preset);
  updateStatus();
}

void MainWindow::showSurface(std::shared_ptr<const CorticalSurface> surface, const QString& folder)
{
  TemplateFolder = folder;
  Surface = surface;
  if (surface)
  {
    for (QAction* action : SurfaceKinds->actions())
    {
      action->setChecked(action->data().toInt() == static_cast<int>(surface->kind));
    }
  }
  Cortex->setSurface(std::move(surface));
  updateStatus();
}

void MainWindow::loadSurfaceInBackground(const QString& folder, SurfaceKind kind)
{
  if (SurfaceLoad.isRunning())
  {
    statusBar()->showMessage(tr("Still loading the previous surface..."), 3000);
    return;
  }
  statusBar()->showMessage(
    tr("Loading %1 surface...").arg(QString::fromLatin1(surfaceKindName(kind))));
  SurfaceLoad.setFuture(QtConcurrent::run(
    [folder, kind]()
    {
      LoadResult result;
      result.folder = folder;
      try
      {
        result.surface = loadSurface(folder, kind);
      }
      catch (const FileError& error)
      {
        result.error = QString::fromStdString(error.what());
      }
      return result;
    }));
}

void MainWindow::onSurfaceLoaded()
{
  const LoadResult result = SurfaceLoad.result();
  statusBar()->clearMessage();
  if (!result.error.isEmpty())
  {
    QMessageBox::warning(this, tr("Cannot load surface"), result.error);
    showSurface(Surface, TemplateFolder); // keep what was shown, menus included
    return;
  }
  showSurface(result.surface, result.folder);
}

void MainWindow::openTemplateFolder()
{
  const QString folder = QFileDialog::getExistingDirectory(
    this, tr("Template surface folder (e.g. fsaverage)"), TemplateFolder);
  if (!folder.isEmpty())
  {
    loadSurfaceInBackground(
      folder, static_cast<SurfaceKind>(SurfaceKinds->checkedAction()->data().toInt()));
  }
}

QString MainWindow::saveScreenshot(const QString& path)
{
  const QImage image = grab().toImage();
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
  {
    return tr("%1: cannot write: %2").arg(path, file.errorString());
  }
  QImageWriter writer(&file, "png");
  if (!writer.write(image))
  {
    file.cancelWriting();
    return tr("%1: cannot encode PNG: %2").arg(path, writer.errorString());
  }
  if (!file.commit())
  {
    return tr("%1: cannot write: %2").arg(path, file.errorString());
  }
  return {};
}

void MainWindow::exportScreenshot()
{
  QString path = QFileDialog::getSaveFileName(
    this, tr("Export view"), QStringLiteral("cortex.png"), tr("PNG images (*.png)"));
  if (path.isEmpty())
  {
    return;
  }
  if (!path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
  {
    path += QLatin1String(".png");
  }
  const QString error = saveScreenshot(path);
  if (!error.isEmpty())
  {
    QMessageBox::warning(this, tr("Export failed"), error);
    return;
  }
  statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::updateStatus()
{
  if (const CorticalSurface* surface = Cortex->surface())
  {
    SurfaceStatus->setText(tr("%1 %2 \u00b7 left %3 / right %4 vertices \u00b7 %5 view")
                             .arg(QString::fromStdString(surface->templateName),
                                  QString::fromLatin1(surfaceKindName(surface->kind)),
                                  vertexCountText(surface->left.mesh.vertexCount()),
                                  vertexCountText(surface->right.mesh.vertexCount()),
                                  CortexView::presetName(Cortex->viewPreset())));
  }
  else
  {
    SurfaceStatus->setText(tr("No surface loaded"));
  }
  const RuntimeInfo runtime = runtimeInfo();
  const bool openBlas = runtime.blasLibrary.find("openblas") != std::string::npos;
  RuntimeStatus->setText(tr("LibTorch %1 \u00b7 %2 \u00b7 %3 threads \u00b7 %4")
                           .arg(QString::fromStdString(runtime.torchVersion),
                                runtime.cudaAvailable ? tr("CUDA") : tr("CPU"))
                           .arg(runtime.threads)
                           .arg(openBlas ? tr("OpenBLAS") : tr("reference BLAS (slow)")));
}

void MainWindow::showAbout()
{
  QMessageBox::about(
    this,
    tr("About BMFL Workbench"),
    tr("<h3>BMFL Workbench %1</h3>"
       "<p>Brain-machine fusion learning (NeuralOOD, Zhao et al. 2024): predicted fMRI on the "
       "cortical surface, fusion attention, and baseline versus BMFL accuracy out of "
       "distribution.</p>"
       "<p>fsaverage5 is part of FreeSurfer (Fischl 2012), distributed under the FreeSurfer "
       "Software License.</p>")
      .arg(QCoreApplication::applicationVersion()));
}

} // namespace bmfl
