#include "bmfl/Pipeline.h"
#include "Formatted.h"
#include "bmfl/Correlation.h"
#include "bmfl/Timing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace bmfl
{

namespace
{

TrainingReport finished(TrainingReport report)
{
  if (report.cancelled)
  {
    throw PipelineCancelled();
  }
  return report;
}

using pipeline_detail::formatted;

} // namespace

void PipelineControl::stopIfCancelled() const
{
  if (cancelled())
  {
    throw PipelineCancelled();
  }
}

void PipelineControl::note(const std::string& line) const
{
  if (log)
  {
    log(line);
  }
}

StageClock::StageClock(const PipelineControl& control)
  : Control(control)
  , Start(monotonicSeconds())
  , Last(Start)
{
}

void StageClock::end(const std::string& stage)
{
  const double now = monotonicSeconds();
  Timings.push_back({ stage, now - Last });
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "[%7.1f s] ", now - Start);
  Control.note(prefix + stage + " done");
  Last = monotonicSeconds();
}

TrainingReport trainImageEncoderStage(Trainer& trainer,
                                      const ExampleSource& examples,
                                      const EncoderTrainingOptions& options,
                                      const PipelineControl& control)
{
  return finished(trainer.trainImageEncoder(examples, options, control.training));
}

TrainingReport trainBrainEncoderStage(Trainer& trainer,
                                      const ExampleSource& examples,
                                      const BrainEncoderTrainingOptions& options,
                                      const PipelineControl& control)
{
  return finished(trainer.trainBrainEncoder(examples, options, control.training));
}

void trainHeadsStage(Trainer& trainer,
                     const ExampleSource& examples,
                     const HeadTrainingOptions& options,
                     const PipelineControl& control)
{
  finished(trainer.trainBaselineHead(examples, options, control.training));
  finished(trainer.trainBmflHead(examples, options, control.training));
}

std::vector<RegionScore> regionCorrelations(const VertexSpace& space,
                                            const std::vector<std::vector<float>>& predicted,
                                            const std::vector<std::vector<float>>& measured,
                                            const std::vector<std::string>& labelSets,
                                            const std::string& allVerticesName)
{
  const std::size_t vertexCount = space.size();
  if (predicted.size() != measured.size())
  {
    throw std::invalid_argument("regionCorrelations: " + std::to_string(predicted.size()) +
                                " predicted and " + std::to_string(measured.size()) +
                                " measured responses");
  }
  for (std::size_t i = 0; i < predicted.size(); ++i)
  {
    if (predicted[i].size() != vertexCount || measured[i].size() != vertexCount)
    {
      throw std::invalid_argument("regionCorrelations: response " + std::to_string(i) +
                                  " does not have the vertex space's " +
                                  std::to_string(vertexCount) + " values");
    }
  }
  std::vector<double> vertexR(vertexCount, std::nan(""));
  for (std::size_t v = 0; v < vertexCount; ++v)
  {
    vertexR[v] = pearsonR(
                   predicted.size(),
                   [&](std::size_t i) { return predicted[i][v]; },
                   [&](std::size_t i) { return measured[i][v]; })
                   .value_or(std::nan(""));
  }
  std::vector<RegionScore> scores;
  RegionScore all{ "all", allVerticesName, 0, 0.0 };
  for (double r : vertexR)
  {
    if (std::isfinite(r))
    {
      all.meanR += r;
      ++all.vertices;
    }
  }
  all.meanR /= static_cast<double>(std::max<std::size_t>(all.vertices, 1));
  scores.push_back(all);
  for (const std::string& setName : labelSets)
  {
    const VertexLabels* labels = space.labels(setName);
    if (labels == nullptr)
    {
      continue;
    }
    for (std::size_t label = 1; label < labels->names.size(); ++label)
    {
      RegionScore score{ setName, labels->names[label], 0, 0.0 };
      for (std::size_t v = 0; v < vertexCount; ++v)
      {
        const std::int32_t vertexLabel =
          v < space.left.size() ? labels->left[v] : labels->right[v - space.left.size()];
        if (vertexLabel == static_cast<std::int32_t>(label) && std::isfinite(vertexR[v]))
        {
          score.meanR += vertexR[v];
          ++score.vertices;
        }
      }
      if (score.vertices > 0)
      {
        score.meanR /= static_cast<double>(score.vertices);
        scores.push_back(score);
      }
    }
  }
  return scores;
}

std::vector<std::vector<float>> predictFmriStage(const std::string& bundleDir,
                                                 const std::vector<PreparedImage>& images,
                                                 const EngineOptions& options,
                                                 const PipelineControl& control)
{
  const auto engine = InferenceEngine::open(bundleDir, options);
  std::vector<ImageResult> results = engine->run(images, {}, control.training.cancel);
  control.stopIfCancelled();
  std::vector<std::vector<float>> predicted;
  predicted.reserve(results.size());
  for (ImageResult& result : results)
  {
    predicted.push_back(std::move(result.predictedFmri));
  }
  return predicted;
}

