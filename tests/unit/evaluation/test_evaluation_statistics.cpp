// The statistics behind the accuracy table, against values computed by hand (or with Python's
// exact binomial), and the 200-class masking of ImageNet-A/R.
#include "bmfl/Evaluation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

TEST(Evaluation, WilsonIntervalMatchesHandComputedValues)
{
  // 80 of 100: centre (0.8 + 1.96^2/200) / (1 + 1.96^2/100) = 0.7878; half-width 0.0799.
  const bmfl::Interval interval = bmfl::wilsonInterval(80, 100);
  EXPECT_NEAR(interval.low, 0.7111, 1e-4);
  EXPECT_NEAR(interval.high, 0.8666, 1e-4);
  // All correct: the interval reaches 1 and stays inside [0, 1].
  const bmfl::Interval perfect = bmfl::wilsonInterval(10, 10);
  EXPECT_DOUBLE_EQ(perfect.high, 1.0);
  EXPECT_NEAR(perfect.low, 0.7225, 1e-4);
  const bmfl::Interval none = bmfl::wilsonInterval(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

TEST(Evaluation, McNemarExactTest)
{
  // b = 2, c = 10: p = 2 * P(X <= 2), X ~ Bin(12, 1/2) = 2 * 79 / 4096 = 0.03857.
  EXPECT_NEAR(bmfl::mcNemarExactP(2, 10), 0.0385742, 1e-6);
  EXPECT_NEAR(bmfl::mcNemarExactP(10, 2), 0.0385742, 1e-6);
  EXPECT_DOUBLE_EQ(bmfl::mcNemarExactP(5, 5), 1.0);
  EXPECT_DOUBLE_EQ(bmfl::mcNemarExactP(0, 0), 1.0);
  // Large counts stay finite: 2 * P(X <= 450), X ~ Bin(1000, 1/2) ~ 0.00173.
  EXPECT_NEAR(bmfl::mcNemarExactP(450, 550), 0.0017, 2e-4);
}

TEST(Evaluation, PredictionsRestrictedToTheDatasetsColumns)
{
  const std::vector<float> probabilities = { 0.5F, 0.1F, 0.3F, 0.05F, 0.05F };
  EXPECT_EQ(bmfl::predictedLabel(probabilities, {}), 0);
  // A dataset covering model columns 2, 3, 4: column 2 wins, which is the dataset's label 0.
  EXPECT_EQ(bmfl::predictedLabel(probabilities, { 3, 2, 4 }), 1);
  EXPECT_THROW(bmfl::predictedLabel(probabilities, { 1, 7 }), std::invalid_argument);
}

TEST(Evaluation, AccuracyRowsAndCsv)
{
  bmfl::DatasetAccuracy row;
  row.dataset = "fashion-mnist-ood:noise, severity 3";
  row.add(true, true);
  row.add(false, true);
  row.add(true, false);
  row.add(false, true);
  EXPECT_EQ(row.images, 4U);
  EXPECT_DOUBLE_EQ(row.baselineAccuracy(), 0.5);
  EXPECT_DOUBLE_EQ(row.bmflAccuracy(), 0.75);
  EXPECT_EQ(row.onlyBaselineCorrect, 1U);
  EXPECT_EQ(row.onlyBmflCorrect, 2U);
  const std::string csv = bmfl::accuracyCsv({ row });
  std::istringstream lines(csv);
  std::string header;
  std::string line;
  std::getline(lines, header);
  std::getline(lines, line);
  EXPECT_EQ(header.rfind("dataset,images,baseline_accuracy", 0), 0U);
  // The comma in the name is quoted, so the row keeps 11 fields.
  EXPECT_EQ(line.rfind("\"fashion-mnist-ood:noise, severity 3\",4,0.5,", 0), 0U) << line;

  const std::string path = testing::TempDir() + "/accuracy.csv";
  bmfl::writeAccuracyCsv({ row }, path);
  std::ifstream written(path);
  std::stringstream contents;
  contents << written.rdbuf();
  EXPECT_EQ(contents.str(), csv);
}

namespace
{

bmfl::DatasetAccuracy withVerdicts(const std::vector<std::pair<bool, bool>>& verdicts)
{
  bmfl::DatasetAccuracy row;
  row.dataset = "fashion-mnist:test";
  for (std::size_t i = 0; i < verdicts.size(); ++i)
  {
    row.add(verdicts[i].first, verdicts[i].second);
    row.verdicts.push_back({ 10 + i, verdicts[i].first, verdicts[i].second });
  }
  return row;
}

} // namespace

TEST(Evaluation, PairingTwoModelsBmflVerdictsImageByImage)
{
  // Same baseline verdicts; the BMFL heads differ on images 1, 2 and 3.
  const bmfl::DatasetAccuracy first =
    withVerdicts({ { true, true }, { false, true }, { true, true }, { true, false } });
  const bmfl::DatasetAccuracy second =
    withVerdicts({ { true, true }, { false, false }, { true, false }, { true, true } });
  const bmfl::PairedAccuracy paired = bmfl::pairBmflVerdicts(first, second);
  EXPECT_EQ(paired.dataset, "fashion-mnist:test");
  EXPECT_EQ(paired.images, 4U);
  EXPECT_EQ(paired.firstCorrect, 3U);
  EXPECT_EQ(paired.secondCorrect, 2U);
  EXPECT_EQ(paired.onlyFirstCorrect, 2U);
  EXPECT_EQ(paired.onlySecondCorrect, 1U);
  EXPECT_DOUBLE_EQ(paired.firstAccuracy(), 0.75);
  EXPECT_DOUBLE_EQ(paired.mcNemarP(), bmfl::mcNemarExactP(2, 1));

  // Without kept verdicts, or over other images, there is nothing to pair.
  bmfl::DatasetAccuracy counted = first;
  counted.verdicts.clear();
  EXPECT_THROW(bmfl::pairBmflVerdicts(counted, second), std::invalid_argument);
  bmfl::DatasetAccuracy shifted = second;
  shifted.verdicts[2].index = 99;
  EXPECT_THROW(bmfl::pairBmflVerdicts(first, shifted), std::invalid_argument);
  bmfl::DatasetAccuracy otherSet = second;
  otherSet.dataset = "fashion-mnist-ood:noise";
  EXPECT_THROW(bmfl::pairBmflVerdicts(first, otherSet), std::invalid_argument);
}
