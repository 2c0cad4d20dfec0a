// The workbench end to end, as a user drives it: the window starts on a model (the tiny bundle)
// with a dataset evaluated, an image file is dropped on it, every panel shows the result, and
// the figures (composite as PNG, SVG and PDF, the cortex view, the accuracy chart) and the
// accuracy table (CSV, LaTeX) are exported and checked: sizes, formats, provenance inside.
#include "FigureExportDialog.h"
#include "MainWindow.h"

#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/AttentionViews.h"
#include "bmfl/widgets/PredictionPanel.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QMimeData>
#include <QPainter>
#include <QProcess>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QXmlStreamReader>

#include <algorithm>
#include <cmath>

namespace
{

const QString kTinyBundle = QStringLiteral(BMFL_TINY_BUNDLE);

QByteArray readAll(const QString& path)
{
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
  {
    return {};
  }
  return file.readAll();
}

QString manifestChecksum()
{
  return QString::fromLatin1(
    QCryptographicHash::hash(readAll(kTinyBundle + QStringLiteral("/manifest.json")),
                             QCryptographicHash::Sha256)
      .toHex());
}

/// A garment-like picture, as a user's own image file.
QString writeDroppedImage(const QString& folder)
{
  QImage image(96, 96, QImage::Format_RGB32);
  image.fill(QColor(20, 20, 20));
  QPainter painter(&image);
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor(210, 200, 190));
  painter.drawRect(30, 18, 36, 66);
  painter.drawRect(14, 18, 68, 18);
  painter.end();
  const QString path = QDir(folder).filePath(QStringLiteral("my garment.png"));
  image.save(path);
  return path;
}

void dropFile(QWidget& target, const QString& path)
{
  QMimeData mime;
  mime.setUrls({ QUrl::fromLocalFile(path) });
  const QPointF centre(target.width() / 2.0, target.height() / 2.0);
  QDragEnterEvent enter(centre.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&target, &enter);
  QDropEvent drop(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&target, &drop);
}

} // namespace

