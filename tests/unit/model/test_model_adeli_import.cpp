// Brain encoders trained by Adeli et al.'s own code: checkpoints in exactly the layout their
// main.py saves, written by models/reference/adeli_replica.py (a replica of their model with
// their module names) at test time, load into BrainEncoder and predict what the replica predicts;
// a checkpoint that does not fit is refused with one line naming the key.

#include "TestEnvironment.h"
#include "bmfl/FileError.h"
#include "model/BrainEncoder.h"
#include "model/Checkpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace
{

namespace fs = std::filesystem;

// A folder the replica writes into, removed at the end.
class ReplicaRun
{
public:
  ReplicaRun()
  {
    Folder = (fs::temp_directory_path() / "bmfl-adeli-XXXXXX").string();
    if (mkdtemp(Folder.data()) == nullptr)
    {
      Folder.clear();
    }
  }
  ~ReplicaRun()
  {
    if (!Folder.empty())
    {
      fs::remove_all(Folder);
    }
  }
  ReplicaRun(const ReplicaRun&) = delete;
  ReplicaRun& operator=(const ReplicaRun&) = delete;

  /// Runs the replica with these options; false when it fails.
  bool make(const std::string& options) const
  {
    const std::string command = std::string("'") + BMFL_REFERENCE_PYTHON + "' '" +
                                BMFL_ADELI_REPLICA_SCRIPT + "' '" + Folder + "' " + options;
    return !Folder.empty() && std::system(command.c_str()) == 0;
  }

  /// Writes damaged copies of the checkpoint, damaged-<i>.pth, each made by Python code[i] run on
  /// a fresh load of it (bound to `c`), in one Python run.
  bool damage(const std::vector<std::string>& code) const
  {
    std::string script = "import torch\n";
    for (std::size_t i = 0; i < code.size(); ++i)
    {
      script += "c = torch.load('" + checkpoint() + "')\n" + code[i] + "\ntorch.save(c, '" +
                damaged(i) + "')\n";
    }
    const std::string scriptPath = Folder + "/damage.py";
    FILE* file = std::fopen(scriptPath.c_str(), "w");
    if (file == nullptr)
    {
      return false;
    }
    std::fputs(script.c_str(), file);
    std::fclose(file);
    const std::string command = std::string("'") + BMFL_REFERENCE_PYTHON + "' '" + scriptPath + "'";
    return std::system(command.c_str()) == 0;
  }

  std::string damaged(std::size_t index) const
  {
    return Folder + "/damaged-" + std::to_string(index) + ".pth";
  }
  std::string checkpoint() const { return Folder + "/checkpoint_.pth"; }
  std::string cases() const { return Folder + "/adeli_cases.pth"; }

private:
  std::string Folder;
};

std::vector<int32_t> labelsOf(const torch::Tensor& labels)
{
  std::vector<int32_t> result;
  for (int64_t i = 0; i < labels.numel(); ++i)
  {
    result.push_back(static_cast<int32_t>(labels[i].item<int64_t>()));
  }
  return result;
}

// The subject's space as openAlgonautsSubject gives it: its vertices and the ROI label sets of
// its roi_masks (the replica writes streams and prf-visualrois, 8 labels each).
bmfl::VertexSpace subjectSpace(const std::map<std::string, torch::Tensor>& cases)
{
  bmfl::VertexSpace space;
  space.name = "algonauts-subj01";
  space.templateName = "fsaverage";
  for (const char* roiClass : { "streams", "prf-visualrois" })
  {
    bmfl::VertexLabels labels;
    labels.name = roiClass;
    labels.names = { "Unknown", "a", "b", "c", "d", "e", "f", "g" };
    labels.left = labelsOf(cases.at(std::string(roiClass) + ".lh"));
    labels.right = labelsOf(cases.at(std::string(roiClass) + ".rh"));
    space.left.assign(labels.left.size(), 0);
    space.right.assign(labels.right.size(), 0);
    space.labelSets.push_back(labels);
  }
  return space;
}

bool haveReplica()
{
  return !std::string(BMFL_REFERENCE_PYTHON).empty();
}

// The brain encoder imported from a replica run, checked against the replica's predictions.
void expectReplicaPredictions(const std::string& options, const std::string& readout)
{
  const ReplicaRun run;
  ASSERT_TRUE(run.make(options)) << "the replica failed with " << options;
  const auto cases = bmfl::readCheckpointTensors(run.cases());
  bmfl::ImportedBrainEncoder imported =
    bmfl::loadAdeliBrainEncoder(run.checkpoint(), subjectSpace(cases), 32);
  EXPECT_EQ(imported.readout, readout);
  EXPECT_EQ(imported.droppedTensors, 9U); // 7 DINOv2 stub tensors + memory_proj weight and bias

  bmfl::ImageFeatures features;
  features.lastQuery = cases.at("features");
  features.gridHeight = cases.at("grid")[0].item<int64_t>();
  features.gridWidth = cases.at("grid")[1].item<int64_t>();
  torch::NoGradGuard noGrad;
  const torch::Tensor prediction = imported.encoder->forward(features);
  ASSERT_EQ(prediction.sizes(), cases.at("prediction").sizes());
  EXPECT_LT((prediction - cases.at("prediction")).abs().max().item<double>(), 1e-5);
}

// The one line a checkpoint that does not fit gives.
std::string refusal(const ReplicaRun& run, const std::string& checkpoint, std::int64_t width = 32)
{
  const auto cases = bmfl::readCheckpointTensors(run.cases());
  try
  {
    bmfl::loadAdeliBrainEncoder(checkpoint, subjectSpace(cases), width);
  }
  catch (const bmfl::FileError& error)
  {
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << error.what();
    EXPECT_EQ(error.path(), checkpoint);
    return error.what();
  }
  ADD_FAILURE() << checkpoint << " was accepted";
  return "";
}

} // namespace

