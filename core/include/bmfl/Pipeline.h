#pragma once

// The stages of a BMFL experiment, shared by every command that trains: the demo (`bmfl
// train-demo`) and the lab's commands on real data. Each stage takes plain options, reports
// through a PipelineControl and returns plain results; REPORT.md is written from those results.
// The Trainer (Training.h) does the learning; this layer orders the stages, scores them, stops
// them and writes what they measured.

#include "bmfl/Evaluation.h"
#include "bmfl/InferenceEngine.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Training.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bmfl
{

/// Thrown by a stage once its control's cancel flag is set: the stage's output is incomplete and
/// nothing of it is kept (a StagedFolder being filled unwinds with it).
class PipelineCancelled : public std::runtime_error
{
public:
  PipelineCancelled()
    : std::runtime_error("cancelled")
  {
  }
};

/// How a pipeline reports and how it is stopped. Every callback is optional and is called on the
/// thread that runs the stage.
struct PipelineControl
{
  /// Training and caching steps (the Trainer's own progress) and the flag that stops every stage.
  TrainingControl training;
  /// A stage's other long loops (e.g. simulated responses): the task, items done, items in all.
  std::function<void(const std::string& task, std::size_t done, std::size_t total)> count;
  /// One line per event: a data set read, a stage finished, a variant started.
  std::function<void(const std::string& line)> log;

  bool cancelled() const { return training.cancel != nullptr && training.cancel->load(); }
  /// Throws PipelineCancelled when the cancel flag is set.
  void stopIfCancelled() const;
  void note(const std::string& line) const;
};

struct StageTiming
{
  std::string stage;
  double seconds = 0.0;
};

/// Times a run's stages: end() records the seconds since the previous end() (or the clock's
/// start) and logs "[  12.3 s] STAGE done" with the seconds since the start.
class StageClock
{
public:
  explicit StageClock(const PipelineControl& control);
  void end(const std::string& stage);
  const std::vector<StageTiming>& timings() const { return Timings; }

private:
  const PipelineControl& Control;
  double Start = 0.0;
  double Last = 0.0;
  std::vector<StageTiming> Timings;
};

// The training stages: the Trainer's, stopped by PipelineCancelled instead of a flag.

/// The image encoder, supervised (where no DINOv2 weights exist).
TrainingReport trainImageEncoderStage(Trainer& trainer,
                                      const ExampleSource& examples,
                                      const EncoderTrainingOptions& options,
                                      const PipelineControl& control);
/// The brain encoder with MSE on (image, fMRI) pairs against the frozen image encoder.
TrainingReport trainBrainEncoderStage(Trainer& trainer,
                                      const ExampleSource& examples,
                                      const BrainEncoderTrainingOptions& options,
                                      const PipelineControl& control);
/// The baseline linear probe, then the BMFL head, on cached features of the frozen encoders
/// (this is where features are extracted: each image's once, into the Trainer's cache).
void trainHeadsStage(Trainer& trainer,
                     const ExampleSource& examples,
                     const HeadTrainingOptions& options,
                     const PipelineControl& control);

// The brain encoder on held-out images.

/// Mean over vertices of a region's per-vertex Pearson r between predicted and measured
/// responses across images.
struct RegionScore
{
  std::string labelSet; ///< "all" for the row over every vertex
  std::string region;
  std::size_t vertices = 0; ///< those with a defined r (neither series constant)
  double meanR = 0.0;
};

/// The "all" row (named allVerticesName), then one row per label (0, "unknown", left out) of each
/// of labelSets that the space has, in the order given; labels without a vertex are left out.
/// predicted and measured hold one row per image of space.size() values each. Throws
/// std::invalid_argument when their sizes differ.
std::vector<RegionScore> regionCorrelations(const VertexSpace& space,
                                            const std::vector<std::vector<float>>& predicted,
                                            const std::vector<std::vector<float>>& measured,
                                            const std::vector<std::string>& labelSets,
                                            const std::string& allVerticesName);

/// The predicted fMRI of images through a saved bundle, as users run it (InferenceEngine), in
/// the images' order. Throws PipelineCancelled, FileError for a bundle that does not load.
std::vector<std::vector<float>> predictFmriStage(const std::string& bundleDir,
                                                 const std::vector<PreparedImage>& images,
                                                 const EngineOptions& options,
                                                 const PipelineControl& control);

/// What the report says about the brain encoder.
struct BrainEncoderScores
{
  std::vector<RegionScore> regions;
  std::size_t heldOutImages = 0;
  std::string measured; ///< what the predictions were compared with: "sim01's measured ..."
  std::string heldOut;  ///< which images: "held-out fashion-mnist:test images"
  /// The r a perfect model reaches against these measurements, and how it was found; NaN when
  /// unknown (no noise-normalised column then).
  double noiseCeiling = std::numeric_limits<double>::quiet_NaN();
  std::string noiseCeilingSource;
  TrainingReport training;
};

// The heads on evaluation sets, and the paper's ablations and levers.

/// Both heads' verdicts on each source (cached features), one row per source named by it, with
/// every image's verdicts kept for pairing.
std::vector<DatasetAccuracy> evaluateHeadsStage(Trainer& trainer,
                                                const std::vector<const ExampleSource*>& sources,
                                                int batchSize,
                                                const PipelineControl& control);

/// A BMFL head on the same frozen encoders: the model itself, an ablation (kept as its own
/// bundle) or one of the paper's levers (measured only).
struct HeadVariant
{
  enum class Kind
  {
    Model,
    Ablation,
    Lever
  };
  std::string name;        ///< "BMFL", "no PCC", ...
  std::string description; ///< what differs from the BMFL model
  Kind kind = Kind::Model;
  std::string
    folder; ///< its bundle, relative to the model's bundle; "." for the model, empty for a lever
  BmflHeadConfig head;
  std::vector<DatasetAccuracy> rows; ///< filled by evaluation
};

const char* headVariantKindName(HeadVariant::Kind kind);

/// The model (first), then the ablations (no PCC, concatenation, shuffled brain: saved under
/// ablations/) and the levers (PCC weight 2, ROI tokens over visual-areas, half and double fusion
/// width), each one change to the model's head.
std::vector<HeadVariant> paperHeadVariants(const BmflModelConfig& model);

/// Trains and evaluates each variant but the model: a fresh head (from options.seed) on the frozen
/// encoders, evaluated on the same sources; an ablation is also saved at bundleDir/folder with
/// the provenance marked. The trainer keeps the last variant's head.
void trainHeadVariantsStage(Trainer& trainer,
                            std::vector<HeadVariant>& variants,
                            const ExampleSource& trainExamples,
                            const HeadTrainingOptions& options,
                            const std::vector<const ExampleSource*>& evaluationSources,
                            int evaluationBatchSize,
                            const std::string& bundleDir,
                            const TrainingProvenance& provenance,
                            const PipelineControl& control);

// The report.

/// Everything REPORT.md says, measured by the run; a section without data is left out.
struct PipelineReport
{
  std::string title;       ///< "BMFL demo bundle: training report"
  std::string writtenBy;   ///< "bmfl train-demo"
  std::string commandLine; ///< the command as given
  std::uint64_t seed = 0;
  std::string date; ///< UTC
  std::string mode; ///< e.g. "full"; empty: no line
  std::uintmax_t totalBytes = 0;
  std::vector<std::string> modelNotes; ///< "What this model is, honestly": one bullet each
  std::vector<StageTiming> timings;
  std::vector<DatasetRecord> datasets;
  std::vector<std::pair<std::string, int>> epochs; ///< stage -> epochs, e.g. {"each head", 2}
  BrainEncoderScores brain;                        ///< no section when heldOutImages is 0
  std::vector<HeadVariant> variants;               ///< the model first; no section when empty
  std::size_t classes = 0;
};

std::string pipelineReportMarkdown(const PipelineReport& report);

/// Bytes of every regular file under a folder.
std::uintmax_t folderBytes(const std::string& folder);

} // namespace bmfl
