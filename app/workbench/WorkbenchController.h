#pragma once

#include "bmfl/Evaluation.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageResult.h"
#include "bmfl/InferenceEngine.h"

#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <vector>

namespace bmfl
{

/// One analysed image: what the model saw and what it said.
struct AnalysedImage
{
  QString id;
  QImage modelInput; ///< the centre crop the model saw, for display under its attention
  std::shared_ptr<const ImageResult> result;
  int trueLabel = -1; ///< -1 for an image without a label (dropped in)
  QString trueName;
  int datasetIndex = -1; ///< where it came from: an item of an opened dataset ...
  qulonglong item = 0;
  QString file;  ///< ... or an image file
  QString error; ///< one line when the analysis failed
};

/// The workbench's one path from data to results: opens a model bundle and datasets, analyses
/// single images and evaluates datasets, each on a worker thread, and reports back through
/// queued signals. Owns the engine and the opened datasets; views observe what it emits.
class WorkbenchController : public QObject
{
  Q_OBJECT

public:
  explicit WorkbenchController(QObject* parent = nullptr);
  ~WorkbenchController() override;

  /// Where and how the models opened from now on run (device, precision, batch size).
  void setEngineOptions(const EngineOptions& options) { Options = options; }
  void openModel(const QString& bundleDir);
  void openDatasets(const QStringList& specs);
  void analyseItem(int datasetIndex, std::size_t itemIndex);
  void analyseFile(const QString& path);
  /// Evaluates every opened dataset (at most `limit` images each, 0: all); progress arrives as
  /// evaluationProgress. A running evaluation is cancelled first.
  void evaluateAll(std::size_t limit);
  void cancelEvaluation();
  bool evaluating() const { return Evaluation.isRunning(); }
  /// Whether a model, datasets or an image are being opened or analysed.
  bool busy() const
  {
    return ModelLoad.isRunning() || DatasetLoad.isRunning() || Analysis.isRunning();
  }

  bool hasModel() const { return Engine != nullptr; }
  /// The open model's engine (null without one), and the threads to run work on it: a
  /// corruption run there waits for nothing but the engine.
  std::shared_ptr<InferenceEngine> engine() const { return Engine; }
  QThreadPool* workerPool() { return &Workers; }
  const BundleManifest* manifest() const;
  std::shared_ptr<const VertexSpace> vertexSpace() const { return Space; }
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets() const { return Datasets; }
  /// The specs the opened datasets were opened from, one per dataset.
  const QStringList& datasetSpecs() const { return DatasetSpecs; }
  QString modelDescription() const;

  /// A dataset's per-image verdicts (labels and both heads' predictions) from the last
  /// evaluation that finished it; null before.
  std::shared_ptr<const std::vector<ImageVerdict>> verdicts(int datasetIndex) const;
  /// Adds a dataset made here (the images dropped on the window), after the opened ones; it has
  /// no spec and is kept when datasets are opened again.
  void addLocalDataset(std::shared_ptr<const ImageDataset> dataset);

  /// Waits for background work to finish (tests, shutdown).
  void waitForIdle();

signals:
  void modelOpened();
  void datasetsOpened();
  void analysed(const bmfl::AnalysedImage& image);
  void evaluationProgress(int datasetIndex,
                          qulonglong done,
                          qulonglong total,
                          const bmfl::DatasetAccuracy& running);
  void evaluationFinished(bool cancelled);
  /// A dataset's evaluation finished and its verdicts are kept (verdicts(datasetIndex)).
  void verdictsReady(int datasetIndex);
  void failed(const QString& oneLineMessage);
  /// The model could not be opened (after failed() said why).
  void modelOpenFailed();
  /// A dataset's evaluation stopped at an image that cannot be read (the other datasets are
  /// still evaluated); the message names the file.
  void evaluationFailed(int datasetIndex, const QString& oneLineMessage);
  void busyChanged(const QString& whatIsRunning); ///< empty when idle

private:
  void analyse(std::function<AnalysedImage()> job);
  void startNextAnalysis();

  /// The controller's own threads: a long evaluation on Qt's global pool would starve the work
  /// Qt itself hands to that pool from the GUI thread (the raster engine's parallel painting
  /// waits for it), and the window would freeze until the evaluation ends.
  QThreadPool Workers;
  EngineOptions Options;
  std::shared_ptr<InferenceEngine> Engine;
  std::shared_ptr<const VertexSpace> Space;
  std::vector<std::shared_ptr<const ImageDataset>> Datasets;
  QStringList DatasetSpecs;
  std::vector<std::shared_ptr<const ImageDataset>> LocalDatasets; ///< after Datasets' opened ones
  std::vector<std::shared_ptr<const std::vector<ImageVerdict>>> Verdicts; ///< per dataset
  // Each job returns its own outcome, errors included: nothing is shared with the workers.
  struct ModelOutcome
  {
    std::shared_ptr<InferenceEngine> engine;
    QString error;
  };
  struct DatasetsOutcome
  {
    std::vector<std::shared_ptr<const ImageDataset>> datasets;
    QStringList specs; ///< of the datasets that opened
    QStringList errors;
  };
  QFutureWatcher<ModelOutcome> ModelLoad;
  QFutureWatcher<DatasetsOutcome> DatasetLoad;
  QFutureWatcher<AnalysedImage> Analysis;
  std::function<AnalysedImage()> PendingAnalysis; ///< the latest request while one runs
  QFutureWatcher<void> Evaluation;
  std::shared_ptr<std::atomic<bool>> CancelEvaluation;
};

} // namespace bmfl

Q_DECLARE_METATYPE(bmfl::AnalysedImage)
Q_DECLARE_METATYPE(bmfl::DatasetAccuracy)
