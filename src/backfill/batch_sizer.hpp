// How many rows the next backfill batch takes. Adaptive by default, like pt-online-schema-change's
// --chunk-time: each batch is timed, a moving average of rows per second is kept, and the next
// batch is sized to take the target time, so that the row locks a batch holds are held for about
// that long whatever the table and the load. The size moves at most by half or double per batch,
// so one odd batch (a cache miss, a checkpoint) cannot swing it from one bound to the other.
#pragma once

#include "support/duration.hpp"

namespace migrate {

struct BatchSizing {
    int fixed = 0;  // every batch this many rows; 0: adaptive
    Duration target{500};
    int min = 100;
    int max = 50000;
    int first = 1000;
};

class BatchSizer {
  public:
    explicit BatchSizer(BatchSizing sizing);

    int size() const { return m_size; }
    bool adaptive() const { return m_sizing.fixed == 0; }
    // A batch of `rows` keys took `took`; sizes the next one. Timed to the microsecond: at a
    // --batch-time of a few milliseconds, whole milliseconds would misjudge a batch by up to half.
    void record(int rows, std::chrono::microseconds took);

  private:
    BatchSizing m_sizing;
    int m_size;
    double m_rows_per_second = 0;  // moving average; 0 before the first batch
};

}  // namespace migrate
