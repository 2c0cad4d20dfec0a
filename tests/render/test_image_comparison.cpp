#include "ImageComparison.h"

#include <QPainter>
#include <QTest>

using bmfl::testing::compareImages;

namespace
{
QImage scene(int shift)
{
  QImage image(200, 120, QImage::Format_RGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setBrush(QColor(90, 90, 90));
  painter.drawEllipse(QRect(40 + shift, 20, 80, 80));
  return image;
}
} // namespace

class TestImageComparison : public QObject
{
  Q_OBJECT

private slots:
  void identicalImagesHaveSsimOne()
  {
    const auto difference = compareImages(scene(0), scene(0));
    QVERIFY(difference.error.isEmpty());
    QCOMPARE(difference.meanSsim, 1.0);
    QCOMPARE(difference.maxChannelDifference, 0);
  }

  void faintNoiseStaysUnderThreshold()
  {
    QImage noisy = scene(0);
    for (int y = 0; y < noisy.height(); y += 3)
    {
      for (int x = 0; x < noisy.width(); x += 5)
      {
        const QColor c = noisy.pixelColor(x, y);
        noisy.setPixelColor(x, y, QColor(c.red() ^ 1, c.green(), c.blue()));
      }
    }
    const auto difference = compareImages(noisy, scene(0));
    QVERIFY(difference.dissimilarity < 0.01);
    QVERIFY(difference.dissimilarity > 0.0);
  }

  void movedShapeExceedsThreshold()
  {
    const auto difference = compareImages(scene(25), scene(0));
    QVERIFY2(difference.dissimilarity > 0.05,
             qPrintable(QString::number(difference.dissimilarity)));
    QVERIFY(difference.fractionOfPixelsDiffering > 0.05);
  }

  void sizeMismatchIsAnError()
  {
    const auto difference = compareImages(scene(0), scene(0).scaled(100, 60));
    QVERIFY(difference.error.contains(QStringLiteral("sizes differ")));
  }
};

QTEST_MAIN(TestImageComparison)
#include "test_image_comparison.moc"
