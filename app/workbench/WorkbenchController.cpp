#include "WorkbenchController.h"

#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/widgets/QtImage.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

#include <stdexcept>

namespace bmfl
{

namespace
{

// What the model sees: the bundle's resize and centre crop, without normalisation.
QImage modelInputOf(const Image& image, const PreprocessConfig& preprocess)
{
  int width = 0;
  int height = 0;
  shortSideSize(image.width, image.height, preprocess.resizeShortSide, width, height);
  const Image resized = resizeImage(image, width, height, preprocess.interpolation);
  return toQImage(centerCrop(resized, preprocess.cropSize));
}

AnalysedImage analyseImage(InferenceEngine& engine,
                           const Image& image,
                           const QString& id,
                           int trueLabel,
                           const QString& trueName)
{
  const BundleManifest& manifest = engine.manifest();
  const PreprocessConfig& preprocess = manifest.preprocess;
  std::vector<ImageResult> results = engine.run({ prepareImage(image,
                                                               id.toStdString(),
                                                               manifest.model.encoder.inChannels,
                                                               preprocess,
                                                               manifest.brainPreprocess) });
  AnalysedImage analysed;
  analysed.id = id;
  analysed.modelInput = modelInputOf(image, preprocess);
  analysed.result = std::make_shared<const ImageResult>(std::move(results.at(0)));
  analysed.trueLabel = trueLabel;
  analysed.trueName = trueName;
  return analysed;
}

// A row's counts without its verdicts: progress is sent after every batch, and copying the
// growing verdicts each time would cost the square of the dataset's size.
DatasetAccuracy countsOf(const DatasetAccuracy& row)
{
  DatasetAccuracy counts;
  counts.dataset = row.dataset;
  counts.whole = row.whole;
  counts.part = row.part;
  counts.images = row.images;
  counts.baselineCorrect = row.baselineCorrect;
  counts.bmflCorrect = row.bmflCorrect;
  counts.onlyBaselineCorrect = row.onlyBaselineCorrect;
  counts.onlyBmflCorrect = row.onlyBmflCorrect;
  return counts;
}

} // namespace

WorkbenchController::WorkbenchController(QObject* parent)
  : QObject(parent)
{
  Workers.setMaxThreadCount(4); // a model or datasets opening, an analysis, an evaluation
  qRegisterMetaType<AnalysedImage>();
  qRegisterMetaType<DatasetAccuracy>();

  connect(&ModelLoad,
          &QFutureWatcherBase::finished,
          this,
          [this]()
          {
            emit busyChanged({});
            ModelOutcome outcome = ModelLoad.result();
            if (!outcome.engine)
            {
              emit failed(outcome.error);
              emit modelOpenFailed();
              return;
            }
            Engine = std::move(outcome.engine);
            Space = std::make_shared<const VertexSpace>(Engine->manifest().vertexSpace);
            emit modelOpened();
          });
  connect(&DatasetLoad,
          &QFutureWatcherBase::finished,
          this,
          [this]()
          {
            emit busyChanged({});
            DatasetsOutcome outcome = DatasetLoad.result();
            Datasets = std::move(outcome.datasets);
            DatasetSpecs = outcome.specs;
            Datasets.insert(Datasets.end(), LocalDatasets.begin(), LocalDatasets.end());
            Verdicts.assign(Datasets.size(), nullptr);
            for (const QString& error : outcome.errors)
            {
              emit failed(error);
            }
            emit datasetsOpened();
          });
  connect(&Analysis,
          &QFutureWatcherBase::finished,
          this,
          [this]()
          {
            const AnalysedImage image = Analysis.result();
            if (image.result)
            {
              emit analysed(image);
            }
            else
            {
              emit failed(image.error);
            }
            startNextAnalysis();
          });
  connect(&Evaluation,
          &QFutureWatcherBase::finished,
          this,
          [this]()
          {
            emit busyChanged({});
            emit evaluationFinished(CancelEvaluation && CancelEvaluation->load());
          });
}

WorkbenchController::~WorkbenchController()
{
  cancelEvaluation();
  waitForIdle();
}

void WorkbenchController::waitForIdle()
{
  ModelLoad.waitForFinished();
  DatasetLoad.waitForFinished();
  Analysis.waitForFinished();
  Evaluation.waitForFinished();
}

const BundleManifest* WorkbenchController::manifest() const
{
  return Engine ? &Engine->manifest() : nullptr;
}

QString WorkbenchController::modelDescription() const
{
  if (!Engine)
  {
    return tr("no model");
  }
  const BundleManifest& manifest = Engine->manifest();
  return tr("%1 classes \u00b7 %2 (%3 vertices) \u00b7 %4")
    .arg(manifest.classNames.size())
    .arg(QString::fromStdString(manifest.vertexSpace.name))
    .arg(manifest.vertexSpace.size())
    .arg(QString::fromStdString(Engine->deviceName() + (Engine->precisionName() == "fp32"
                                                          ? std::string()
                                                          : ", " + Engine->precisionName())));
}

void WorkbenchController::openModel(const QString& bundleDir)
{
  ModelLoad.waitForFinished();
  emit busyChanged(tr("Opening model %1...").arg(bundleDir));
  ModelLoad.setFuture(QtConcurrent::run(&Workers,
                                        [bundleDir, options = Options]()
                                        {
                                          ModelOutcome outcome;
                                          try
                                          {
                                            outcome.engine = InferenceEngine::open(
                                              bundleDir.toStdString(), options);
                                          }
                                          catch (const std::exception& error)
                                          {
                                            outcome.error = QString::fromStdString(error.what());
                                          }
                                          return outcome;
                                        }));
}

std::shared_ptr<const std::vector<ImageVerdict>> WorkbenchController::verdicts(
  int datasetIndex) const
{
  return datasetIndex >= 0 && static_cast<std::size_t>(datasetIndex) < Verdicts.size()
           ? Verdicts[static_cast<std::size_t>(datasetIndex)]
           : nullptr;
}

void WorkbenchController::addLocalDataset(std::shared_ptr<const ImageDataset> dataset)
{
  LocalDatasets.push_back(dataset);
  Datasets.push_back(std::move(dataset));
  Verdicts.resize(Datasets.size());
  emit datasetsOpened();
}

void WorkbenchController::openDatasets(const QStringList& specs)
{
  DatasetLoad.waitForFinished();
  emit busyChanged(tr("Opening %n dataset(s)...", nullptr, static_cast<int>(specs.size())));
  DatasetOptions options;
  if (Engine)
  {
    options.classNames = Engine->manifest().classNames;
  }
  DatasetLoad.setFuture(QtConcurrent::run(
    &Workers,
    [specs, options]()
    {
      DatasetsOutcome outcome;
      for (const QString& spec : specs)
      {
        try
        {
          outcome.datasets.push_back(openImageDataset(spec.toStdString(), options));
          outcome.specs << spec;
        }
        catch (const std::exception& error)
        {
          outcome.errors << QString::fromStdString(error.what()); // the rest still open
        }
      }
      return outcome;
    }));
}

void WorkbenchController::analyse(std::function<AnalysedImage()> job)
{
  if (Analysis.isRunning())
  {
    PendingAnalysis = std::move(job); // only the latest click matters
    return;
  }
  Analysis.setFuture(QtConcurrent::run(&Workers,
                                       [job]()
                                       {
                                         try
                                         {
                                           return job();
                                         }
                                         catch (const std::exception& error)
                                         {
                                           AnalysedImage failure;
                                           failure.error = QString::fromStdString(error.what());
                                           return failure;
                                         }
                                       }));
}

void WorkbenchController::startNextAnalysis()
{
  if (PendingAnalysis)
  {
    std::function<AnalysedImage()> next = std::move(PendingAnalysis);
    PendingAnalysis = nullptr;
    analyse(std::move(next));
  }
}

void WorkbenchController::analyseItem(int datasetIndex, std::size_t itemIndex)
{
  if (!Engine || datasetIndex < 0 || static_cast<std::size_t>(datasetIndex) >= Datasets.size())
  {
    return;
  }
  std::shared_ptr<InferenceEngine> engine = Engine;
  std::shared_ptr<const ImageDataset> dataset = Datasets[static_cast<std::size_t>(datasetIndex)];
  analyse(
    [engine, dataset, datasetIndex, itemIndex]()
    {
      const int label = dataset->label(itemIndex);
      const QString name =
        label >= 0 && static_cast<std::size_t>(label) < dataset->classNames().size()
          ? QString::fromStdString(dataset->classNames()[static_cast<std::size_t>(label)])
          : QString();
      const QString id = QString::fromStdString(dataset->name() + " " + dataset->itemId(itemIndex));
      // Datasets over a subset of the model's classes (ImageNet-A/R) label within the subset.
      const std::vector<int> columns = dataset->outputIndices();
      const int modelLabel =
        label >= 0 && !columns.empty() ? columns.at(static_cast<std::size_t>(label)) : label;
      AnalysedImage analysed =
        analyseImage(*engine, dataset->loadImage(itemIndex), id, modelLabel, name);
      analysed.datasetIndex = datasetIndex;
      analysed.item = itemIndex;
      return analysed;
    });
}

void WorkbenchController::analyseFile(const QString& path)
{
  if (!Engine)
  {
    emit failed(tr("%1: open a model first").arg(path));
    return;
  }
  std::shared_ptr<InferenceEngine> engine = Engine;
  analyse(
    [engine, path]()
    {
      AnalysedImage analysed =
        analyseImage(*engine, decodeImageFile(path.toStdString()), path, -1, {});
      analysed.file = path;
      return analysed;
    });
}

void WorkbenchController::evaluateAll(std::size_t limit)
{
  if (!Engine || Datasets.empty())
  {
    return;
  }
  cancelEvaluation();
  Evaluation.waitForFinished();
  CancelEvaluation = std::make_shared<std::atomic<bool>>(false);
  emit busyChanged(tr("Evaluating %n dataset(s)...", nullptr, static_cast<int>(Datasets.size())));
  std::shared_ptr<InferenceEngine> engine = Engine;
  std::vector<std::shared_ptr<const ImageDataset>> datasets = Datasets;
  std::shared_ptr<std::atomic<bool>> cancel = CancelEvaluation;
  Evaluation.setFuture(QtConcurrent::run(
    &Workers,
    [this, engine, datasets, cancel, limit]()
    {
      EvaluationOptions options;
      options.limit = limit;
      options.batchSize = 64;
      options.keepVerdicts = true; // the browser filters by them
      // One dataset at a time, so a dataset that fails does not hide the others' results: its
      // row is marked failed with the reason, and the next dataset is evaluated.
      for (std::size_t d = 0; d < datasets.size() && !cancel->load(); ++d)
      {
        try
        {
          std::vector<DatasetAccuracy> rows = evaluateDatasets(
            *engine,
            { datasets[d] },
            options,
            [this,
             d](std::size_t, std::size_t done, std::size_t total, const DatasetAccuracy& running)
            {
              QMetaObject::invokeMethod(
                this,
                [this, d, done, total, counts = countsOf(running)]()
                { emit evaluationProgress(static_cast<int>(d), done, total, counts); },
                Qt::QueuedConnection);
            },
            cancel.get());
          if (!cancel->load() && !rows.empty())
          {
            auto kept =
              std::make_shared<const std::vector<ImageVerdict>>(std::move(rows.front().verdicts));
            const std::shared_ptr<const ImageDataset> dataset = datasets[d];
            QMetaObject::invokeMethod(
              this,
              [this, d, dataset, kept]()
              {
                // Only while the datasets are the ones evaluated.
                if (d < Datasets.size() && Datasets[d] == dataset)
                {
                  Verdicts[d] = kept;
                  emit verdictsReady(static_cast<int>(d));
                }
              },
              Qt::QueuedConnection);
          }
        }
        catch (const std::exception& error)
        {
          const QString message = QString::fromStdString(error.what());
          QMetaObject::invokeMethod(
            this,
            [this, d, message]()
            {
              emit evaluationFailed(static_cast<int>(d), message);
              emit failed(message);
            },
            Qt::QueuedConnection);
        }
      }
    }));
}

void WorkbenchController::cancelEvaluation()
{
  if (CancelEvaluation)
  {
    CancelEvaluation->store(true);
  }
}

} // namespace bmfl
