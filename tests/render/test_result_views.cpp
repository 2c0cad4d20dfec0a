// The per-image result views, on a synthetic ImageResult: what they report, and how they look
// (compared with a baseline image by SSIM).
#include "ImageComparison.h"

#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/AccuracyChart.h"
#include "bmfl/widgets/AccuracyTable.h"
#include "bmfl/widgets/AttentionViews.h"
#include "bmfl/widgets/PredictionPanel.h"

#include <QApplication>
#include <QFile>
#include <QHBoxLayout>
#include <QPainter>
#include <QTest>
#include <QVBoxLayout>

#include <cmath>

namespace
{

std::shared_ptr<bmfl::ImageResult> syntheticResult()
{
  auto result = std::make_shared<bmfl::ImageResult>();
  result->id = "fashion-mnist:test/0";
  result->baselineTopK = { { 6, "Shirt", 0.41F },
                           { 4, "Coat", 0.33F },
                           { 2, "Pullover", 0.15F },
                           { 0, "T-shirt/top", 0.07F },
                           { 3, "Dress", 0.02F } };
  result->bmflTopK = { { 4, "Coat", 0.71F },
                       { 6, "Shirt", 0.18F },
                       { 2, "Pullover", 0.07F },
                       { 3, "Dress", 0.02F },
                       { 0, "T-shirt/top", 0.01F } };
  // A 7x7 patch grid attending to the upper-left quadrant.
  result->gridHeight = 7;
  result->gridWidth = 7;
  for (int row = 0; row < 7; ++row)
  {
    for (int column = 0; column < 7; ++column)
    {
      result->brainToImageAttention.push_back(
        static_cast<float>(std::exp(-((row - 2) * (row - 2) + (column - 2) * (column - 2)) / 3.0)));
    }
  }
  const char* names[] = { "early (left)",  "midventral (left)",  "ventral (left)",
                          "early (right)", "midventral (right)", "ventral (right)" };
  const float weights[] = { 0.35F, 0.1F, 0.05F, 0.3F, 0.15F, 0.05F };
  for (int i = 0; i < 6; ++i)
  {
    result->brainTokens.push_back({ names[i], 0, 10, i });
    result->imageToBrainAttention.push_back(weights[i]);
  }
  return result;
}

QImage syntheticGarment()
{
  QImage image(28, 28, QImage::Format_RGB32);
  image.fill(Qt::black);
  QPainter painter(&image);
  painter.setBrush(QColor(200, 200, 200));
  painter.setPen(Qt::NoPen);
  painter.drawRect(8, 5, 12, 20);
  painter.drawRect(4, 5, 20, 6);
  return image;
}

} // namespace

class TestResultViews : public QObject
{
  Q_OBJECT

private slots:
  void predictionPanelSaysWhichModelIsRight()
  {
    bmfl::PredictionPanel panel;
    QCOMPARE(panel.summary(), QStringLiteral("No image"));
    panel.setPrediction(syntheticResult(), 4, QStringLiteral("Coat"));
    QCOMPARE(panel.summary(),
             QStringLiteral("baseline: Shirt 41% (wrong) \u00b7 BMFL: Coat 71% (correct)"));
    panel.setPrediction(syntheticResult(), -1);
    QCOMPARE(panel.summary(), QStringLiteral("baseline: Shirt 41% \u00b7 BMFL: Coat 71%"));
  }

  void heatMapFollowsTheWeights()
  {
    bmfl::ImageAttentionView view;
    const auto result = syntheticResult();
    view.setAttention(result->brainToImageAttention, 7, 7);
    const QImage map = view.heatMap();
    QCOMPARE(map.size(), QSize(7, 7));
    QVERIFY(map.pixelColor(2, 2).alpha() > map.pixelColor(6, 6).alpha() + 100);
    // A map whose size does not match its grid is dropped, not drawn wrong.
    view.setAttention({ 1.0F, 2.0F }, 7, 7);
    QVERIFY(view.heatMap().isNull());
  }

