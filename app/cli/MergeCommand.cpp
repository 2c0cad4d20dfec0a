#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/Printable.h"
#include "bmfl/ShardFolders.h"

#include <iostream>
#include <memory>

namespace bmfl::cli
{

namespace
{

struct MergeArguments
{
  std::vector<std::string> folders;
  std::string csv;
  std::string out;
};

int runMerge(const MergeArguments& parsed)
{
  if (shardFolderKind(parsed.folders.front()) == ShardFolderKind::Features)
  {
    if (parsed.out.empty() || !parsed.csv.empty())
    {
      throw UsageError("feature shards merge into a folder: give --out DIR (and no --csv)");
    }
    const std::size_t images = mergeFeatureShards(parsed.folders, parsed.out);
    std::cout << "merged " << parsed.folders.size() << " feature shard"
              << (parsed.folders.size() > 1 ? "s" : "") << ": " << images << " images into "
              << printable(parsed.out) << "\n";
    return 0;
  }
  if (!parsed.out.empty())
  {
    throw UsageError("evaluation shards merge into a table: --out is for feature shards (use "
                     "--csv FILE)");
  }
  const std::vector<DatasetAccuracy> rows = mergeEvaluationShards(parsed.folders);
  std::cout << accuracyTable(rows);
  if (!parsed.csv.empty())
  {
    writeAccuracyCsv(rows, parsed.csv);
    std::cout << "wrote " << parsed.csv << "\n";
  }
  return 0;
}

CommandRun defineMerge(CLI::App& command)
{
  auto parsed = std::make_shared<MergeArguments>();
  command
    .add_option("folders",
                parsed->folders,
                "the result folders of every shard of one run (bmfl evaluate --out, bmfl "
                "extract-features --out)")
    ->required()
    ->type_name("DIR...");
  command.add_option("--csv", parsed->csv, "evaluation shards: also write the table as CSV")
    ->check(outputFile())
    ->type_name("FILE");
  command.add_option("--out", parsed->out, "feature shards: the folder to write the arrays into")
    ->type_name("DIR");
  return [parsed]() { return runMerge(*parsed); };
}

} // namespace

BMFL_REGISTER_COMMAND(merge,
                      "merge",
                      "combine the result folders of sharded evaluate / extract-features runs",
                      defineMerge);

} // namespace bmfl::cli

#else // built without OpenCV (a headless GPU machine): the command exists and says why

#include <iostream>

namespace bmfl::cli
{
namespace
{
CommandRun defineMerge(CLI::App& command)
{
  command.allow_extras();
  return []()
  {
    std::cerr << "bmfl merge: this build has no image support (OpenCV was not found)\n";
    return 1;
  };
}
} // namespace
BMFL_REGISTER_COMMAND(merge,
                      "merge",
                      "combine sharded evaluate / extract-features results (needs OpenCV)",
                      defineMerge);
} // namespace bmfl::cli

#endif
