// The workbench's controller on the tests' tiny bundle: analysis and evaluation on worker
// threads, results and errors back as signals.
#include "Correlation.h"
#include "WorkbenchController.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

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

  void marksADatasetWithABadImageFailedAndGoesOn()
  {
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    QVERIFY(QDir(folder.path()).mkpath(QStringLiteral("Trouser")));
    QImage image(28, 28, QImage::Format_Grayscale8);
    image.fill(128);
    QVERIFY(image.save(folder.filePath(QStringLiteral("Trouser/a.png"))));
    QFile good(folder.filePath(QStringLiteral("Trouser/a.png")));
    QVERIFY(good.open(QIODevice::ReadOnly));
    QFile bad(folder.filePath(QStringLiteral("Trouser/b.png")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(good.readAll().left(60)); // cut inside the image data
    bad.close();

    QSignalSpy datasets(&Controller, &bmfl::WorkbenchController::datasetsOpened);
    Controller.openDatasets(
      { QStringLiteral("folder:") + folder.path(), QStringLiteral("fashion-mnist-ood:sketch") });
    QVERIFY(datasets.wait(30000));
    QCOMPARE(Controller.datasets().size(), std::size_t{ 2 });
    QSignalSpy progress(&Controller, &bmfl::WorkbenchController::evaluationProgress);
    QSignalSpy rowFailed(&Controller, &bmfl::WorkbenchController::evaluationFailed);
    QSignalSpy failed(&Controller, &bmfl::WorkbenchController::failed);
    QSignalSpy finished(&Controller, &bmfl::WorkbenchController::evaluationFinished);
    Controller.evaluateAll(8);
    QVERIFY(finished.wait(60000));
    QCOMPARE(rowFailed.count(), 1);
    QCOMPARE(rowFailed.first().at(0).toInt(), 0);
    QVERIFY(rowFailed.first().at(1).toString().contains(QStringLiteral("b.png")));
    QCOMPARE(failed.count(), 1); // the status bar hears of it too
    bool sawSecondDataset = false;
    for (const QList<QVariant>& update : progress)
    {
      sawSecondDataset = sawSecondDataset || update.at(0).toInt() == 1;
    }
    QVERIFY(sawSecondDataset); // the next dataset was still evaluated
  }

  void reportsAModelThatCannotBeOpened()
  {
    QSignalSpy failed(&Controller, &bmfl::WorkbenchController::failed);
    QSignalSpy modelFailed(&Controller, &bmfl::WorkbenchController::modelOpenFailed);
    Controller.openModel(QStringLiteral("/nonexistent/bundle"));
    QVERIFY(modelFailed.wait(30000));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("/nonexistent/bundle")));
    QVERIFY(Controller.hasModel()); // the model already open stays
  }

  void cancelsAnEvaluation()
  {
    QSignalSpy finished(&Controller, &bmfl::WorkbenchController::evaluationFinished);
    Controller.evaluateAll(0); // everything: 20,000 images, far more than before the cancel
    Controller.cancelEvaluation();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toBool(), true);
  }

  // bmfl-workbench --device cpu --precision bf16: the next model opened runs in bf16, says so in
  // its description, and analyses as the fp32 one did, to bf16's precision (the engine's
  // precision test states the bounds).
  void opensTheNextModelInTheChosenPrecision()
  {
    QVERIFY(!Controller.modelDescription().contains(QStringLiteral("bf16")));
    QSignalSpy datasets(&Controller, &bmfl::WorkbenchController::datasetsOpened);
    Controller.openDatasets({ QStringLiteral("fashion-mnist:test") });
    QVERIFY(datasets.wait(30000));
    const auto analyseThird = [this]()
    {
      QSignalSpy analysed(&Controller, &bmfl::WorkbenchController::analysed);
      Controller.analyseItem(0, 3);
      return analysed.wait(30000) ? analysed.first().first().value<bmfl::AnalysedImage>().result
                                  : std::shared_ptr<const bmfl::ImageResult>();
    };
    const auto full = analyseThird();
    QVERIFY(full);
    bmfl::EngineOptions options;
    options.device = "cpu";
    options.precision = "bf16";
    Controller.setEngineOptions(options);
    QSignalSpy opened(&Controller, &bmfl::WorkbenchController::modelOpened);
    Controller.openModel(QStringLiteral(BMFL_TINY_BUNDLE));
    QVERIFY(opened.wait(30000));
    QVERIFY2(Controller.modelDescription().endsWith(QStringLiteral("cpu, bf16")),
             qPrintable(Controller.modelDescription()));
    QCOMPARE(QString::fromStdString(Controller.engine()->precisionName()), QStringLiteral("bf16"));
    const auto mixed = analyseThird();
    QVERIFY(mixed);
    QCOMPARE(mixed->predictedFmri.size(), full->predictedFmri.size());
    QVERIFY(mixed->predictedFmri != full->predictedFmri); // bf16 did run
    for (std::size_t c = 0; c < full->bmflProbabilities.size(); ++c)
    {
      QVERIFY(std::abs(mixed->bmflProbabilities[c] - full->bmflProbabilities[c]) < 0.05F);
    }
    // The predicted fMRI correlates with fp32's at r >= 0.99.
    const double r = bmfl::test::pearson(full->predictedFmri, mixed->predictedFmri);
    QVERIFY2(r >= 0.99, qPrintable(QString::number(r)));
  }
};

QTEST_MAIN(TestWorkbenchController)
#include "test_workbench_controller.moc"
