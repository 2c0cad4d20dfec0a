// Workbench sessions: the JSON file read back as written, a window's state saved and opened again
// in a new window, bad files refused in one line, missing parts shown while the rest opens, and
// the last session reopened at start-up unless told not to.
#include "MainWindow.h"
#include "Session.h"
#include "Startup.h"
#include "StartupOptions.h"

#include "bmfl/FileError.h"
#include "bmfl/widgets/RoiPanel.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

namespace
{

const QString kTinyBundle = QStringLiteral(BMFL_TINY_BUNDLE);

bmfl::StartupOptions optionsOf(QStringList arguments)
{
  arguments.prepend(QStringLiteral("bmfl-workbench"));
  const bmfl::StartupCommandLine commandLine = bmfl::parseStartupOptions(arguments);
  if (!commandLine.options)
  {
    qFatal("%s", qPrintable(commandLine.text));
  }
  return *commandLine.options;
}

void writeText(const QString& path, const QByteArray& text)
{
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
  file.write(text);
}

// Everything but the window geometry, which the window system may adjust.
void compareSessions(const bmfl::WorkbenchSession& actual, const bmfl::WorkbenchSession& expected)
{
  QCOMPARE(actual.modelDir, expected.modelDir);
  QCOMPARE(actual.datasets, expected.datasets);
  QCOMPARE(actual.selection.dataset, expected.selection.dataset);
  QCOMPARE(actual.selection.item, expected.selection.item);
  QCOMPARE(actual.selection.file, expected.selection.file);
  QCOMPARE(actual.templateFolder, expected.templateFolder);
  QCOMPARE(actual.surfaceKind, expected.surfaceKind);
  QCOMPARE(actual.viewPreset, expected.viewPreset);
  QCOMPARE(actual.roiBorders, expected.roiBorders);
  QVERIFY(actual.overlay == expected.overlay);
  QCOMPARE(actual.language, expected.language);
  QCOMPARE(actual.windowState, expected.windowState);
}

} // namespace

class TestWorkbenchSession : public QObject
{
  Q_OBJECT

private slots:
  void initTestCase()
  {
    // The user's configuration (their last session) is never touched.
    QVERIFY(Config.isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(Config.path()));
    QVERIFY(bmfl::MainWindow::defaultAutosavePath().startsWith(Config.path()));
  }

  void jsonReadsBackAsWritten()
  {
    bmfl::WorkbenchSession session;
    session.modelDir = QStringLiteral("/models/demo");
    session.datasets = QStringList{ QStringLiteral("fashion-mnist:test"),
                                    QStringLiteral("folder:/data/\u56fe\u50cf") };
    session.selection.dataset = 1;
    session.selection.item = 4242;
    session.templateFolder = QStringLiteral("/data/fsaverage");
    session.surfaceKind = QStringLiteral("pial");
    session.viewPreset = QStringLiteral("ventral");
    session.roiBorders = QStringLiteral("wang15");
    session.overlay.mode = QStringLiteral("attention");
    session.overlay.colormap = QStringLiteral("sequential");
    session.overlay.threshold = 0.125;
    session.overlay.rangeMinimum = -0.3;
    session.overlay.rangeMaximum = 0.7;
    session.overlay.symmetric = true;
    session.overlay.opacity = 0.25;
    session.language = QStringLiteral("zh_CN");
    session.windowGeometry = QByteArray("\x01\x02\x00\xff", 4);
    session.windowState = QByteArray("state\n\x00", 7);
    const std::string text = bmfl::sessionToJson(session);
    QVERIFY(text.find("\"format\": \"bmfl-workbench-session\"") != std::string::npos);
    QVERIFY(text.find("\"preset\": \"ventral\"") != std::string::npos); // readable
    QVERIFY(bmfl::sessionFromJson(text, "session.json") == session);

    const QString path = Folder.filePath(QStringLiteral("roundtrip.json"));
    bmfl::writeSessionFile(path, session);
    QVERIFY(bmfl::readSessionFile(path) == session);
  }

