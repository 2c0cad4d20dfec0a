#include "Commands.h"

#include "bmfl/Algonauts.h"
#include "bmfl/BrainEncoderImport.h"
#include "bmfl/FileError.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Printable.h"

#include <iostream>
#include <memory>

namespace bmfl::cli
{

namespace
{

struct ImportArguments
{
  std::string checkpoint;
  std::string subject;
  std::string modelIn;
  std::string out;
  std::string brainInput = "adeli";
};

int runImport(const ImportArguments& parsed)
{
  requireRegularFile(parsed.checkpoint, "a checkpoint file");
  checkBundleTarget(parsed.out);
  const AlgonautsSubject subject = openAlgonautsSubject(parsed.subject);
  BrainEncoderImportOptions options;
  options.adeliInput = parsed.brainInput == "adeli";
  const BrainEncoderImportSummary summary =
    importAdeliBrainEncoder(parsed.checkpoint, subject.space, parsed.modelIn, parsed.out, options);
  const BrainEncoderConfig& config = summary.config;
  std::cout << "brain encoder: Adeli et al. 2023, readout_res " << printable(summary.readout)
            << ": " << config.decoderLayers << " decoder layer(s), width " << config.width << ", "
            << config.heads << " heads, feed-forward " << config.feedForward << ", a query per "
            << printable(config.queryLabelSet) << " label and hemisphere, features "
            << config.featureSource
            << (config.featureSource == "block_query"
                  ? " (block " + std::to_string(config.featureBlock) + ")"
                  : std::string())
            << "\n";
  std::cout << "vertex space: " << printable(subject.space.name) << ", " << summary.leftVertices
            << " left + " << summary.rightVertices << " right vertices\n";
  std::cout << "left out: " << summary.droppedTensors
            << " tensors (the frozen DINOv2, unused modules) and the optimizer state\n";
  std::cout << "brain encoder input: "
            << (summary.adeliInput ? "Adeli et al.'s (425 px, zero-padded to a multiple of 14)"
                                   : "the classifier's")
            << "\n";
  std::cout << (summary.bmflHeadReset
                  ? "the BMFL head was reset for the new vertex space: train the heads again "
                    "(bmfl train)\n"
                  : "the BMFL head was trained on another brain encoder: train the heads again "
                    "(bmfl train)\n");
  std::cout << "wrote " << printable(parsed.out) << "\n";
  return 0;
}

CommandRun defineImport(CLI::App& command)
{
  auto parsed = std::make_shared<ImportArguments>();
  command
    .add_option("--checkpoint",
                parsed->checkpoint,
                "a checkpoint saved by Adeli et al.'s main.py (algonauts2023_transformers)")
    ->required()
    ->type_name("FILE");
  command
    .add_option("--algonauts",
                parsed->subject,
                "the Algonauts 2023 subject folder it was trained on (its roi_masks give the "
                "vertices and labels)")
    ->required()
    ->type_name("DIR/subjNN");
  command
    .add_option("--model-in", parsed->modelIn, "the bundle whose image encoder and heads are kept")
    ->required()
    ->type_name("BUNDLE_DIR");
  command.add_option("--out", parsed->out, "the bundle to write (may be --model-in)")
    ->required()
    ->type_name("BUNDLE_DIR");
  command
    .add_option("--brain-input",
                parsed->brainInput,
                "the brain encoder's input: adeli (the NSD image as it is, zero-padded to a "
                "multiple of 14) or classifier (the classifier's crop)")
    ->check(CLI::IsMember({ "adeli", "classifier" }))
    ->capture_default_str();
  return [parsed]() { return runImport(*parsed); };
}

} // namespace

BMFL_REGISTER_COMMAND(importBrainEncoder,
                      "import-brain-encoder",
                      "a bundle with the brain encoder of a checkpoint from Adeli et al.'s code",
                      defineImport);

} // namespace bmfl::cli