  void tokenChartRanksTheTokens()
  {
    bmfl::BrainTokenAttentionChart chart;
    QCOMPARE(chart.strongestToken(), -1);
    const auto result = syntheticResult();
    chart.setAttention(result->imageToBrainAttention, result->brainTokens);
    QCOMPARE(chart.strongestToken(), 0);
    // Largest weight first; equal weights keep the tokens' order.
    QCOMPARE(chart.ranking(), (std::vector<int>{ 0, 3, 4, 1, 2, 5 }));
    // An ROI token reads as its area's full name and hemisphere.
    const QString full = QString::fromStdString(bmfl::fullAreaName("midventral"));
    QVERIFY2(chart.tokenLabel(1).contains(full), qPrintable(chart.tokenLabel(1)));
    QVERIFY(chart.tokenLabel(1).endsWith(QStringLiteral("(left)")));
    QCOMPARE(chart.tokenLabel(6), QString());
    // Each row names its token (the tooltip's full name), in rank order; the title lines do not.
    chart.resize(300, 400);
    const int rows = static_cast<int>(result->brainTokens.size());
    QCOMPARE(chart.shownRows(), rows);
    QCOMPARE(chart.tokenAt(QPoint(10, 2)), -1);
    std::vector<int> seen;
    for (int y = 0; y < chart.height(); ++y)
    {
      const int token = chart.tokenAt(QPoint(10, y));
      QVERIFY(token >= -1 && token < rows);
      if (token >= 0 && (seen.empty() || seen.back() != token))
      {
        seen.push_back(token);
      }
    }
    QCOMPARE(seen, chart.ranking());
    // Too low for every row: the strongest keep theirs, the rest share a summary row.
    chart.resize(300, chart.sizeHint().height() - 3 * 18);
    QVERIFY(chart.shownRows() < rows);
    QVERIFY(chart.shownRows() >= 1);
    QCOMPARE(chart.tokenAt(QPoint(10, chart.height() - 12)), -1);
    chart.setAttention({ 1.0F }, result->brainTokens); // sizes disagree: cleared
    QCOMPARE(chart.strongestToken(), -1);
    QCOMPARE(chart.tokenAt(QPoint(10, 60)), -1);
  }

