// engine.sender_idle_strategy: the FIX sender thread's idle strategy, defaulting to the core's.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

LoadResult load(const std::string& engine_section) {
  const std::string text = "engine:\n" + engine_section + "instruments:\n  - symbol: SPY\n";
  return load_string(text, "engine.yaml",
                     [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string all_messages(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d) + "\n";
  return s;
}

TEST(SenderIdleStrategy, DefaultsToTheCoreThreadsStrategy) {
  for (const auto& [text, kind] :
       {std::pair{"back_off", IdleKind::kBackOff}, std::pair{"yield", IdleKind::kYield},
        std::pair{"busy_spin", IdleKind::kBusySpin}}) {
    const LoadResult r = load(std::string("  idle_strategy: ") + text + "\n");
    ASSERT_TRUE(r.ok()) << all_messages(r);
    EXPECT_FALSE(r.settings->engine.sender_idle_strategy.has_value());
    EXPECT_EQ(r.settings->engine.sender_idle(), kind) << text;
    EXPECT_EQ(r.settings->engine.sender_idle_params().kind, kind) << text;
  }
}

TEST(SenderIdleStrategy, IsReadOnItsOwnWithTheBackOffSettings) {
  const LoadResult r = load(
      "  idle_strategy: busy_spin\n"
      "  sender_idle_strategy: back_off\n"
      "  back_off:\n"
      "    max_spins: 7\n"
      "    max_park: 250us\n");
  ASSERT_TRUE(r.ok()) << all_messages(r);
  const CoreLoopConfig& e = r.settings->engine;
  EXPECT_EQ(e.idle_strategy, IdleKind::kBusySpin);
  EXPECT_EQ(e.idle_params().kind, IdleKind::kBusySpin);
  ASSERT_TRUE(e.sender_idle_strategy.has_value());
  EXPECT_EQ(e.sender_idle(), IdleKind::kBackOff);
  const IdleStrategy::Params p = e.sender_idle_params();
  EXPECT_EQ(p.kind, IdleKind::kBackOff);
  EXPECT_EQ(p.max_spins, 7u);
  EXPECT_EQ(p.max_park, std::chrono::microseconds(250));
  EXPECT_NE(summary(*r.settings).find("engine: idle busy_spin, FIX sender idle back_off"),
            std::string::npos)
      << summary(*r.settings);
}

TEST(SenderIdleStrategy, AnUnknownValueIsAnErrorNamingTheKeyAndTheChoices) {
  const LoadResult r = load("  sender_idle_strategy: spin_wait\n");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.settings.has_value());
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.file, "engine.yaml");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 25);
  EXPECT_NE(d.message.find("engine.sender_idle_strategy: 'spin_wait' is not one of busy_spin, "
                           "yield, back_off"),
            std::string::npos)
      << all_messages(r);
}

TEST(SenderIdleStrategy, ANonScalarValueIsAnError) {
  const LoadResult r = load("  sender_idle_strategy: [busy_spin]\n");
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(all_messages(r).find("engine.sender_idle_strategy"), std::string::npos)
      << all_messages(r);
}

}  // namespace
}  // namespace ballast::config
