#include "MainWindow.h"

#include "bmfl/BrainTokenOverlay.h"
#include "bmfl/FileError.h"
#include "bmfl/Runtime.h"
#include "bmfl/widgets/AccuracyTable.h"
#include "bmfl/widgets/AttentionViews.h"
#include "bmfl/widgets/DatasetBrowser.h"
#include "bmfl/widgets/Figures.h"
#include "bmfl/widgets/PredictionPanel.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageWriter>
#include <QInputDialog>
#include <QLabel>
#include <QLibraryInfo>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTranslator>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

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

struct OverlayModeName
{
  MainWindow::CortexOverlay mode;
  const char* key; ///< as session files spell it
};
constexpr OverlayModeName kOverlayModes[] = {
  { MainWindow::CortexOverlay::PredictedFmri, "predicted-fmri" },
  { MainWindow::CortexOverlay::BrainTokenAttention, "attention" },
  { MainWindow::CortexOverlay::None, "none" },
};

// The interface languages: each named in itself, so anyone can find their own.
struct InterfaceLanguage
{
  const char* code;
  const char* name;
};
constexpr InterfaceLanguage kLanguages[] = { { "en", "English" }, { "zh_CN", "\u4e2d\u6587" } };

// A surface kind's name in the user's language.
QString surfaceKindLabel(SurfaceKind kind)
{
  switch (kind)
  {
    case SurfaceKind::Inflated:
      return MainWindow::tr("inflated");
    case SurfaceKind::Pial:
      return MainWindow::tr("pial");
    case SurfaceKind::White:
      return MainWindow::tr("white");
    case SurfaceKind::Sphere:
      return MainWindow::tr("sphere");
    case SurfaceKind::Flat:
      return MainWindow::tr("flat");
  }
  return QString::fromLatin1(surfaceKindName(kind));
}

