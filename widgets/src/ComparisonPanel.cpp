#include "bmfl/widgets/ComparisonPanel.h"

#include "bmfl/widgets/PredictionPanel.h"

#include <QEvent>
#include <QGridLayout>
#include <QImage>
#include <QLabel>
#include <QPixmap>

namespace bmfl
{

namespace
{
constexpr int kImageSize = 96;
} // namespace

ComparisonPanel::ComparisonPanel(QWidget* parent)
  : QWidget(parent)
{
  // A and B in one row, each its image (with its name) beside both heads' top classes: the
  // panel fits the wide bottom of the window.
  auto* layout = new QGridLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  int columnIndex = 0;
  for (Column* side : { &A, &B })
  {
    side->heading = new QLabel(this);
    side->heading->setAlignment(Qt::AlignCenter);
    side->image = new QLabel(this);
    side->image->setAlignment(Qt::AlignCenter);
    side->image->setMinimumSize(kImageSize, kImageSize);
    side->title = new QLabel(this);
    side->title->setAlignment(Qt::AlignCenter);
    side->title->setWordWrap(true);
    side->title->setMaximumWidth(2 * kImageSize);
    side->predictions = new PredictionPanel(this);
    layout->addWidget(side->heading, 0, columnIndex);
    layout->addWidget(side->image, 1, columnIndex);
    layout->addWidget(side->title, 2, columnIndex);
    layout->addWidget(side->predictions, 0, columnIndex + 1, 4, 1);
    layout->setColumnStretch(columnIndex + 1, 1);
    columnIndex += 2;
  }
  layout->setRowStretch(3, 1);
  retranslate();
  clearSide(Side::A);
  clearSide(Side::B);
}

void ComparisonPanel::retranslate()
{
  A.heading->setText(tr("<b>A</b> (pinned)"));
  B.heading->setText(tr("<b>B</b> (the next image)"));
}

void ComparisonPanel::setSide(Side side,
                              const QImage& image,
                              const QString& id,
                              std::shared_ptr<const ImageResult> result,
                              int trueLabel,
                              const QString& trueName)
{
  Column& shown = column(side);
  shown.image->setPixmap(QPixmap::fromImage(
    image.scaled(kImageSize, kImageSize, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
  shown.title->setText(id);
  shown.title->setToolTip(id);
  shown.predictions->setPrediction(std::move(result), trueLabel, trueName);
}

void ComparisonPanel::clearSide(Side side)
{
  Column& shown = column(side);
  shown.image->clear();
  shown.title->setText(side == Side::A ? tr("Pin an image as A (Data menu or the browser's "
                                            "context menu)")
                                       : tr("Analyse another image"));
  shown.title->setToolTip(QString());
  shown.predictions->clear();
}

QString ComparisonPanel::sideTitle(Side side) const
{
  return column(side).title->text();
}

void ComparisonPanel::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    retranslate();
  }
}

} // namespace bmfl
