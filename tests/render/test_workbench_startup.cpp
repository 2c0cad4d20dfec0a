// bmfl-workbench's start-up: the command line (CLI11: typed, range-checked, generated --help) and
// what the window shows when part of what was asked for cannot be had. The window still opens
// with what is valid, and the problem is in the window, not only on stderr.
#include "MainWindow.h"
#include "Startup.h"
#include "StartupOptions.h"

#include <QLabel>
#include <QStatusBar>
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

} // namespace

class TestWorkbenchStartup : public QObject
{
  Q_OBJECT

private slots:
  void parsesEveryOption()
  {
    const bmfl::StartupOptions options = optionsOf({ QStringLiteral("--size"),
                                                     QStringLiteral("1024x640"),
                                                     QStringLiteral("--surface"),
                                                     QStringLiteral("pial"),
                                                     QStringLiteral("--view"),
                                                     QStringLiteral("medial"),
                                                     QStringLiteral("--dataset"),
                                                     QStringLiteral("fashion-mnist:test"),
                                                     QStringLiteral("--dataset"),
                                                     QStringLiteral("folder:/data"),
                                                     QStringLiteral("--evaluate-limit"),
                                                     QStringLiteral("-1"),
                                                     QStringLiteral("--model"),
                                                     QStringLiteral("none"),
                                                     QStringLiteral("--lang"),
                                                     QStringLiteral("zh_CN") });
    QCOMPARE(options.windowSize, QSize(1024, 640));
    QCOMPARE(options.surfaceKind, bmfl::SurfaceKind::Pial);
    QCOMPARE(options.viewPreset, bmfl::CortexView::ViewPreset::Medial);
    QCOMPARE(options.datasets,
             QStringList({ QStringLiteral("fashion-mnist:test"), QStringLiteral("folder:/data") }));
    QCOMPARE(options.evaluationLimit, -1);
    QCOMPARE(options.modelDir, QStringLiteral("none"));
    QCOMPARE(options.language, QStringLiteral("zh_CN"));
    const bmfl::StartupOptions defaults = optionsOf({});
    QCOMPARE(defaults.windowSize, QSize(1440, 900));
    QCOMPARE(defaults.evaluationLimit, 500);
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
    for (const char* option : { "--screenshot", "--template", "--model", "--dataset", "--lang" })
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
    QCOMPARE(window.problems().size(), 1);
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
