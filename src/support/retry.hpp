// Retrying work that failed for a reason that may pass (a lock wait that ran out, a deadlock):
// exponential backoff with jitter, so that several runners do not retry in step, and a bounded
// number of tries, after which the last error is reported as exhausted retries.
#pragma once

#include <functional>
#include <random>
#include <thread>

#include "support/duration.hpp"
#include "support/error.hpp"

namespace migrate {

struct RetryPolicy {
    int retries = 10;  // tries after the first; 0 never retries
    Duration first_delay{200};
    Duration max_delay{10000};
};

// The pause before retry `attempt` (1-based): first_delay doubling per attempt up to max_delay,
// of which a random half is taken away ("equal jitter").
Duration retry_delay(const RetryPolicy& policy, int attempt, std::mt19937_64& random);

// Called before each retry with the attempt number (1-based), the pause and the error.
using RetryObserver = std::function<void(int attempt, Duration delay, const Error& error)>;

// The error reported when every retry failed with `last`.
Error retries_exhausted(const RetryPolicy& policy, const Error& last);

// Runs `work`; when it throws a transient Error, waits and runs it again, up to policy.retries
// times. Other errors pass through at once.
template <typename Work>
auto with_retries(const RetryPolicy& policy, const RetryObserver& observer, Work&& work) -> decltype(work()) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    for (int attempt = 1;; ++attempt) {
        try {
            return work();
        } catch (const Error& e) {
            if (!e.transient()) {
                throw;
            }
            if (attempt > policy.retries) {
                throw retries_exhausted(policy, e);
            }
            Duration delay = retry_delay(policy, attempt, random);
            if (observer) {
                observer(attempt, delay, e);
            }
            std::this_thread::sleep_for(delay);
        }
    }
}

}  // namespace migrate
