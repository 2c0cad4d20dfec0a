#pragma once

#include "bmfl/ImageDataset.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/CorruptionExplorer.h"

#include <QFutureWatcher>
#include <QObject>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

class QThreadPool;

namespace bmfl
{

/// The corruption explorer's computation: one image under each corruption and severity of a
/// suite, through the engine, on worker threads; cancellable; cells arrive as they are done.
class CorruptionRun : public QObject
{
  Q_OBJECT

public:
  /// A corruption and a severity (0: a corruption without severities, the sketch rendering).
  using Cell = std::pair<std::string, int>;

  struct Request
  {
    std::shared_ptr<InferenceEngine> engine;
    std::shared_ptr<const ImageDataset> dataset; ///< the image is an item of it ...
    std::size_t item = 0;
    QString file; ///< ... or a file
    std::vector<Cell> cells;
    /// ROI labels of the bundle's first label set (empty names: no ROI change is computed).
    std::shared_ptr<const TemplateLabels> labels;
  };

  explicit CorruptionRun(QObject* parent = nullptr);
  ~CorruptionRun() override;

  /// The suite for a model: ImageNet-C's standard 15 at severities 1-5 for a 1000-class
  /// (ImageNet) model, else the Fashion-MNIST OOD sets' corruptions at their severities and the
  /// sketch rendering, as make-ood writes them.
  static std::vector<Cell> suiteFor(const BundleManifest& manifest);
  /// The corruptions of cells, in order, each once.
  static std::vector<std::string> corruptionsOf(const std::vector<Cell>& cells);
  /// The names of the ROIs a cell's change is given for ("V1v (left)"), in order: every label of
  /// the first label set present in the space, left hemisphere first.
  static std::vector<std::string> roiNames(const VertexSpace& space, const TemplateLabels& labels);

  /// Starts a run on pool (a running one is cancelled first).
  void start(QThreadPool* pool, Request request);
  void cancel();
  bool running() const { return Watcher.isRunning(); }
  void waitForFinished() { Watcher.waitForFinished(); }

signals:
  void cellReady(const bmfl::CorruptionCell& cell);
  void progress(int done, int total);
  void finished(bool cancelled, const QString& error);

private:
  QFutureWatcher<QString> Watcher; ///< the run's error line, empty when it ran through
  std::shared_ptr<std::atomic<bool>> Cancel;
};

} // namespace bmfl

Q_DECLARE_METATYPE(bmfl::CorruptionCell)
