// File > Export Figure... and File > Export Accuracy Table...: the window's state (surface,
// overlay, borders, current result, image, bundle, accuracy rows) gathered into the figure
// writers' content.
#include "FigureExportDialog.h"
#include "MainWindow.h"

#include "bmfl/AccuracyExport.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/widgets/AccuracyChart.h"
#include "bmfl/widgets/Figures.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

#include <algorithm>
#include <stdexcept>

namespace bmfl
{

namespace
{

SurfaceView surfaceViewOf(CortexView::ViewPreset preset)
{
  switch (preset)
  {
    case CortexView::ViewPreset::Lateral:
      return SurfaceView::Lateral;
    case CortexView::ViewPreset::Medial:
      return SurfaceView::Medial;
    case CortexView::ViewPreset::Dorsal:
      return SurfaceView::Dorsal;
    case CortexView::ViewPreset::Ventral:
      return SurfaceView::Ventral;
    case CortexView::ViewPreset::Anterior:
      return SurfaceView::Anterior;
    case CortexView::ViewPreset::Posterior:
      return SurfaceView::Posterior;
  }
  return SurfaceView::Lateral;
}

// The centre crop the model saw, as the figures take it (RGB bytes).
Image imageOf(const QImage& picture)
{
  Image image;
  if (picture.isNull())
  {
    return image;
  }
  const QImage rgb = picture.convertToFormat(QImage::Format_RGB888);
  image.width = rgb.width();
  image.height = rgb.height();
  image.channels = 3;
  image.pixels.resize(image.byteCount());
  const auto rowBytes = static_cast<std::size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y)
  {
    std::copy_n(
      rgb.constScanLine(y), rowBytes, image.pixels.data() + static_cast<std::size_t>(y) * rowBytes);
  }
  return image;
}

} // namespace

void MainWindow::resetAccuracyRows(const QStringList& datasetNames)
{
  AccuracyRows.assign(static_cast<std::size_t>(datasetNames.size()), {});
  for (std::size_t row = 0; row < AccuracyRows.size(); ++row)
  {
    AccuracyRows[row].dataset = datasetNames[static_cast<qsizetype>(row)].toStdString();
  }
}

void MainWindow::rememberAccuracy(int row, const DatasetAccuracy& accuracy)
{
  if (row < 0)
  {
    return;
  }
  if (static_cast<std::size_t>(row) >= AccuracyRows.size())
  {
    AccuracyRows.resize(static_cast<std::size_t>(row) + 1);
  }
  AccuracyRows[static_cast<std::size_t>(row)] = accuracy;
}

QString MainWindow::exportFigure(const FigureExportRequest& request)
{
  const std::string path = request.path.toStdString();
  const std::string image = Current.result
                              ? (Current.file.isEmpty() ? Current.id : Current.file).toStdString()
                              : std::string();
  try
  {
    FigureProvenance provenance = makeFigureProvenance(ModelDir.toStdString(), image);
    if (request.content == FigureExportRequest::Content::AccuracyChart)
    {
      provenance.title = "Baseline vs BMFL top-1 accuracy";
      provenance.image.clear();
      writeAccuracyChart(path, AccuracyRows, request.size, provenance);
      return {};
    }
    const CorticalSurface* surface = Cortex->surface();
    if (surface == nullptr)
    {
      return tr("%1: no surface is shown to export").arg(request.path);
    }
    CortexFigureContent cortex;
    cortex.surface = surface;
    cortex.overlay = Cortex->overlay();
    cortex.borders = Cortex->roiLabels();
    if (surface->kind == SurfaceKind::Flat)
    {
      cortex.views = { SurfaceView::Flat };
    }
    provenance.atlas = cortex.borders ? cortex.borders->source : std::string("none");
    if (cortex.overlay)
    {
      provenance.colourRange = QStringLiteral("%1 to %2")
                                 .arg(static_cast<double>(cortex.overlay->rangeMinimum), 0, 'g', 4)
                                 .arg(static_cast<double>(cortex.overlay->rangeMaximum), 0, 'g', 4)
                                 .toStdString();
    }
    if (request.content == FigureExportRequest::Content::CortexView)
    {
      provenance.title = "Cortex view";
      if (surface->kind != SurfaceKind::Flat)
      {
        cortex.views = { surfaceViewOf(Cortex->viewPreset()) };
      }
      writeCortexFigure(path, cortex, request.size, provenance);
      return {};
    }
    provenance.title = "BMFL composite figure";
    CompositeFigureContent composite;
    composite.cortex = cortex;
    composite.result = Current.result.get();
    const Image modelInput = imageOf(Current.modelInput);
    composite.image = modelInput.pixels.empty() ? nullptr : &modelInput;
    const QString model = QFileInfo(ModelDir).fileName();
    const QString shown = QFileInfo(Current.file.isEmpty() ? Current.id : Current.file).fileName();
    composite.caption =
      (model.isEmpty() || shown.isEmpty() ? model + shown
                                          : model + QStringLiteral(" \u00b7 ") + shown)
        .toStdString();
    writeCompositeFigure(path, composite, request.size, provenance);
    return {};
  }
  catch (const FileError& error)
  {
    return QString::fromStdString(error.what());
  }
  catch (const std::exception& error)
  {
    return tr("%1: %2").arg(request.path, QString::fromStdString(error.what()));
  }
}

QString MainWindow::exportAccuracyTable(const QString& path)
{
  try
  {
    writeAccuracyTable(AccuracyRows, path.toStdString());
    return {};
  }
  catch (const FileError& error)
  {
    return QString::fromStdString(error.what());
  }
  catch (const std::exception& error)
  {
    return tr("%1: %2").arg(path, QString::fromStdString(error.what()));
  }
}

void MainWindow::exportFigureDialog()
{
  FigureExportDialog dialog(this);
  FigureExportRequest request;
  request.content = Current.result ? FigureExportRequest::Content::Composite
                                   : FigureExportRequest::Content::CortexView;
  request.path = QStringLiteral("figure.png");
  dialog.setRequest(request);
  if (dialog.exec() != QDialog::Accepted)
  {
    return;
  }
  const FigureExportRequest chosen = dialog.request();
  const QString error = exportFigure(chosen);
  if (!error.isEmpty())
  {
    QMessageBox::warning(this, tr("Export failed"), error);
    return;
  }
  statusBar()->showMessage(tr("Saved %1").arg(chosen.path), 5000);
}

void MainWindow::exportAccuracyTableDialog()
{
  const QString path = QFileDialog::getSaveFileName(this,
                                                    tr("Export accuracy table"),
                                                    QStringLiteral("accuracy.csv"),
                                                    tr("CSV or LaTeX (*.csv *.tex)"));
  if (path.isEmpty())
  {
    return;
  }
  const QString error = exportAccuracyTable(path);
  if (!error.isEmpty())
  {
    QMessageBox::warning(this, tr("Export failed"), error);
    return;
  }
  statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

} // namespace bmfl