  void badFilesAreOneLineProblems()
  {
    const QByteArray head = R"({"format": "bmfl-workbench-session", "version": 1)";
    const QList<QPair<QByteArray, QString>> cases = {
      { "", QStringLiteral("line 1") },
      { "{\"format\": ", QStringLiteral("line 1") },
      { "[]", QStringLiteral("not a JSON object") },
      { R"({"format": "something-else", "version": 1})", QStringLiteral("not a workbench") },
      { R"({"format": "bmfl-workbench-session"})", QStringLiteral("version") },
      { head.left(head.size() - 1) + "99}", QStringLiteral("newer") },
      { head + R"(, "model": 5})", QStringLiteral("model is integer") },
      { head + R"(, "datasets": ["a", 1]})", QStringLiteral("datasets[1]") },
      { head + R"(, "view": {"surface": "bumpy"}})", QStringLiteral("view.surface") },
      { head + R"(, "datasets": ["a"], "selection": {"dataset": 3}})",
        QStringLiteral("selection.dataset") },
      { head + R"(, "overlay": {"threshold": -1}})", QStringLiteral("overlay.threshold") },
      { head + R"(, "overlay": {"rangeMinimum": 1}})", QStringLiteral("rangeMaximum") },
      { head + R"(, "overlay": {"rangeMinimum": 1, "rangeMaximum": 0}})",
        QStringLiteral("not below") },
      { head + R"(, "overlay": {"opacity": 1.5}})", QStringLiteral("overlay.opacity") },
      { head + R"(, "overlay": {"symmetric": 1}})", QStringLiteral("overlay.symmetric") },
      { head + R"(, "window": {"state": "!!not base64!!"}})", QStringLiteral("window.state") },
      { head + R"(, "model": "a", "model": "b"})", QStringLiteral("duplicate") },
    };
    int index = 0;
    for (const auto& [text, expected] : cases)
    {
      const QString path = Folder.filePath(QStringLiteral("bad%1.json").arg(index++));
      writeText(path, text);
      try
      {
        bmfl::readSessionFile(path);
        QFAIL(qPrintable(QStringLiteral("accepted: ") + QString::fromUtf8(text)));
      }
      catch (const bmfl::FileError& error)
      {
        const QString message = QString::fromStdString(error.what());
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains(expected, Qt::CaseInsensitive), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
      }
    }
    for (const QString& path : { Folder.filePath(QStringLiteral("missing.json")), Folder.path() })
    {
      QVERIFY_THROWS_EXCEPTION(bmfl::FileError, bmfl::readSessionFile(path));
    }

    // In the window: a problem in the status bar, nothing else changes.
    bmfl::MainWindow window;
    QVERIFY(!window.openSessionFile(Folder.filePath(QStringLiteral("bad2.json")), 0));
    QCOMPARE(window.problems().size(), 1);
    QVERIFY(window.problems().first().contains(QStringLiteral("bad2.json")));
  }

