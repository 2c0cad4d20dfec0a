// The workbench's baseline-versus-BMFL tools: files and folders dropped anywhere on the window,
// the browser opened on an accuracy-table cell's images, two images side by side (A/B) with the
// difference of their predicted responses, and the corruption explorer.
#include "CorruptionRun.h"
#include "MainWindow.h"

#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/widgets/ComparisonPanel.h"
#include "bmfl/widgets/CorruptionExplorer.h"
#include "bmfl/widgets/DatasetBrowser.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFileInfo>
#include <QMimeData>
#include <QStatusBar>

#include <algorithm>
#include <cmath>

namespace bmfl
{

namespace
{

const QStringList& imageSuffixes()
{
  static const QStringList suffixes = { "png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp" };
  return suffixes;
}

bool isImageName(const QString& path)
{
  return imageSuffixes().contains(QFileInfo(path).suffix().toLower());
}

/// Image files given one by one (dropped on the window, or a folder of images without classes):
/// unlabelled, in the model's label space.
class FileListDataset final : public ImageDataset
{
public:
  FileListDataset(std::string name,
                  std::vector<std::string> files,
                  std::vector<std::string> classNames)
    : Name(std::move(name))
    , Files(std::move(files))
    , Classes(std::move(classNames))
  {
  }
  std::string name() const override { return Name; }
  std::size_t size() const override { return Files.size(); }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::string itemId(std::size_t index) const override { return Files.at(index); }
  int label(std::size_t /*index*/) const override { return -1; }
  Image loadImage(std::size_t index) const override { return decodeImageFile(Files.at(index)); }

private:
  std::string Name;
  std::vector<std::string> Files;
  std::vector<std::string> Classes;
};

} // namespace

void MainWindow::buildComparisonDocks()
{
  Comparison = new ComparisonPanel(this);
  ComparisonDock = new QDockWidget(this);
  ComparisonDock->setObjectName(QStringLiteral("comparison"));
  ComparisonDock->setWidget(Comparison);
  addDockWidget(Qt::BottomDockWidgetArea, ComparisonDock);
  tabifyDockWidget(AccuracyDock, ComparisonDock);
  ComparisonDock->hide();
  Corruptions = new CorruptionExplorer(this);
  CorruptionDock = new QDockWidget(this);
  CorruptionDock->setObjectName(QStringLiteral("corruptions"));
  CorruptionDock->setWidget(Corruptions);
  addDockWidget(Qt::BottomDockWidgetArea, CorruptionDock);
  tabifyDockWidget(AccuracyDock, CorruptionDock);
  CorruptionDock->hide();
  AccuracyDock->raise();
  CorruptionJob = new CorruptionRun(this);

  connect(Corruptions, &CorruptionExplorer::runRequested, this, &MainWindow::exploreCorruptions);
  connect(Corruptions, &CorruptionExplorer::cancelRequested, CorruptionJob, &CorruptionRun::cancel);
  connect(CorruptionJob, &CorruptionRun::cellReady, Corruptions, &CorruptionExplorer::addCell);
  connect(CorruptionJob, &CorruptionRun::progress, Corruptions, &CorruptionExplorer::setProgress);
  connect(CorruptionJob,
          &CorruptionRun::finished,
          this,
          [this](bool cancelled, const QString& error)
          {
            Corruptions->finish(cancelled, error);
            if (!error.isEmpty())
            {
              showProblem(error);
            }
          });
  connect(Accuracy, &AccuracyTable::imagesRequested, this, &MainWindow::openAccuracyCell);
  connect(Browser, &DatasetBrowser::pinRequested, this, &MainWindow::pinItemAsA);
  connect(Controller,
          &WorkbenchController::verdictsReady,
          this,
          [this](int dataset) { Browser->setVerdicts(dataset, Controller->verdicts(dataset)); });
  // Before showAnalysis (connected later): B is set when the overlay is redrawn.
  connect(Controller, &WorkbenchController::analysed, this, &MainWindow::showComparison);
  connect(this,
          &MainWindow::analysisShown,
          this,
          [this]()
          {
            if (CorruptionDock->isVisible())
            {
              exploreCorruptions(); // live for the selected image while the explorer is open
            }
          });

  // Drops anywhere on the window, docks included: their panels (a spin box's line edit, the
  // browser's list) must not take them.
  qApp->installEventFilter(this);
  for (QDockWidget* dock : findChildren<QDockWidget*>())
  {
    dock->setAcceptDrops(true); // floating, a dock is a window of its own
  }
}

void MainWindow::retranslateComparison()
{
  ComparisonDock->setWindowTitle(tr("Compare A/B"));
  CorruptionDock->setWindowTitle(tr("Corruption explorer"));
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
  const QEvent::Type type = event->type();
  if (type != QEvent::DragEnter && type != QEvent::DragMove && type != QEvent::Drop)
  {
    return QMainWindow::eventFilter(watched, event);
  }
  bool ours = false;
  for (auto* widget = qobject_cast<QWidget*>(watched); widget != nullptr;
       widget = widget->parentWidget())
  {
    ours = ours || widget == this;
  }
  auto* drop = static_cast<QDropEvent*>(event); // drag enter and move events are drop events
  if (!ours || !drop->mimeData()->hasUrls())
  {
    return QMainWindow::eventFilter(watched, event);
  }
  if (type == QEvent::Drop)
  {
    handleDrop(drop->mimeData()->urls());
  }
  drop->acceptProposedAction();
  return true;
}

void MainWindow::handleDrop(const QList<QUrl>& urls)
{
  QStringList images;
  QStringList bundles;
  QStringList datasetFolders;
  QStringList imageFolders;
  for (const QUrl& url : urls)
  {
    if (!url.isLocalFile())
    {
      showProblem(tr("%1: only local files and folders can be dropped").arg(url.toString()));
      continue;
    }
    const QString path = QDir::cleanPath(url.toLocalFile());
    const QFileInfo info(path);
    if (!info.exists())
    {
      showProblem(tr("%1: no such file or folder").arg(path));
    }
    else if (info.isDir() && QFileInfo(QDir(path).filePath(BundleManifestFile)).isFile())
    {
      bundles << path;
    }
    else if (info.isDir())
    {
      const QDir folder(path);
      if (!folder.entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty())
      {
        datasetFolders << path; // class folders (or another layout the spec detects)
      }
      else
      {
        imageFolders << path;
      }
    }
    else if (info.isFile() && isImageName(path))
    {
      images << path;
    }
    else
    {
      showProblem(
        tr("%1: not an image (PNG, JPEG, BMP, TIFF, WebP), a dataset folder or a model bundle")
          .arg(path));
    }
  }

  std::vector<std::string> classNames;
  if (const BundleManifest* manifest = Controller->manifest())
  {
    classNames = manifest->classNames;
  }
  auto addFiles = [this, &classNames](const QString& name, const QStringList& files)
  {
    std::vector<std::string> paths;
    for (const QString& file : files)
    {
      paths.push_back(file.toStdString());
    }
    Controller->addLocalDataset(
      std::make_shared<FileListDataset>(name.toStdString(), std::move(paths), classNames));
    const int added = static_cast<int>(Controller->datasets().size()) - 1;
    for (int d = 0; d < added; ++d)
    {
      Browser->setVerdicts(d, Controller->verdicts(d)); // the browser was given the datasets anew
    }
    Browser->showFiltered(added, BrowserFilter());
    DatasetsDock->show();
  };
  for (const QString& path : imageFolders)
  {
    QStringList files;
    const QDir folder(path);
    for (const QString& name : folder.entryList(QDir::Files, QDir::Name))
    {
      if (isImageName(name))
      {
        files << folder.filePath(name);
      }
    }
    if (files.isEmpty())
    {
      showProblem(tr("%1: no images and no class folders in it").arg(path));
      continue;
    }
    addFiles(path, files);
  }
  if (!datasetFolders.isEmpty() && bundles.isEmpty())
  {
    Controller->openDatasets(Controller->datasetSpecs() + datasetFolders);
  }
  if (!bundles.isEmpty())
  {
    if (bundles.size() > 1)
    {
      showProblem(tr("%1: one model at a time; opening %2").arg(bundles[1], bundles[0]));
    }
    openSession(bundles.first(), Controller->datasetSpecs() + datasetFolders, 0);
  }
  if (images.size() > 1)
  {
    addFiles(tr("dropped images (%n)", nullptr, static_cast<int>(images.size())), images);
  }
  if (!images.isEmpty())
  {
    Controller->analyseFile(images.first());
  }
}

void MainWindow::openAccuracyCell(int row, AccuracyTable::ImageSelection selection)
{
  BrowserFilter filter;
  switch (selection)
  {
    case AccuracyTable::ImageSelection::BaselineWrong:
      filter.baseline = BrowserFilter::Verdict::Wrong;
      break;
    case AccuracyTable::ImageSelection::BmflWrong:
      filter.bmfl = BrowserFilter::Verdict::Wrong;
      break;
    case AccuracyTable::ImageSelection::HeadsDisagree:
      filter.headsDisagree = true;
      break;
    case AccuracyTable::ImageSelection::All:
      break;
  }
  DatasetsDock->show();
  DatasetsDock->raise();
  Browser->showFiltered(row, filter);
  if (filter.byVerdict() && !Controller->verdicts(row) && row >= 0 &&
      static_cast<std::size_t>(row) < Controller->datasets().size())
  {
    statusBar()->showMessage(
      tr("%1: evaluate it first; its images' verdicts are not known yet")
        .arg(QString::fromStdString(Controller->datasets()[static_cast<std::size_t>(row)]->name())),
      8000);
  }
}

void MainWindow::pinCurrentAsA()
{
  if (!Current.result)
  {
    statusBar()->showMessage(tr("Analyse an image first, then pin it as A"), 5000);
    return;
  }
  PinnedA = Current;
  ComparedB = AnalysedImage();
  Comparison->setSide(ComparisonPanel::Side::A,
                      PinnedA.modelInput,
                      PinnedA.id,
                      PinnedA.result,
                      PinnedA.trueLabel,
                      PinnedA.trueName);
  Comparison->clearSide(ComparisonPanel::Side::B);
  ComparisonDock->show();
  ComparisonDock->raise();
  updateCortexOverlay();
}

void MainWindow::pinItemAsA(int datasetIndex, qulonglong item)
{
  if (Current.result && Current.file.isEmpty() && Current.datasetIndex == datasetIndex &&
      Current.item == item)
  {
    pinCurrentAsA();
    return;
  }
  PendingPin = std::make_pair(datasetIndex, item);
  Controller->analyseItem(datasetIndex, static_cast<std::size_t>(item));
}

void MainWindow::showComparison(const AnalysedImage& analysed)
{
  if (PendingPin && analysed.file.isEmpty() && analysed.datasetIndex == PendingPin->first &&
      analysed.item == PendingPin->second)
  {
    PendingPin.reset();
    Current = analysed;
    pinCurrentAsA();
    return;
  }
  if (!PinnedA.result)
  {
    return;
  }
  ComparedB = analysed;
  Comparison->setSide(ComparisonPanel::Side::B,
                      analysed.modelInput,
                      analysed.id,
                      analysed.result,
                      analysed.trueLabel,
                      analysed.trueName);
}

bool MainWindow::fillDifferenceOverlay(SurfaceOverlay& overlay) const
{
  if (!PinnedA.result || !ComparedB.result ||
      PinnedA.result->predictedFmri.size() != ComparedB.result->predictedFmri.size())
  {
    return false;
  }
  const std::vector<float>& a = PinnedA.result->predictedFmri;
  const std::vector<float>& b = ComparedB.result->predictedFmri;
  overlay.values.resize(a.size());
  float largest = 0.0F;
  for (std::size_t v = 0; v < a.size(); ++v)
  {
    overlay.values[v] = b[v] - a[v];
    if (std::isfinite(overlay.values[v]))
    {
      largest = std::max(largest, std::abs(overlay.values[v]));
    }
  }
  // Symmetric about 0: which way the response moved reads from the colour alone.
  const float range = std::max(largest, 1e-6F);
  overlay.rangeMinimum = -range;
  overlay.rangeMaximum = range;
  overlay.colormap = OverlayColormap::Diverging;
  overlay.title = tr("predicted response B \u2212 A").toStdString();
  return true;
}

void MainWindow::exploreCorruptions()
{
  const BundleManifest* manifest = Controller->manifest();
  if (manifest == nullptr || !Current.result)
  {
    statusBar()->showMessage(tr("Analyse an image first, then explore its corruptions"), 5000);
    return;
  }
  CorruptionRun::Request request;
  request.engine = Controller->engine();
  const auto& datasets = Controller->datasets();
  if (Current.datasetIndex >= 0 && static_cast<std::size_t>(Current.datasetIndex) < datasets.size())
  {
    request.dataset = datasets[static_cast<std::size_t>(Current.datasetIndex)];
    request.item = static_cast<std::size_t>(Current.item);
  }
  else
  {
    request.file = Current.file;
  }
  request.cells = CorruptionRun::suiteFor(*manifest);
  std::vector<std::string> roiNames;
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  if (space && !space->labelSets.empty())
  {
    try
    {
      request.labels = std::make_shared<const TemplateLabels>(
        templateLabels(space->labelSets.front().name, space->templateName, space.get()));
      roiNames = CorruptionRun::roiNames(*space, *request.labels);
    }
    catch (const std::exception& error)
    {
      request.labels.reset();
      statusBar()->showMessage(QString::fromStdString(error.what()), 8000);
    }
  }
  Corruptions->start(
    Current.id, Current.trueLabel, CorruptionRun::corruptionsOf(request.cells), roiNames);
  if (!CorruptionDock->isVisible())
  {
    CorruptionDock->show();
    CorruptionDock->raise();
    resizeDocks({ CorruptionDock }, { 320 }, Qt::Vertical); // room for the grid
  }
  CorruptionJob->start(Controller->workerPool(), std::move(request));
}

bool MainWindow::exploringCorruptions() const
{
  return CorruptionJob->running();
}

} // namespace bmfl
