#include "support/stop_signal.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace migrate {

namespace {

std::atomic<int> g_stop{0};

extern "C" void on_stop_signal(int signal) {
    int expected = 0;
    if (!g_stop.compare_exchange_strong(expected, signal)) {
        // Asked twice: the user means it.
        std::signal(signal, SIG_DFL);
        std::raise(signal);
    }
}

struct sigaction g_saved_int;
struct sigaction g_saved_term;

}  // namespace

StopSignals::StopSignals() {
    g_stop = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    // Interrupted system calls restart: the driver's socket reads must not fail half-way.
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &g_saved_int);
    sigaction(SIGTERM, &action, &g_saved_term);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &g_saved_int, nullptr);
    sigaction(SIGTERM, &g_saved_term, nullptr);
}

int stop_requested() {
    return g_stop.load();
}

bool sleep_unless_stopped(std::chrono::microseconds duration) {
    auto deadline = std::chrono::steady_clock::now() + duration;
    while (g_stop.load() == 0) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return true;
        }
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
    }
    return false;
}

const char* signal_name(int signal) {
    switch (signal) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "signal";
    }
}

}  // namespace migrate
