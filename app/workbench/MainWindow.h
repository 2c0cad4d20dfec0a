#pragma once

#include "Session.h"
#include "WorkbenchController.h"

#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/AccuracyTable.h"
#include "bmfl/widgets/CortexView.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <QThreadPool>
#include <QUrl>

#include <map>
#include <memory>
#include <optional>
#include <utility>

class QActionGroup;
class QCheckBox;
class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;

namespace bmfl
{

class BrainTokenAttentionChart;
struct FigureExportRequest;
class ComparisonPanel;
class CorruptionExplorer;
class CorruptionRun;
class DatasetBrowser;
class ImageAttentionView;
class PredictionPanel;
class RoiPanel;
struct TemplateLabels;

/// The workbench window: the cortex in the centre with the predicted fMRI of the current image,
/// datasets on the left, the image's predictions and attention maps on the right, live
/// baseline-versus-BMFL accuracy below.
class MainWindow : public QMainWindow
{
  Q_OBJECT

public:
  /// What the cortex shows of the current image.
  enum class CortexOverlay
  {
    PredictedFmri,
    BrainTokenAttention,
    None,
    DifferenceBA ///< B's predicted fMRI minus A's (the pinned image)
  };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Shows a template surface. The window keeps the folder so other surface kinds can be
  /// loaded from it (empty folder: the bundled fsaverage5).
  void showSurface(std::shared_ptr<const CorticalSurface> surface, const QString& folder);

  /// Loads a template surface (empty folder: the bundled fsaverage5) and prepares it for the
  /// view on a worker thread: the window stays responsive, even for the full fsaverage. With
  /// fallBackToBundled (start-up, sessions) a folder that cannot be read is shown as a problem
  /// and the bundled fsaverage5 is loaded instead; otherwise a dialog says why.
  void loadSurfaceInBackground(const QString& folder,
                               SurfaceKind kind,
                               bool fallBackToBundled = false);
  /// Whether a surface is being loaded.
  /// True from a load's start until its surface is shown (or its problem reported): the future
  /// alone turns false before its result has been handled.
  bool loadingSurface() const { return SurfaceLoadPending; }

  /// Opens a model bundle and datasets; once both are open the first image of the first dataset
  /// is analysed and, when evaluationLimit > 0, every dataset is evaluated (that many images
  /// each) in the background.
  void openSession(const QString& bundleDir,
                   const QStringList& datasetSpecs,
                   std::size_t evaluationLimit);

  /// The session as it is now: model, datasets, selection, surface, view, overlay, layout.
  WorkbenchSession currentSession() const;
  /// Opens what a session names and shows it as it was saved. What cannot be had (a missing
  /// model or dataset) is shown as a problem; the rest opens. evaluationLimit as openSession.
  void applySession(const WorkbenchSession& session, std::size_t evaluationLimit);
  /// Writes the current session atomically / reads and applies one. A failure is shown as a
  /// problem (one line naming the file) and false is returned.
  bool saveSessionFile(const QString& path);
  bool openSessionFile(const QString& path, std::size_t evaluationLimit);
  /// Where the session is written when the window closes (empty, the default: nowhere).
  void setAutosavePath(const QString& path) { AutosavePath = path; }
  /// The last session's file, in the user's configuration folder.
  static QString defaultAutosavePath();

  /// Installs the translation of the interface for a language ("zh_CN"; "en" or empty: the
  /// source English), replacing the one before; widgets retranslate themselves on the
  /// QEvent::LanguageChange it sends. Returns false when there is no translation for it.
  static bool installLanguage(const QString& language);
  /// installLanguage, remembered for the session and in the View > Language menu; a language
  /// without a translation is shown as a problem.
  void setLanguage(const QString& language);
  const QString& language() const { return Language; }

  CortexView* cortexView() const { return Cortex; }
  WorkbenchController* controller() const { return Controller; }
  /// Whether thumbnails are still being decoded (a screenshot waits until none are).
  bool loadingThumbnails();

  /// Sets the camera preset and keeps the View menu in step.
  void setViewPreset(CortexView::ViewPreset preset);
  void setCortexOverlay(CortexOverlay overlay);
  /// Colormap, colour range, threshold and opacity of the cortex overlay: the Display panel
  /// follows and the current map is recoloured (no new inference).
  void setOverlaySettings(const OverlaySettings& settings);

