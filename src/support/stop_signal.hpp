// Stopping long work cleanly on SIGINT or SIGTERM: while a StopSignals guard lives, either signal
// only raises a flag that the work polls between units it can end at (a backfill checks it after
// each committed batch and while it waits), so Ctrl-C or a Kubernetes shutdown leaves a checkpoint
// instead of a half-done batch. A second signal gets the default action: it kills at once.
#pragma once

#include "support/duration.hpp"

namespace migrate {

class StopSignals {
  public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
};

// The signal that asked to stop (SIGINT or SIGTERM) since the last StopSignals was set up, or 0.
int stop_requested();

// Sleeps for `duration`, waking early when a stop is requested; false if it was.
bool sleep_unless_stopped(std::chrono::microseconds duration);

// "SIGINT", "SIGTERM", or the number.
const char* signal_name(int signal);

}  // namespace migrate
