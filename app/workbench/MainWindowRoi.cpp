// The workbench's ROI features: borders from a label source (View > ROI Borders), the per-ROI
// panel, the Vertex panel and hover tooltip, and a colour range fixed over evaluation images.
#include "MainWindow.h"

#include "bmfl/ImageTransform.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/Figures.h"
#include "bmfl/widgets/RoiPanel.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QActionGroup>
#include <QCoreApplication>
#include <QDockWidget>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QStatusBar>
#include <QToolTip>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <exception>

namespace bmfl
{

namespace
{

constexpr std::size_t kRangeBatch = 32;

/// Runs the model over up to limit images spread evenly over the datasets' items and returns the
/// 99th percentile of |predicted response| and the number of images, or an error line.
std::pair<float, QString> evaluationRange(
  const std::shared_ptr<InferenceEngine>& engine,
  const std::vector<std::shared_ptr<const ImageDataset>>& datasets,
  std::size_t limit)
{
  try
  {
    const BundleManifest& manifest = engine->manifest();
    const std::size_t perDataset = std::max<std::size_t>(1, limit / datasets.size());
    std::vector<float> magnitudes;
    std::vector<PreparedImage> batch;
    std::size_t images = 0;
    const auto runBatch = [&]()
    {
      for (const ImageResult& result : engine->run(batch))
      {
        for (float value : result.predictedFmri)
        {
          if (std::isfinite(value))
          {
            magnitudes.push_back(std::abs(value));
          }
        }
      }
      images += batch.size();
      batch.clear();
    };
    for (const std::shared_ptr<const ImageDataset>& dataset : datasets)
    {
      const std::size_t count = std::min(perDataset, dataset->size());
      for (std::size_t i = 0; i < count; ++i)
      {
        const std::size_t item = i * dataset->size() / count;
        batch.push_back(prepareImage(dataset->loadImage(item),
                                     dataset->itemId(item),
                                     manifest.model.encoder.inChannels,
                                     manifest.preprocess,
                                     manifest.brainPreprocess));
        if (batch.size() == kRangeBatch)
        {
          runBatch();
        }
      }
    }
    if (!batch.empty())
    {
      runBatch();
    }
    if (magnitudes.empty())
    {
      return { 0.0F,
               QCoreApplication::translate("bmfl::MainWindow",
                                           "no predicted response over the evaluation images") };
    }
    return { symmetricRange99(magnitudes), QString::number(images) };
  }
  catch (const std::exception& error)
  {
    return { 0.0F, QString::fromStdString(error.what()) };
  }
}

/// The index of a template vertex in a hemisphere's part of a vertex space, or -1.
int spaceIndexOf(const VertexSpace& space, Hemisphere hemisphere, int vertex)
{
  const std::vector<std::int32_t>& part = hemisphere == Hemisphere::Left ? space.left : space.right;
  const auto found = std::find(part.begin(), part.end(), vertex);
  if (found == part.end())
  {
    return -1;
  }
  const auto index = static_cast<int>(found - part.begin());
  return hemisphere == Hemisphere::Left ? index : index + static_cast<int>(space.left.size());
}

} // namespace

void MainWindow::buildRoiDocks()
{
  Rois = new RoiPanel(this);
  RoiDock = new QDockWidget(this);
  RoiDock->setObjectName(QStringLiteral("rois"));
  RoiDock->setWidget(Rois);
  addDockWidget(Qt::RightDockWidgetArea, RoiDock);
  RoiDock->hide(); // shown when borders are chosen, or from the View menu

  VertexInfo = new QLabel(this);
  VertexInfo->setObjectName(QStringLiteral("vertexInfo"));
  VertexInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
  VertexInfo->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  VertexInfo->setWordWrap(true);
  VertexInfo->setMargin(6);
  VertexDock = new QDockWidget(this);
  VertexDock->setObjectName(QStringLiteral("vertex"));
  VertexDock->setWidget(VertexInfo);
  addDockWidget(Qt::RightDockWidgetArea, VertexDock);
  VertexDock->hide(); // shown at the first click on the cortex

  // The Display panel's third way to a fixed range, after automatic and typed in.
  RangeFromImages = new QPushButton(DisplayDock->widget());
  RangeFromImages->setObjectName(QStringLiteral("rangeFromImages"));
  if (auto* form = qobject_cast<QFormLayout*>(DisplayDock->widget()->layout()))
  {
    form->addRow(RangeFromImages);
  }
  connect(
    RangeFromImages, &QPushButton::clicked, this, [this]() { fixRangeFromEvaluationImages(); });
  connect(&RangeRun,
          &QFutureWatcher<std::pair<float, QString>>::finished,
          this,
          [this]()
          {
            RangeFromImages->setEnabled(true);
            const auto [range, message] = RangeRun.result();
            if (range > 0.0F)
            {
              OverlaySettings settings = Overlay;
              settings.rangeMinimum = -static_cast<double>(range);
              settings.rangeMaximum = static_cast<double>(range);
              settings.symmetric = true;
              setOverlaySettings(settings);
              statusBar()->showMessage(
                tr("Colour range fixed at \u00b1%1: the 99th percentile of |predicted response| "
                   "over %2 evaluation images")
                  .arg(QLocale().toString(range, 'g', 3), message),
                15000);
            }
            else
            {
              showProblem(tr("Colour range from evaluation images: %1").arg(message));
            }
            emit rangeFromEvaluationReady();
          });

  connect(Rois,
          &RoiPanel::roiSelected,
          this,
          [this](Hemisphere hemisphere, int label)
          {
            // Without borders the panel lists the model's first label set: a click draws them
            // (once the click is done: the panel is filled anew).
            if (Rois->labels() &&
                (!Cortex->roiLabels() || Cortex->roiLabels()->source != Rois->labels()->source))
            {
              const QString source = QString::fromStdString(Rois->labels()->source);
              QMetaObject::invokeMethod(
                this,
                [this, source, hemisphere, label]()
                {
                  setRoiBorders(source);
                  if (Cortex->roiLabels())
                  {
                    Cortex->highlightRoi(hemisphere, label);
                  }
                },
                Qt::QueuedConnection);
              return;
            }
            if (Cortex->roiLabels())
            {
              Cortex->highlightRoi(hemisphere, label);
            }
          });
  connect(Rois,
          &RoiPanel::roiActivated,
          this,
          [this](Hemisphere hemisphere, int label)
          {
            if (Cortex->roiLabels() && Rois->labels() &&
                Cortex->roiLabels()->source == Rois->labels()->source)
            {
              Cortex->frameRoi(hemisphere, label);
            }
          });
  connect(Cortex,
          &CortexView::vertexClicked,
          this,
          [this](const CortexView::PickedVertex& vertex)
          {
            VertexInfo->setText(describeVertex(vertex));
            VertexDock->show();
          });
  connect(Cortex,
          &CortexView::vertexHovered,
          this,
          [this](const CortexView::PickedVertex& vertex, const QPoint& globalPosition)
          {
            if (vertex.vertex < 0)
            {
              QToolTip::hideText();
              return;
            }
            QToolTip::showText(globalPosition, describeVertex(vertex), Cortex);
          });
  connect(Controller,
          &WorkbenchController::modelOpened,
          this,
          [this]()
          {
            LabelCache.clear(); // another model's label sets
            refreshRoiLabels();
          });
}

void MainWindow::buildRoiMenu(QMenu* view)
{
  RoiMenu = view->addMenu(tr("ROI &Borders"));
  connect(RoiMenu, &QMenu::aboutToShow, this, &MainWindow::populateRoiMenu);
  populateRoiMenu();
  view->addAction(RoiDock->toggleViewAction());
  view->addAction(VertexDock->toggleViewAction());
}

void MainWindow::populateRoiMenu()
{
  RoiMenu->clear();
  auto* group = new QActionGroup(RoiMenu);
  const auto add = [this, group](const QString& title, const QString& source)
  {
    QAction* action = RoiMenu->addAction(title);
    action->setCheckable(true);
    action->setChecked(source == RoiSource);
    action->setData(source);
    group->addAction(action);
    connect(action,
            &QAction::triggered,
            this,
            [this, source]()
            {
              setRoiBorders(source);
              if (!source.isEmpty())
              {
                RoiDock->show();
              }
            });
  };
  add(tr("None"), QString());
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  for (const std::string& source : roiLabelSources(space.get()))
  {
    QString title = QString::fromStdString(roiLabelSourceTitle(source));
    if (space && space->labels(source))
    {
      title = tr("%1 (model's label set)").arg(title);
    }
    add(title, QString::fromStdString(source));
  }
}

void MainWindow::setRoiBorders(const QString& source)
{
  RoiSource = source;
  refreshRoiLabels();
}

std::shared_ptr<const TemplateLabels> MainWindow::cachedLabels(const std::string& source,
                                                               const std::string& templateName)
{
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  const bool fromSpace = space && space->labels(source);
  const std::string key =
    source + "\n" + templateName + "\n" + (fromSpace ? space->name : std::string());
  auto found = LabelCache.find(key);
  if (found == LabelCache.end())
  {
    found = LabelCache
              .emplace(key,
                       std::make_shared<const TemplateLabels>(
                         templateLabels(source, templateName, fromSpace ? space.get() : nullptr)))
              .first;
  }
  return found->second;
}

void MainWindow::refreshRoiLabels()
{
  const CorticalSurface* surface = Cortex->surface();
  std::shared_ptr<const TemplateLabels> shown;
  if (surface && !RoiSource.isEmpty())
  {
    try
    {
      shown = cachedLabels(RoiSource.toStdString(), surface->templateName);
      Cortex->setRoiLabels(shown);
    }
    catch (const std::exception& error)
    {
      Cortex->setRoiLabels(nullptr);
      // A label set of a model not open yet (a session) comes once the model is.
      const bool waitingForModel =
        !Controller->hasModel() && !RoiSource.isEmpty() &&
        std::find(atlasNames().begin(), atlasNames().end(), RoiSource.toStdString()) ==
          atlasNames().end();
      if (!waitingForModel)
      {
        showProblem(tr("ROI borders %1: %2").arg(RoiSource, QString::fromUtf8(error.what())));
      }
    }
  }
  else
  {
    Cortex->setRoiLabels(nullptr);
  }
  updateRoiPanel();
}

void MainWindow::updateRoiPanel()
{
  // The panel lists the chosen source, or the model's first label set without borders; its
  // labels lie on the model's template, which its vertex space indexes.
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  std::string source = RoiSource.toStdString();
  if (source.empty() && space && !space->labelSets.empty())
  {
    source = space->labelSets.front().name;
  }
  const std::string templateName =
    space ? space->templateName : (Cortex->surface() ? Cortex->surface()->templateName : "");
  std::shared_ptr<const TemplateLabels> labels;
  std::vector<RoiResponse> responses;
  if (!source.empty() && !templateName.empty())
  {
    try
    {
      labels = cachedLabels(source, templateName);
      if (space && Current.result && Current.result->predictedFmri.size() == space->size())
      {
        responses = roiResponses(Current.result->predictedFmri, *space, *labels);
      }
    }
    catch (const std::exception&)
    {
      labels.reset(); // said by refreshRoiLabels when borders are asked for
    }
  }
  Rois->setRois(labels, std::move(responses));
}

QString MainWindow::describeVertex(const CortexView::PickedVertex& vertex)
{
  const CorticalSurface* surface = Cortex->surface();
  if (!surface || vertex.vertex < 0)
  {
    return {};
  }
  QStringList lines;
  const bool left = vertex.hemisphere == Hemisphere::Left;
  lines << tr("%1, vertex %2 of %3")
             .arg(left ? tr("Left hemisphere") : tr("Right hemisphere"))
             .arg(vertex.vertex)
             .arg(QString::fromStdString(surface->templateName));
  lines << tr("Position: %1, %2, %3 mm (%4)")
             .arg(vertex.position[0], 0, 'f', 1)
             .arg(vertex.position[1], 0, 'f', 1)
             .arg(vertex.position[2], 0, 'f', 1)
             .arg(QString::fromLatin1(surfaceKindName(surface->kind)));
  if (const SurfaceOverlay* overlay = Cortex->overlay())
  {
    const int index = spaceIndexOf(*overlay->space, vertex.hemisphere, vertex.vertex);
    if (index < 0)
    {
      lines << tr("Value: outside the model's vertices");
    }
    else
    {
      const float value = overlay->values[static_cast<std::size_t>(index)];
      lines << tr("Value: %1 (%2)")
                 .arg(std::isfinite(value) ? QLocale().toString(value, 'g', 4) : tr("none"),
                      QString::fromStdString(overlay->title));
    }
  }
  const std::shared_ptr<const VertexSpace> space = Controller->vertexSpace();
  for (const std::string& source : roiLabelSources(space.get()))
  {
    QString area = QStringLiteral("\u2013");
    try
    {
      const std::shared_ptr<const TemplateLabels> labels =
        cachedLabels(source, surface->templateName);
      const std::vector<std::int32_t>& side = labels->of(vertex.hemisphere);
      const auto at = static_cast<std::size_t>(vertex.vertex);
      const bool known = at < side.size() && (labels->nestedCount == 0 || at < labels->nestedCount);
      if (known && side[at] > 0 && static_cast<std::size_t>(side[at]) < labels->names.size())
      {
        const std::string& name = labels->names[static_cast<std::size_t>(side[at])];
        const std::string full = fullAreaName(name);
        area = QString::fromStdString(full == name ? name : full + " (" + name + ")");
      }
    }
    catch (const std::exception&)
    {
      continue; // a source this template does not have
    }
    lines << QStringLiteral("%1: %2").arg(QString::fromStdString(roiLabelSourceTitle(source)),
                                          area);
  }
  return lines.join(QLatin1Char('\n'));
}

void MainWindow::fixRangeFromEvaluationImages(std::size_t limit)
{
  const std::shared_ptr<InferenceEngine> engine = Controller->engine();
  const std::vector<std::shared_ptr<const ImageDataset>> datasets = Controller->datasets();
  if (!engine || datasets.empty())
  {
    showProblem(tr("Colour range from evaluation images: open a model and a dataset first"));
    return;
  }
  if (RangeRun.isRunning())
  {
    return;
  }
  RangeFromImages->setEnabled(false);
  statusBar()->showMessage(tr("Running the model over up to %1 evaluation images...").arg(limit));
  RangeRun.setFuture(QtConcurrent::run(Controller->workerPool(),
                                       [engine, datasets, limit]()
                                       { return evaluationRange(engine, datasets, limit); }));
}

void MainWindow::retranslateRoi()
{
  RoiDock->setWindowTitle(tr("ROI Responses"));
  VertexDock->setWindowTitle(tr("Vertex"));
  if (VertexInfo->text().isEmpty())
  {
    VertexInfo->setToolTip(tr("Click a vertex of the cortex"));
  }
  RangeFromImages->setText(tr("Fixed range from evaluation images"));
  RangeFromImages->setToolTip(tr("Runs the model over up to 256 images of the open datasets and "
                                 "fixes a symmetric range at the 99th percentile of |value|"));
}

} // namespace bmfl
