#include "CorruptionRun.h"

#include "bmfl/Corruptions.h"
#include "bmfl/Evaluation.h"
#include "bmfl/ImageNetC.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/widgets/QtImage.h"

#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace bmfl
{

namespace
{

QString className(const BundleManifest& manifest, int label)
{
  return label >= 0 && static_cast<std::size_t>(label) < manifest.classNames.size()
           ? QString::fromStdString(manifest.classNames[static_cast<std::size_t>(label)])
           : QStringLiteral("?");
}

/// Mean |value - clean| per ROI, in roiNames' order.
std::vector<double> roiChange(const std::vector<float>& values,
                              const std::vector<float>& clean,
                              const VertexSpace& space,
                              const TemplateLabels* labels)
{
  if (labels == nullptr || values.size() != clean.size() || values.size() != space.size())
  {
    return {};
  }
  std::vector<float> change(values.size());
  for (std::size_t v = 0; v < values.size(); ++v)
  {
    change[v] = std::abs(values[v] - clean[v]);
  }
  std::vector<double> means;
  for (const RoiResponse& roi : roiResponses(change, space, *labels))
  {
    means.push_back(roi.mean);
  }
  return means;
}

} // namespace

CorruptionRun::CorruptionRun(QObject* parent)
  : QObject(parent)
{
  qRegisterMetaType<CorruptionCell>();
  connect(&Watcher,
          &QFutureWatcherBase::finished,
          this,
          [this]() { emit finished(Cancel && Cancel->load(), Watcher.result()); });
}

CorruptionRun::~CorruptionRun()
{
  cancel();
  Watcher.waitForFinished();
}

std::vector<CorruptionRun::Cell> CorruptionRun::suiteFor(const BundleManifest& manifest)
{
  std::vector<Cell> cells;
  if (manifest.classNames.size() == 1000)
  {
    for (const std::string& corruption : standardCorruptions())
    {
      for (int severity = 1; severity <= 5; ++severity)
      {
        cells.emplace_back(corruption, severity);
      }
    }
    return cells;
  }
  for (const OodSetDefinition& set : fashionMnistOodSets())
  {
    for (const std::string& corruption : set.corruptions)
    {
      if (set.severities.empty())
      {
        cells.emplace_back(corruption, 0);
      }
      for (int severity : set.severities)
      {
        cells.emplace_back(corruption, severity);
      }
    }
  }
  return cells;
}

std::vector<std::string> CorruptionRun::corruptionsOf(const std::vector<Cell>& cells)
{
  std::vector<std::string> names;
  for (const Cell& cell : cells)
  {
    if (std::find(names.begin(), names.end(), cell.first) == names.end())
    {
      names.push_back(cell.first);
    }
  }
  return names;
}

std::vector<std::string> CorruptionRun::roiNames(const VertexSpace& space,
                                                 const TemplateLabels& labels)
{
  std::vector<std::string> names;
  for (const RoiResponse& roi : roiResponses(std::vector<float>(space.size(), 0.0F), space, labels))
  {
    names.push_back(roi.name + (roi.hemisphere == Hemisphere::Left ? " (left)" : " (right)"));
  }
  return names;
}

void CorruptionRun::cancel()
{
  if (Cancel)
  {
    Cancel->store(true);
  }
}

void CorruptionRun::start(QThreadPool* pool, Request request)
{
  cancel();
  Watcher.waitForFinished();
  Cancel = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> cancelled = Cancel;
  QPointer<CorruptionRun> self(this);
  Watcher.setFuture(QtConcurrent::run(
    pool,
    [self, request, cancelled]() -> QString
    {
      try
      {
        InferenceEngine& engine = *request.engine;
        const BundleManifest& manifest = engine.manifest();
        const Image clean = request.dataset ? request.dataset->loadImage(request.item)
                                            : decodeImageFile(request.file.toStdString());
        auto prepare = [&](const Image& image, const std::string& id)
        {
          return prepareImage(image,
                              id,
                              manifest.model.encoder.inChannels,
                              manifest.preprocess,
                              manifest.brainPreprocess);
        };
        const std::vector<float> cleanFmri =
          engine.run({ prepare(clean, "clean") }).at(0).predictedFmri;
        const std::uint64_t seedIndex = request.dataset ? request.item : 0;
        const int total = static_cast<int>(request.cells.size());
        int done = 0;
        // One batch per corruption: its severities together.
        for (const std::string& corruption : corruptionsOf(request.cells))
        {
          if (cancelled->load())
          {
            return {};
          }
          std::vector<int> severities;
          std::vector<PreparedImage> batch;
          std::vector<Image> corrupted;
          for (const Cell& cell : request.cells)
          {
            if (cell.first != corruption)
            {
              continue;
            }
            corrupted.push_back(
              cell.second == 0
                ? renderSketch(clean)
                : applyCorruption(
                    clean,
                    corruption,
                    cell.second,
                    itemSeed(FashionMnistOodSeed, corruption, cell.second, seedIndex)));
            batch.push_back(prepare(corrupted.back(), corruption));
            severities.push_back(cell.second);
          }
          const std::vector<ImageResult> results = engine.run(batch);
          for (std::size_t i = 0; i < results.size(); ++i)
          {
            CorruptionCell cell;
            cell.corruption = corruption;
            cell.severity = severities[i];
            cell.image = toQImage(corrupted[i]);
            cell.baselineLabel = predictedLabel(results[i].baselineProbabilities, {});
            cell.bmflLabel = predictedLabel(results[i].bmflProbabilities, {});
            cell.baselineName = className(manifest, cell.baselineLabel);
            cell.bmflName = className(manifest, cell.bmflLabel);
            cell.roiChange = roiChange(
              results[i].predictedFmri, cleanFmri, manifest.vertexSpace, request.labels.get());
            ++done;
            QMetaObject::invokeMethod(
              self,
              [self, cell, done, total]()
              {
                if (self)
                {
                  emit self->cellReady(cell);
                  emit self->progress(done, total);
                }
              },
              Qt::QueuedConnection);
          }
        }
        return {};
      }
      catch (const std::exception& error)
      {
        return QString::fromStdString(error.what());
      }
    }));
}

} // namespace bmfl
