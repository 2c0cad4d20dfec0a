#include "bmfl/widgets/AttentionViews.h"

#include "Colormap.h"

#include "bmfl/RoiLabels.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPen>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bmfl
{

namespace
{
constexpr int kMargin = 8;
constexpr int kTitleHeight = 20;
constexpr int kBarRowHeight = 18;

QColor sequentialColour(float t)
{
  const auto rgb = colormapColour(OverlayColormap::Sequential, t);
  return { rgb[0], rgb[1], rgb[2] };
}
/// A brain token's name for its row: an ROI token ("V1v (left)") as its area's full name, its
/// hemisphere apart (the row shows it as L or R, which eliding the name cannot cut off).
struct TokenText
{
  QString area;
  QString suffix; ///< " (left)", " (right)", or empty
  QString side;   ///< "L", "R", or empty
};

TokenText tokenText(const BrainToken& token)
{
  const QString name = QString::fromStdString(token.name);
  const qsizetype open = name.lastIndexOf(QLatin1String(" ("));
  if (token.roiLabel < 0 || open <= 0)
  {
    return { name, {}, {} };
  }
  const QString shortName = name.left(open);
  const QString full = QString::fromStdString(fullAreaName(shortName.toStdString()));
  TokenText text;
  text.area =
    full == shortName || full.startsWith(shortName) ? full : shortName + QLatin1String(", ") + full;
  text.suffix = name.mid(open);
  if (text.suffix == QLatin1String(" (left)"))
  {
    text.side = QStringLiteral("L");
  }
  else if (text.suffix == QLatin1String(" (right)"))
  {
    text.side = QStringLiteral("R");
  }
  return text;
}
} // namespace

ImageAttentionView::ImageAttentionView(QWidget* parent)
  : QWidget(parent)
{
  setMinimumSize(160, 120);
}

void ImageAttentionView::setImage(const QImage& modelInput)
{
  Image = modelInput;
  update();
}

void ImageAttentionView::setAttention(std::vector<float> weights, int gridHeight, int gridWidth)
{
  if (!weights.empty() &&
      weights.size() != static_cast<std::size_t>(gridHeight) * static_cast<std::size_t>(gridWidth))
  {
    weights.clear(); // a malformed map is not drawn rather than drawn wrong
  }
  Weights = std::move(weights);
  GridHeight = Weights.empty() ? 0 : gridHeight;
  GridWidth = Weights.empty() ? 0 : gridWidth;
  update();
}

void ImageAttentionView::setOpacity(double opacity)
{
  Opacity = std::clamp(opacity, 0.0, 1.0);
  update();
}

void ImageAttentionView::clear()
{
  Image = QImage();
  setAttention({}, 0, 0);
}

QImage ImageAttentionView::heatMap() const
{
  if (Weights.empty())
  {
    return {};
  }
  // Attention spread evenly would give every patch 1/N. Show how far a patch rises above that,
  // scaled so a patch at twice the uniform level (or the peak, if higher) is fully coloured:
  // near-uniform attention then stays faint instead of colouring the whole image.
  const float uniform = 1.0F / static_cast<float>(Weights.size());
  const float maximum = *std::max_element(Weights.begin(), Weights.end());
  const float scale = std::max(maximum - uniform, uniform);
  QImage map(GridWidth, GridHeight, QImage::Format_ARGB32);
  for (int row = 0; row < GridHeight; ++row)
  {
    for (int column = 0; column < GridWidth; ++column)
    {
      const float weight = Weights[static_cast<std::size_t>(row * GridWidth + column)];
      const float t = std::clamp((weight - uniform) / scale, 0.0F, 1.0F);
      QColor colour = sequentialColour(t);
      // Weak attention stays transparent so the image shows through where the brain branch
      // does not look.
      colour.setAlphaF(static_cast<float>(Opacity) * std::pow(t, 0.8F));
      map.setPixelColor(column, row, colour);
    }
  }
  return map;
}

void ImageAttentionView::paintEvent(QPaintEvent* /*event*/)
{
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  painter.setPen(palette().color(QPalette::WindowText));
  painter.drawText(QRect(kMargin, 0, width() - 2 * kMargin, kTitleHeight),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Brain [CLS] \u2192 image patches"));
  const QRect area(
    kMargin, kTitleHeight + 2, width() - 2 * kMargin, height() - kTitleHeight - 2 - kMargin);
  if (Image.isNull())
  {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(area, Qt::AlignCenter, tr("No image"));
    return;
  }
  const QSize fitted = Image.size().scaled(area.size(), Qt::KeepAspectRatio);
  const QRect target(area.left() + (area.width() - fitted.width()) / 2,
                     area.top() + (area.height() - fitted.height()) / 2,
                     fitted.width(),
                     fitted.height());
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  painter.drawImage(target, Image);
  const QImage map = heatMap();
  if (!map.isNull())
  {
    painter.drawImage(target, map); // smooth upsampling of the patch grid
  }
}

BrainTokenAttentionChart::BrainTokenAttentionChart(QWidget* parent)
  : QWidget(parent)
{
  setMinimumSize(220, 90);
}

void BrainTokenAttentionChart::setAttention(std::vector<float> weights,
                                            std::vector<BrainToken> tokens)
{
  if (weights.size() != tokens.size())
  {
    weights.clear();
    tokens.clear();
  }
  Weights = std::move(weights);
  Tokens = std::move(tokens);
  Ranking.resize(Weights.size());
  std::iota(Ranking.begin(), Ranking.end(), 0);
  std::stable_sort(
    Ranking.begin(),
    Ranking.end(),
    [this](int a, int b)
    { return Weights[static_cast<std::size_t>(a)] > Weights[static_cast<std::size_t>(b)]; });
  updateGeometry();
  update();
}

void BrainTokenAttentionChart::clear()
{
  setAttention({}, {});
}

int BrainTokenAttentionChart::strongestToken() const
{
  return Ranking.empty() ? -1 : Ranking.front();
}

QString BrainTokenAttentionChart::tokenLabel(int token) const
{
  if (token < 0 || token >= static_cast<int>(Tokens.size()))
  {
    return {};
  }
  const TokenText text = tokenText(Tokens[static_cast<std::size_t>(token)]);
  return text.area + text.suffix;
}

int BrainTokenAttentionChart::rowHeight() const
{
  return std::max(kBarRowHeight, fontMetrics().height() + 4);
}

int BrainTokenAttentionChart::rowsTop() const
{
  return kTitleHeight + fontMetrics().height() + 6;
}

int BrainTokenAttentionChart::shownRows() const
{
  const int tokens = static_cast<int>(Weights.size());
  const int capacity = std::max(1, (height() - rowsTop() - kMargin) / rowHeight());
  return tokens <= capacity ? tokens : std::max(0, capacity - 1);
}

int BrainTokenAttentionChart::tokenAt(const QPoint& point) const
{
  const int top = rowsTop();
  if (Weights.empty() || point.y() < top || point.x() < 0 || point.x() >= width())
  {
    return -1;
  }
  const int row = (point.y() - top) / rowHeight();
  return row < shownRows() ? Ranking[static_cast<std::size_t>(row)] : -1;
}

bool BrainTokenAttentionChart::event(QEvent* event)
{
  if (event->type() == QEvent::ToolTip)
  {
    const auto* help = static_cast<QHelpEvent*>(event);
    const int token = tokenAt(help->pos());
    if (token < 0)
    {
      QToolTip::hideText();
    }
    else
    {
      const auto index = static_cast<std::size_t>(token);
      QToolTip::showText(help->globalPos(),
                         tr("%1: %2% of the attention (%3 vertices)")
                           .arg(tokenLabel(token))
                           .arg(static_cast<double>(Weights[index]) * 100.0, 0, 'f', 1)
                           .arg(Tokens[index].vertexCount),
                         this);
    }
    return true;
  }
  return QWidget::event(event);
}

QSize BrainTokenAttentionChart::sizeHint() const
{
  const int rows = std::clamp(static_cast<int>(Tokens.size()), 3, 12);
  return { 340, rowsTop() + rows * rowHeight() + kMargin };
}

void BrainTokenAttentionChart::paintEvent(QPaintEvent* /*event*/)
{
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  const QColor text = palette().color(QPalette::WindowText);
  const QColor quiet = palette().color(QPalette::PlaceholderText);
  painter.setPen(text);
  painter.drawText(QRect(kMargin, 0, width() - 2 * kMargin, kTitleHeight),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Image [CLS] \u2192 brain tokens"));
  if (Weights.empty())
  {
    painter.setPen(quiet);
    painter.drawText(rect(), Qt::AlignCenter, tr("No attention to show"));
    return;
  }
  const int tokens = static_cast<int>(Weights.size());
  const double sum = std::accumulate(Weights.begin(), Weights.end(), 0.0);
  const float uniform = 1.0F / static_cast<float>(tokens);
  const QFontMetrics metrics(font());
  painter.setPen(quiet);
  painter.drawText(QRect(kMargin, kTitleHeight, width() - 2 * kMargin, rowsTop() - kTitleHeight),
                   Qt::AlignLeft | Qt::AlignTop,
                   metrics.elidedText(tr("%1 tokens \u00b7 sum %2% \u00b7 uniform %3% (dashed)")
                                        .arg(tokens)
                                        .arg(sum * 100.0, 0, 'f', 0)
                                        .arg(static_cast<double>(uniform) * 100.0, 0, 'f', 1),
                                      Qt::ElideRight,
                                      width() - 2 * kMargin));

  const int rows = shownRows();
  const int rowHeight = this->rowHeight();
  const int top = rowsTop();
  int labelWidth = 0;
  bool sides = false;
  for (int row = 0; row < rows; ++row)
  {
    const TokenText label =
      tokenText(Tokens[static_cast<std::size_t>(Ranking[static_cast<std::size_t>(row)])]);
    labelWidth = std::max(labelWidth, metrics.horizontalAdvance(label.area));
    sides = sides || !label.side.isEmpty();
  }
  const int sideWidth = sides ? metrics.horizontalAdvance(QStringLiteral("R")) + 6 : 0;
  labelWidth = std::min(labelWidth, width() / 2 - sideWidth);
  const int percentWidth = metrics.horizontalAdvance(QStringLiteral("100.0%")) + 4;
  const int barLeft = kMargin + sideWidth + labelWidth + 6;
  const int barSpace = std::max(10, width() - barLeft - kMargin - percentWidth);
  const float maximum = std::max(Weights[static_cast<std::size_t>(Ranking.front())], 1e-12F);
  for (int row = 0; row < rows; ++row)
  {
    const int token = Ranking[static_cast<std::size_t>(row)];
    const float weight = Weights[static_cast<std::size_t>(token)];
    const int y = top + row * rowHeight;
    const TokenText label = tokenText(Tokens[static_cast<std::size_t>(token)]);
    painter.setPen(quiet);
    painter.drawText(
      QRect(kMargin, y, sideWidth, rowHeight), Qt::AlignLeft | Qt::AlignVCenter, label.side);
    painter.setPen(text);
    painter.drawText(QRect(kMargin + sideWidth, y, labelWidth, rowHeight),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText(label.area, Qt::ElideRight, labelWidth));
    painter.drawText(QRect(barLeft + barSpace, y, percentWidth, rowHeight),
                     Qt::AlignRight | Qt::AlignVCenter,
                     QStringLiteral("%1%").arg(static_cast<double>(weight) * 100.0, 0, 'f', 1));
    // Coloured as the cortex overlay paints the token's vertices (0 .. the largest weight).
    const float t = std::clamp(weight / maximum, 0.0F, 1.0F);
    const int barWidth = std::max(1, static_cast<int>(static_cast<float>(barSpace) * t));
    const QRect bar(barLeft, y + 3, barWidth, std::max(2, rowHeight - 6));
    painter.fillRect(bar, sequentialColour(t));
    painter.setPen(sequentialColour(1.0F));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));
  }
  if (rows < tokens)
  {
    double rest = 0.0;
    for (int row = rows; row < tokens; ++row)
    {
      rest += static_cast<double>(
        Weights[static_cast<std::size_t>(Ranking[static_cast<std::size_t>(row)])]);
    }
    painter.setPen(quiet);
    painter.drawText(
      QRect(kMargin, top + rows * rowHeight, width() - 2 * kMargin, rowHeight),
      Qt::AlignLeft | Qt::AlignVCenter,
      tr("+ %1 more tokens: %2% together").arg(tokens - rows).arg(rest * 100.0, 0, 'f', 1));
  }
  // Attention spread evenly over T tokens would put every bar at 1/T of the total.
  const int uniformX = barLeft + static_cast<int>(static_cast<float>(barSpace) * uniform / maximum);
  QPen dashed(quiet);
  dashed.setStyle(Qt::DashLine);
  painter.setPen(dashed);
  painter.drawLine(uniformX, top - 2, uniformX, top + rows * rowHeight);
}

} // namespace bmfl
