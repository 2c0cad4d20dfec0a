// The workbench's controller on the tests' tiny bundle: analysis and evaluation on worker
// threads, results and errors back as signals.
#include "WorkbenchController.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>

class TestWorkbenchController : public QObject
{
  Q_OBJECT

private:
  bmfl::WorkbenchController Controller;

private slots:
  void opensTheModelAndDatasets()
  {
    QSignalSpy opened(&Controller, &bmfl::WorkbenchController::modelOpened);
    Controller.openModel(QStringLiteral(BMFL_TINY_BUNDLE));
    QVERIFY(opened.wait(30000));
    QVERIFY(Controller.hasModel());
    QCOMPARE(Controller.vertexSpace()->size(), std::size_t{ 110 });

    QSignalSpy datasets(&Controller, &bmfl::WorkbenchController::datasetsOpened);
    QSignalSpy failed(&Controller, &bmfl::WorkbenchController::failed);
    Controller.openDatasets({ QStringLiteral("fashion-mnist:test"),
                              QStringLiteral("no-such-kind:thing"),
                              QStringLiteral("fashion-mnist-ood:sketch") });
    QVERIFY(datasets.wait(30000));
    QCOMPARE(Controller.datasets().size(), std::size_t{ 2 }); // the bad spec alone is left out
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("no-such-kind")));
  }

  void analysesAnItemWithItsLabel()
  {
    QSignalSpy analysed(&Controller, &bmfl::WorkbenchController::analysed);
    Controller.analyseItem(0, 3);
    QVERIFY(analysed.wait(30000));
    const auto image = analysed.first().first().value<bmfl::AnalysedImage>();
    QVERIFY(image.result);
    QCOMPARE(image.result->bmflProbabilities.size(), std::size_t{ 10 });
    QCOMPARE(image.result->predictedFmri.size(), std::size_t{ 110 });
    QCOMPARE(image.modelInput.size(), QSize(28, 28));
    QVERIFY(image.trueLabel >= 0 && image.trueLabel < 10);
    QVERIFY(!image.trueName.isEmpty());
  }

  void reportsAnUnreadableFileInOneLine()
  {
    QSignalSpy failed(&Controller, &bmfl::WorkbenchController::failed);
    Controller.analyseFile(QStringLiteral("/nonexistent/photo.png"));
    QVERIFY(failed.wait(30000));
    const QString message = failed.first().first().toString();
    QVERIFY(message.contains(QStringLiteral("/nonexistent/photo.png")));
    QVERIFY(!message.contains(QLatin1Char('\n')));
  }

  void evaluatesEveryDatasetWithProgress()
  {
    QSignalSpy progress(&Controller, &bmfl::WorkbenchController::evaluationProgress);
    QSignalSpy finished(&Controller, &bmfl::WorkbenchController::evaluationFinished);
    Controller.evaluateAll(96);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toBool(), false); // not cancelled
    QVERIFY(progress.count() >= 2);
    bool sawSecondDataset = false;
    for (const QList<QVariant>& update : progress)
    {
      const auto accuracy = update.at(3).value<bmfl::DatasetAccuracy>();
      QVERIFY(accuracy.images <= 96);
      sawSecondDataset = sawSecondDataset || update.at(0).toInt() == 1;
    }
    QVERIFY(sawSecondDataset);
    const auto last = progress.last().at(3).value<bmfl::DatasetAccuracy>();
    QCOMPARE(last.images, std::size_t{ 96 });
  }

  void cancelsAnEvaluation()
  {
    QSignalSpy finished(&Controller, &bmfl::WorkbenchController::evaluationFinished);
    Controller.evaluateAll(0); // everything: 20,000 images, far more than before the cancel
    Controller.cancelEvaluation();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toBool(), true);
  }
};

QTEST_MAIN(TestWorkbenchController)
#include "test_workbench_controller.moc"
