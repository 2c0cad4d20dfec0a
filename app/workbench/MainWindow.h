#pragma once

#include "Session.h"
#include "WorkbenchController.h"

#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/CortexView.h"

#include <QFutureWatcher>
#include <QMainWindow>
#include <QThreadPool>

#include <memory>

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

class AccuracyTable;
class BrainTokenAttentionChart;
class DatasetBrowser;
class ImageAttentionView;
class PredictionPanel;

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
    None
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

  /// Writes the window as it is now to a PNG, atomically. Returns an error line or empty.
  QString saveScreenshot(const QString& path);

  /// Shows a problem in the window until the next one (a status-bar label; its tooltip lists
  /// every problem so far) and prints it on stderr: the window keeps working with what is valid.
  void showProblem(const QString& oneLineMessage);
  /// The problems shown so far, oldest first.
  const QStringList& problems() const { return Problems; }

signals:
  /// An analysed image is on screen (all views updated).
  void analysisShown();
  /// A surface is on screen (after loadSurfaceInBackground or showSurface).
  void surfaceShown();

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;

private:
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
  void showAnalysis(const AnalysedImage& analysed);
  void updateCortexOverlay();
  void updateStatus();
  void showAbout();

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
  };
  QThreadPool SurfaceWorker; ///< not Qt's global pool, which Qt's own painting needs free
  QFutureWatcher<LoadResult> SurfaceLoad;
  bool SurfaceLoadPending = false;
};

} // namespace bmfl
