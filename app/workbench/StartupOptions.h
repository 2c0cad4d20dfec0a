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
  QSize windowSize{ 1280, 800 };
  QString templateFolder; ///< empty: the bundled fsaverage5
  SurfaceKind surfaceKind = SurfaceKind::Inflated;
  CortexView::ViewPreset viewPreset = CortexView::ViewPreset::Lateral;
  QString language; ///< e.g. "zh_CN"; empty: the system's
};

/// Parses the command line. On a bad option returns nothing and sets error to one line.
std::optional<StartupOptions> parseStartupOptions(const QStringList& arguments, QString& error);

} // namespace bmfl
