// bmfl-workbench's start-up: the command line (CLI11: typed, range-checked, generated --help) and
// what the window shows when part of what was asked for cannot be had. The window still opens
// with what is valid, and the problem is in the window, not only on stderr.
#include "MainWindow.h"
#include "Startup.h"
#include "StartupOptions.h"

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTableWidget>
#include <QTest>

namespace
{

bmfl::StartupCommandLine parse(QStringList arguments)
{
  arguments.prepend(QStringLiteral("bmfl-workbench"));
  return bmfl::parseStartupOptions(arguments);
}

bmfl::StartupOptions optionsOf(const QStringList& arguments)
{
  const bmfl::StartupCommandLine commandLine = parse(arguments);
  if (!commandLine.options)
  {
    qFatal("%s", qPrintable(commandLine.text));
  }
  return *commandLine.options;
}

QString problemLabelText(const bmfl::MainWindow& window)
{
  const auto* label = window.statusBar()->findChild<QLabel*>(QStringLiteral("problem"));
  return label != nullptr && label->isVisibleTo(&window) ? label->text() : QString();
}

QStringList menuTitles(const bmfl::MainWindow& window)
{
  QStringList titles;
  for (const QAction* action : window.menuBar()->actions())
  {
    titles << action->text();
  }
  return titles;
}

// The View > Language entry for a language code, as the user would find it.
QAction* languageAction(const bmfl::MainWindow& window, const QString& code)
{
  for (const QAction* top : window.menuBar()->actions())
  {
    for (QAction* entry : top->menu() ? top->menu()->actions() : QList<QAction*>{})
    {
      for (QAction* item : entry->menu() ? entry->menu()->actions() : QList<QAction*>{})
      {
        if (item->data().toString() == code)
        {
          return item;
        }
      }
    }
  }
  return nullptr;
}

QString accuracyHeader(const bmfl::MainWindow& window)
{
  // The accuracy dock's table (other docks have tables too).
  const auto* dock = window.findChild<QDockWidget*>(QStringLiteral("accuracy"));
  const auto* table = dock != nullptr ? dock->findChild<QTableWidget*>() : nullptr;
  return table != nullptr ? table->horizontalHeaderItem(0)->text() : QString();
}

} // namespace

class TestWorkbenchStartup : public QObject
{
  Q_OBJECT

private slots:
  void parsesEveryOption()
  {
    const bmfl::StartupOptions options =
      optionsOf({ QStringLiteral("--size"),           QStringLiteral("1024x640"),
                  QStringLiteral("--surface"),        QStringLiteral("pial"),
                  QStringLiteral("--view"),           QStringLiteral("medial"),
                  QStringLiteral("--dataset"),        QStringLiteral("fashion-mnist:test"),
                  QStringLiteral("--dataset"),        QStringLiteral("folder:/data"),
                  QStringLiteral("--evaluate-limit"), QStringLiteral("-1"),
                  QStringLiteral("--model"),          QStringLiteral("none"),
                  QStringLiteral("--lang"),           QStringLiteral("zh_CN"),
                  QStringLiteral("--device"),         QStringLiteral("cpu"),
                  QStringLiteral("--precision"),      QStringLiteral("bf16") });
    QCOMPARE(options.windowSize, QSize(1024, 640));
    QCOMPARE(options.surfaceKind, bmfl::SurfaceKind::Pial);
    QCOMPARE(options.viewPreset, bmfl::CortexView::ViewPreset::Medial);
    QCOMPARE(options.datasets,
             QStringList({ QStringLiteral("fashion-mnist:test"), QStringLiteral("folder:/data") }));
    QCOMPARE(options.evaluationLimit, -1);
    QCOMPARE(options.modelDir, QStringLiteral("none"));
    QCOMPARE(options.language, QStringLiteral("zh_CN"));
    QCOMPARE(options.device, QStringLiteral("cpu"));
    QCOMPARE(options.precision, QStringLiteral("bf16"));
    const bmfl::StartupOptions session = optionsOf({ QStringLiteral("--session"),
                                                     QStringLiteral("/tmp/a.json"),
                                                     QStringLiteral("--no-restore") });
    QCOMPARE(session.sessionPath, QStringLiteral("/tmp/a.json"));
    QVERIFY(session.noRestore);
    const bmfl::StartupOptions defaults = optionsOf({});
    QVERIFY(!defaults.noRestore);
    QCOMPARE(defaults.windowSize, QSize(1440, 900));
    QCOMPARE(defaults.evaluationLimit, 500);
    QCOMPARE(defaults.device, QStringLiteral("auto"));
    QCOMPARE(defaults.precision, QStringLiteral("fp32"));
  }

