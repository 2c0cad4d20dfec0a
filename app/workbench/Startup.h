#pragma once

#include "StartupOptions.h"

namespace bmfl
{

class MainWindow;

/// Sets the window up as the options ask: surface, view, model and datasets. What cannot be
/// had is shown in the window (MainWindow::showProblem) and the rest still opens: a template
/// that cannot be read gives way to the bundled fsaverage5, a model that cannot be opened leaves
/// the datasets browsable, a language without a translation shows English and says so.
/// translationFound: whether a translation for options.language was installed. Returns whether
/// a model is being opened (a screenshot then waits for its first analysis).
bool startWorkbench(MainWindow& window, const StartupOptions& options, bool translationFound);

} // namespace bmfl
