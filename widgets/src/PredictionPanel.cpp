#include "bmfl/widgets/PredictionPanel.h"

#include <QEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace bmfl
{

namespace
{

constexpr int kMargin = 10;
constexpr int kRowHeight = 22;
constexpr int kHeaderHeight = 40;
const QColor kBaselineColour(110, 130, 160);
const QColor kBmflColour(196, 78, 52);
const QColor kCorrectColour(46, 139, 87);
const QColor kWrongColour(178, 34, 34);

QString verdict(const std::vector<ClassScore>& top, int trueLabel)
{
  if (top.empty())
  {
    return {};
  }
  const QString best = QStringLiteral("%1 %2%")
                         .arg(QString::fromStdString(top.front().name))
                         .arg(static_cast<double>(top.front().probability) * 100.0, 0, 'f', 0);
  if (trueLabel < 0)
  {
    return best;
  }
  return best + (top.front().classIndex == trueLabel ? PredictionPanel::tr(" (correct)")
                                                     : PredictionPanel::tr(" (wrong)"));
}

} // namespace

PredictionPanel::PredictionPanel(QWidget* parent)
  : QWidget(parent)
{
  setAttribute(Qt::WA_OpaquePaintEvent);
  // The predictions keep their natural height; the attention views beside them give way.
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  setWhatsThis(tr("Baseline: the frozen image encoder with a linear head on [CLS] and the mean "
                  "patch token. BMFL: the same encoder fused with predicted fMRI by "
                  "cross-attention."));
}

void PredictionPanel::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    setWhatsThis(tr("Baseline: the frozen image encoder with a linear head on [CLS] and the mean "
                    "patch token. BMFL: the same encoder fused with predicted fMRI by "
                    "cross-attention."));
    if (Result)
    {
      setToolTip(summary());
    }
  }
}

void PredictionPanel::setPrediction(std::shared_ptr<const ImageResult> result,
                                    int trueLabel,
                                    const QString& trueName)
{
  Result = std::move(result);
  TrueLabel = trueLabel;
  TrueName = trueName;
  setToolTip(summary());
  update();
}

void PredictionPanel::clear()
{
  setPrediction(nullptr, -1);
}

QString PredictionPanel::summary() const
{
  if (!Result)
  {
    return tr("No image");
  }
  return tr("baseline: %1 \u00b7 BMFL: %2")
    .arg(verdict(Result->baselineTopK, TrueLabel), verdict(Result->bmflTopK, TrueLabel));
}

QSize PredictionPanel::sizeHint() const
{
  return { 460, kHeaderHeight + 5 * kRowHeight + 2 * kMargin + 20 };
}

QSize PredictionPanel::minimumSizeHint() const
{
  return { 320, kHeaderHeight + 3 * kRowHeight + 2 * kMargin };
}

void PredictionPanel::paintEvent(QPaintEvent* /*event*/)
{
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  painter.setRenderHint(QPainter::Antialiasing);
  if (!Result)
  {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Select or drop an image"));
    return;
  }

  const int columnWidth = (width() - 3 * kMargin) / 2;
  struct Column
  {
    QString title;
    const std::vector<ClassScore>* top;
    QColor colour;
  };
  const Column columns[] = {
    { tr("Baseline"), &Result->baselineTopK, kBaselineColour },
    { tr("BMFL"), &Result->bmflTopK, kBmflColour },
  };
  QFont titleFont = font();
  titleFont.setBold(true);
  const QFontMetrics metrics(font());
  for (int c = 0; c < 2; ++c)
  {
    const Column& column = columns[c];
    const int left = kMargin + c * (columnWidth + kMargin);
    painter.setFont(titleFont);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(left, kMargin, columnWidth, 18),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText(column.title, Qt::ElideRight, columnWidth));
    painter.setFont(font());
    if (TrueLabel >= 0 && !column.top->empty())
    {
      const bool correct = column.top->front().classIndex == TrueLabel;
      painter.setPen(correct ? kCorrectColour : kWrongColour);
      painter.drawText(QRect(left, kMargin + 18, columnWidth, 16),
                       Qt::AlignLeft | Qt::AlignVCenter,
                       correct ? tr("\u2713 top-1 correct") : tr("\u2717 top-1 wrong"));
    }

    const int labelWidth = std::min(columnWidth * 2 / 5, 110);
    const int percentWidth = metrics.horizontalAdvance(QStringLiteral("100.0%")) + 4;
    const int barLeft = left + labelWidth + 4;
    const int barSpace = columnWidth - labelWidth - 4 - percentWidth;
    int y = kMargin + kHeaderHeight;
    for (const ClassScore& score : *column.top)
    {
      const bool isTrue = score.classIndex == TrueLabel;
      const QString name = QString::fromStdString(score.name);
      QFont rowFont = font();
      rowFont.setBold(isTrue);
      painter.setFont(rowFont);
      painter.setPen(isTrue ? kCorrectColour : palette().color(QPalette::WindowText));
      painter.drawText(QRect(left, y, labelWidth, kRowHeight - 4),
                       Qt::AlignLeft | Qt::AlignVCenter,
                       metrics.elidedText(name, Qt::ElideRight, labelWidth));
      const int barWidth =
        std::max(1, static_cast<int>(static_cast<float>(barSpace) * score.probability));
      painter.fillRect(QRect(barLeft, y + 3, barSpace, kRowHeight - 10),
                       palette().color(QPalette::AlternateBase));
      painter.fillRect(QRect(barLeft, y + 3, barWidth, kRowHeight - 10), column.colour);
      painter.setPen(palette().color(QPalette::WindowText));
      painter.drawText(
        QRect(barLeft + barSpace + 4, y, 40, kRowHeight - 4),
        Qt::AlignRight | Qt::AlignVCenter,
        QStringLiteral("%1%").arg(static_cast<double>(score.probability) * 100.0, 0, 'f', 1));
      y += kRowHeight;
    }
  }
  if (TrueLabel >= 0 && !TrueName.isEmpty())
  {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(QRect(kMargin, height() - 20, width() - 2 * kMargin, 16),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     tr("True class: %1").arg(TrueName));
  }
}

} // namespace bmfl