  /// The ROI label source whose borders the cortex shows (View > ROI Borders): a label set of the
  /// model's vertex space or an atlas (see roiLabelSources); empty: none (MainWindowRoi.cpp).
  void setRoiBorders(const QString& source);
  const QString& roiBorderSource() const { return RoiSource; }
  RoiPanel* roiPanel() const { return Rois; }
  /// What the Vertex panel says about a vertex of the shown surface: hemisphere, template vertex,
  /// position, the current map's value and its ROI in every label source, one per line.
  QString describeVertex(const CortexView::PickedVertex& vertex);
  /// Fixes a symmetric colour range from the 99th percentile of |predicted response| over up to
  /// `limit` images of the open datasets, run on the controller's workers (Display panel:
  /// "From evaluation images"). rangeFromEvaluationReady() once it is set.
  void fixRangeFromEvaluationImages(std::size_t limit = 256);

  /// Writes a figure (the cortex view, the composite or the accuracy chart) as the request says,
  /// with the window's surface, overlay, borders, current result and model. Returns an error
  /// line naming the file, or empty (MainWindowExport.cpp).
  QString exportFigure(const FigureExportRequest& request);
  /// Writes the accuracy rows evaluated so far as CSV or LaTeX (by the extension). Returns an
  /// error line naming the file, or empty.
  QString exportAccuracyTable(const QString& path);

  /// Writes the window as it is now to a PNG, atomically. Returns an error line or empty.
  QString saveScreenshot(const QString& path);

  /// Shows a problem in the window until the next one (a status-bar label; its tooltip lists
  /// every problem so far) and prints it on stderr: the window keeps working with what is valid.
  void showProblem(const QString& oneLineMessage);
  /// The problems shown so far, oldest first.
  const QStringList& problems() const { return Problems; }

  /// Files and folders dropped anywhere on the window (on any of its panels): one image is
  /// analysed; several are analysed (the first) and shown as a "dropped images" dataset; a
  /// folder is added as a dataset (class folders: labelled; images only: unlabelled); a model
  /// bundle is opened; anything else is a problem naming the file and why.
  void handleDrop(const QList<QUrl>& urls);
  /// Keeps the current image's result as A; the next analysed image is B.
  void pinCurrentAsA();
  const AnalysedImage& pinnedA() const { return PinnedA; }
  const AnalysedImage& comparedB() const { return ComparedB; }
  DatasetBrowser* datasetBrowser() const { return Browser; }
  AccuracyTable* accuracyTable() const { return Accuracy; }
  CorruptionExplorer* corruptionExplorer() const { return Corruptions; }
  /// Computes the corruption explorer's grid for the current image on the worker threads.
  void exploreCorruptions();
  /// Whether the corruption explorer is computing.
  bool exploringCorruptions() const;

signals:
  /// The Display panel's range from evaluation images is set (or failed: see problems()).
  void rangeFromEvaluationReady();
  /// An analysed image is on screen (all views updated).
  void analysisShown();
  /// A surface is on screen (after loadSurfaceInBackground or showSurface).
  void surfaceShown();

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  // MainWindowCompare.cpp: drops, the browser's filters from the accuracy table, A/B, the
  // corruption explorer.
  void buildComparisonDocks();
  void retranslateComparison();
  void openAccuracyCell(int row, AccuracyTable::ImageSelection selection);
  void pinItemAsA(int datasetIndex, qulonglong item);
  void showComparison(const AnalysedImage& analysed);
  bool fillDifferenceOverlay(SurfaceOverlay& overlay) const;

  void buildMenus();
  void buildDocks();
  void buildDisplayDock();
  void readDisplayPanel();
  void showOverlaySettings();
  void retranslate();
  void connectController();
  void showPreparedSurface(std::shared_ptr<CortexView::PreparedSurface> prepared,
                           const QString& folder);
  void onSurfaceLoaded();
  void checkShownSurfaceKind();
  void selectPendingItem();
  void saveSessionDialog();
  void openSessionDialog();
  void openTemplateFolder();
  void openModelDialog();
  void openImageDialog();
  void addDatasetDialog();
  void exportScreenshot();
  void exportFigureDialog();
  void exportAccuracyTableDialog();
  void rememberAccuracy(int row, const DatasetAccuracy& accuracy);
  void resetAccuracyRows(const QStringList& datasetNames);
  void showAnalysis(const AnalysedImage& analysed);
  void updateCortexOverlay();
  void updateStatus();
  void showAbout();
  void buildRoiDocks();
  void buildRoiMenu(QMenu* view);
  void populateRoiMenu();
  void refreshRoiLabels();
  void updateRoiPanel();
  void retranslateRoi();
  std::shared_ptr<const TemplateLabels> cachedLabels(const std::string& source,
                                                     const std::string& templateName);