TEST(AdeliImport, StreamsModelPredictsAsTheReplica)
{
  if (!haveReplica())
  {
    BMFL_SKIP_UNLESS_CI("the replica needs /usr/bin/python3 with torch (python3-torch)");
  }
  expectReplicaPredictions("--readout streams_inc", "streams_inc");
}

TEST(AdeliImport, VisualRoiModelWithTwoLayersPredictsAsTheReplica)
{
  if (!haveReplica())
  {
    BMFL_SKIP_UNLESS_CI("the replica needs /usr/bin/python3 with torch (python3-torch)");
  }
  expectReplicaPredictions("--readout visuals --dec-layers 2 --heads 8", "visuals");
}

TEST(AdeliImport, HemisphereModelPredictsAsTheReplica)
{
  if (!haveReplica())
  {
    BMFL_SKIP_UNLESS_CI("the replica needs /usr/bin/python3 with torch (python3-torch)");
  }
  expectReplicaPredictions("--readout hemis", "hemis");
}

TEST(AdeliImport, RefusesCheckpointsThatDoNotFitWithOneLineNamingTheKey)
{
  if (!haveReplica())
  {
    BMFL_SKIP_UNLESS_CI("the replica needs /usr/bin/python3 with torch (python3-torch)");
  }
  const ReplicaRun run;
  ASSERT_TRUE(run.make(""));
  // The image encoder must give the decoder's width: Adeli's decoder has no input projection.
  std::string message = refusal(run, run.checkpoint(), 64);
  EXPECT_NE(message.find("'query_embed.weight'"), std::string::npos) << message;
  EXPECT_NE(message.find("64 wide"), std::string::npos) << message;

  struct Damage
  {
    std::string code;
    std::vector<std::string> expected;
  };
  const std::vector<Damage> damages = {
    { "m = c['model']; m['lh_embed_0.0.weight'] = m['lh_embed_0.0.weight'][:22]",
      { "'lh_embed_0.0.weight' has shape [22, 32] but [23, 32] is needed",
        "23 left-hemisphere vertices" } },
    { "del c['model']['transformer.decoder.norm.bias']",
      { "has no 'transformer.decoder.norm.bias'" } },
    { "c['model']['transformer.encoder.layers.0.linear1.weight'] = torch.zeros(48, 32)",
      { "has 'transformer.encoder.layers.0.linear1.weight'", "does not have" } },
    { "m = c['model']; m['query_embed.weight'] = m['query_embed.weight'][:10]",
      { "'query_embed.weight' has shape [10, 32] but [16, 32] is needed" } },
    { "c['args'].readout_res = 'bodies'", { "args.readout_res is 'bodies'" } },
    { "c['args'].enc_layers = 1", { "args.enc_layers is 1" } },
    { "c['args'].nheads = 5", { "args.nheads 5 does not divide hidden_dim 32" } },
    { "del c['args'].nheads", { "args.nheads is missing" } },
    { "del c['args']", { "no 'args' Namespace" } },
  };
  std::vector<std::string> code;
  for (const Damage& damage : damages)
  {
    code.push_back(damage.code);
  }
  ASSERT_TRUE(run.damage(code));
  for (std::size_t i = 0; i < damages.size(); ++i)
  {
    message = refusal(run, run.damaged(i));
    for (const std::string& expected : damages[i].expected)
    {
      EXPECT_NE(message.find(expected), std::string::npos) << damages[i].code << ": " << message;
    }
  }
}
