#pragma once

#include "bmfl/ImageResult.h"

#include <QWidget>

#include <memory>

namespace bmfl
{

/// Baseline (frozen encoder + linear probe) and BMFL predictions for one image side by side:
/// the top classes as bars, the true class marked when it is known.
class PredictionPanel : public QWidget
{
  Q_OBJECT

public:
  explicit PredictionPanel(QWidget* parent = nullptr);

  /// trueLabel: the image's class index, or -1 when unknown (a dropped-in image).
  void setPrediction(std::shared_ptr<const ImageResult> result,
                     int trueLabel,
                     const QString& trueName = {});
  void clear();

  /// One line saying what the panel shows, e.g. "baseline: Coat 71% (correct) · BMFL: ...".
  QString summary() const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;
  void changeEvent(QEvent* event) override;

private:
  std::shared_ptr<const ImageResult> Result;
  int TrueLabel = -1;
  QString TrueName;
};

} // namespace bmfl
