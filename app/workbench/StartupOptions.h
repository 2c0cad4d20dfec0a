#pragma once

#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/CortexView.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>

namespace bmfl
{

/// What bmfl-workbench was asked to do at start-up.
struct StartupOptions
{
  QString screenshotPath; ///< render the window as it starts, write this PNG, exit
  QSize windowSize{ 1440, 900 };
  QString templateFolder; ///< empty: the bundled fsaverage5
  SurfaceKind surfaceKind = SurfaceKind::Inflated;
  CortexView::ViewPreset viewPreset = CortexView::ViewPreset::Lateral;
  QString language;          ///< e.g. "zh_CN"; empty: the system's
  QString modelDir;          ///< empty: the embedded demo when there is one; "none": no model
  QStringList datasets;      ///< dataset specs; empty: the demo's (Fashion-MNIST test + OOD sets)
  int evaluationLimit = 500; ///< images per dataset evaluated at start-up (0: none, -1: all)
  QString sessionPath;       ///< a saved session to open
  bool noRestore = false;    ///< do not reopen the last session
  /// Where and how the model runs (EngineOptions::device and ::precision): "auto" (CUDA when
  /// there is one), "cpu", "cuda" or "cuda:N"; "fp32", "bf16" or "fp16" (CUDA).
  QString device = QStringLiteral("auto");
  QString precision = QStringLiteral("fp32");
};

/// The command line, parsed (CLI11: typed, range-checked values, generated --help).
struct StartupCommandLine
{
  std::optional<StartupOptions> options; ///< set when the workbench is to start
  /// Otherwise what to print and the exit status: --help and --version (stdout, 0) or the
  /// one-line error of a bad option (stderr, 2).
  QString text;
  int exitCode = 0;
};

/// Parses the arguments (the first is the program's name).
StartupCommandLine parseStartupOptions(const QStringList& arguments);

} // namespace bmfl
