// Baseline versus BMFL on dropped images, on the tiny bundle: drops on a child widget reach the
// window (an image is analysed, a folder of images becomes a dataset, several images a "dropped
// images" dataset, anything else a problem naming it); an accuracy-table cell opens its images
// in the browser with the cell's filter; the A/B difference overlay is B - A; the corruption
// explorer fills one cell per corruption and severity with both heads' labels.
#include "MainWindow.h"

#include "bmfl/widgets/AccuracyTable.h"
#include "bmfl/widgets/CorruptionExplorer.h"
#include "bmfl/widgets/DatasetBrowser.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QAbstractItemView>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListView>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

namespace
{

const QString kTinyBundle = QStringLiteral(BMFL_TINY_BUNDLE);

void writePicture(const QString& path, int variant)
{
  QImage image(28, 28, QImage::Format_Grayscale8);
  for (int y = 0; y < 28; ++y)
  {
    for (int x = 0; x < 28; ++x)
    {
      image.setPixel(x, y, qRgb((x * variant + y * 7) % 256, 0, 0));
    }
  }
  QVERIFY(image.save(path));
}

/// Drags urls onto a widget and drops them there, as a file manager does (with the paths as
/// text too, which a line edit would take for itself).
void drop(QWidget* target, const QList<QUrl>& urls)
{
  QMimeData mime;
  mime.setUrls(urls);
  QStringList paths;
  for (const QUrl& url : urls)
  {
    paths << url.toLocalFile();
  }
  mime.setText(paths.join(QLatin1Char('\n')));
  const QPoint centre = target->rect().center();
  QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent dropped(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &dropped);
  QVERIFY(dropped.isAccepted());
}

QUrl local(const QString& path)
{
  return QUrl::fromLocalFile(path);
}

} // namespace