  void refusesBadValuesInOneLine()
  {
    const QStringList bad[] = {
      { QStringLiteral("--evaluate-limit"), QStringLiteral("-5") },
      { QStringLiteral("--evaluate-limit"), QStringLiteral("12abc") },
      { QStringLiteral("--size"), QStringLiteral("100x100") },
      { QStringLiteral("--size"), QStringLiteral("1024x640px") },
      { QStringLiteral("--surface"), QStringLiteral("bumpy") },
      { QStringLiteral("--surface"), QStringLiteral("2") },
      { QStringLiteral("--view"), QStringLiteral("sideways") },
      { QStringLiteral("--device"), QStringLiteral("gpu") },
      { QStringLiteral("--device"), QStringLiteral("cuda:x") },
      { QStringLiteral("--device"), QStringLiteral("cuda:99") }, // no such device
      { QStringLiteral("--precision"), QStringLiteral("fp8") },
      { QStringLiteral("--precision"),
        QStringLiteral("fp16"),
        QStringLiteral("--device"),
        QStringLiteral("cpu") }, // fp16 autocast is CUDA's
      { QStringLiteral("--no-such-option") },
      { QStringLiteral("stray") },
    };
    for (const QStringList& arguments : bad)
    {
      const bmfl::StartupCommandLine commandLine = parse(arguments);
      QVERIFY2(!commandLine.options, qPrintable(arguments.join(QLatin1Char(' '))));
      QCOMPARE(commandLine.exitCode, 2);
      QVERIFY(!commandLine.text.trimmed().isEmpty());
      QVERIFY2(!commandLine.text.trimmed().contains(QLatin1Char('\n')),
               qPrintable(commandLine.text));
    }
  }

  void generatesHelp()
  {
    const bmfl::StartupCommandLine help = parse({ QStringLiteral("--help") });
    QVERIFY(!help.options);
    QCOMPARE(help.exitCode, 0);
    for (const char* option : { "--screenshot",
                                "--template",
                                "--model",
                                "--dataset",
                                "--lang",
                                "--session",
                                "--no-restore",
                                "--device",
                                "--precision" })
    {
      QVERIFY2(help.text.contains(QLatin1String(option)), option);
    }
  }

  void badTemplateFallsBackToFsaverage5AndSaysSo()
  {
    bmfl::MainWindow window;
    const bool withModel =
      bmfl::startWorkbench(window,
                           optionsOf({ QStringLiteral("--template"),
                                       QStringLiteral("/nonexistent/fsaverage"),
                                       QStringLiteral("--model"),
                                       QStringLiteral("none") }),
                           true);
    QVERIFY(!withModel);
    // The template loads while the window is up; the bundled fsaverage5 takes its place.
    QTRY_COMPARE_WITH_TIMEOUT(window.problems().size(), 1, 30000);
    QTRY_VERIFY(!window.loadingSurface());
    QVERIFY(window.problems().first().contains(QStringLiteral("/nonexistent/fsaverage")));
    QVERIFY(window.problems().first().contains(QStringLiteral("bundled fsaverage5")));
    QVERIFY(problemLabelText(window).contains(QStringLiteral("/nonexistent/fsaverage")));
    QVERIFY(window.cortexView()->surface() != nullptr);
  }