  WorkbenchController* Controller = nullptr;
  CortexView* Cortex = nullptr;
  DatasetBrowser* Browser = nullptr;
  PredictionPanel* Predictions = nullptr;
  ImageAttentionView* ImageAttention = nullptr;
  BrainTokenAttentionChart* TokenAttention = nullptr;
  AccuracyTable* Accuracy = nullptr;
  QLabel* SurfaceStatus = nullptr;
  QLabel* ModelStatus = nullptr;
  QLabel* RuntimeStatus = nullptr;
  QLabel* ProblemStatus = nullptr;
  QStringList Problems;
  QProgressBar* Busy = nullptr;
  QActionGroup* SurfaceKinds = nullptr;
  QActionGroup* ViewPresets = nullptr;
  QActionGroup* Overlays = nullptr;
  QActionGroup* Languages = nullptr;
  QList<QMenu*> Menus; ///< rebuilt in the new language when it changes
  QDockWidget* DatasetsDock = nullptr;
  QDockWidget* ImageDock = nullptr;
  QDockWidget* AccuracyDock = nullptr;
  QDockWidget* DisplayDock = nullptr;
  QDockWidget* ComparisonDock = nullptr;
  QDockWidget* CorruptionDock = nullptr;
  ComparisonPanel* Comparison = nullptr;
  CorruptionExplorer* Corruptions = nullptr;
  CorruptionRun* CorruptionJob = nullptr;
  AnalysedImage PinnedA;
  AnalysedImage ComparedB;
  std::optional<std::pair<int, qulonglong>> PendingPin; ///< an item to pin once analysed
  struct DisplayControls
  {
    QComboBox* colormap = nullptr;
    QCheckBox* fixedRange = nullptr;
    QDoubleSpinBox* minimum = nullptr;
    QDoubleSpinBox* maximum = nullptr;
    QCheckBox* symmetric = nullptr;
    QDoubleSpinBox* threshold = nullptr;
    QDoubleSpinBox* opacity = nullptr;
    QLabel* colormapLabel = nullptr;
    QLabel* minimumLabel = nullptr;
    QLabel* maximumLabel = nullptr;
    QLabel* thresholdLabel = nullptr;
    QLabel* opacityLabel = nullptr;
  } Display;
  QPushButton* EvaluateButton = nullptr;
  QPushButton* CancelButton = nullptr;
  QPushButton* CopyButton = nullptr;
  QString Language;
  QString AutosavePath;
  QString ModelDir;       ///< the open model's folder
  QString RequestedModel; ///< the model being opened
  OverlaySettings Overlay;
  /// A session's selection, shown once its datasets are open (an index into its specs).
  std::optional<SessionSelection> PendingSelection;
  QStringList PendingSelectionSpecs;
  QString TemplateFolder;
  AnalysedImage Current;
  std::vector<DatasetAccuracy> AccuracyRows; ///< as evaluated so far, for the exports
  CortexOverlay OverlayMode = CortexOverlay::PredictedFmri;
  QStringList PendingDatasets;
  std::size_t PendingEvaluationLimit = 0;
  bool AnalyseFirstImage = false;
  struct LoadResult
  {
    std::shared_ptr<CortexView::PreparedSurface> prepared;
    QString folder;
    QString error;
    bool fellBack = false; ///< the bundled fsaverage5 instead of the folder
    QString note; ///< said in the status bar once shown (a stand-in surface, e.g. the flat map)
  };
  // ROI borders, the per-ROI panel and the Vertex panel (MainWindowRoi.cpp).
  QString RoiSource;
  RoiPanel* Rois = nullptr;
  QDockWidget* RoiDock = nullptr;
  QDockWidget* VertexDock = nullptr;
  QLabel* VertexInfo = nullptr;
  QMenu* RoiMenu = nullptr;
  QPushButton* RangeFromImages = nullptr;
  std::map<std::string, std::shared_ptr<const TemplateLabels>> LabelCache;
  QFutureWatcher<std::pair<float, QString>> RangeRun; ///< the range, or an error line
  QThreadPool SurfaceWorker; ///< not Qt's global pool, which Qt's own painting needs free
  QFutureWatcher<LoadResult> SurfaceLoad;
  bool SurfaceLoadPending = false;
};

} // namespace bmfl
