// Streaming: order, transform on the workers, bounded prefetch, cancellation, bad-image policy.
#include "TestTree.h"

#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace
{

using Clock = std::chrono::steady_clock;

/// A dataset made in memory whose items take a chosen time to "decode" and which records the
/// highest index any worker has started on.
class SlowDataset final : public bmfl::ImageDataset
{
public:
  SlowDataset(std::size_t count, std::chrono::milliseconds (*delay)(std::size_t))
    : Count(count)
    , Delay(delay)
  {
  }
  std::string name() const override { return "slow"; }
  std::size_t size() const override { return Count; }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::string itemId(std::size_t index) const override { return std::to_string(index); }
  int label(std::size_t index) const override { return static_cast<int>(index % 2); }
  bmfl::Image loadImage(std::size_t index) const override
  {
    std::size_t seen = HighestStarted.load();
    while (index > seen && !HighestStarted.compare_exchange_weak(seen, index))
    {
    }
    Started.fetch_add(1);
    std::this_thread::sleep_for(Delay(index));
    bmfl::Image image = bmfl::test::syntheticImage(12, 10, 3, static_cast<int>(index));
    image.pixels[0] = static_cast<std::uint8_t>(index % 256);
    return image;
  }

  mutable std::atomic<std::size_t> HighestStarted{ 0 };
  mutable std::atomic<std::size_t> Started{ 0 };

private:
  std::size_t Count;
  std::chrono::milliseconds (*Delay)(std::size_t);
  std::vector<std::string> Classes = { "even", "odd" };
};

TEST(DatasetStream, DeliversInIndexOrderWhateverTheDecodeTimes)
{
  // Items take 0..6 ms in a scrambled pattern, so workers finish out of order.
  auto dataset = std::make_shared<SlowDataset>(
    60,
    [](std::size_t i) { return std::chrono::milliseconds((i * 7) % 5 + (i % 3 == 0 ? 2 : 0)); });
  bmfl::StreamOptions options;
  options.workers = 4;
  options.transform = bmfl::PreprocessConfig{};
  options.transform->resizeShortSide = 8;
  options.transform->cropSize = 8;
  bmfl::DatasetStream stream(dataset, options);
  EXPECT_EQ(stream.total(), 60u);
  bmfl::DatasetItem item;
  std::size_t expected = 0;
  while (stream.next(item))
  {
    EXPECT_EQ(item.index, expected);
    EXPECT_EQ(item.id, std::to_string(expected));
    EXPECT_EQ(item.label, static_cast<int>(expected % 2));
    EXPECT_EQ(item.originalWidth, 12);
    EXPECT_EQ(item.originalHeight, 10);
    EXPECT_EQ(item.tensor.channels, 3);
    EXPECT_EQ(item.tensor.values.size(), 3u * 8u * 8u);
    ++expected;
  }
  EXPECT_EQ(expected, 60u);
}

TEST(DatasetStream, RangeAndDecodedImagesWithoutTransform)
{
  auto dataset =
    std::make_shared<SlowDataset>(30, [](std::size_t) { return std::chrono::milliseconds(0); });
  bmfl::StreamOptions options;
  options.transform.reset();
  options.begin = 10;
  options.end = 14;
  bmfl::DatasetStream stream(dataset, options);
  bmfl::DatasetItem item;
  std::vector<std::size_t> seen;
  while (stream.next(item))
  {
    seen.push_back(item.index);
    EXPECT_EQ(item.image.width, 12);
    EXPECT_EQ(item.image.pixels[0], item.index);
    EXPECT_TRUE(item.tensor.values.empty());
  }
  EXPECT_EQ(seen, (std::vector<std::size_t>{ 10, 11, 12, 13 }));
}

TEST(DatasetStream, ImagesConvertToTheModelsChannelsBeforeTheTransforms)
{
  // Colour pictures for a greyscale model: one channel each, the transform and the brain
  // transform both on the converted picture, equal to converting by hand.
  auto dataset =
    std::make_shared<SlowDataset>(3, [](std::size_t) { return std::chrono::milliseconds(0); });
  bmfl::StreamOptions options;
  options.channels = 1;
  options.transform = bmfl::PreprocessConfig{};
  options.transform->resizeShortSide = 8;
  options.transform->cropSize = 8;
  options.transform->grayscaleToRgb = false;
  options.transform->mean = { 0.5 };
  options.transform->std = { 0.25 };
  options.brainTransform = options.transform;
  options.brainTransform->cropSize = 6;
  bmfl::DatasetStream stream(dataset, options);
  bmfl::DatasetItem item;
  std::size_t count = 0;
  while (stream.next(item))
  {
    const bmfl::Image grey = bmfl::convertChannels(dataset->loadImage(item.index), 1);
    EXPECT_EQ(item.tensor.channels, 1);
    EXPECT_EQ(item.tensor.values, bmfl::evaluationTransform(grey, *options.transform).values);
    EXPECT_EQ(item.brainTensor.channels, 1);
    EXPECT_EQ(item.brainTensor.values.size(), 6u * 6u);
    ++count;
  }
  EXPECT_EQ(count, 3u);
  options.channels = 2;
  EXPECT_THROW(bmfl::DatasetStream(dataset, options), std::invalid_argument);
}

TEST(DatasetStream, PrefetchBoundsWhatIsDecodedAhead)
{
  auto dataset =
    std::make_shared<SlowDataset>(80, [](std::size_t) { return std::chrono::milliseconds(0); });
  bmfl::StreamOptions options;
  options.workers = 3;
  options.prefetch = 4;
  bmfl::DatasetStream stream(dataset, options);
  bmfl::DatasetItem item;
  std::size_t delivered = 0;
  while (stream.next(item))
  {
    ++delivered;
    // A slow consumer: the workers would race ahead if nothing held them back.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_LT(dataset->HighestStarted.load(), delivered + 4);
  }
  EXPECT_EQ(delivered, 80u);
  EXPECT_LE(stream.peakBuffered(), 4u);
  EXPECT_GE(stream.peakBuffered(), 1u);
}

TEST(DatasetStream, CancellationStopsPromptly)
{
  auto dataset = std::make_shared<SlowDataset>(
    100000, [](std::size_t) { return std::chrono::milliseconds(20); });
  std::atomic<bool> cancel{ false };
  bmfl::StreamOptions options;
  options.workers = 2;
  options.cancel = &cancel;
  Clock::time_point cancelledAt;
  {
    bmfl::DatasetStream stream(dataset, options);
    bmfl::DatasetItem item;
    std::size_t delivered = 0;
    while (stream.next(item))
    {
      if (++delivered == 3)
      {
        cancel = true;
        cancelledAt = Clock::now();
      }
    }
    EXPECT_EQ(delivered, 3u);
    EXPECT_LT(Clock::now() - cancelledAt, std::chrono::milliseconds(200));
  } // the destructor joins the workers
  EXPECT_LT(Clock::now() - cancelledAt, std::chrono::milliseconds(300));
  EXPECT_LT(dataset->Started.load(), 20u);
}

TEST(DatasetStream, DestroyingAStreamMidwayJoinsQuickly)
{
  auto dataset = std::make_shared<SlowDataset>(
    100000, [](std::size_t) { return std::chrono::milliseconds(20); });
  const Clock::time_point start = Clock::now();
  {
    bmfl::DatasetStream stream(dataset, {});
    bmfl::DatasetItem item;
    ASSERT_TRUE(stream.next(item));
  }
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST(DatasetStream, BadImagesStopOrAreSkippedAndCounted)
{
  bmfl::test::TemporaryFolder root;
  bmfl::test::writePicture(root / "a/1.png", 1);
  bmfl::test::writeBytes(root / "a/2.png", { 0x89, 'P', 'N', 'G', 1, 2, 3 });
  bmfl::test::writePicture(root / "b/3.png", 3);
  const auto dataset = bmfl::openImageDataset("folder:" + root.path().string());
  ASSERT_EQ(dataset->size(), 3u);
  {
    bmfl::StreamOptions options; // default: stop
    bmfl::DatasetStream stream(dataset, options);
    bmfl::DatasetItem item;
    ASSERT_TRUE(stream.next(item));
    try
    {
      stream.next(item);
      ADD_FAILURE() << "the corrupt image was not reported";
    }
    catch (const bmfl::FileError& error)
    {
      EXPECT_TRUE(bmfl::test::isOneLine(error.what()));
      EXPECT_NE(std::string(error.what()).find(root / "a/2.png"), std::string::npos)
        << error.what();
    }
    EXPECT_FALSE(stream.next(item));
  }
  {
    bmfl::StreamOptions options;
    options.onBadImage = bmfl::BadImagePolicy::Skip;
    bmfl::DatasetStream stream(dataset, options);
    bmfl::DatasetItem item;
    std::vector<std::string> ids;
    while (stream.next(item))
    {
      ids.push_back(item.id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{ "a/1.png", "b/3.png" }));
    EXPECT_EQ(stream.skipped(), 1u);
    ASSERT_EQ(stream.warnings().size(), 1u);
    EXPECT_NE(stream.warnings()[0].find("2.png"), std::string::npos);
  }
}

} // namespace
