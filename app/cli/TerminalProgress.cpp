#include "TerminalProgress.h"

#ifdef BMFL_HAVE_PIPELINE

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>

namespace bmfl::cli
{

namespace
{

std::atomic<bool> interrupted{ false };

void onInterrupt(int)
{
  interrupted.store(true);
}

/// Images/s and the ETA of the running stage, measured from its first training step.
struct StageRate
{
  std::string stage;
  std::chrono::steady_clock::time_point start;
  std::int64_t steps = 0; ///< of this stage
  std::int64_t total = 0; ///< of the run
};

} // namespace

InterruptScope::InterruptScope()
{
  interrupted.store(false);
  std::signal(SIGINT, onInterrupt);
}

InterruptScope::~InterruptScope()
{
  std::signal(SIGINT, SIG_DFL);
}

PipelineControl terminalControl(const TerminalProgressOptions& options)
{
  PipelineControl control;
  control.training.cancel = &interrupted;
  const bool interactive = isatty(STDERR_FILENO) != 0;
  auto rate = std::make_shared<StageRate>();
  control.training.progress = [interactive, rate, options](const TrainingProgress& progress)
  {
    const auto now = std::chrono::steady_clock::now();
    if (progress.stage != rate->stage)
    {
      rate->stage = progress.stage;
      rate->start = now;
      rate->steps = 0;
    }
    const bool last = progress.step == progress.steps;
    if (progress.epoch == 0)
    {
      if (interactive || last || progress.step % options.cachingLineEvery == 0)
      {
        std::fprintf(stderr,
                     "%s  caching %s %lld/%lld%s",
                     interactive ? "\r" : "",
                     progress.stage.c_str(),
                     static_cast<long long>(progress.step),
                     static_cast<long long>(progress.steps),
                     interactive && !last ? "" : "\n");
      }
      return;
    }
    ++rate->steps;
    ++rate->total;
    if (options.stopAfterSteps > 0 && rate->total >= options.stopAfterSteps)
    {
      interrupted.store(true);
    }
    if (!interactive && !last && progress.step % 100 != 0)
    {
      return;
    }
    std::fprintf(stderr,
                 "%s  %s epoch %d/%d step %lld/%lld loss %.4f",
                 interactive ? "\r" : "",
                 progress.stage.c_str(),
                 progress.epoch,
                 progress.epochs,
                 static_cast<long long>(progress.step),
                 static_cast<long long>(progress.steps),
                 progress.loss);
    if (options.imagesPerStep > 0)
    {
      const double seconds = std::chrono::duration<double>(now - rate->start).count();
      const double perSecond =
        seconds > 0 ? static_cast<double>(rate->steps * options.imagesPerStep) / seconds : 0;
      const std::int64_t left =
        static_cast<std::int64_t>(progress.epochs - progress.epoch) * progress.steps +
        (progress.steps - progress.step);
      const double eta = seconds / static_cast<double>(rate->steps) * static_cast<double>(left);
      std::fprintf(stderr, "  %.0f images/s  ETA %.0f s", perSecond, eta);
    }
    else if (last)
    {
      std::fprintf(stderr, "  %s %.4f", progress.metricName.c_str(), progress.metric);
    }
    std::fprintf(stderr, "%s", interactive && !last ? "" : "\n");
  };
  control.count = [interactive](const std::string& task, std::size_t done, std::size_t total)
  {
    std::fprintf(stderr,
                 "%s  %s %zu/%zu%s",
                 interactive ? "\r" : "",
                 task.c_str(),
                 done,
                 total,
                 interactive && done < total ? "" : "\n");
  };
  control.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  return control;
}

} // namespace bmfl::cli

#endif
