// One thread per agent, in the spirit of Aeron's AgentRunner: the kernel's threads (the core loop,
// the FIX sender, the journal writer) are agents with the same life cycle, named for the operator
// and optionally pinned to a CPU, instead of hand-written thread loops.
//
// An agent is any type with
//   int  do_work();            one pass; the work it did (0 = idle)
// and optionally
//   void on_start();           once, on the agent's thread, before the first pass
//   bool done() const;         the agent asks to stop by itself (e.g. a shutdown command)
//   void on_close();           once, on the agent's thread, after the last pass (drain here)
//   bool wait_for_deadline();  after an empty pass: the agent waits itself for a deadline it
//                              keeps (the journal's group commit) and returns true, or returns
//                              false to be idled as usual
// The runner calls do_work() until stop() is asked or done() says so, idling between empty
// passes with the configured IdleStrategy, then on_close().
#pragma once

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "ballast/core/result.hpp"
#include "ballast/engine/idle_strategy.hpp"

namespace ballast {

struct AgentOptions {
  std::string name;  ///< thread name (15 characters at most: top -H, /proc/<pid>/task/*/comm)
  int cpu = -1;      ///< the CPU to pin the thread to; -1: not pinned
  IdleStrategy::Params idle{};
};

class AgentRunner {
 public:
  AgentRunner() = default;
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;
  ~AgentRunner() { stop(); }

  /// Starts `agent` on a new thread (the agent must outlive the runner's stop()). Errors: already
  /// started; the CPU cannot be used (the thread is stopped and joined before returning).
  template <class Agent>
  Status start(Agent& agent, const AgentOptions& opt) {
    if (thread_.joinable()) return Error("agent " + opt.name + ": already started");
    name_ = opt.name;
    stop_.store(false, std::memory_order_relaxed);
    go_.store(false, std::memory_order_relaxed);
    finished_.store(false, std::memory_order_relaxed);
    thread_ = std::thread([this, &agent, idle_params = opt.idle] {
      // Wait for the name and affinity to be set (or the start to be called off).
      while (!go_.load(std::memory_order_acquire)) std::this_thread::yield();
      if (stop_.load(std::memory_order_acquire)) return;
      if constexpr (requires { agent.on_start(); }) agent.on_start();
      IdleStrategy idle(idle_params);
      for (;;) {
        if (stop_.load(std::memory_order_acquire)) break;
        if constexpr (requires { agent.done(); }) {
          if (agent.done()) break;
        }
        const int work = agent.do_work();
        if constexpr (requires { agent.wait_for_deadline(); }) {
          if (work == 0 && agent.wait_for_deadline()) continue;
        }
        idle.idle(work);
      }
      if constexpr (requires { agent.on_close(); }) agent.on_close();
      finished_.store(true, std::memory_order_release);
    });
    ::pthread_setname_np(thread_.native_handle(), opt.name.substr(0, 15).c_str());
    if (opt.cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(static_cast<std::size_t>(opt.cpu), &set);
      if (const int rc = ::pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set);
          rc != 0) {
        stop_.store(true, std::memory_order_release);
        go_.store(true, std::memory_order_release);
        thread_.join();
        return Error("cannot pin thread " + opt.name + " to CPU " + std::to_string(opt.cpu) + ": " +
                     std::strerror(rc) +
                     " (the CPUs this process may use: see `taskset -p <pid>`)");
      }
    }
    go_.store(true, std::memory_order_release);
    return Ok{};
  }

  /// Asks the agent to stop after its current pass, then waits for on_close() to return.
  /// Idempotent; any thread but the agent's (from the agent's own thread it only asks).
  void stop() noexcept {
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      stop_.store(true, std::memory_order_release);
      return;
    }
    stop_.store(true, std::memory_order_release);
    go_.store(true, std::memory_order_release);
    thread_.join();
  }

  bool running() const noexcept { return thread_.joinable(); }
  /// The agent's loop has ended (stop() asked, or the agent's done()) and on_close() returned.
  /// Any thread.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  const std::string& name() const noexcept { return name_; }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> go_{false};
  std::atomic<bool> finished_{false};
  std::string name_;
};

}  // namespace ballast