std::vector<DatasetAccuracy> evaluateHeadsStage(Trainer& trainer,
                                                const std::vector<const ExampleSource*>& sources,
                                                int batchSize,
                                                const PipelineControl& control)
{
  std::vector<DatasetAccuracy> rows;
  for (const ExampleSource* source : sources)
  {
    control.note("  evaluating on " + source->name());
    const HeadPredictions predictions = trainer.predictHeads(*source, batchSize, control.training);
    if (predictions.cancelled)
    {
      throw PipelineCancelled();
    }
    DatasetAccuracy row;
    row.dataset = source->name();
    for (std::size_t i = 0; i < source->size(); ++i)
    {
      const int label = source->label(i);
      const bool baselineRight = predictions.baseline[i] == label;
      const bool bmflRight = predictions.bmfl[i] == label;
      row.add(baselineRight, bmflRight);
      row.verdicts.push_back({ i, baselineRight, bmflRight });
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

const char* headVariantKindName(HeadVariant::Kind kind)
{
  switch (kind)
  {
    case HeadVariant::Kind::Model:
      return "model";
    case HeadVariant::Kind::Ablation:
      return "ablation";
    case HeadVariant::Kind::Lever:
      return "lever";
  }
  return "";
}

std::vector<HeadVariant> paperHeadVariants(const BmflModelConfig& model)
{
  const BmflHeadConfig reference = BmflHeadConfig::of(model);
  using Kind = HeadVariant::Kind;
  std::vector<HeadVariant> variants;
  variants.push_back({ "BMFL",
                       "cross-attention fusion, " + reference.brainTransformer.tokenizer +
                         " brain tokens of width " +
                         std::to_string(reference.brainTransformer.width) + ", pccWeight " +
                         formatted("%g", reference.pccWeight),
                       Kind::Model,
                       ".",
                       reference,
                       {} });
  const auto add = [&](std::string name, std::string description, Kind kind, std::string folder)
  {
    variants.push_back(
      { std::move(name), std::move(description), kind, std::move(folder), reference, {} });
    return &variants.back().head;
  };
  add("no PCC", "pccWeight 0", Kind::Ablation, "ablations/no-pcc")->pccWeight = 0.0;
  add("concatenation", "fusion mode concatenation", Kind::Ablation, "ablations/concatenation")
    ->fusion.mode = "concatenation";
  add("shuffled brain",
      "predicted fMRI shuffled across the batch in training",
      Kind::Ablation,
      "ablations/shuffled-brain")
    ->fusion.shuffleBrain = true;
  add("PCC weight 2", "pccWeight 2", Kind::Lever, "")->pccWeight = 2.0;
  // The other tokenisation as a lever: ROI tokens for a conv-slice model, conv slices for an ROI
  // one, so every report compares the two.
  if (reference.brainTransformer.tokenizer == "roi_tokens")
  {
    add("conv slices",
        "conv_slices brain tokens of " + std::to_string(reference.brainTransformer.sliceLength) +
          " vertices instead of one token per area of " + reference.brainTransformer.roiLabelSet,
        Kind::Lever,
        "")
      ->brainTransformer.tokenizer = "conv_slices";
  }
  else
  {
    BmflHeadConfig* roi =
      add("ROI tokens",
          "one brain token per visual area (roi_tokens over visual-areas) instead of conv slices",
          Kind::Lever,
          "");
    roi->brainTransformer.tokenizer = "roi_tokens";
    roi->brainTransformer.roiLabelSet = "visual-areas";
  }
  for (const int width :
       { reference.brainTransformer.width / 2, reference.brainTransformer.width * 2 })
  {
    add("fusion width " + std::to_string(width),
        "brain tokens of width " + std::to_string(width) + " (projected to the image width " +
          std::to_string(model.encoder.embedDim) + " for the cross-attention)",
        Kind::Lever,
        "")
      ->brainTransformer.width = width;
  }
  return variants;
}

void trainHeadVariantsStage(Trainer& trainer,
                            std::vector<HeadVariant>& variants,
                            const ExampleSource& trainExamples,
                            const HeadTrainingOptions& options,
                            const std::vector<const ExampleSource*>& evaluationSources,
                            int evaluationBatchSize,
                            const std::string& bundleDir,
                            const TrainingProvenance& provenance,
                            const PipelineControl& control)
{
  for (HeadVariant& variant : variants)
  {
    if (variant.kind == HeadVariant::Kind::Model)
    {
      continue;
    }
    control.note(std::string(headVariantKindName(variant.kind)) + ": " + variant.name);
    trainer.resetBmflHead(variant.head, options.seed);
    finished(trainer.trainBmflHead(trainExamples, options, control.training));
    variant.rows = evaluateHeadsStage(trainer, evaluationSources, evaluationBatchSize, control);
    if (variant.kind == HeadVariant::Kind::Ablation)
    {
      TrainingProvenance variantProvenance = provenance;
      variantProvenance.command += " [ablation: " + variant.description + "]";
      trainer.saveBundle((std::filesystem::path(bundleDir) / variant.folder).string(),
                         variantProvenance);
    }
  }
}

std::uintmax_t folderBytes(const std::string& folder)
{
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder))
  {
    if (entry.is_regular_file())
    {
      bytes += entry.file_size();
    }
  }
  return bytes;
}

} // namespace bmfl
