// Writes the tests' tiny BMFL bundle (random weights, seed 1) to the folder given: a fixture
// for the command-line tests of `bmfl info`. With --dinov2-heads the image encoder has DINOv2's
// head width of 64 (width 64, one head), so its archive reads as a DINOv2 checkpoint; with
// --brain-preprocess its brain encoder has its own input (tinyBrainPreprocess); with
// --wnid-classes its classes are named as ImageNet's ("n00000000 T-shirt/top", ...), so wnid
// folders map onto them; with --other-heads its BMFL head is another (seed 2) on the same
// encoders (an ablation's bundle); with --roi-tokens its brain transformer has one token per ROI.
#include "TinyModel.h"

#include "bmfl/FileError.h"
#include "bmfl/Training.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
  const bool dinoHeads = argc == 3 && std::string(argv[2]) == "--dinov2-heads";
  const bool brainPreprocess = argc == 3 && std::string(argv[2]) == "--brain-preprocess";
  const bool wnidClasses = argc == 3 && std::string(argv[2]) == "--wnid-classes";
  const bool otherHeads = argc == 3 && std::string(argv[2]) == "--other-heads";
  const bool roiTokens = argc == 3 && std::string(argv[2]) == "--roi-tokens";
  if (argc != 2 && !dinoHeads && !brainPreprocess && !wnidClasses && !otherHeads && !roiTokens)
  {
    std::cerr << "usage: make_tiny_bundle BUNDLE_DIR [--dinov2-heads | --brain-preprocess | "
                 "--wnid-classes | --other-heads | --roi-tokens]\n";
    return 2;
  }
  try
  {
    bmfl::TrainerOptions options;
    options.device = "cpu";
    options.seed = 1;
    bmfl::BmflModelConfig config = bmfl::test::tinyConfig();
    if (dinoHeads)
    {
      config.encoder.embedDim = 64;
      config.encoder.heads = 1;
    }
    if (roiTokens)
    {
      config.brainTransformer.tokenizer = "roi_tokens"; // one token per ROI of "rois"
    }
    std::vector<std::string> classNames = bmfl::test::tinyClassNames();
    for (std::size_t i = 0; wnidClasses && i < classNames.size(); ++i)
    {
      classNames[i] = "n0000000" + std::to_string(i) + " " + classNames[i];
    }
    bmfl::Trainer trainer(
      config, bmfl::test::tinySpace(), classNames, bmfl::test::tinyPreprocess(), options);
    if (brainPreprocess)
    {
      trainer.setBrainPreprocess(bmfl::test::tinyBrainPreprocess());
    }
    if (otherHeads)
    {
      trainer.resetBmflHead(bmfl::BmflHeadConfig::of(config), 2);
    }
    bmfl::TrainingProvenance provenance;
    provenance.command = "make_tiny_bundle";
    provenance.seed = 1;
    provenance.datasets = { { "synthetic", 200 } };
    provenance.epochs = 4;
    provenance.finalMetrics = { { "bmfl_val_accuracy", 0.875 } };
    trainer.saveBundle(argv[1], provenance);
  }
  catch (const std::exception& error)
  {
    std::cerr << error.what() << "\n";
    return 1;
  }
  return 0;
}