  void savedStateOpensTheSameInANewWindow()
  {
    bmfl::MainWindow first;
    first.resize(1100, 700);
    first.show();
    QSignalSpy firstShown(&first, &bmfl::MainWindow::analysisShown);
    first.openSession(
      kTinyBundle,
      { QStringLiteral("fashion-mnist-ood:noise"), QStringLiteral("fashion-mnist:test") },
      0);
    QTRY_VERIFY_WITH_TIMEOUT(firstShown.count() >= 1, 60000);
    first.controller()->analyseItem(1, 5);
    QTRY_VERIFY_WITH_TIMEOUT(firstShown.count() >= 2, 60000);
    first.setViewPreset(bmfl::CortexView::ViewPreset::Medial);
    first.setCortexOverlay(bmfl::MainWindow::CortexOverlay::BrainTokenAttention);
    QTRY_VERIFY_WITH_TIMEOUT(!first.loadingSurface(), 30000); // a load the session started
    first.loadSurfaceInBackground(QString(), bmfl::SurfaceKind::Pial);
    QVERIFY(first.loadingSurface());
    QTRY_VERIFY_WITH_TIMEOUT(!first.loadingSurface(), 30000);
    // ROI borders from an atlas: drawn, listed per ROI with the current image's responses.
    first.setRoiBorders(QStringLiteral("wang15"));
    QVERIFY(first.cortexView()->roiLabels() != nullptr);
    QVERIFY(first.roiPanel()->table()->rowCount() > 0);
    // The Vertex panel's text: where the vertex is and its area in every label source.
    bmfl::CortexView::PickedVertex vertex;
    vertex.hemisphere = bmfl::Hemisphere::Left;
    vertex.vertex = 0;
    const QString described = first.describeVertex(vertex);
    QVERIFY2(described.contains(QStringLiteral("vertex 0")) &&
               described.contains(QStringLiteral("Wang 2015: ")) &&
               described.contains(QStringLiteral("Benson 2014: ")),
             qPrintable(described));
    // A colour range fixed over evaluation images: symmetric, from the model's own maps.
    QSignalSpy rangeReady(&first, &bmfl::MainWindow::rangeFromEvaluationReady);
    first.fixRangeFromEvaluationImages(8);
    QVERIFY(rangeReady.wait(60000));
    QVERIFY(first.currentSession().overlay.symmetric);
    QVERIFY(first.currentSession().overlay.rangeMaximum.value_or(0.0) > 0.0);
    QCOMPARE(*first.currentSession().overlay.rangeMinimum,
             -*first.currentSession().overlay.rangeMaximum);
    // The Display panel recolours the map on screen, with no new inference.
    const auto analyses = firstShown.count();
    auto* opacity = first.findChild<QDoubleSpinBox*>(QStringLiteral("opacity"));
    auto* maximum = first.findChild<QDoubleSpinBox*>(QStringLiteral("rangeMaximum"));
    auto* fixed = first.findChild<QCheckBox*>(QStringLiteral("fixedRange"));
    auto* symmetric = first.findChild<QCheckBox*>(QStringLiteral("symmetric"));
    QVERIFY(opacity && maximum && fixed && symmetric);
    opacity->setValue(0.5);
    fixed->setChecked(true); // fixed at the range on screen
    QVERIFY(first.currentSession().overlay.rangeMaximum.has_value());
    symmetric->setChecked(true);
    maximum->setValue(0.25);
    QVERIFY(first.cortexView()->overlay() != nullptr);
    QCOMPARE(first.cortexView()->overlay()->opacity, 0.5F);
    QCOMPARE(first.cortexView()->overlay()->rangeMinimum, -0.25F);
    QCOMPARE(first.cortexView()->overlay()->rangeMaximum, 0.25F);
    QCOMPARE(firstShown.count(), analyses);
    const QString path = Folder.filePath(QStringLiteral("saved.json"));
    QVERIFY(first.saveSessionFile(path));

    const bmfl::WorkbenchSession saved = bmfl::readSessionFile(path);
    QCOMPARE(saved.modelDir, kTinyBundle);
    QCOMPARE(saved.datasets.size(), 2);
    QCOMPARE(saved.selection.dataset, 1);
    QCOMPARE(saved.selection.item, 5ULL);
    QCOMPARE(saved.surfaceKind, QStringLiteral("pial"));
    QCOMPARE(saved.viewPreset, QStringLiteral("medial"));
    QCOMPARE(saved.roiBorders, QStringLiteral("wang15"));
    QCOMPARE(saved.overlay.mode, QStringLiteral("attention"));
    QCOMPARE(saved.overlay.opacity, 0.5);
    QVERIFY(saved.overlay.symmetric);
    QCOMPARE(saved.overlay.rangeMaximum, std::optional<double>(0.25));
    QVERIFY(!saved.windowState.isEmpty());

    bmfl::MainWindow second;
    second.resize(1100, 700);
    second.show();
    QSignalSpy secondShown(&second, &bmfl::MainWindow::analysisShown);
    QVERIFY(second.openSessionFile(path, 0));
    QTRY_VERIFY_WITH_TIMEOUT(secondShown.count() >= 1 && !second.loadingSurface(), 60000);
    second.controller()->waitForIdle();
    compareSessions(second.currentSession(), saved);
    QVERIFY(second.cortexView()->overlay() != nullptr);
    QVERIFY(second.cortexView()->roiLabels() != nullptr);
    QVERIFY2(second.problems().isEmpty(), qPrintable(second.problems().join(QLatin1Char('\n'))));
    first.controller()->waitForIdle();
  }