class TestWorkbenchEndToEnd : public QObject
{
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(Folder.isValid());
    // BMFL_KEEP_FIGURES=DIR keeps the exported files there, to look at.
    const QString keep = qEnvironmentVariable("BMFL_KEEP_FIGURES");
    Folder.setAutoRemove(keep.isEmpty());
    Out = keep.isEmpty() ? Folder.path() : keep;
  }

  void dialogConvertsMillimetresAndPreviewsTheSize()
  {
    bmfl::FigureExportDialog dialog;
    bmfl::FigureExportRequest request;
    request.content = bmfl::FigureExportRequest::Content::AccuracyChart;
    request.path = QStringLiteral("/tmp/chart.svg");
    request.size = { 1800, 1200, 300 };
    dialog.setRequest(request);
    QCOMPARE(dialog.request().content, request.content);
    QCOMPARE(dialog.request().size.width, 1800);
    QVERIFY2(dialog.preview().contains(QStringLiteral("152.4")), qPrintable(dialog.preview()));
    QVERIFY(dialog.preview().contains(QStringLiteral("SVG")));
    // In millimetres the figure keeps its size; at twice the DPI it has twice the pixels.
    dialog.findChild<QComboBox*>(QStringLiteral("unit"))->setCurrentIndex(1);
    QCOMPARE(dialog.request().size.width, 1800);
    dialog.findChild<QSpinBox*>(QStringLiteral("dpi"))->setValue(600);
    QCOMPARE(dialog.request().size.width, 3600);
    QCOMPARE(dialog.request().size.height, 2400);
    request.path = QStringLiteral("/tmp/chart.bmp");
    dialog.setRequest(request);
    QVERIFY(dialog.preview().contains(QStringLiteral(".pdf")));
  }

  void dropAnImageAndExportEverything()
  {
    bmfl::MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    QSignalSpy evaluated(window.controller(), &bmfl::WorkbenchController::evaluationFinished);
    window.loadSurfaceInBackground(QString(),
                                   bmfl::SurfaceKind::Inflated); // the bundled fsaverage5
    window.openSession(
      kTinyBundle,
      { QStringLiteral("fashion-mnist:test"), QStringLiteral("fashion-mnist-ood:noise") },
      40);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(evaluated.count() >= 1, 120000);

    // The user drops an image file on the window: every panel shows its result.
    const QString image = writeDroppedImage(Out);
    const auto before = shown.count();
    dropFile(window, image);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() > before, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!window.loadingSurface(), 60000);
    auto* predictions = window.findChild<bmfl::PredictionPanel*>();
    auto* imageAttention = window.findChild<bmfl::ImageAttentionView*>();
    auto* tokens = window.findChild<bmfl::BrainTokenAttentionChart*>();
    QVERIFY(predictions && imageAttention && tokens);
    QVERIFY(predictions->summary().startsWith(QStringLiteral("baseline: ")));
    QVERIFY(!imageAttention->heatMap().isNull());
    QVERIFY(tokens->strongestToken() >= 0);
    QVERIFY(window.cortexView()->surface() != nullptr);
    QVERIFY(window.cortexView()->overlay() != nullptr);

    // The composite as PNG, SVG and PDF, with the provenance inside each.
    const QString checksum = manifestChecksum();
    bmfl::FigureExportRequest request;
    request.content = bmfl::FigureExportRequest::Content::Composite;
    request.size = { 1600, 1000, 200 };
    request.path = QDir(Out).filePath(QStringLiteral("composite.png"));
    QCOMPARE(window.exportFigure(request), QString());
    QImageReader reader(request.path);
    const QImage png = reader.read();
    QCOMPARE(png.size(), QSize(1600, 1000));
    QStringList provenance; // the PNG's text chunks
    for (const QString& key : png.textKeys())
    {
      provenance << key + QStringLiteral(": ") + png.text(key);
    }
    const QString chunks = provenance.join(QLatin1Char('\n'));
    QVERIFY2(chunks.contains(checksum), qPrintable(chunks));
    QVERIFY2(chunks.contains(QStringLiteral("my garment.png")), qPrintable(chunks));
    QVERIFY(!png.text(QStringLiteral("Software")).isEmpty());

    request.path = QDir(Out).filePath(QStringLiteral("composite.svg"));
    QCOMPARE(window.exportFigure(request), QString());
    const QByteArray svg = readAll(request.path);
    QXmlStreamReader xml(svg);
    bool metadata = false;
    while (!xml.atEnd())
    {
      xml.readNext();
      metadata = metadata || (xml.isStartElement() && xml.name() == QLatin1String("metadata"));
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(metadata);
    QVERIFY(svg.contains(checksum.toLatin1()));

    request.path = QDir(Out).filePath(QStringLiteral("composite.pdf"));
    QCOMPARE(window.exportFigure(request), QString());
    const QByteArray pdf = readAll(request.path);
    QVERIFY(pdf.startsWith("%PDF-1."));
    QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    QVERIFY(pdf.contains("/Title"));
    QVERIFY(pdf.contains(checksum.toLatin1())); // the XMP metadata

    // The current view, under the brain-token attention: each token's vertices take its weight.
    window.setCortexOverlay(bmfl::MainWindow::CortexOverlay::BrainTokenAttention);
    const bmfl::SurfaceOverlay* attention = window.cortexView()->overlay();
    QVERIFY(attention != nullptr);
    QVERIFY(std::any_of(attention->values.begin(),
                        attention->values.end(),
                        [](float value) { return std::isfinite(value) && value > 0.0F; }));
    QCOMPARE(window.saveScreenshot(QDir(Out).filePath(QStringLiteral("window.png"))), QString());
    request.content = bmfl::FigureExportRequest::Content::CortexView;
    request.path = QDir(Out).filePath(QStringLiteral("view.png"));
    QCOMPARE(window.exportFigure(request), QString());
    QCOMPARE(QImage(request.path).size(), QSize(1600, 1000));
    request.path = QDir(Out).filePath(QStringLiteral("view.tif"));
    QCOMPARE(window.exportFigure(request), QString());
    const QByteArray tiff = readAll(request.path);
    QVERIFY(tiff.startsWith(QByteArray("II*\0", 4)) || tiff.startsWith(QByteArray("MM\0*", 4)));
    QVERIFY(tiff.contains(checksum.toLatin1())); // ImageDescription
    request.content = bmfl::FigureExportRequest::Content::AccuracyChart;
    request.size = { 1200, 800, 200 };
    request.path = QDir(Out).filePath(QStringLiteral("accuracy.png"));
    QCOMPARE(window.exportFigure(request), QString());
    QCOMPARE(QImage(request.path).size(), QSize(1200, 800));
    request.path = QDir(Out).filePath(QStringLiteral("accuracy.svg"));
    QCOMPARE(window.exportFigure(request), QString());
    QVERIFY(readAll(request.path).contains("Top-1 accuracy"));
    // An unknown format is one line naming the file, and nothing is written.
    request.path = QDir(Out).filePath(QStringLiteral("accuracy.bmp"));
    const QString refused = window.exportFigure(request);
    QVERIFY2(refused.contains(request.path), qPrintable(refused));
    QVERIFY(!QFile::exists(request.path));

    // The accuracy table as CSV and LaTeX.
    const QString csvPath = QDir(Out).filePath(QStringLiteral("accuracy.csv"));
    QCOMPARE(window.exportAccuracyTable(csvPath), QString());
    const QList<QByteArray> csv = readAll(csvPath).split('\n');
    QVERIFY(csv.size() >= 3);
    QVERIFY(csv[0].startsWith("dataset,images,baseline_accuracy"));
    QVERIFY2(csv[1].startsWith("fashion-mnist:test,40,"), csv[1].constData());
    const QString texPath = QDir(Out).filePath(QStringLiteral("accuracy.tex"));
    QCOMPARE(window.exportAccuracyTable(texPath), QString());
    const QByteArray tex = readAll(texPath);
    QVERIFY(tex.contains("\\toprule"));
    QVERIFY2(tex.contains("fashion-mnist:test & 40 & "), tex.constData());
    QVERIFY2(tex.contains("fashion-mnist-ood:noise & 40 & "), tex.constData());
  }

  void roiTokenModelReadsPerArea()
  {
    // The tiny model with one brain token per ROI of its label set "rois".
    const QString bundle = QDir(Out).filePath(QStringLiteral("tiny_roi_bundle"));
    QDir(bundle).removeRecursively();
    QCOMPARE(QProcess::execute(QStringLiteral(BMFL_MAKE_TINY_BUNDLE),
                               { bundle, QStringLiteral("--roi-tokens") }),
             0);
    bmfl::MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    window.loadSurfaceInBackground(QString(), bmfl::SurfaceKind::Inflated);
    window.openSession(bundle, { QStringLiteral("fashion-mnist:test") }, 0);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!window.loadingSurface() && window.cortexView()->surface(), 60000);

    // The chart: ranked, each area named in full with its hemisphere.
    auto* chart = window.findChild<bmfl::BrainTokenAttentionChart*>();
    QVERIFY(chart != nullptr);
    const std::vector<int>& ranking = chart->ranking();
    QVERIFY(ranking.size() >= 2);
    const QString top = chart->tokenLabel(ranking.front());
    QVERIFY2(top.endsWith(QStringLiteral("(left)")) || top.endsWith(QStringLiteral("(right)")),
             qPrintable(top));
    const QString ffa = QString::fromStdString(bmfl::fullAreaName("FFA"));
    bool named = false;
    for (const int token : ranking)
    {
      named = named || chart->tokenLabel(token).contains(ffa);
    }
    QVERIFY2(named, qPrintable(ffa));

    // View > Cortex Overlay > Brain-Token Attention: each area painted with its token's weight,
    // its borders drawn with it.
    QAction* attentionAction = nullptr;
    for (QAction* action : window.findChildren<QAction*>())
    {
      if (action->text() == QStringLiteral("Brain-Token Attention"))
      {
        attentionAction = action;
      }
    }
    QVERIFY(attentionAction != nullptr);
    attentionAction->trigger();
    QCOMPARE(window.roiBorderSource(), QStringLiteral("rois"));
    QVERIFY(window.cortexView()->roiLabels() != nullptr);
    const bmfl::SurfaceOverlay* overlay = window.cortexView()->overlay();
    QVERIFY(overlay != nullptr && overlay->space);
    const bmfl::VertexLabels* rois = overlay->space->labels("rois");
    QVERIFY(rois != nullptr);
    const std::size_t leftCount = overlay->space->left.size();
    for (std::size_t v = 0; v < overlay->values.size(); ++v)
    {
      const std::int32_t label = v < leftCount ? rois->left[v] : rois->right[v - leftCount];
      QCOMPARE(std::isfinite(overlay->values[v]), label > 0); // inside its area, nowhere else
    }
    bmfl::FigureExportRequest request;
    request.content = bmfl::FigureExportRequest::Content::Composite;
    request.size = { 1600, 1000, 200 };
    request.path = QDir(Out).filePath(QStringLiteral("composite_roi_tokens.png"));
    QCOMPARE(window.exportFigure(request), QString());
    const QImage png(request.path);
    QCOMPARE(png.size(), QSize(1600, 1000));
  }

private:
  QTemporaryDir Folder;
  QString Out;
};

QTEST_MAIN(TestWorkbenchEndToEnd)
#include "test_workbench_end_to_end.moc"