QString countText(std::size_t count)
{
  return QLocale().toString(static_cast<qulonglong>(count));
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
  : QMainWindow(parent)
  , Controller(new WorkbenchController(this))
{
  setWindowTitle(tr("BMFL Workbench"));
  setAcceptDrops(true);
  Cortex = new CortexView(this);
  setCentralWidget(Cortex);

  SurfaceStatus = new QLabel(this);
  ModelStatus = new QLabel(this);
  RuntimeStatus = new QLabel(this);
  ProblemStatus = new QLabel(this);
  ProblemStatus->setObjectName(QStringLiteral("problem"));
  ProblemStatus->setStyleSheet(QStringLiteral("color: #b22222"));
  ProblemStatus->hide();
  Busy = new QProgressBar(this);
  Busy->setRange(0, 0);
  Busy->setMaximumWidth(120);
  Busy->hide();
  statusBar()->addWidget(SurfaceStatus, 1);
  statusBar()->addWidget(ModelStatus, 1);
  // Permanent: a temporary message (the analysed image's summary) must not hide a problem.
  statusBar()->addPermanentWidget(ProblemStatus);
  statusBar()->addPermanentWidget(Busy);
  statusBar()->addPermanentWidget(RuntimeStatus);

  SurfaceWorker.setMaxThreadCount(1);
  connect(&SurfaceLoad, &QFutureWatcher<LoadResult>::finished, this, &MainWindow::onSurfaceLoaded);
  buildDocks();
  buildComparisonDocks();
  buildRoiDocks();
  buildMenus();
  retranslate();
  connectController();
  updateStatus();
}

MainWindow::~MainWindow()
{
  Controller->cancelEvaluation();
  Controller->waitForIdle();
  SurfaceLoad.waitForFinished();
}

void MainWindow::buildDocks()
{
  Browser = new DatasetBrowser(this);
  auto* datasets = DatasetsDock = new QDockWidget(this);
  datasets->setObjectName(QStringLiteral("datasets"));
  datasets->setWidget(Browser);
  addDockWidget(Qt::LeftDockWidgetArea, datasets);

  auto* imagePanel = new QWidget(this);
  auto* imageLayout = new QVBoxLayout(imagePanel);
  imageLayout->setContentsMargins(2, 2, 2, 2);
  Predictions = new PredictionPanel(imagePanel);
  ImageAttention = new ImageAttentionView(imagePanel);
  TokenAttention = new BrainTokenAttentionChart(imagePanel);
  imageLayout->addWidget(Predictions);
  imageLayout->addWidget(ImageAttention, 1);
  imageLayout->addWidget(TokenAttention);
  auto* image = ImageDock = new QDockWidget(this);
  image->setObjectName(QStringLiteral("image"));
  image->setWidget(imagePanel);
  addDockWidget(Qt::RightDockWidgetArea, image);

  auto* accuracyPanel = new QWidget(this);
  auto* accuracyLayout = new QVBoxLayout(accuracyPanel);
  accuracyLayout->setContentsMargins(2, 2, 2, 2);
  Accuracy = new AccuracyTable(accuracyPanel);
  auto* buttons = new QHBoxLayout;
  auto* evaluate = EvaluateButton = new QPushButton(accuracyPanel);
  auto* cancel = CancelButton = new QPushButton(accuracyPanel);
  auto* copy = CopyButton = new QPushButton(accuracyPanel);
  buttons->addWidget(evaluate);
  buttons->addWidget(cancel);
  buttons->addWidget(copy);
  buttons->addStretch(1);
  accuracyLayout->addLayout(buttons);
  accuracyLayout->addWidget(Accuracy, 1);
  auto* accuracy = AccuracyDock = new QDockWidget(this);
  accuracy->setObjectName(QStringLiteral("accuracy"));
  accuracy->setWidget(accuracyPanel);
  addDockWidget(Qt::BottomDockWidgetArea, accuracy);
  // The cortex is the centre of the window: side panels start narrow.
  resizeDocks({ datasets, image }, { 200, 330 }, Qt::Horizontal);
  resizeDocks({ accuracy }, { 170 }, Qt::Vertical);
  connect(evaluate, &QPushButton::clicked, this, [this]() { Controller->evaluateAll(0); });
  connect(cancel, &QPushButton::clicked, Controller, &WorkbenchController::cancelEvaluation);
  connect(copy,
          &QPushButton::clicked,
          this,
          [this]() { QApplication::clipboard()->setText(Accuracy->toTsv()); });

  buildDisplayDock();

  connect(Browser,
          &DatasetBrowser::itemActivated,
          this,
          [this](int dataset, qulonglong item) { Controller->analyseItem(dataset, item); });
}

// The Display panel: how the overlay is coloured. It starts hidden (View > Display) so the
// window keeps its layout; its changes recolour the map on screen.
void MainWindow::buildDisplayDock()
{
  auto* panel = new QWidget(this);
  auto* form = new QFormLayout(panel);
  form->setContentsMargins(4, 4, 4, 4);
  auto spinBox = [panel](double minimum, double maximum, double step, const char* name)
  {
    auto* box = new QDoubleSpinBox(panel);
    box->setObjectName(QLatin1String(name));
    box->setRange(minimum, maximum);
    box->setDecimals(4);
    box->setSingleStep(step);
    box->setKeyboardTracking(false);
    return box;
  };
  Display.colormap = new QComboBox(panel);
  Display.colormap->setObjectName(QStringLiteral("colormap"));
  for (const char* key : { "auto", "diverging", "sequential" })
  {
    Display.colormap->addItem(QString(), QString::fromLatin1(key));
  }
  Display.fixedRange = new QCheckBox(panel);
  Display.fixedRange->setObjectName(QStringLiteral("fixedRange"));
  Display.minimum = spinBox(-1e6, 1e6, 0.1, "rangeMinimum");
  Display.maximum = spinBox(-1e6, 1e6, 0.1, "rangeMaximum");
  Display.symmetric = new QCheckBox(panel);
  Display.symmetric->setObjectName(QStringLiteral("symmetric"));
  Display.threshold = spinBox(0.0, 1e6, 0.05, "threshold");
  Display.opacity = spinBox(0.0, 1.0, 0.1, "opacity");
  Display.opacity->setDecimals(2);
  Display.colormapLabel = new QLabel(panel);
  Display.minimumLabel = new QLabel(panel);
  Display.maximumLabel = new QLabel(panel);
  Display.thresholdLabel = new QLabel(panel);
  Display.opacityLabel = new QLabel(panel);
  form->addRow(Display.colormapLabel, Display.colormap);
  form->addRow(Display.fixedRange);
  form->addRow(Display.minimumLabel, Display.minimum);
  form->addRow(Display.maximumLabel, Display.maximum);
  form->addRow(Display.symmetric);
  form->addRow(Display.thresholdLabel, Display.threshold);
  form->addRow(Display.opacityLabel, Display.opacity);
  auto* dock = DisplayDock = new QDockWidget(this);
  dock->setObjectName(QStringLiteral("display"));
  dock->setWidget(panel);
  addDockWidget(Qt::RightDockWidgetArea, dock);
  dock->hide();
  showOverlaySettings();

  connect(Display.fixedRange,
          &QCheckBox::toggled,
          this,
          [this](bool fixed)
          {
            // A range fixed from now on starts as the one on screen (before the panel is read).
            const SurfaceOverlay* shown = Cortex->overlay();
            if (fixed && shown && !Overlay.rangeMinimum)
            {
              const QSignalBlocker blockMinimum(Display.minimum);
              const QSignalBlocker blockMaximum(Display.maximum);
              Display.minimum->setValue(shown->rangeMinimum);
              Display.maximum->setValue(shown->rangeMaximum);
            }
          });
  connect(Display.colormap, &QComboBox::currentIndexChanged, this, &MainWindow::readDisplayPanel);
  for (QCheckBox* box : { Display.fixedRange, Display.symmetric })
  {
    connect(box, &QCheckBox::toggled, this, &MainWindow::readDisplayPanel);
  }
  for (QDoubleSpinBox* box :
       { Display.minimum, Display.maximum, Display.threshold, Display.opacity })
  {
    connect(box, &QDoubleSpinBox::valueChanged, this, &MainWindow::readDisplayPanel);
  }
}

void MainWindow::readDisplayPanel()
{
  Overlay.colormap = Display.colormap->currentData().toString();
  Overlay.threshold = Display.threshold->value();
  Overlay.opacity = Display.opacity->value();
  Overlay.symmetric = Display.symmetric->isChecked();
  Overlay.rangeMinimum.reset();
  Overlay.rangeMaximum.reset();
  const bool fixed = Display.fixedRange->isChecked();
  if (fixed && Overlay.symmetric)
  {
    const QSignalBlocker block(Display.minimum);
    Display.minimum->setValue(-std::abs(Display.maximum->value()));
  }
  const double minimum = Display.minimum->value();
  const double maximum =
    Overlay.symmetric && fixed ? std::abs(Display.maximum->value()) : Display.maximum->value();
  if (fixed && minimum < maximum)
  {
    Overlay.rangeMinimum = minimum;
    Overlay.rangeMaximum = maximum;
  }
  else if (fixed)
  {
    statusBar()->showMessage(tr("The colour range needs a minimum below its maximum."), 10000);
  }
  Display.minimum->setEnabled(fixed && !Overlay.symmetric);
  Display.maximum->setEnabled(fixed);
  Display.symmetric->setEnabled(fixed);
  updateCortexOverlay();
}

void MainWindow::showOverlaySettings()
{
  const QSignalBlocker blockColormap(Display.colormap);
  const QSignalBlocker blockFixed(Display.fixedRange);
  const QSignalBlocker blockMinimum(Display.minimum);
  const QSignalBlocker blockMaximum(Display.maximum);
  const QSignalBlocker blockSymmetric(Display.symmetric);
  const QSignalBlocker blockThreshold(Display.threshold);
  const QSignalBlocker blockOpacity(Display.opacity);
  Display.colormap->setCurrentIndex(std::max(0, Display.colormap->findData(Overlay.colormap)));
  const bool fixed = Overlay.rangeMinimum && Overlay.rangeMaximum;
  Display.fixedRange->setChecked(fixed);
  if (fixed)
  {
    Display.minimum->setValue(*Overlay.rangeMinimum);
    Display.maximum->setValue(*Overlay.rangeMaximum);
  }
  Display.symmetric->setChecked(Overlay.symmetric);
  Display.threshold->setValue(Overlay.threshold);
  Display.opacity->setValue(Overlay.opacity);
  Display.minimum->setEnabled(fixed && !Overlay.symmetric);
  Display.maximum->setEnabled(fixed);
  Display.symmetric->setEnabled(fixed);
}

void MainWindow::setOverlaySettings(const OverlaySettings& settings)
{
  Overlay = settings;
  showOverlaySettings();
  updateCortexOverlay();
}

void MainWindow::retranslate()
{
  setWindowTitle(tr("BMFL Workbench"));
  DatasetsDock->setWindowTitle(tr("Datasets"));
  ImageDock->setWindowTitle(tr("Image"));
  AccuracyDock->setWindowTitle(tr("Out-of-distribution accuracy"));
  retranslateComparison();
  retranslateRoi();
  EvaluateButton->setText(tr("Evaluate all"));
  CancelButton->setText(tr("Cancel"));
  CopyButton->setText(tr("Copy table"));
  DisplayDock->setWindowTitle(tr("Display"));
  Display.colormap->setItemText(0, tr("Automatic"));
  Display.colormap->setItemText(1, tr("Diverging (blue-white-red)"));
  Display.colormap->setItemText(2, tr("Sequential (yellow-red)"));
  Display.colormapLabel->setText(tr("Colormap"));
  Display.fixedRange->setText(tr("Fixed colour range (else automatic per image)"));
  Display.minimumLabel->setText(tr("Minimum"));
  Display.maximumLabel->setText(tr("Maximum"));
  Display.symmetric->setText(tr("Symmetric about 0"));
  Display.thresholdLabel->setText(tr("Threshold |value|"));
  Display.opacityLabel->setText(tr("Opacity"));
}

void MainWindow::changeEvent(QEvent* event)
{
  QMainWindow::changeEvent(event);
  if (event->type() != QEvent::LanguageChange)
  {
    return;
  }
  retranslate();
  // The menus are built anew in the new language (the old ones go once their events are done).
  menuBar()->clear();
  for (QMenu* menu : Menus)
  {
    menu->deleteLater();
  }
  Menus.clear();
  buildMenus();
  updateStatus();
  updateCortexOverlay(); // the colour bar's title
  if (Current.result)
  {
    statusBar()->showMessage(QStringLiteral("%1: %2").arg(Current.id, Predictions->summary()));
  }
}

void MainWindow::connectController()
{
  connect(Controller,
          &WorkbenchController::busyChanged,
          this,
          [this](const QString& what)
          {
            Busy->setVisible(!what.isEmpty());
            Busy->setToolTip(what);
            if (!what.isEmpty())
            {
              statusBar()->showMessage(what, 4000);
            }
          });
  connect(Controller, &WorkbenchController::failed, this, &MainWindow::showProblem);
  connect(Controller,
          &WorkbenchController::modelOpenFailed,
          this,
          [this]()
          {
            RequestedModel.clear();
            // The datasets are still worth browsing without the model.
            if (!PendingDatasets.isEmpty())
            {
              Controller->openDatasets(PendingDatasets);
              PendingDatasets.clear();
            }
          });
  connect(Controller,
          &WorkbenchController::evaluationFailed,
          this,
          [this](int row, const QString& message) { Accuracy->markFailed(row, message); });
  connect(Controller,
          &WorkbenchController::modelOpened,
          this,
          [this]()
          {
            ModelDir = RequestedModel;
            updateStatus();
            if (!PendingDatasets.isEmpty())
            {
              Controller->openDatasets(PendingDatasets); // class names come from the model
              PendingDatasets.clear();
            }
          });
  connect(Controller,
          &WorkbenchController::datasetsOpened,
          this,
          [this]()
          {
            QStringList names;
            for (const auto& dataset : Controller->datasets())
            {
              names << QString::fromStdString(dataset->name());
            }
            Accuracy->setDatasetNames(names);
            resetAccuracyRows(names);
            Browser->setDatasets(Controller->datasets());
            if (PendingSelection)
            {
              AnalyseFirstImage = false;
              selectPendingItem();
            }
            if (AnalyseFirstImage && !Controller->datasets().empty())
            {
              AnalyseFirstImage = false;
              Browser->selectItem(0, 0);
            }
            if (PendingEvaluationLimit > 0)
            {
              Controller->evaluateAll(PendingEvaluationLimit);
              PendingEvaluationLimit = 0;
            }
          });
  connect(Controller, &WorkbenchController::analysed, this, &MainWindow::showAnalysis);
  connect(Controller,
          &WorkbenchController::evaluationProgress,
          this,
          [this](int row, qulonglong done, qulonglong total, const DatasetAccuracy& running)
          {
            Accuracy->updateRow(row, done, total, running);
            rememberAccuracy(row, running);
          });
}

void MainWindow::showProblem(const QString& oneLineMessage)
{
  Problems << oneLineMessage;
  ProblemStatus->setText(QStringLiteral("\u26a0 ") + oneLineMessage);
  ProblemStatus->setToolTip(Problems.join(QLatin1Char('\n')));
  ProblemStatus->show();
  std::fprintf(stderr, "bmfl-workbench: %s\n", qPrintable(oneLineMessage));
}

bool MainWindow::loadingThumbnails()
{
  return Browser->pendingThumbnails() > 0;
}

void MainWindow::openSession(const QString& bundleDir,
                             const QStringList& datasetSpecs,
                             std::size_t evaluationLimit)
{
  PendingDatasets = datasetSpecs;
  PendingEvaluationLimit = evaluationLimit;
  AnalyseFirstImage = true;
  RequestedModel = bundleDir;
  Controller->openModel(bundleDir);
}

QString MainWindow::defaultAutosavePath()
{
  return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
         QStringLiteral("/last-session.json");
}

WorkbenchSession MainWindow::currentSession() const
{
  WorkbenchSession session;
  session.modelDir = ModelDir;
  session.datasets = Controller->datasetSpecs();
  if (Current.result)
  {
    session.selection.dataset = Current.datasetIndex;
    session.selection.item = Current.item;
    session.selection.file = Current.file;
  }
  session.templateFolder = TemplateFolder;
  session.surfaceKind = QString::fromLatin1(surfaceKindName(
    Cortex->surface() ? Cortex->surface()->kind
                      : static_cast<SurfaceKind>(SurfaceKinds->checkedAction()->data().toInt())));
  session.viewPreset = QString::fromLatin1(CortexView::presetKey(Cortex->viewPreset()));
  session.roiBorders = RoiSource;
  session.overlay = Overlay;
  for (const OverlayModeName& mode : kOverlayModes)
  {
    if (mode.mode == OverlayMode)
    {
      session.overlay.mode = QString::fromLatin1(mode.key);
    }
  }
  session.language = Language;
  session.windowGeometry = saveGeometry();
  session.windowState = saveState();
  return session;
}

void MainWindow::applySession(const WorkbenchSession& session, std::size_t evaluationLimit)
{
  if (!session.language.isEmpty())
  {
    setLanguage(session.language);
  }
  if (!session.windowGeometry.isEmpty())
  {
    restoreGeometry(session.windowGeometry);
  }
  if (!session.windowState.isEmpty())
  {
    restoreState(session.windowState);
  }
  SurfaceKind kind = SurfaceKind::Inflated;
  for (SurfaceKind candidate : { SurfaceKind::Inflated,
                                 SurfaceKind::Pial,
                                 SurfaceKind::White,
                                 SurfaceKind::Sphere,
                                 SurfaceKind::Flat })
  {
    if (session.surfaceKind == QLatin1String(surfaceKindName(candidate)))
    {
      kind = candidate;
    }
  }
  loadSurfaceInBackground(session.templateFolder, kind, true);
  setRoiBorders(session.roiBorders);
  for (CortexView::ViewPreset preset : { CortexView::ViewPreset::Lateral,
                                         CortexView::ViewPreset::Medial,
                                         CortexView::ViewPreset::Dorsal,
                                         CortexView::ViewPreset::Ventral,
                                         CortexView::ViewPreset::Anterior,
                                         CortexView::ViewPreset::Posterior })
  {
    if (session.viewPreset == QLatin1String(CortexView::presetKey(preset)))
    {
      setViewPreset(preset);
    }
  }
  Overlay = session.overlay;
  showOverlaySettings();
  for (const OverlayModeName& mode : kOverlayModes)
  {
    if (session.overlay.mode == QLatin1String(mode.key))
    {
      setCortexOverlay(mode.mode);
    }
  }
  PendingSelection.reset();
  if (session.selection.dataset >= 0 || !session.selection.file.isEmpty())
  {
    PendingSelection = session.selection;
    PendingSelectionSpecs = session.datasets;
  }
  if (!session.modelDir.isEmpty())
  {
    openSession(session.modelDir, session.datasets, evaluationLimit);
    AnalyseFirstImage = !PendingSelection;
  }
  else if (!session.datasets.isEmpty())
  {
    Controller->openDatasets(session.datasets);
  }
}

void MainWindow::selectPendingItem()
{
  const SessionSelection selection = *PendingSelection;
  PendingSelection.reset();
  if (selection.dataset < 0)
  {
    Controller->analyseFile(selection.file);
    return;
  }
  // The session's datasets that did not open are missing here: find the selected one by spec.
  const QString spec = PendingSelectionSpecs.value(selection.dataset);
  const int index = static_cast<int>(Controller->datasetSpecs().indexOf(spec));
  if (index < 0)
  {
    return; // its dataset did not open, and that is shown already
  }
  if (selection.item >= Controller->datasets()[static_cast<std::size_t>(index)]->size())
  {
    showProblem(tr("%1: the session's image %2 is beyond its %3 images")
                  .arg(spec)
                  .arg(selection.item)
                  .arg(Controller->datasets()[static_cast<std::size_t>(index)]->size()));
    return;
  }
  Browser->selectItem(index, static_cast<std::size_t>(selection.item));
}

bool MainWindow::saveSessionFile(const QString& path)
{
  try
  {
    writeSessionFile(path, currentSession());
  }
  catch (const std::exception& error)
  {
    showProblem(QString::fromStdString(error.what()));
    return false;
  }
  return true;
}

bool MainWindow::openSessionFile(const QString& path, std::size_t evaluationLimit)
{
  try
  {
    applySession(readSessionFile(path), evaluationLimit);
  }
  catch (const std::exception& error)
  {
    showProblem(QString::fromStdString(error.what()));
    return false;
  }
  return true;
}

void MainWindow::saveSessionDialog()
{
  QString path = QFileDialog::getSaveFileName(this,
                                              tr("Save session"),
                                              QStringLiteral("session.bmfl.json"),
                                              tr("Workbench sessions (*.json)"));
  if (path.isEmpty())
  {
    return;
  }
  if (!path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
  {
    path += QLatin1String(".json");
  }
  if (saveSessionFile(path))
  {
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  }
}

void MainWindow::openSessionDialog()
{
  const QString path = QFileDialog::getOpenFileName(
    this, tr("Open session"), QString(), tr("Workbench sessions (*.json)"));
  if (!path.isEmpty())
  {
    openSessionFile(path, 0);
  }
}

bool MainWindow::installLanguage(const QString& language)
{
  // The workbench's own texts, and Qt's (standard dialog buttons), replaced as a pair.
  static QTranslator* ours = nullptr;
  static QTranslator* qts = nullptr;
  for (QTranslator** translator : { &ours, &qts })
  {
    if (*translator != nullptr)
    {
      QCoreApplication::removeTranslator(*translator);
      delete *translator;
      *translator = nullptr;
    }
  }
  const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
  if (locale.language() == QLocale::English || locale.language() == QLocale::C)
  {
    return true; // the source language
  }
  auto* translator = new QTranslator(qApp);
  if (!translator->load(
        locale, QStringLiteral("bmfl"), QStringLiteral("_"), QStringLiteral(":/i18n")))
  {
    delete translator;
    return false;
  }
  QCoreApplication::installTranslator(translator);
  ours = translator;
  auto* qtTranslator = new QTranslator(qApp);
  if (qtTranslator->load(locale,
                         QStringLiteral("qtbase"),
                         QStringLiteral("_"),
                         QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
  {
    QCoreApplication::installTranslator(qtTranslator);
    qts = qtTranslator;
  }
  else
  {
    delete qtTranslator;
  }
  return true;
}

void MainWindow::setLanguage(const QString& language)
{
  if (!installLanguage(language))
  {
    showProblem(tr("no translation for '%1'; showing English").arg(language));
  }
  Language = language;
  if (Languages != nullptr)
  {
    for (QAction* action : Languages->actions())
    {
      action->setChecked(action->data().toString() == language);
    }
  }
}

void MainWindow::buildMenus()
{
  QMenu* file = menuBar()->addMenu(tr("&File"));
  Menus << file;
  QAction* openModel = file->addAction(tr("Open &Model Bundle..."));
  openModel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
  connect(openModel, &QAction::triggered, this, &MainWindow::openModelDialog);
  QAction* openImage = file->addAction(tr("Open &Image..."));
  openImage->setShortcut(QKeySequence::Open);
  connect(openImage, &QAction::triggered, this, &MainWindow::openImageDialog);
  file->addSeparator();
  QAction* openSessionAction = file->addAction(tr("Open &Session..."));
  connect(openSessionAction, &QAction::triggered, this, &MainWindow::openSessionDialog);
  QAction* saveSession = file->addAction(tr("Sa&ve Session..."));
  saveSession->setShortcut(QKeySequence::Save);
  connect(saveSession, &QAction::triggered, this, &MainWindow::saveSessionDialog);
  file->addSeparator();
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
  QAction* figure = file->addAction(tr("Export &Figure..."));
  connect(figure, &QAction::triggered, this, &MainWindow::exportFigureDialog);
  QAction* table = file->addAction(tr("Export &Accuracy Table..."));
  connect(table, &QAction::triggered, this, &MainWindow::exportAccuracyTableDialog);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  Menus << view;
  ViewPresets = new QActionGroup(view);
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
  SurfaceKinds = new QActionGroup(surfaceMenu);
  const SurfaceKind shownKind = Cortex->surface() ? Cortex->surface()->kind : SurfaceKind::Inflated;
  for (SurfaceKind kind : { SurfaceKind::Inflated,
                            SurfaceKind::Pial,
                            SurfaceKind::White,
                            SurfaceKind::Sphere,
                            SurfaceKind::Flat })
  {
    QString name = surfaceKindLabel(kind);
    name[0] = name[0].toUpper();
    QAction* action = surfaceMenu->addAction(name);
    action->setCheckable(true);
    action->setData(static_cast<int>(kind));
    action->setChecked(kind == shownKind);
    SurfaceKinds->addAction(action);
    connect(action,
            &QAction::triggered,
            this,
            [this, kind]() { loadSurfaceInBackground(TemplateFolder, kind); });
  }
  view->addAction(DisplayDock->toggleViewAction());
  view->addAction(ComparisonDock->toggleViewAction());
  view->addAction(CorruptionDock->toggleViewAction());
  buildRoiMenu(view);
  QMenu* overlayMenu = view->addMenu(tr("Cortex &Overlay"));
  Overlays = new QActionGroup(overlayMenu);
  const std::pair<CortexOverlay, QString> overlays[] = {
    { CortexOverlay::PredictedFmri, tr("Predicted fMRI") },
    { CortexOverlay::BrainTokenAttention, tr("Brain-Token Attention") },
    { CortexOverlay::None, tr("None") },
    { CortexOverlay::DifferenceBA, tr("Difference B \u2212 A (predicted fMRI)") },
  };
  for (const auto& [mode, name] : overlays)
  {
    QAction* action = overlayMenu->addAction(name);
    action->setCheckable(true);
    action->setChecked(mode == OverlayMode);
    Overlays->addAction(action);
    const CortexOverlay chosen = mode;
    connect(action,
            &QAction::triggered,
            this,
            [this, chosen]()
            {
              setCortexOverlay(chosen);
              // ROI tokens' weights read per area: their areas' borders come with them, unless
              // the user has chosen other borders.
              const BundleManifest* manifest = Controller->manifest();
              if (chosen == CortexOverlay::BrainTokenAttention && RoiSource.isEmpty() && manifest &&
                  manifest->model.brainTransformer.tokenizer == "roi_tokens")
              {
                setRoiBorders(QString::fromStdString(manifest->model.brainTransformer.roiLabelSet));
              }
            });
  }
  QMenu* languageMenu = view->addMenu(tr("&Language"));
  Languages = new QActionGroup(languageMenu);
  for (const InterfaceLanguage& language : kLanguages)
  {
    QAction* action = languageMenu->addAction(QString::fromUtf8(language.name));
    action->setCheckable(true);
    const QString code = QString::fromLatin1(language.code);
    action->setData(code);
    action->setChecked(code == Language || (Language.isEmpty() && code == QLatin1String("en") &&
                                            QLocale().language() != QLocale::Chinese));
    Languages->addAction(action);
    connect(action, &QAction::triggered, this, [this, code]() { setLanguage(code); });
  }

  QMenu* dataMenu = menuBar()->addMenu(tr("&Data"));
  Menus << dataMenu;
  connect(dataMenu->addAction(tr("&Add Dataset...")),
          &QAction::triggered,
          this,
          &MainWindow::addDatasetDialog);
  connect(dataMenu->addAction(tr("&Evaluate All Datasets")),
          &QAction::triggered,
          this,
          [this]() { Controller->evaluateAll(0); });
  connect(dataMenu->addAction(tr("&Cancel Evaluation")),
          &QAction::triggered,
          Controller,
          &WorkbenchController::cancelEvaluation);
  dataMenu->addSeparator();
  QAction* pin = dataMenu->addAction(tr("&Pin Current Image as A"));
  pin->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  connect(pin, &QAction::triggered, this, &MainWindow::pinCurrentAsA);
  connect(dataMenu->addAction(tr("Explore C&orruptions of the Current Image")),
          &QAction::triggered,
          this,
          &MainWindow::exploreCorruptions);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  Menus << help;
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

void MainWindow::setCortexOverlay(CortexOverlay overlay)
{
  OverlayMode = overlay;
  const int index = static_cast<int>(overlay);
  if (index < Overlays->actions().size())
  {
    Overlays->actions()[index]->setChecked(true);
  }
  updateCortexOverlay();
}

void MainWindow::showSurface(std::shared_ptr<const CorticalSurface> surface, const QString& folder)
{
  showPreparedSurface(CortexView::prepareSurface(std::move(surface)), folder);
}

void MainWindow::checkShownSurfaceKind()
{
  if (const CorticalSurface* surface = Cortex->surface())
  {
    for (QAction* action : SurfaceKinds->actions())
    {
      action->setChecked(action->data().toInt() == static_cast<int>(surface->kind));
    }
  }
}

void MainWindow::showPreparedSurface(std::shared_ptr<CortexView::PreparedSurface> prepared,
                                     const QString& folder)
{
  Cortex->showPreparedSurface(std::move(prepared));
  TemplateFolder = folder;
  checkShownSurfaceKind();
  updateCortexOverlay();
  refreshRoiLabels();
  updateStatus();
  emit surfaceShown();
}

void MainWindow::showAnalysis(const AnalysedImage& analysed)
{
  Current = analysed;
  Predictions->setPrediction(analysed.result, analysed.trueLabel, analysed.trueName);
  ImageAttention->setImage(analysed.modelInput);
  ImageAttention->setAttention(analysed.result->brainToImageAttention,
                               analysed.result->gridHeight,
                               analysed.result->gridWidth);
  TokenAttention->setAttention(analysed.result->imageToBrainAttention,
                               analysed.result->brainTokens);
  updateCortexOverlay();
  updateRoiPanel();
  statusBar()->showMessage(QStringLiteral("%1: %2").arg(analysed.id, Predictions->summary()));
  emit analysisShown();
}

void MainWindow::updateCortexOverlay()
{
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  if (!Current.result || !space || !Cortex->surface() || OverlayMode == CortexOverlay::None)
  {
    Cortex->setOverlay(nullptr);
    return;
  }
  auto overlay = std::make_shared<SurfaceOverlay>();
  overlay->space = space;
  if (OverlayMode == CortexOverlay::DifferenceBA)
  {
    if (!fillDifferenceOverlay(*overlay))
    {
      Cortex->setOverlay(nullptr);
      statusBar()->showMessage(tr("Pin an image as A and analyse another (B) to see B \u2212 A"),
                               8000);
      return;
    }
  }
  else if (OverlayMode == CortexOverlay::PredictedFmri)
  {
    overlay->values = Current.result->predictedFmri;
    const float range = symmetricRange99(overlay->values);
    overlay->rangeMinimum = -range;
    overlay->rangeMaximum = range;
    overlay->colormap = OverlayColormap::Diverging;
    overlay->title =
      tr("predicted response, %1").arg(QString::fromStdString(space->name)).toStdString();
  }
  else
  {
    const BundleManifest* manifest = Controller->manifest();
    try
    {
      overlay->values = brainTokenVertexValues(
        *space,
        Current.result->brainTokens,
        Current.result->imageToBrainAttention,
        manifest ? manifest->model.brainTransformer.roiLabelSet : std::string());
    }
    catch (const std::invalid_argument& error)
    {
      Cortex->setOverlay(nullptr);
      statusBar()->showMessage(QString::fromStdString(error.what()), 10000);
      return;
    }
    const auto& weights = Current.result->imageToBrainAttention;
    overlay->rangeMinimum = 0.0F;
    overlay->rangeMaximum =
      weights.empty() ? 1.0F : *std::max_element(weights.begin(), weights.end());
    overlay->colormap = OverlayColormap::Sequential;
    overlay->title = tr("image [CLS] \u2192 brain token attention").toStdString();
  }
  // The session's settings: a fixed range, a chosen colormap, a threshold.
  if (Overlay.rangeMinimum && Overlay.rangeMaximum)
  {
    overlay->rangeMinimum = static_cast<float>(*Overlay.rangeMinimum);
    overlay->rangeMaximum = static_cast<float>(*Overlay.rangeMaximum);
  }
  if (Overlay.colormap == QLatin1String("diverging"))
  {
    overlay->colormap = OverlayColormap::Diverging;
  }
  else if (Overlay.colormap == QLatin1String("sequential"))
  {
    overlay->colormap = OverlayColormap::Sequential;
  }
  overlay->threshold = static_cast<float>(Overlay.threshold);
  overlay->opacity = static_cast<float>(Overlay.opacity);
  try
  {
    Cortex->setOverlay(overlay);
  }
  catch (const std::invalid_argument& error)
  {
    Cortex->setOverlay(nullptr);
    statusBar()->showMessage(QString::fromStdString(error.what()), 10000);
  }
}

void MainWindow::loadSurfaceInBackground(const QString& folder,
                                         SurfaceKind kind,
                                         bool fallBackToBundled)
{
  if (SurfaceLoadPending)
  {
    statusBar()->showMessage(tr("Still loading the previous surface..."), 3000);
    return;
  }
  SurfaceLoadPending = true;
  statusBar()->showMessage(tr("Loading %1 surface...").arg(surfaceKindLabel(kind)));
  // Reading, normals and shading all happen here: the full fsaverage takes seconds.
  SurfaceLoad.setFuture(QtConcurrent::run(
    &SurfaceWorker,
    [folder, kind, fallBackToBundled]()
    {
      LoadResult result;
      result.folder = folder;
      try
      {
        // A full fsaverage has no flat patch: fsaverage5's stands in (nested: same vertices).
        const bool flatStandIn =
          kind == SurfaceKind::Flat && !folder.isEmpty() &&
          fsaverageVertexCount(QDir(folder).dirName().toStdString()) > 0 &&
          !QFileInfo::exists(QDir(folder).filePath(QStringLiteral("flat_left.gii.gz"))) &&
          !QFileInfo::exists(QDir(folder).filePath(QStringLiteral("flat_left.gii")));
        if (flatStandIn)
        {
          result.note = MainWindow::tr("%1 has no flat map: showing fsaverage5's flat map, onto "
                                       "which fsaverage's first vertices are nested")
                          .arg(QDir(folder).dirName());
        }
        result.prepared =
          CortexView::prepareSurface(loadSurface(flatStandIn ? QString() : folder, kind));
      }
      catch (const FileError& error)
      {
        result.error = QString::fromStdString(error.what());
        if (fallBackToBundled)
        {
          result.fellBack = true;
          result.folder.clear();
          result.prepared = CortexView::prepareSurface(loadSurface(QString(), kind));
        }
      }
      return result;
    }));
}

void MainWindow::onSurfaceLoaded()
{
  const LoadResult result = SurfaceLoad.result();
  SurfaceLoadPending = false;
  statusBar()->clearMessage();
  if (result.fellBack)
  {
    showProblem(tr("%1; showing the bundled fsaverage5").arg(result.error));
  }
  else if (!result.error.isEmpty())
  {
    QMessageBox::warning(this, tr("Cannot load surface"), result.error);
    checkShownSurfaceKind(); // keep what was shown, menus included
    return;
  }
  showPreparedSurface(result.prepared, result.folder);
  if (!result.note.isEmpty())
  {
    statusBar()->showMessage(result.note, 15000);
  }
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

void MainWindow::openModelDialog()
{
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Model bundle folder"));
  if (!folder.isEmpty())
  {
    openSession(folder, Controller->datasetSpecs(), 0);
  }
}

void MainWindow::openImageDialog()
{
  const QString path = QFileDialog::getOpenFileName(
    this, tr("Open image"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"));
  if (!path.isEmpty())
  {
    Controller->analyseFile(path);
  }
}

void MainWindow::addDatasetDialog()
{
  bool ok = false;
  const QString spec = QInputDialog::getText(
    this,
    tr("Add dataset"),
    tr("Dataset (a folder, or e.g. fashion-mnist:test, imagenet-v2:/data/v2):"),
    QLineEdit::Normal,
    QString(),
    &ok);
  if (!ok || spec.trimmed().isEmpty())
  {
    return;
  }
  Controller->openDatasets(QStringList(Controller->datasetSpecs()) << spec.trimmed());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
  if (event->mimeData()->hasUrls())
  {
    event->acceptProposedAction();
  }
}

void MainWindow::dropEvent(QDropEvent* event)
{
  handleDrop(event->mimeData()->urls());
  event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
  Controller->cancelEvaluation(); // a running evaluation stops after its batch
  if (!AutosavePath.isEmpty())
  {
    QDir().mkpath(QFileInfo(AutosavePath).absolutePath());
    saveSessionFile(AutosavePath); // reopened at the next start
  }
  QMainWindow::closeEvent(event);
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
  if (Cortex->surface())
  {
    SurfaceStatus->setText(tr("%1 %2 \u00b7 left %3 / right %4 vertices \u00b7 %5 view")
                             .arg(QString::fromStdString(Cortex->surface()->templateName),
                                  surfaceKindLabel(Cortex->surface()->kind),
                                  countText(Cortex->surface()->left.mesh.vertexCount()),
                                  countText(Cortex->surface()->right.mesh.vertexCount()),
                                  CortexView::presetName(Cortex->viewPreset())));
  }
  else
  {
    SurfaceStatus->setText(tr("No surface loaded"));
  }
  ModelStatus->setText(Controller->hasModel() ? tr("Model: %1").arg(Controller->modelDescription())
                                              : tr("No model"));
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
