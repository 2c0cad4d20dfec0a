#pragma once

#ifdef BMFL_HAVE_PIPELINE

#include "bmfl/Pipeline.h"

#include <cstdint>

namespace bmfl::cli
{

/// What a training command's progress lines show.
struct TerminalProgressOptions
{
  /// Images per training step: when positive, a training line shows images/s and the stage's
  /// ETA; otherwise the epoch's last line shows the validation metric.
  int imagesPerStep = 0;
  /// Where no terminal shows progress: a caching line every this many steps, and the last.
  std::int64_t cachingLineEvery = 4096;
  /// Stops the run as an interrupt would after this many training steps (0: never); for tests.
  std::int64_t stopAfterSteps = 0;
};

/// While it lives, SIGINT cancels the pipeline run by a terminalControl() at its next step
/// instead of ending the process; the default handler is back after it.
class InterruptScope
{
public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

/// Progress on stderr: caching passes, training steps and counted tasks, overwritten with \r
/// where a terminal shows them, else a line every 100 steps and at each epoch's end; log lines as
/// they come. Cancelled by SIGINT within an InterruptScope.
PipelineControl terminalControl(const TerminalProgressOptions& options);

} // namespace bmfl::cli

#endif
