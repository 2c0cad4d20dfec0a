#include "FigureExportDialog.h"

#include "bmfl/FileError.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include <cmath>

namespace bmfl
{

namespace
{

constexpr double kMillimetresPerInch = 25.4;

double pixelsToMillimetres(double pixels, int dpi)
{
  return pixels / dpi * kMillimetresPerInch;
}

int millimetresToPixels(double millimetres, int dpi)
{
  return static_cast<int>(std::lround(millimetres / kMillimetresPerInch * dpi));
}

const char* formatName(FigureFormat format)
{
  switch (format)
  {
    case FigureFormat::Png:
      return "PNG";
    case FigureFormat::Tiff:
      return "TIFF";
    case FigureFormat::Svg:
      return "SVG";
    case FigureFormat::Pdf:
      return "PDF";
  }
  return "";
}

} // namespace

FigureExportDialog::FigureExportDialog(QWidget* parent)
  : QDialog(parent)
{
  setWindowTitle(tr("Export Figure"));
  auto* form = new QFormLayout(this);
  Content = new QComboBox(this);
  Content->setObjectName(QStringLiteral("content"));
  Content->addItem(tr("Current cortex view"),
                   static_cast<int>(FigureExportRequest::Content::CortexView));
  Content->addItem(tr("Composite figure (cortex 2 \u00d7 2, image attention, top-k)"),
                   static_cast<int>(FigureExportRequest::Content::Composite));
  Content->addItem(tr("Accuracy chart (baseline vs BMFL)"),
                   static_cast<int>(FigureExportRequest::Content::AccuracyChart));
  form->addRow(tr("Figure:"), Content);

  auto* pathRow = new QHBoxLayout;
  Path = new QLineEdit(this);
  Path->setObjectName(QStringLiteral("path"));
  Path->setPlaceholderText(tr("figure.png, .tif, .svg or .pdf"));
  auto* browseButton = new QPushButton(tr("Browse..."), this);
  pathRow->addWidget(Path, 1);
  pathRow->addWidget(browseButton);
  form->addRow(tr("File:"), pathRow);

  auto* sizeRow = new QHBoxLayout;
  auto lengthBox = [this](const char* name)
  {
    auto* box = new QDoubleSpinBox(this);
    box->setObjectName(QLatin1String(name));
    box->setRange(1, 20000);
    box->setDecimals(0);
    box->setKeyboardTracking(false);
    return box;
  };
  Width = lengthBox("width");
  Height = lengthBox("height");
  Unit = new QComboBox(this);
  Unit->setObjectName(QStringLiteral("unit"));
  Unit->addItem(tr("px"));
  Unit->addItem(tr("mm"));
  sizeRow->addWidget(Width);
  sizeRow->addWidget(new QLabel(QStringLiteral("\u00d7"), this));
  sizeRow->addWidget(Height);
  sizeRow->addWidget(Unit);
  form->addRow(tr("Size:"), sizeRow);
  Dpi = new QSpinBox(this);
  Dpi->setObjectName(QStringLiteral("dpi"));
  Dpi->setRange(36, 2400);
  Dpi->setKeyboardTracking(false);
  form->addRow(tr("Resolution (DPI):"), Dpi);
  Preview = new QLabel(this);
  Preview->setObjectName(QStringLiteral("preview"));
  form->addRow(tr("Result:"), Preview);
  Buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  Buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  form->addRow(Buttons);

  setRequest({});
  connect(browseButton, &QPushButton::clicked, this, &FigureExportDialog::browse);
  connect(Unit, &QComboBox::currentIndexChanged, this, &FigureExportDialog::unitChanged);
  connect(Path, &QLineEdit::textChanged, this, &FigureExportDialog::updatePreview);
  connect(Width, &QDoubleSpinBox::valueChanged, this, &FigureExportDialog::updatePreview);
  connect(Height, &QDoubleSpinBox::valueChanged, this, &FigureExportDialog::updatePreview);
  connect(Dpi, &QSpinBox::valueChanged, this, &FigureExportDialog::unitChanged);
  connect(Buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(Buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void FigureExportDialog::setRequest(const FigureExportRequest& request)
{
  Content->setCurrentIndex(std::max(0, Content->findData(static_cast<int>(request.content))));
  Path->setText(request.path);
  Dpi->blockSignals(true);
  Dpi->setValue(request.size.dpi);
  Dpi->blockSignals(false);
  Unit->blockSignals(true);
  Unit->setCurrentIndex(0);
  Unit->blockSignals(false);
  Millimetres = false;
  Width->setDecimals(0);
  Height->setDecimals(0);
  Width->setValue(request.size.width);
  Height->setValue(request.size.height);
  updatePreview();
}

FigureExportRequest FigureExportDialog::request() const
{
  FigureExportRequest request;
  request.content = static_cast<FigureExportRequest::Content>(Content->currentData().toInt());
  request.path = Path->text().trimmed();
  request.size.dpi = Dpi->value();
  request.size.width = Millimetres ? millimetresToPixels(Width->value(), request.size.dpi)
                                   : static_cast<int>(std::lround(Width->value()));
  request.size.height = Millimetres ? millimetresToPixels(Height->value(), request.size.dpi)
                                    : static_cast<int>(std::lround(Height->value()));
  return request;
}

QString FigureExportDialog::preview() const
{
  return Preview->text();
}

void FigureExportDialog::browse()
{
  const QString path = QFileDialog::getSaveFileName(
    this,
    tr("Export figure"),
    Path->text().isEmpty() ? QStringLiteral("figure.png") : Path->text(),
    tr("Figures (*.png *.tif *.tiff *.svg *.pdf)"));
  if (!path.isEmpty())
  {
    Path->setText(path);
  }
}

// The size stays the same figure when the unit or the DPI changes: in millimetres the pixels
// follow the DPI, in pixels the printed size does.
void FigureExportDialog::unitChanged()
{
  const bool millimetres = Unit->currentIndex() == 1;
  if (millimetres != Millimetres)
  {
    const double width = Width->value();
    const double height = Height->value();
    Millimetres = millimetres;
    Width->setDecimals(millimetres ? 1 : 0);
    Height->setDecimals(millimetres ? 1 : 0);
    Width->setValue(millimetres ? pixelsToMillimetres(width, Dpi->value())
                                : millimetresToPixels(width, Dpi->value()));
    Height->setValue(millimetres ? pixelsToMillimetres(height, Dpi->value())
                                 : millimetresToPixels(height, Dpi->value()));
  }
  updatePreview();
}

void FigureExportDialog::updatePreview()
{
  const FigureExportRequest request = this->request();
  QString format;
  bool valid = !request.path.isEmpty();
  if (valid)
  {
    try
    {
      format = QString::fromLatin1(formatName(figureFormatFor(request.path.toStdString())));
    }
    catch (const FileError&)
    {
      valid = false;
    }
  }
  const QString size = tr("%1 \u00d7 %2 px \u00b7 %3 \u00d7 %4 mm at %5 DPI")
                         .arg(request.size.width)
                         .arg(request.size.height)
                         .arg(pixelsToMillimetres(request.size.width, request.size.dpi), 0, 'f', 1)
                         .arg(pixelsToMillimetres(request.size.height, request.size.dpi), 0, 'f', 1)
                         .arg(request.size.dpi);
  Preview->setText(valid ? tr("%1 \u00b7 %2").arg(size, format)
                         : tr("%1 \u00b7 name a .png, .tif, .svg or .pdf file").arg(size));
  Buttons->button(QDialogButtonBox::Ok)->setEnabled(valid);
}

} // namespace bmfl
