#include "Formatted.h"
#include "bmfl/Pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace bmfl
{

namespace
{

using pipeline_detail::formatted;

std::string percentWithInterval(double accuracy, const Interval& interval)
{
  char text[64];
  std::snprintf(text,
                sizeof text,
                "%.1f%% [%.1f, %.1f]",
                100.0 * accuracy,
                100.0 * interval.low,
                100.0 * interval.high);
  return text;
}

std::string list(const std::vector<std::string>& names)
{
  std::string text;
  for (const std::string& name : names)
  {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? std::string("none") : text;
}

void writeHeader(std::ostringstream& md, const PipelineReport& in)
{
  md << "# " << in.title << "\n\n"
     << "Written by `" << in.writtenBy
     << "` from what it measured in this run; nothing here is typed in by hand.\n\n"
     << "- Command: `" << in.commandLine << "`\n"
     << "- Seed: " << in.seed << "\n"
     << "- Date (UTC): " << in.date << "\n";
  if (!in.mode.empty())
  {
    md << "- Mode: " << in.mode << "\n";
  }
  md << "- Bundle size on disk (all weights, every variant): "
     << formatted("%.2f", static_cast<double>(in.totalBytes) / (1024.0 * 1024.0)) << " MiB\n\n";
  if (!in.modelNotes.empty())
  {
    md << "## What this model is, honestly\n\n";
    for (const std::string& note : in.modelNotes)
    {
      md << "- " << note << "\n";
    }
    md << "\n";
  }
  md << "## Stage timings\n\n| stage | seconds |\n|---|---:|\n";
  double total = 0.0;
  for (const StageTiming& timing : in.timings)
  {
    md << "| " << timing.stage << " | " << formatted("%.1f", timing.seconds) << " |\n";
    total += timing.seconds;
  }
  md << "| total | " << formatted("%.1f", total) << " |\n\n";
  md << "## Data sets\n\n| data set | images |\n|---|---:|\n";
  for (const DatasetRecord& record : in.datasets)
  {
    md << "| " << record.name << " | " << record.size << " |\n";
  }
  if (!in.epochs.empty())
  {
    md << "\nEpochs: ";
    for (std::size_t i = 0; i < in.epochs.size(); ++i)
    {
      md << (i == 0 ? "" : ", ") << in.epochs[i].first << " " << in.epochs[i].second;
    }
    md << ".\n";
  }
  md << "\n";
}

void writeBrainEncoder(std::ostringstream& md, const BrainEncoderScores& brain)
{
  const bool ceiling = std::isfinite(brain.noiseCeiling);
  md << "## Brain encoder on held-out images\n\n"
     << "Pearson r per vertex between the predicted response and " << brain.measured << " over "
     << brain.heldOutImages << " " << brain.heldOut << ", averaged per region. ";
  if (ceiling)
  {
    md << "The noise ceiling " << brain.noiseCeilingSource << " is "
       << formatted("%.3f", brain.noiseCeiling) << ". ";
  }
  md << "Best validation mean vertex r in training: "
     << formatted("%.4f", brain.training.bestMetric) << " (epoch " << brain.training.bestEpoch
     << ").\n\n"
     << "| label set | region | vertices | mean r |" << (ceiling ? " fraction of ceiling |" : "")
     << "\n|---|---|---:|---:|" << (ceiling ? "---:|" : "") << "\n";
  for (const RegionScore& score : brain.regions)
  {
    md << "| " << score.labelSet << " | " << score.region << " | " << score.vertices << " | "
       << formatted("%.3f", score.meanR) << " |";
    if (ceiling)
    {
      md << " " << formatted("%.2f", score.meanR / brain.noiseCeiling) << " |";
    }
    md << "\n";
  }
}

/// A variant's heads against the baseline, data set by data set.
void writeAgainstBaseline(std::ostringstream& md, const HeadVariant& variant)
{
  md << "| dataset | images | baseline [95% CI] | " << variant.name
     << " [95% CI] | delta (points) | McNemar p |\n"
     << "|---|---:|---|---|---:|---:|\n";
  std::vector<std::string> notBetter;
  std::vector<std::string> significantlyBetter;
  for (const DatasetAccuracy& row : variant.rows)
  {
    const double delta = row.bmflAccuracy() - row.baselineAccuracy();
    md << "| " << row.dataset << " | " << row.images << " | "
       << percentWithInterval(row.baselineAccuracy(), row.baselineInterval()) << " | "
       << percentWithInterval(row.bmflAccuracy(), row.bmflInterval()) << " | "
       << formatted("%+.1f", 100.0 * delta) << " | " << formatted("%.3g", row.mcNemarP()) << " |\n";
    if (delta <= 0.0)
    {
      notBetter.push_back(row.dataset);
    }
    else if (row.mcNemarP() < 0.05)
    {
      significantlyBetter.push_back(row.dataset);
    }
  }
  md << "\n";
  if (notBetter.empty())
  {
    md << variant.name << " is more accurate than the baseline on every data set here.";
  }
  else
  {
    md << variant.name << " does **not** beat the baseline on: " << list(notBetter) << ".";
  }
  md << " Significantly better (McNemar p < 0.05): " << list(significantlyBetter) << ".\n";
}

void writeModelAccuracy(std::ostringstream& md, const PipelineReport& in)
{
  const HeadVariant& model = in.variants.front();
  md << "\n## Accuracy: baseline (linear probe) vs BMFL\n\n"
     << "BMFL: " << model.description
     << ". Wilson 95% intervals; exact McNemar p of the paired verdicts against the baseline on "
        "the same images. The baseline is one linear probe on the frozen encoder, the same in "
        "every table.\n\n";
  writeAgainstBaseline(md, model);
  // A difference between two heads that both guess says nothing about robustness.
  const double chance = 1.0 / static_cast<double>(std::max<std::size_t>(in.classes, 1));
  std::vector<std::string> atChance;
  for (const DatasetAccuracy& row : model.rows)
  {
    const Interval baseline = row.baselineInterval();
    const Interval bmfl = row.bmflInterval();
    if (baseline.low <= chance && chance <= baseline.high && bmfl.low <= chance &&
        chance <= bmfl.high)
    {
      atChance.push_back(row.dataset);
    }
  }
  if (!atChance.empty())
  {
    md << "\nBoth heads are at chance (1/" << in.classes
       << " inside both 95% intervals) on: " << list(atChance)
       << "; differences there say nothing about robustness.\n";
  }
}

/// The ablations and levers paired with BMFL image by image, and what each change does.
void writeVariants(std::ostringstream& md, const PipelineReport& in)
{
  const HeadVariant& model = in.variants.front();
  md << "\n## Ablations and levers, paired with BMFL\n\n"
     << "Every row is one BMFL head trained on the same frozen encoders with one change, and "
        "evaluated on the same images as BMFL. A cell is the accuracy, its difference from BMFL "
        "in points, and the exact McNemar p of the paired verdicts against BMFL. Ablation bundles "
        "are kept in `ablations/`; the levers are measured here and not saved.\n\n"
     << "| variant | kind | change |";
  for (const DatasetAccuracy& row : model.rows)
  {
    md << " " << row.dataset << " |";
  }
  md << "\n|---|---|---|";
  for (std::size_t d = 0; d < model.rows.size(); ++d)
  {
    md << "---:|";
  }
  md << "\n| BMFL | model | - |";
  for (const DatasetAccuracy& row : model.rows)
  {
    md << " " << formatted("%.1f", 100.0 * row.bmflAccuracy()) << " |";
  }
  md << "\n";
  struct Finding
  {
    const HeadVariant* variant = nullptr;
    std::vector<std::string> better; ///< data sets where the variant beats BMFL, p < 0.05
    std::vector<std::string> worse;
  };
  std::vector<Finding> findings;
  for (std::size_t v = 1; v < in.variants.size(); ++v)
  {
    const HeadVariant& variant = in.variants[v];
    Finding finding{ &variant, {}, {} };
    md << "| " << variant.name << " | " << headVariantKindName(variant.kind) << " | "
       << variant.description << " |";
    for (std::size_t d = 0; d < variant.rows.size() && d < model.rows.size(); ++d)
    {
      const PairedAccuracy paired = pairBmflVerdicts(model.rows[d], variant.rows[d]);
      const double delta = paired.secondAccuracy() - paired.firstAccuracy();
      md << " " << formatted("%.1f", 100.0 * paired.secondAccuracy()) << " ("
         << formatted("%+.1f", 100.0 * delta) << ", p " << formatted("%.2g", paired.mcNemarP())
         << ") |";
      if (paired.mcNemarP() < 0.05)
      {
        (delta > 0.0 ? finding.better : finding.worse).push_back(paired.dataset);
      }
    }
    md << "\n";
    findings.push_back(finding);
  }
  bool bmflBeatsBaseline = false;
  for (const DatasetAccuracy& row : model.rows)
  {
    bmflBeatsBaseline =
      bmflBeatsBaseline || (row.bmflAccuracy() > row.baselineAccuracy() && row.mcNemarP() < 0.05);
  }
  md << "\nWhere each change makes a significant difference (McNemar p < 0.05 against BMFL):\n\n";
  for (const Finding& finding : findings)
  {
    md << "- " << finding.variant->name << ": ";
    if (finding.better.empty() && finding.worse.empty())
    {
      md << "no significant difference on any data set.\n";
    }
    else
    {
      md << "more accurate than BMFL on " << list(finding.better) << "; less accurate on "
         << list(finding.worse) << ".\n";
    }
    if (!finding.variant->head.fusion.shuffleBrain)
    {
      continue;
    }
    // The control that asks whether the image's own brain response matters at all.
    md << "  - ";
    if (finding.worse.empty())
    {
      md << "BMFL is significantly more accurate than its shuffled-fMRI control on no data set "
            "here: at this scale, pairing each image with its own brain response is not shown "
            "to matter for BMFL's accuracy.";
      if (bmflBeatsBaseline)
      {
        md << " Where BMFL beats the linear probe, the gain comes from what it shares with "
              "this control: the larger head (attention over the patch tokens).";
      }
    }
    else
    {
      md << "The image's own predicted brain response matters on " << list(finding.worse)
         << ": there BMFL beats the same head trained with shuffled fMRI.";
    }
    md << " The predicted fMRI is computed from the frozen encoder's own features, so it can "
          "add no information the image features lack, only a different representation of "
          "them.\n";
  }

  md << "\n## Each ablation and lever against the baseline\n";
  for (std::size_t v = 1; v < in.variants.size(); ++v)
  {
    const HeadVariant& variant = in.variants[v];
    md << "\n### " << variant.name << " (" << headVariantKindName(variant.kind) << ": "
       << variant.description;
    if (variant.kind == HeadVariant::Kind::Ablation)
    {
      md << "; bundle `" << variant.folder << "`";
    }
    md << ")\n\n";
    writeAgainstBaseline(md, variant);
  }
}

} // namespace

std::string pipelineReportMarkdown(const PipelineReport& report)
{
  std::ostringstream md;
  writeHeader(md, report);
  if (report.brain.heldOutImages > 0)
  {
    writeBrainEncoder(md, report.brain);
  }
  if (!report.variants.empty())
  {
    writeModelAccuracy(md, report);
    if (report.variants.size() > 1)
    {
      writeVariants(md, report);
    }
  }
  return md.str();
}

} // namespace bmfl
