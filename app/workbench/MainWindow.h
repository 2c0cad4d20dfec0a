#pragma once

#include "WorkbenchController.h"

#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/CortexView.h"

#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>

class QActionGroup;
class QLabel;
class QProgressBar;

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

  /// Opens a model bundle and datasets; once both are open the first image of the first dataset
  /// is analysed and, when evaluationLimit > 0, every dataset is evaluated (that many images
  /// each) in the background.
  void openSession(const QString& bundleDir,
                   const QStringList& datasetSpecs,
                   std::size_t evaluationLimit);

  CortexView* cortexView() const { return Cortex; }
  WorkbenchController* controller() const { return Controller; }
  /// Whether thumbnails are still being decoded (a screenshot waits until none are).
  bool loadingThumbnails();

  /// Sets the camera preset and keeps the View menu in step.
  void setViewPreset(CortexView::ViewPreset preset);
  void setCortexOverlay(CortexOverlay overlay);

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

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

private:
  void buildMenus();
  void buildDocks();
  void connectController();
  void loadSurfaceInBackground(const QString& folder, SurfaceKind kind);
  void onSurfaceLoaded();
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
  std::shared_ptr<const CorticalSurface> Surface; ///< the window owns the data; views observe it
  QString TemplateFolder;
  AnalysedImage Current;
  CortexOverlay OverlayMode = CortexOverlay::PredictedFmri;
  QStringList PendingDatasets;
  std::size_t PendingEvaluationLimit = 0;
  bool AnalyseFirstImage = false;
  struct LoadResult
  {
    std::shared_ptr<const CorticalSurface> surface;
    QString folder;
    QString error;
  };
  QFutureWatcher<LoadResult> SurfaceLoad;
};

} // namespace bmfl
