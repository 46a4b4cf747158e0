#include "backfill/batch_sizer.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/error.hpp"

namespace migrate {

BatchSizer::BatchSizer(BatchSizing sizing) : m_sizing(sizing) {
    if (m_sizing.fixed < 0 || m_sizing.min < 1 || m_sizing.max < m_sizing.min) {
        throw Error(ErrorKind::usage, fmt::format("batch sizes must be positive with --min-batch ({}) at most "
                                                  "--max-batch ({})",
                                                  m_sizing.min, m_sizing.max));
    }
    if (m_sizing.target <= Duration::zero()) {
        throw Error(ErrorKind::usage, "--batch-time must be longer than zero");
    }
    m_size = adaptive() ? std::clamp(m_sizing.first, m_sizing.min, m_sizing.max) : m_sizing.fixed;
}

void BatchSizer::record(int rows, std::chrono::microseconds took) {
    if (!adaptive() || rows <= 0) {
        return;
    }
    // A batch faster than the clock can tell still says "very fast", not "infinitely fast".
    double seconds = static_cast<double>(std::max<std::chrono::microseconds::rep>(took.count(), 1)) / 1e6;
    double rate = rows / seconds;
    // Recent batches weigh most: the table's hot part, or the load beside it, changes as we go.
    m_rows_per_second = m_rows_per_second == 0 ? rate : 0.5 * m_rows_per_second + 0.5 * rate;
    double wanted = m_rows_per_second * (static_cast<double>(m_sizing.target.count()) / 1000.0);
    double bounded = std::clamp(wanted, m_size / 2.0, m_size * 2.0);
    m_size = std::clamp(static_cast<int>(bounded), m_sizing.min, m_sizing.max);
}

}  // namespace migrate
