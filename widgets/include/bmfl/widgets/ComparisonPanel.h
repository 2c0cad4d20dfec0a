#pragma once

#include "bmfl/ImageResult.h"

#include <QWidget>

#include <memory>

class QLabel;

namespace bmfl
{

class PredictionPanel;

/// Two analysed images side by side, A (pinned) and B (the next one): each image as the model
/// saw it, its name, and both heads' top classes.
class ComparisonPanel : public QWidget
{
  Q_OBJECT

public:
  enum class Side
  {
    A,
    B
  };

  explicit ComparisonPanel(QWidget* parent = nullptr);

  void setSide(Side side,
               const QImage& image,
               const QString& id,
               std::shared_ptr<const ImageResult> result,
               int trueLabel,
               const QString& trueName);
  void clearSide(Side side);
  /// The name shown for a side (tests).
  QString sideTitle(Side side) const;

protected:
  void changeEvent(QEvent* event) override;

private:
  struct Column
  {
    QLabel* heading = nullptr;
    QLabel* image = nullptr;
    QLabel* title = nullptr;
    PredictionPanel* predictions = nullptr;
  };
  Column& column(Side side) { return side == Side::A ? A : B; }
  const Column& column(Side side) const { return side == Side::A ? A : B; }
  void retranslate();

  Column A;
  Column B;
};

} // namespace bmfl