  void languageWithoutTranslationIsNamed()
  {
    bmfl::MainWindow window;
    bmfl::startWorkbench(window,
                         optionsOf({ QStringLiteral("--lang"),
                                     QStringLiteral("xx"),
                                     QStringLiteral("--model"),
                                     QStringLiteral("none") }),
                         false);
    QCOMPARE(window.problems(),
             QStringList{ QStringLiteral("no translation for 'xx'; showing English") });
    QVERIFY(problemLabelText(window).contains(QStringLiteral("showing English")));

    bmfl::MainWindow english;
    bmfl::startWorkbench(english,
                         optionsOf({ QStringLiteral("--lang"),
                                     QStringLiteral("en"),
                                     QStringLiteral("--model"),
                                     QStringLiteral("none") }),
                         false);
    QVERIFY(english.problems().isEmpty()); // English is the source language
    QVERIFY(problemLabelText(english).isEmpty());
  }

  void switchesLanguageWhileRunning()
  {
    bmfl::MainWindow window;
    bmfl::startWorkbench(
      window, optionsOf({ QStringLiteral("--model"), QStringLiteral("none") }), true);
    window.show();
    const auto* datasets = window.findChild<QDockWidget*>(QStringLiteral("datasets"));
    QVERIFY(datasets != nullptr);
    QCOMPARE(menuTitles(window).first(), QStringLiteral("&File"));
    QCOMPARE(datasets->windowTitle(), QStringLiteral("Datasets"));

    QAction* chinese = languageAction(window, QStringLiteral("zh_CN"));
    QVERIFY(chinese != nullptr);
    chinese->trigger();
    QTRY_COMPARE(menuTitles(window).first(), QStringLiteral("\u6587\u4ef6(&F)")); // 文件
    QCOMPARE(datasets->windowTitle(), QStringLiteral("\u6570\u636e\u96c6"));      // 数据集
    QCOMPARE(accuracyHeader(window), QStringLiteral("\u6570\u636e\u96c6"));
    QCOMPARE(window.windowTitle(), QStringLiteral("BMFL \u5de5\u4f5c\u53f0")); // 工作台
    QCOMPARE(window.language(), QStringLiteral("zh_CN"));
    QVERIFY(languageAction(window, QStringLiteral("zh_CN"))->isChecked());

    QAction* english = languageAction(window, QStringLiteral("en"));
    QVERIFY(english != nullptr);
    english->trigger();
    QTRY_COMPARE(menuTitles(window).first(), QStringLiteral("&File"));
    QCOMPARE(datasets->windowTitle(), QStringLiteral("Datasets"));
    QCOMPARE(accuracyHeader(window), QStringLiteral("Dataset"));
    QVERIFY(languageAction(window, QStringLiteral("en"))->isChecked());
    QVERIFY(window.problems().isEmpty());
  }

  void badModelAndDatasetAreShownAndTheRestOpens()
  {
    bmfl::MainWindow window;
    const bool withModel =
      bmfl::startWorkbench(window,
                           optionsOf({ QStringLiteral("--model"),
                                       QStringLiteral("/nonexistent/bundle"),
                                       QStringLiteral("--dataset"),
                                       QStringLiteral("no-such-kind:thing"),
                                       QStringLiteral("--dataset"),
                                       QStringLiteral("fashion-mnist-ood:noise") }),
                           true);
    QVERIFY(withModel);
    QTRY_COMPARE_WITH_TIMEOUT(window.problems().size(), 2, 60000);
    QVERIFY(window.problems().at(0).contains(QStringLiteral("/nonexistent/bundle")));
    QVERIFY(window.problems().at(1).contains(QStringLiteral("no-such-kind")));
    QVERIFY(problemLabelText(window).contains(QStringLiteral("no-such-kind")));
    window.controller()->waitForIdle();
    QCOMPARE(window.controller()->datasets().size(), std::size_t{ 1 }); // still browsable
  }
};

QTEST_MAIN(TestWorkbenchStartup)
#include "test_workbench_startup.moc"
