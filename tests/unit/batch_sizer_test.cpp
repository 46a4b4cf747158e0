// The adaptive batch size: it aims each batch at the target time from the rows per second of
// the batches before, moves at most by half or double per batch, and stays within its bounds.
#include "backfill/batch_sizer.hpp"

#include <gtest/gtest.h>

#include "support/error.hpp"

namespace migrate {
namespace {

BatchSizing adaptive(int first, int min, int max, int target_ms) {
    BatchSizing sizing;
    sizing.first = first;
    sizing.min = min;
    sizing.max = max;
    sizing.target = Duration(target_ms);
    return sizing;
}

TEST(BatchSizer, FixedSizeNeverChanges) {
    BatchSizing sizing;
    sizing.fixed = 750;
    BatchSizer sizer(sizing);
    sizer.record(750, Duration(5000));
    sizer.record(750, Duration(1));
    EXPECT_EQ(sizer.size(), 750);
    EXPECT_FALSE(sizer.adaptive());
}

TEST(BatchSizer, SettlesOnTheSizeThatTakesTheTargetTime) {
    BatchSizer sizer(adaptive(1000, 10, 100000, 500));
    // The table takes 10,000 rows per second: 5,000 rows take the 500 ms target.
    for (int i = 0; i < 20; ++i) {
        int rows = sizer.size();
        sizer.record(rows, Duration(rows / 10));
    }
    EXPECT_EQ(sizer.size(), 5000);
}

TEST(BatchSizer, MovesAtMostByHalfOrDoublePerBatch) {
    BatchSizer sizer(adaptive(1000, 10, 100000, 500));
    sizer.record(1000, Duration(1));  // a million rows per second
    EXPECT_EQ(sizer.size(), 2000);
    BatchSizer slow(adaptive(1000, 10, 100000, 500));
    slow.record(1000, Duration(60000));  // a lock wait
    EXPECT_EQ(slow.size(), 500);
}

TEST(BatchSizer, ShrinksWhenTheLoadBesideItSlowsBatchesDown) {
    BatchSizer sizer(adaptive(4000, 10, 100000, 500));
    for (int i = 0; i < 10; ++i) {
        sizer.record(sizer.size(), Duration(sizer.size() / 8));  // 8,000 rows/s
    }
    int unloaded = sizer.size();
    for (int i = 0; i < 10; ++i) {
        sizer.record(sizer.size(), Duration(sizer.size()));  // 1,000 rows/s
    }
    EXPECT_EQ(unloaded, 4000);
    EXPECT_NEAR(sizer.size(), 500, 10);
}

TEST(BatchSizer, TimesBatchesToTheMicrosecond) {
    // 1,000 rows in 2.9 ms at a 2 ms target: the next batch is 689 rows. Timed in whole
    // milliseconds, the batch would have seemed to take 2 ms and the size stayed at 1,000.
    BatchSizer sizer(adaptive(1000, 10, 100000, 2));
    sizer.record(1000, std::chrono::microseconds(2900));
    EXPECT_EQ(sizer.size(), 689);
}

TEST(BatchSizer, StaysWithinItsBounds) {
    BatchSizer fast(adaptive(100, 50, 300, 500));
    for (int i = 0; i < 10; ++i) {
        fast.record(fast.size(), Duration(1));
    }
    EXPECT_EQ(fast.size(), 300);
    BatchSizer slow(adaptive(100, 50, 300, 500));
    for (int i = 0; i < 10; ++i) {
        slow.record(slow.size(), Duration(10000));
    }
    EXPECT_EQ(slow.size(), 50);
}

TEST(BatchSizer, RefusesBoundsThatDoNotFit) {
    EXPECT_THROW(BatchSizer(adaptive(100, 500, 300, 500)), Error);
    EXPECT_THROW(BatchSizer(adaptive(100, 10, 300, 0)), Error);
}

}  // namespace
}  // namespace migrate
