#include "bmfl/widgets/AttentionViews.h"

#include "Colormap.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPen>
#include <QToolTip>

#include <algorithm>
#include <cmath>

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
  setMinimumSize(200, 60);
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
  updateGeometry();
  update();
}

void BrainTokenAttentionChart::clear()
{
  setAttention({}, {});
}

int BrainTokenAttentionChart::strongestToken() const
{
  if (Weights.empty())
  {
    return -1;
  }
  return static_cast<int>(std::max_element(Weights.begin(), Weights.end()) - Weights.begin());
}

int BrainTokenAttentionChart::rowHeight() const
{
  const int rows = std::max(1, static_cast<int>(Weights.size()));
  return std::clamp((height() - kTitleHeight - 2 * kMargin) / rows, 4, kBarRowHeight);
}

int BrainTokenAttentionChart::tokenAt(const QPoint& point) const
{
  const int top = kTitleHeight + kMargin;
  if (Weights.empty() || point.y() < top || point.x() < 0 || point.x() >= width())
  {
    return -1;
  }
  const int row = (point.y() - top) / rowHeight();
  return row < static_cast<int>(Weights.size()) ? row : -1;
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
                         tr("%1: attention %2 (%3 vertices)")
                           .arg(QString::fromStdString(Tokens[index].name))
                           .arg(static_cast<double>(Weights[index]), 0, 'f', 3)
                           .arg(Tokens[index].vertexCount),
                         this);
    }
    return true;
  }
  return QWidget::event(event);
}

QSize BrainTokenAttentionChart::sizeHint() const
{
  const int rows = std::max<int>(3, static_cast<int>(Tokens.size()));
  return { 300, kTitleHeight + rows * kBarRowHeight + 2 * kMargin };
}

void BrainTokenAttentionChart::paintEvent(QPaintEvent* /*event*/)
{
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  painter.setPen(palette().color(QPalette::WindowText));
  painter.drawText(QRect(kMargin, 0, width() - 2 * kMargin, kTitleHeight),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Image [CLS] \u2192 brain tokens"));
  if (Weights.empty())
  {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("No attention to show"));
    return;
  }
  const float maximum = *std::max_element(Weights.begin(), Weights.end());
  const int rows = static_cast<int>(Weights.size());
  const int rowHeight = this->rowHeight();
  const QFontMetrics metrics(font());
  const int labelWidth = std::min(width() / 3, 140);
  const int barLeft = kMargin + labelWidth + 4;
  const int barSpace = width() - barLeft - kMargin - 46;
  const int strongest = strongestToken();
  for (int i = 0; i < rows; ++i)
  {
    const int y = kTitleHeight + kMargin + i * rowHeight;
    const float t = maximum > 0 ? Weights[static_cast<std::size_t>(i)] / maximum : 0.0F;
    if (rowHeight >= 10)
    {
      painter.setPen(palette().color(QPalette::WindowText));
      painter.drawText(
        QRect(kMargin, y, labelWidth, rowHeight),
        Qt::AlignLeft | Qt::AlignVCenter,
        metrics.elidedText(QString::fromStdString(Tokens[static_cast<std::size_t>(i)].name),
                           Qt::ElideRight,
                           labelWidth));
      painter.drawText(
        QRect(barLeft + barSpace + 2, y, 44, rowHeight),
        Qt::AlignRight | Qt::AlignVCenter,
        QString::number(static_cast<double>(Weights[static_cast<std::size_t>(i)]), 'f', 3));
    }
    const int barWidth = std::max(1, static_cast<int>(static_cast<float>(barSpace) * t));
    painter.fillRect(QRect(barLeft, y + 2, barWidth, std::max(2, rowHeight - 4)),
                     i == strongest ? sequentialColour(1.0F) : sequentialColour(0.55F));
  }
  // Attention spread evenly over T tokens would put every bar at 1/T of the total.
  const float uniform = 1.0F / static_cast<float>(rows);
  const int uniformX = barLeft + static_cast<int>(static_cast<float>(barSpace) * uniform / maximum);
  QPen dashed(palette().color(QPalette::PlaceholderText));
  dashed.setStyle(Qt::DashLine);
  painter.setPen(dashed);
  painter.drawLine(
    uniformX, kTitleHeight + kMargin - 2, uniformX, kTitleHeight + kMargin + rows * rowHeight);
}

} // namespace bmfl
