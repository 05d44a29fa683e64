// The Prometheus text writer and the rules of `operator.http`.
#include <gtest/gtest.h>

#include "ballast/http/http_config.hpp"
#include "ballast/http/prometheus.hpp"

namespace ballast::http {
namespace {

TEST(Prometheus, NamesAreMadeValidAndLabelValuesEscaped) {
  EXPECT_EQ(metric_name("engine.inputs"), "engine_inputs");
  EXPECT_EQ(metric_name("fix-in/x y"), "fix_in_x_y");
  EXPECT_EQ(metric_name("9lives"), "_9lives");
  EXPECT_EQ(metric_name("a:b_c"), "a:b_c");
  std::string out;
  write_family(out, "m", "gauge", "help with \\ and\nnewline");
  write_sample(out, "m", {{"s", "a\"b\\c\nd"}}, std::uint64_t{42});
  write_sample(out, "m", {}, 0.25);
  write_sample(out, "m", {{"a", "1"}, {"b", "2"}}, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out,
            "# HELP m help with \\\\ and\\nnewline\n# TYPE m gauge\n"
            "m{s=\"a\\\"b\\\\c\\nd\"} 42\nm 0.25\nm{a=\"1\",b=\"2\"} +Inf\n");
}

TEST(Prometheus, AHistogramIsCumulativeInSecondsWithItsSumAndCount) {
  LatencyHistogram h{1'000, 250'000, 1'000'000};
  for (std::int64_t ns : {0, 1'000, 1'001, 250'000, 999'999, 5'000'000, -7}) h.record(ns);
  EXPECT_EQ(h.edges(), 3u);
  EXPECT_EQ(h.bucket(0), 3u);  // 0, 1000 (edges are inclusive), -7 as 0
  EXPECT_EQ(h.bucket(1), 2u);
  EXPECT_EQ(h.bucket(2), 1u);
  EXPECT_EQ(h.bucket(3), 1u);
  EXPECT_EQ(h.sum_ns(), 1'000u + 1'001 + 250'000 + 999'999 + 5'000'000);
  std::string out;
  write_histogram(out, "x_seconds", "help", h);
  EXPECT_EQ(out,
            "# HELP x_seconds help\n# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"1e-06\"} 3\nx_seconds_bucket{le=\"0.00025\"} 5\n"
            "x_seconds_bucket{le=\"0.001\"} 6\nx_seconds_bucket{le=\"+Inf\"} 7\n"
            "x_seconds_sum 0.006252\nx_seconds_count 7\n");
  // At most 16 edges are kept.
  LatencyHistogram many{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  EXPECT_EQ(many.edges(), LatencyHistogram::kMaxEdges);
  many.record(100);
  EXPECT_EQ(many.bucket(LatencyHistogram::kMaxEdges), 1u);
}

HttpConfig good() {
  HttpConfig c;
  c.enabled = true;
  c.read_token_env = "BALLAST_READ";
  c.control_token_env = "BALLAST_CONTROL";
  c.resolve_secrets([](const std::string& n) -> std::optional<std::string> {
    if (n == "BALLAST_READ") return std::string(20, 'r');
    if (n == "BALLAST_CONTROL") return std::string(20, 'c');
    return std::nullopt;
  });
  return c;
}

std::string messages(const ConfigViolations& v) {
  std::string s;
  for (const auto& x : v) s += x.path + ": " + x.message + "\n";
  return s;
}

TEST(HttpConfigRules, AGoodSectionPassesAndEachRuleFailsOnItsKey) {
  EXPECT_TRUE(good().validate().empty()) << messages(good().validate());
  HttpConfig off;
  EXPECT_TRUE(off.validate().empty());  // absent: nothing required

  auto fails = [](HttpConfig c, const std::string& path, const std::string& says) {
    const std::string m = messages(c.validate());
    EXPECT_NE(m.find(path + ": "), std::string::npos) << m;
    EXPECT_NE(m.find(says), std::string::npos) << m;
  };
  HttpConfig c = good();
  c.bind = "0.0.0.0";
  fails(c, "bind", "not a loopback address");
  c.bind = "localhost";
  fails(c, "bind", "not a numeric IP address");
  c.bind = "::1";
  EXPECT_TRUE(c.validate().empty()) << messages(c.validate());
  c.bind = "127.1.2.3";
  EXPECT_TRUE(c.validate().empty()) << messages(c.validate());
  c = good();
  c.port = 70000;
  fails(c, "port", "65535");
  c = good();
  c.read_token_env.clear();
  c.read_token = Secret();
  fails(c, "read_token_env", "required");
  c = good();
  c.read_token_env = "not a name";
  fails(c, "read_token_env", "not an environment variable name");
  c = good();
  c.read_token = Secret();
  fails(c, "read_token_env", "is not set or empty");
  c = good();
  c.read_token = Secret("short");
  fails(c, "read_token_env", "at least 16");
  c = good();
  c.control_token = c.read_token;
  fails(c, "control_token_env", "must differ");
  c = good();
  c.max_connections = 0;
  fails(c, "max_connections", "1..256");
  c.max_connections = 257;
  fails(c, "max_connections", "1..256");
  c = good();
  c.request_timeout = std::chrono::milliseconds(1);
  fails(c, "request_timeout", "between");
  c = good();
  c.idle_timeout = std::chrono::hours(2);
  fails(c, "idle_timeout", "between");
  // No control token: read-only access, valid.
  c = good();
  c.control_token_env.clear();
  c.control_token = Secret();
  EXPECT_TRUE(c.validate().empty()) << messages(c.validate());
}

TEST(HttpConfigRules, LoopbackAddressesAreRecognised) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.255.0.9"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_FALSE(is_loopback_address("128.0.0.1"));
  EXPECT_FALSE(is_loopback_address("::"));
  EXPECT_FALSE(is_loopback_address("10.0.0.1"));
  EXPECT_FALSE(is_loopback_address("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_address(""));
}

}  // namespace
}  // namespace ballast::http