class TestWorkbenchCompare : public QObject
{
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(Folder.isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(Folder.filePath(QStringLiteral("config"))));
    writePicture(Folder.filePath(QStringLiteral("a.png")), 3);
    writePicture(Folder.filePath(QStringLiteral("b.png")), 5);
    QVERIFY(QDir(Folder.path()).mkpath(QStringLiteral("unlabelled")));
    for (int i = 0; i < 3; ++i)
    {
      writePicture(Folder.filePath(QStringLiteral("unlabelled/%1.png").arg(i)), 7 + i);
    }
    for (const QString& name : { QStringLiteral("Trouser"), QStringLiteral("Coat") })
    {
      QVERIFY(QDir(Folder.path()).mkpath(QStringLiteral("labelled/") + name));
      writePicture(Folder.filePath(QStringLiteral("labelled/%1/0.png").arg(name)), 11);
    }
    QFile notes(Folder.filePath(QStringLiteral("notes.txt")));
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("not an image\n");
  }

  void dropsOnChildWidgetsReachTheWindow()
  {
    bmfl::MainWindow window;
    window.resize(1100, 700);
    window.show();
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    QSignalSpy analysed(window.controller(), &bmfl::WorkbenchController::analysed);
    window.openSession(kTinyBundle, { QStringLiteral("fashion-mnist-ood:noise") }, 0);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);

    // One image on the browser's grid: analysed, as File > Open Image does.
    auto* grid = window.datasetBrowser()->findChild<QListView*>();
    QVERIFY(grid != nullptr);
    const QString a = Folder.filePath(QStringLiteral("a.png"));
    drop(grid->viewport(), { local(a) });
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 2, 60000);
    QCOMPARE(analysed.last().at(0).value<bmfl::AnalysedImage>().file, a);

    // A folder of images on a line edit of the Display panel: an unlabelled dataset, shown in
    // the browser; the line edit did not take the text.
    auto* opacity = window.findChild<QDoubleSpinBox*>(QStringLiteral("opacity"));
    QVERIFY(opacity != nullptr);
    const double before = opacity->value();
    const QString folder = QDir::cleanPath(Folder.filePath(QStringLiteral("unlabelled")));
    drop(opacity->findChild<QLineEdit*>(), { local(folder) });
    QCOMPARE(window.controller()->datasets().size(), std::size_t{ 2 });
    const auto& added = window.controller()->datasets().back();
    QCOMPARE(QString::fromStdString(added->name()), folder);
    QCOMPARE(added->size(), std::size_t{ 3 });
    QCOMPARE(added->label(0), -1);
    QCOMPARE(window.datasetBrowser()->currentDataset(), 1);
    QCOMPARE(opacity->value(), before);

    // Several images and a text file on the cortex view: the first analysed, all of them a
    // dataset, the text file a problem naming it.
    const QString b = Folder.filePath(QStringLiteral("b.png"));
    const QString notes = Folder.filePath(QStringLiteral("notes.txt"));
    drop(window.cortexView(), { local(b), local(a), local(notes) });
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 3, 60000);
    QCOMPARE(analysed.last().at(0).value<bmfl::AnalysedImage>().file, b);
    QCOMPARE(window.controller()->datasets().size(), std::size_t{ 3 });
    QCOMPARE(window.controller()->datasets().back()->size(), std::size_t{ 2 });
    QCOMPARE(window.datasetBrowser()->currentDataset(), 2);
    QVERIFY(!window.problems().isEmpty());
    QVERIFY(window.problems().last().startsWith(notes + QStringLiteral(": not an image")));

    // The dropped images are items like any other: analysing one works.
    window.controller()->analyseItem(2, 1);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 4, 60000);
    QCOMPARE(analysed.last().at(0).value<bmfl::AnalysedImage>().datasetIndex, 2);
    window.controller()->waitForIdle();
  }

  void droppedBundleAndClassFoldersOpen()
  {
    bmfl::MainWindow window;
    window.resize(1100, 700);
    window.show();
    // A model bundle on the accuracy table: opened as the model.
    auto* table = window.accuracyTable()->findChild<QAbstractItemView*>();
    QVERIFY(table != nullptr);
    drop(table->viewport(), { local(kTinyBundle) });
    QTRY_VERIFY_WITH_TIMEOUT(window.controller()->hasModel(), 60000);
    // Class folders on the browser: a labelled dataset in the model's classes.
    const QString labelled = QDir::cleanPath(Folder.filePath(QStringLiteral("labelled")));
    drop(window.datasetBrowser(), { local(labelled) });
    QTRY_COMPARE_WITH_TIMEOUT(window.controller()->datasets().size(), std::size_t{ 1 }, 60000);
    const auto& dataset = window.controller()->datasets().front();
    QCOMPARE(dataset->size(), std::size_t{ 2 });
    QCOMPARE(dataset->classNames().at(static_cast<std::size_t>(dataset->label(0))),
             std::string("Coat"));
    QVERIFY2(window.problems().isEmpty(), qPrintable(window.problems().join(QLatin1Char('\n'))));
    window.controller()->waitForIdle();
  }

  void accuracyCellOpensItsImagesInTheBrowser()
  {
    bmfl::MainWindow window;
    window.resize(1100, 700);
    window.show();
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    QSignalSpy verdicts(window.controller(), &bmfl::WorkbenchController::verdictsReady);
    window.openSession(kTinyBundle, { QStringLiteral("fashion-mnist-ood:noise") }, 200);
    QTRY_VERIFY_WITH_TIMEOUT(verdicts.count() >= 1, 120000);
    const auto kept = window.controller()->verdicts(0);
    QVERIFY(kept != nullptr);
    QCOMPARE(kept->size(), std::size_t{ 200 });
    bmfl::DatasetBrowser* browser = window.datasetBrowser();
    auto check = [&](int column, const std::function<bool(const bmfl::ImageVerdict&)>& keep)
    {
      window.accuracyTable()->openCell(0, column);
      std::vector<std::size_t> expected;
      for (const bmfl::ImageVerdict& verdict : *kept)
      {
        if (keep(verdict))
        {
          expected.push_back(verdict.index);
        }
      }
      QCOMPARE(browser->shownCount(), expected.size());
      for (std::size_t row = 0; row < expected.size(); ++row)
      {
        QCOMPARE(browser->shownItem(row), expected[row]);
      }
    };
    check(2, [](const bmfl::ImageVerdict& v) { return !v.baselineRight; });
    QCOMPARE(browser->filter().baseline, bmfl::BrowserFilter::Verdict::Wrong);
    check(3, [](const bmfl::ImageVerdict& v) { return !v.bmflRight; });
    QCOMPARE(browser->filter().bmfl, bmfl::BrowserFilter::Verdict::Wrong);
    check(4, [](const bmfl::ImageVerdict& v) { return v.baselineLabel != v.bmflLabel; });
    QVERIFY(browser->filter().headsDisagree);
    window.accuracyTable()->openCell(0, 0);
    QVERIFY(browser->filter() == bmfl::BrowserFilter());
    QCOMPARE(browser->shownCount(), window.controller()->datasets()[0]->size());
    window.controller()->waitForIdle();
  }

  void differenceOverlayIsBMinusA()
  {
    bmfl::MainWindow window;
    window.resize(1100, 700);
    window.show();
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    QSignalSpy surface(&window, &bmfl::MainWindow::surfaceShown);
    window.loadSurfaceInBackground(QString(), bmfl::SurfaceKind::Inflated);
    window.openSession(kTinyBundle, { QStringLiteral("fashion-mnist-ood:noise") }, 0);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && surface.count() >= 1, 60000);
    window.pinCurrentAsA();
    QVERIFY(window.pinnedA().result != nullptr);
    QVERIFY(window.comparedB().result == nullptr);
    // B from the browser's item context menu's "Pin as A" on another item, then a third image.
    emit window.datasetBrowser()->pinRequested(0, 3);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 2, 60000);
    QCOMPARE(window.pinnedA().item, 3ULL);
    window.controller()->analyseItem(0, 8);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 3, 60000);
    QCOMPARE(window.comparedB().item, 8ULL);
    window.setCortexOverlay(bmfl::MainWindow::CortexOverlay::DifferenceBA);
    const bmfl::SurfaceOverlay* overlay = window.cortexView()->overlay();
    QVERIFY(overlay != nullptr);
    const std::vector<float>& a = window.pinnedA().result->predictedFmri;
    const std::vector<float>& b = window.comparedB().result->predictedFmri;
    QCOMPARE(overlay->values.size(), a.size());
    float largest = 0.0F;
    for (std::size_t v = 0; v < a.size(); ++v)
    {
      QCOMPARE(overlay->values[v], b[v] - a[v]);
      largest = std::max(largest, std::abs(b[v] - a[v]));
    }
    QVERIFY(largest > 0.0F);
    QCOMPARE(overlay->rangeMaximum, largest);
    QCOMPARE(overlay->rangeMinimum, -largest);
    window.controller()->waitForIdle();
  }

  void corruptionExplorerFillsEveryCell()
  {
    bmfl::MainWindow window;
    window.resize(1100, 700);
    window.show();
    QSignalSpy shown(&window, &bmfl::MainWindow::analysisShown);
    window.openSession(kTinyBundle, { QStringLiteral("fashion-mnist-ood:noise") }, 0);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 60000);
    window.exploreCorruptions();
    QVERIFY(window.exploringCorruptions());
    QTRY_VERIFY_WITH_TIMEOUT(!window.exploringCorruptions(), 120000);
    QCoreApplication::processEvents(); // the last cells' queued deliveries
    const bmfl::CorruptionExplorer* explorer = window.corruptionExplorer();
    // The Fashion-MNIST suite: 16 corruptions at severities 2-5, and the sketch rendering.
    QTRY_COMPARE(explorer->cells().size(), std::size_t{ 16 * 4 + 1 });
    int sketches = 0;
    for (const bmfl::CorruptionCell& cell : explorer->cells())
    {
      QVERIFY(cell.baselineLabel >= 0 && cell.baselineLabel < 10);
      QVERIFY(cell.bmflLabel >= 0 && cell.bmflLabel < 10);
      QVERIFY(!cell.baselineName.isEmpty() && !cell.bmflName.isEmpty());
      QVERIFY(!cell.image.isNull());
      QVERIFY(!cell.roiChange.empty());
      sketches += cell.corruption == "sketch" ? 1 : 0;
      QVERIFY(cell.corruption == "sketch" ? cell.severity == 0
                                          : cell.severity >= 2 && cell.severity <= 5);
    }
    QCOMPARE(sketches, 1);
    QVERIFY(const_cast<bmfl::CorruptionExplorer*>(explorer)->selectCell("gaussian_noise", 5));
    QCOMPARE(explorer->roiRows(), static_cast<int>(explorer->cells().front().roiChange.size()));
    QVERIFY(window.problems().isEmpty());
    window.controller()->waitForIdle();
  }

private:
  QTemporaryDir Folder;
};

QTEST_MAIN(TestWorkbenchCompare)
#include "test_workbench_compare.moc"
