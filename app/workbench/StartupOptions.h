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
};

/// Parses the command line. On a bad option returns nothing and sets error to one line.
std::optional<StartupOptions> parseStartupOptions(const QStringList& arguments, QString& error);

} // namespace bmfl
