// The accuracy table exported for papers: LaTeX (booktabs) with its specials escaped, and CSV or
// LaTeX chosen by the file's extension, written atomically.
#include "bmfl/AccuracyExport.h"
#include "bmfl/FileError.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace
{

bmfl::DatasetAccuracy pairedRow(const std::string& name)
{
  bmfl::DatasetAccuracy accuracy;
  accuracy.dataset = name;
  for (int i = 0; i < 100; ++i)
  {
    // 80 right for the baseline, 90 for BMFL; 12 pairs only BMFL got, 2 only the baseline.
    accuracy.add(i < 80, i < 78 || (i >= 80 && i < 92));
  }
  return accuracy;
}

std::string readFile(const std::filesystem::path& path)
{
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST(AccuracyExport, EscapesLatexSpecials)
{
  EXPECT_EQ(bmfl::latexEscaped("folder:/data/my_set#1 {50%} & $x"),
            "folder:/data/my\\_set\\#1 \\{50\\%\\} \\& \\$x");
  EXPECT_EQ(bmfl::latexEscaped("a\\b~c^d"),
            "a\\textbackslash{}b\\textasciitilde{}c\\textasciicircum{}d");
  EXPECT_EQ(bmfl::latexEscaped("tab\there"), "tab here");
}

TEST(AccuracyExport, LatexTableHasOneBooktabsRowPerDataset)
{
  bmfl::DatasetAccuracy empty;
  empty.dataset = "folder:/empty";
  const std::string tex = bmfl::accuracyLatex({ pairedRow("fashion-mnist:test"), empty });
  EXPECT_NE(tex.find("\\begin{tabular}{lrllrr}\n\\toprule\n"), std::string::npos) << tex;
  EXPECT_NE(tex.find("Baseline \\% [95\\% CI]"), std::string::npos);
  // 80% [71.1, 86.7] and 90% [82.6, 94.5] (Wilson), +10 points, p = 2 * P(X <= 2 | 14, 1/2).
  EXPECT_NE(tex.find("fashion-mnist:test & 100 & 80.0 [71.1, 86.7] & 90.0 [82.6, 94.5] & +10.0 & "),
            std::string::npos)
    << tex;
  EXPECT_NE(tex.find("0.0129 \\\\\n"), std::string::npos) << tex; // 2 * 92 / 16384 = 0.01294
  EXPECT_NE(tex.find("folder:/empty & 0 & -- & -- & -- & -- \\\\\n"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\bottomrule\n\\end{tabular}\n"), std::string::npos);
}

TEST(AccuracyExport, WritesCsvOrLatexByExtension)
{
  const std::filesystem::path folder =
    std::filesystem::path(::testing::TempDir()) / "bmfl_accuracy_export";
  std::filesystem::create_directories(folder);
  const std::vector<bmfl::DatasetAccuracy> rows = { pairedRow("fashion-mnist:test") };
  bmfl::writeAccuracyTable(rows, (folder / "table.csv").string());
  EXPECT_EQ(readFile(folder / "table.csv"), bmfl::accuracyCsv(rows));
  bmfl::writeAccuracyTable(rows, (folder / "table.TEX").string());
  EXPECT_EQ(readFile(folder / "table.TEX"), bmfl::accuracyLatex(rows));
  EXPECT_THROW(bmfl::writeAccuracyTable(rows, (folder / "table.xlsx").string()), bmfl::FileError);
  EXPECT_FALSE(std::filesystem::exists(folder / "table.xlsx"));
  std::filesystem::remove_all(folder);
}