  void flatMapStandsInForTheFullFsaverage()
  {
    // A full fsaverage folder has no flat patch: fsaverage5's is shown, the folder is kept.
    const QString fsaverage = Folder.filePath(QStringLiteral("fsaverage"));
    QVERIFY(QDir().mkpath(fsaverage));
    bmfl::MainWindow window;
    QTRY_VERIFY(!window.loadingSurface());
    window.loadSurfaceInBackground(fsaverage, bmfl::SurfaceKind::Flat);
    QTRY_VERIFY_WITH_TIMEOUT(!window.loadingSurface(), 30000);
    QVERIFY(window.cortexView()->surface() != nullptr);
    QCOMPARE(window.cortexView()->surface()->kind, bmfl::SurfaceKind::Flat);
    QCOMPARE(window.cortexView()->surface()->templateName, std::string("fsaverage5"));
    QCOMPARE(window.currentSession().templateFolder, fsaverage);
    QCOMPARE(window.currentSession().surfaceKind, QStringLiteral("flat"));
    QVERIFY(window.problems().isEmpty());
  }

  void missingModelAndDatasetAreShownAndTheRestOpens()
  {
    const QString path = Folder.filePath(QStringLiteral("missing-parts.json"));
    writeText(path,
              R"({"format": "bmfl-workbench-session", "version": 1,
                  "model": "/nonexistent/bundle",
                  "datasets": ["no-such-kind:thing", "fashion-mnist-ood:noise"],
                  "selection": {"dataset": 1, "item": 2},
                  "view": {"preset": "dorsal"}})");
    bmfl::MainWindow window;
    QVERIFY(window.openSessionFile(path, 0));
    QTRY_COMPARE_WITH_TIMEOUT(window.problems().size(), 2, 60000);
    QVERIFY(window.problems().at(0).contains(QStringLiteral("/nonexistent/bundle")));
    QVERIFY(window.problems().at(1).contains(QStringLiteral("no-such-kind")));
    window.controller()->waitForIdle();
    QTRY_VERIFY(!window.loadingSurface());
    QCOMPARE(window.controller()->datasets().size(), std::size_t{ 1 }); // still browsable
    QCOMPARE(window.cortexView()->viewPreset(), bmfl::CortexView::ViewPreset::Dorsal);
  }

  void lastSessionReopensUnlessToldNot()
  {
    const QString last = bmfl::MainWindow::defaultAutosavePath();
    QVERIFY(QDir().mkpath(QFileInfo(last).absolutePath()));
    bmfl::WorkbenchSession session;
    session.datasets = QStringList{ QStringLiteral("fashion-mnist-ood:noise") };
    session.viewPreset = QStringLiteral("ventral");
    bmfl::writeSessionFile(last, session);

    bmfl::MainWindow restored;
    QVERIFY(!bmfl::startWorkbench(restored, optionsOf({}), true)); // no model in that session
    QCOMPARE(restored.cortexView()->viewPreset(), bmfl::CortexView::ViewPreset::Ventral);
    QTRY_COMPARE_WITH_TIMEOUT(restored.controller()->datasets().size(), std::size_t{ 1 }, 60000);
    QTRY_VERIFY(!restored.loadingSurface());

    // Closing writes the session for the next start, atomically, wherever it is told to.
    const QString autosave = Folder.filePath(QStringLiteral("config/last-session.json"));
    restored.setAutosavePath(autosave);
    restored.setViewPreset(bmfl::CortexView::ViewPreset::Anterior);
    restored.close();
    QCOMPARE(bmfl::readSessionFile(autosave).viewPreset, QStringLiteral("anterior"));

    bmfl::MainWindow fresh;
    bmfl::startWorkbench(fresh,
                         optionsOf({ QStringLiteral("--no-restore"),
                                     QStringLiteral("--evaluate-limit"),
                                     QStringLiteral("0") }),
                         true);
    QCOMPARE(fresh.cortexView()->viewPreset(), bmfl::CortexView::ViewPreset::Lateral);
    QVERIFY(fresh.problems().isEmpty());
    fresh.controller()->waitForIdle();
  }

private:
  QTemporaryDir Config;
  QTemporaryDir Folder;
};

QTEST_MAIN(TestWorkbenchSession)
#include "test_workbench_session.moc"
