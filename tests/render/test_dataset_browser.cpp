// The dataset browser's filters on a synthetic 100,000-image dataset: true class, each head's
// verdict and the heads' disagreement, computed from the evaluation's per-image verdicts; the
// grid's model holds exactly the kept images, and the summary says how many of how many.
#include "bmfl/widgets/DatasetBrowser.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QListView>
#include <QSignalSpy>
#include <QTest>

#include <functional>

namespace
{

constexpr std::size_t kImages = 100000;

/// Item i has label i % 10 and a flat grey 8 x 8 picture.
class SyntheticDataset final : public bmfl::ImageDataset
{
public:
  SyntheticDataset()
  {
    for (int c = 0; c < 10; ++c)
    {
      Classes.push_back("class " + std::to_string(c));
    }
  }
  std::string name() const override { return "synthetic"; }
  std::size_t size() const override { return kImages; }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::string itemId(std::size_t index) const override { return std::to_string(index); }
  int label(std::size_t index) const override { return static_cast<int>(index % 10); }
  bmfl::Image loadImage(std::size_t index) const override
  {
    bmfl::Image image;
    image.width = 8;
    image.height = 8;
    image.channels = 1;
    image.pixels.assign(64, static_cast<std::uint8_t>(index % 251));
    return image;
  }

private:
  std::vector<std::string> Classes;
};

/// The baseline is wrong on every third image, BMFL on every fifth (each with its own wrong
/// class); image 7 was not evaluated (no verdict).
std::shared_ptr<const std::vector<bmfl::ImageVerdict>> syntheticVerdicts()
{
  auto verdicts = std::make_shared<std::vector<bmfl::ImageVerdict>>();
  verdicts->reserve(kImages);
  for (std::size_t i = 0; i < kImages; ++i)
  {
    if (i == 7)
    {
      continue;
    }
    const int label = static_cast<int>(i % 10);
    bmfl::ImageVerdict verdict;
    verdict.index = i;
    verdict.trueLabel = label;
    verdict.baselineLabel = i % 3 == 0 ? (label + 1) % 10 : label;
    verdict.bmflLabel = i % 5 == 0 ? (label + 2) % 10 : label;
    verdict.baselineRight = verdict.baselineLabel == label;
    verdict.bmflRight = verdict.bmflLabel == label;
    verdicts->push_back(verdict);
  }
  return verdicts;
}

/// The items a predicate keeps, by brute force.
std::vector<std::size_t> expected(const std::function<bool(std::size_t)>& keep)
{
  std::vector<std::size_t> items;
  for (std::size_t i = 0; i < kImages; ++i)
  {
    if (keep(i))
    {
      items.push_back(i);
    }
  }
  return items;
}

std::vector<std::size_t> shown(const bmfl::DatasetBrowser& browser)
{
  std::vector<std::size_t> items;
  for (std::size_t row = 0; row < browser.shownCount(); ++row)
  {
    items.push_back(browser.shownItem(row));
  }
  return items;
}

} // namespace

class TestDatasetBrowser : public QObject
{
  Q_OBJECT

private slots:
  void filtersOneHundredThousandImages()
  {
    bmfl::DatasetBrowser browser;
    browser.resize(300, 500);
    browser.show();
    auto dataset = std::make_shared<const SyntheticDataset>();
    browser.setDatasets({ dataset });
    auto* grid = browser.findChild<QListView*>();
    auto* summary = browser.findChild<QLabel*>(QStringLiteral("browserSummary"));
    QVERIFY(grid != nullptr && summary != nullptr);
    QCOMPARE(grid->model()->rowCount(), static_cast<int>(kImages));

    // A verdict filter before the evaluation keeps nothing; the true class needs no verdicts.
    bmfl::BrowserFilter wrongBaseline;
    wrongBaseline.baseline = bmfl::BrowserFilter::Verdict::Wrong;
    browser.setFilter(wrongBaseline);
    QCOMPARE(browser.shownCount(), std::size_t{ 0 });
    bmfl::BrowserFilter classThree;
    classThree.trueClass = 3;
    browser.setFilter(classThree);
    QVERIFY(shown(browser) == expected([](std::size_t i) { return i % 10 == 3; }));
    QCOMPARE(grid->model()->rowCount(), 10000);
    QCOMPARE(summary->text(),
             QStringLiteral("%1 of %2 images \u00b7 10 classes")
               .arg(QLocale().toString(10000), QLocale().toString(100000)));

    browser.setVerdicts(0, syntheticVerdicts());
    const auto evaluated = [](std::size_t i) { return i != 7; };
    browser.setFilter(wrongBaseline);
    QCOMPARE(summary->text(),
             QStringLiteral("%1 of %2 evaluated images \u00b7 10 classes")
               .arg(QLocale().toString(33334), QLocale().toString(99999)));
    QVERIFY(shown(browser) == expected([&](std::size_t i) { return evaluated(i) && i % 3 == 0; }));
    QCOMPARE(grid->model()->rowCount(), static_cast<int>(browser.shownCount()));

    bmfl::BrowserFilter bmflRightInClassFive;
    bmflRightInClassFive.trueClass = 5;
    bmflRightInClassFive.bmfl = bmfl::BrowserFilter::Verdict::Right;
    browser.setFilter(bmflRightInClassFive);
    QCOMPARE(browser.shownCount(), std::size_t{ 0 }); // every image of class 5 is a fifth

    bmfl::BrowserFilter disagree;
    disagree.headsDisagree = true;
    browser.setFilter(disagree);
    QVERIFY(shown(browser) ==
            expected([&](std::size_t i) { return evaluated(i) && (i % 3 == 0 || i % 5 == 0); }));

    bmfl::BrowserFilter baselineRightBmflWrong;
    baselineRightBmflWrong.baseline = bmfl::BrowserFilter::Verdict::Right;
    baselineRightBmflWrong.bmfl = bmfl::BrowserFilter::Verdict::Wrong;
    browser.setFilter(baselineRightBmflWrong);
    QVERIFY(shown(browser) ==
            expected([&](std::size_t i) { return evaluated(i) && i % 3 != 0 && i % 5 == 0; }));

    // The filter row drives the same filter.
    auto* bmflCombo = browser.findChild<QComboBox*>(QStringLiteral("bmflFilter"));
    auto* disagreeBox = browser.findChild<QCheckBox*>(QStringLiteral("disagreeFilter"));
    QVERIFY(bmflCombo != nullptr && disagreeBox != nullptr);
    QCOMPARE(bmflCombo->currentIndex(), 2);
    browser.setFilter(bmfl::BrowserFilter());
    QCOMPARE(browser.shownCount(), kImages);
    disagreeBox->setChecked(true);
    QVERIFY(browser.filter().headsDisagree);
    QVERIFY(shown(browser) ==
            expected([&](std::size_t i) { return evaluated(i) && (i % 3 == 0 || i % 5 == 0); }));

    // An activated row names its dataset item; selecting a hidden item clears the filter.
    QSignalSpy activated(&browser, &bmfl::DatasetBrowser::itemActivated);
    grid->setCurrentIndex(grid->model()->index(1, 0));
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(1).toULongLong(), 3ULL); // rows 0, 1 are images 0 and 3
    browser.selectItem(0, 1);
    QVERIFY(browser.filter() == bmfl::BrowserFilter());
    QCOMPARE(activated.last().at(1).toULongLong(), 1ULL);
  }
};

QTEST_MAIN(TestDatasetBrowser)
#include "test_dataset_browser.moc"
