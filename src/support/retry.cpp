#include "support/retry.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace migrate {

Duration retry_delay(const RetryPolicy& policy, int attempt, std::mt19937_64& random) {
    std::int64_t delay = policy.first_delay.count();
    for (int i = 1; i < attempt && delay < policy.max_delay.count(); ++i) {
        delay *= 2;
    }
    delay = std::min(delay, policy.max_delay.count());
    std::uniform_int_distribution<std::int64_t> jitter(0, delay / 2);
    return Duration(delay - jitter(random));
}

Error retries_exhausted(const RetryPolicy& policy, const Error& last) {
    std::string message = policy.retries == 0 ? std::string(last.what())
                                              : fmt::format("gave up after {} retr{}: {}", policy.retries,
                                                            policy.retries == 1 ? "y" : "ies", last.what());
    return Error(ErrorKind::lock_timeout, message, last.code(),
                 "the database stayed busy with other work: retry when the blocking transaction has finished, "
                 "or raise --lock-retries or --lock-timeout");
}

}  // namespace migrate
