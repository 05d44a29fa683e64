// The agent runner (engine/agent_runner.hpp): the life cycle every kernel thread goes through.
#include "ballast/engine/agent_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace ballast {
namespace {

using namespace std::chrono_literals;

/// Counts its calls; does work while `pending` > 0; done() once `quit` is set.
struct CountingAgent {
  std::atomic<int> started{0}, closed{0}, passes{0};
  std::atomic<int> pending{0};
  std::atomic<bool> quit{false};
  std::atomic<bool> on_agent_thread{false};
  std::thread::id creator = std::this_thread::get_id();
  std::string name_seen;
  void on_start() {
    ++started;
    on_agent_thread = std::this_thread::get_id() != creator;
    char buf[32] = {};
    ::pthread_getname_np(::pthread_self(), buf, sizeof buf);
    name_seen = buf;
  }
  int do_work() {
    ++passes;
    if (pending.load() > 0) {
      --pending;
      return 1;
    }
    return 0;
  }
  bool done() const noexcept { return quit.load(); }
  void on_close() {
    // Drains what is left, as the core loop does.
    while (pending.load() > 0) --pending;
    ++closed;
  }
};

template <class Pred>
bool eventually(Pred p) {
  for (int i = 0; i < 2'000 && !p(); ++i) std::this_thread::sleep_for(1ms);
  return p();
}

TEST(AgentRunner, RunsTheLifeCycleOnItsOwnNamedThreadAndDrainsOnStop) {
  CountingAgent a;
  AgentRunner r;
  ASSERT_TRUE(r.start(a, AgentOptions{.name = "agent-test"}));
  EXPECT_TRUE(eventually([&] { return a.passes.load() > 10; }));
  a.pending = 1'000'000;  // more than a stop leaves time for: on_close drains the rest
  r.stop();
  EXPECT_EQ(a.started.load(), 1);
  EXPECT_EQ(a.closed.load(), 1);
  EXPECT_EQ(a.pending.load(), 0);
  EXPECT_TRUE(a.on_agent_thread.load());
  EXPECT_EQ(a.name_seen, "agent-test");
  EXPECT_TRUE(r.finished());
  r.stop();  // idempotent
  EXPECT_EQ(a.closed.load(), 1);
}

TEST(AgentRunner, AnAgentThatIsDoneEndsItsLoopAndSaysSo) {
  CountingAgent a;
  AgentRunner r;
  ASSERT_TRUE(r.start(a, AgentOptions{.name = "agent-done"}));
  EXPECT_FALSE(r.finished());
  a.quit = true;
  EXPECT_TRUE(eventually([&] { return r.finished(); }));
  EXPECT_EQ(a.closed.load(), 1);
  r.stop();
  EXPECT_EQ(a.closed.load(), 1);
}

TEST(AgentRunner, ACpuThisProcessMayNotUseIsAnErrorAndNothingRuns) {
  CountingAgent a;
  AgentRunner r;
  auto st = r.start(a, AgentOptions{.name = "agent-pin", .cpu = CPU_SETSIZE - 1});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("agent-pin"), std::string::npos) << st.error().message;
  EXPECT_EQ(a.started.load(), 0);
  EXPECT_EQ(a.closed.load(), 0);
  EXPECT_FALSE(r.running());
  // A pin that works: the first CPU this process may use.
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  int cpu = 0;
  while (!CPU_ISSET(static_cast<std::size_t>(cpu), &set)) ++cpu;
  AgentRunner ok;
  ASSERT_TRUE(ok.start(a, AgentOptions{.name = "agent-pin2", .cpu = cpu}));
  EXPECT_TRUE(eventually([&] { return a.started.load() == 1; }));
  ok.stop();
}

TEST(AgentRunner, StartingTwiceIsAnErrorAndAStopFromTheAgentsOwnThreadOnlyAsks) {
  struct SelfStop {
    AgentRunner* runner = nullptr;
    std::atomic<int> closed{0};
    int do_work() {
      runner->stop();  // from the agent's thread: must not join itself
      return 0;
    }
    void on_close() { ++closed; }
  } a;
  AgentRunner r;
  a.runner = &r;
  ASSERT_TRUE(r.start(a, AgentOptions{.name = "agent-self"}));
  EXPECT_FALSE(r.start(a, AgentOptions{.name = "agent-self"}));
  EXPECT_TRUE(eventually([&] { return r.finished(); }));
  r.stop();
  EXPECT_EQ(a.closed.load(), 1);
}

/// Returns work on every other pass; keeps a deadline of its own (wait_for_deadline) while
/// `waiting` is set, sleeping a little as the journal writer does before its group commit.
struct DeadlineAgent {
  std::atomic<int> passes{0}, waits{0}, waits_after_work{0};
  std::atomic<bool> waiting{true};
  int last_work = 0;
  int do_work() {
    last_work = (++passes % 2 == 0) ? 1 : 0;
    return last_work;
  }
  bool wait_for_deadline() {
    ++waits;
    if (last_work != 0) ++waits_after_work;
    if (!waiting.load()) return false;
    std::this_thread::sleep_for(50us);
    return true;
  }
};

/// An idle strategy that parks 300 ms at once on an empty pass.
IdleStrategy::Params park_at_once() {
  return IdleStrategy::Params{.kind = IdleKind::kBackOff,
                              .max_spins = 0,
                              .max_yields = 0,
                              .min_park = 300ms,
                              .max_park = 300ms};
}

TEST(AgentRunner, AnAgentWaitingForItsOwnDeadlineIsNotParkedByTheIdleStrategy) {
  DeadlineAgent a;
  AgentRunner r;
  ASSERT_TRUE(r.start(a, AgentOptions{.name = "agent-deadline", .idle = park_at_once()}));
  // Parked by the idle strategy, an empty pass would sleep 300 ms: two passes at most by now.
  std::this_thread::sleep_for(100ms);
  r.stop();
  EXPECT_GT(a.passes.load(), 20);
  EXPECT_GE(a.waits.load(), a.passes.load() / 2 - 1);
  EXPECT_EQ(a.waits_after_work.load(), 0);  // asked after empty passes only
}

TEST(AgentRunner, AnAgentWithNoDeadlinePendingIsIdledAsUsual) {
  DeadlineAgent a;
  a.waiting = false;
  AgentRunner r;
  ASSERT_TRUE(r.start(a, AgentOptions{.name = "agent-nodeadl", .idle = park_at_once()}));
  std::this_thread::sleep_for(100ms);
  r.stop();
  EXPECT_LE(a.passes.load(), 2);  // the first empty pass parked 300 ms
  EXPECT_EQ(a.waits.load(), 1);
  EXPECT_EQ(a.waits_after_work.load(), 0);
}

}  // namespace
}  // namespace ballast