  void accuracyTableShowsPairedAccuracy()
  {
    bmfl::AccuracyTable table;
    table.setDatasetNames(
      { QStringLiteral("fashion-mnist:test"), QStringLiteral("fashion-mnist-ood:noise") });
    QCOMPARE(table.cell(1, 2), QStringLiteral("\u2013")); // nothing measured yet
    bmfl::DatasetAccuracy accuracy;
    for (int i = 0; i < 100; ++i)
    {
      // 80 right for the baseline, 90 for BMFL; 12 pairs only BMFL got, 2 only the baseline.
      accuracy.add(i < 80, i < 78 || (i >= 80 && i < 92));
    }
    table.updateRow(0, 100, 400, accuracy);
    QCOMPARE(table.cell(0, 1), QStringLiteral("100 / 400"));
    QCOMPARE(table.cell(0, 2), QStringLiteral("80.0% [71.1, 86.7]"));
    QCOMPARE(table.cell(0, 3), QStringLiteral("90.0% [82.6, 94.5]"));
    QCOMPARE(table.cell(0, 4), QStringLiteral("+10.0"));
    QCOMPARE(table.cell(0, 5), QString::number(bmfl::mcNemarExactP(2, 12), 'g', 3));
    table.updateRow(0, 400, 400, accuracy);
    QCOMPARE(table.cell(0, 1), QStringLiteral("400"));
    const QStringList lines = table.toTsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines[1].startsWith(QStringLiteral("fashion-mnist:test\t400\t80.0%")));
  }

  void accuracyTableShowsWhyARowFailed()
  {
    bmfl::AccuracyTable table;
    table.setDatasetNames({ QStringLiteral("folder:/data/set"), QStringLiteral("other") });
    bmfl::DatasetAccuracy accuracy;
    accuracy.add(true, true);
    table.updateRow(0, 1, 10, accuracy);
    const QString reason = QStringLiteral("/data/set/cat/3.png: truncated PNG (no IEND chunk)");
    table.markFailed(0, reason);
    QCOMPARE(table.cell(0, 1), QStringLiteral("failed"));
    QCOMPARE(table.cell(0, 2), QStringLiteral("\u2013")); // partial counts are not a result
    for (int column = 0; column < 6; ++column)
    {
      QCOMPARE(table.cellToolTip(0, column), reason);
    }
    QCOMPARE(table.cellToolTip(1, 1), QString()); // the other row is untouched
    table.updateRow(0, 10, 10, accuracy);         // evaluated again: the failure is gone
    QCOMPARE(table.cellToolTip(0, 1), QString());
    QCOMPARE(table.cell(0, 1), QStringLiteral("10"));
  }

  void accuracyChartHasEveryEvaluatedDataset()
  {
    // Seven datasets with long names (turned labels), one not evaluated (left out).
    std::vector<bmfl::DatasetAccuracy> rows;
    const char* names[] = { "fashion-mnist:test",          "fashion-mnist-ood:noise",
                            "fashion-mnist-ood:blur",      "fashion-mnist-ood:contrast",
                            "fashion-mnist-ood:rotation",  "fashion-mnist-ood:elastic",
                            "folder:/data/my_images/set#1" };
    for (int d = 0; d < 7; ++d)
    {
      bmfl::DatasetAccuracy row;
      row.dataset = names[d];
      for (int i = 0; d < 6 && i < 200; ++i)
      {
        row.add(i < 170 - 20 * d, i < 176 - 18 * d);
      }
      rows.push_back(row);
    }
    const bmfl::FigureProvenance provenance = bmfl::makeFigureProvenance();
    const QString png = QStringLiteral(BMFL_RENDER_OUTPUT_DIR "/accuracy_chart.png");
    bmfl::writeAccuracyChart(png.toStdString(), rows, { 1800, 1000, 200 }, provenance);
    QCOMPARE(QImage(png).size(), QSize(1800, 1000));
    const QString svg = QStringLiteral(BMFL_RENDER_OUTPUT_DIR "/accuracy_chart.svg");
    bmfl::writeAccuracyChart(svg.toStdString(), rows, { 1800, 1000, 200 }, provenance);
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("fashion-mnist-ood:elastic")); // the names stay text
    QVERIFY(!text.contains("set#1"));                    // not evaluated: left out
    rows.resize(1);
    rows[0] = bmfl::DatasetAccuracy{};
    QVERIFY_THROWS_EXCEPTION(
      std::invalid_argument,
      bmfl::writeAccuracyChart(png.toStdString(), rows, { 1800, 1000, 200 }, provenance));
  }

  void viewsLookAsTheBaselineShows()
  {
    QWidget window;
    window.resize(900, 320);
    auto* layout = new QHBoxLayout(&window);
    auto* panel = new bmfl::PredictionPanel;
    auto* image = new bmfl::ImageAttentionView;
    auto* chart = new bmfl::BrainTokenAttentionChart;
    layout->addWidget(panel, 3);
    layout->addWidget(image, 2);
    layout->addWidget(chart, 2);
    const auto result = syntheticResult();
    panel->setPrediction(result, 4, QStringLiteral("Coat"));
    image->setImage(syntheticGarment());
    image->setAttention(result->brainToImageAttention, result->gridHeight, result->gridWidth);
    chart->setAttention(result->imageToBrainAttention, result->brainTokens);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QImage rendered = window.grab().toImage();
    const QString baselinePath = QStringLiteral(BMFL_BASELINE_DIR "/result_views.png");
    const QString outputPath = QStringLiteral(BMFL_RENDER_OUTPUT_DIR "/result_views.png");
    rendered.save(outputPath);
    const QImage baseline(baselinePath);
    QVERIFY2(!baseline.isNull(), qPrintable("no baseline; look at " + outputPath));
    const auto difference = bmfl::testing::compareImages(rendered, baseline);
    QVERIFY2(difference.error.isEmpty(), qPrintable(difference.error));
    QVERIFY2(difference.dissimilarity <= 0.05,
             qPrintable(
               QStringLiteral("1-SSIM %1; see %2").arg(difference.dissimilarity).arg(outputPath)));
  }
};

QTEST_MAIN(TestResultViews)
#include "test_result_views.moc"
