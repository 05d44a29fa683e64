// The operator API's throughput on loopback (issue 17): requests a second one kept-alive client
// gets through, for /metrics, for /api/v1/status, and, as the baseline of the same run, for the
// server's floor: a request that is authorised and answered 404 (the token check, the route
// search and a small answer, nothing read from the engine). The server (its own thread) serves a
// kernel built from a 1,000-account desk, offline: every counter it reads is the live kind.
//
// Target: /metrics at >= 5,000 requests a second.
//
// Usage: operator_bench [--seconds S] [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/operator/operator_service.hpp"
#include "support/http_client.hpp"
#include "support/kernel_test_support.hpp"

namespace {

using namespace ballast;

const std::string kRead = "bench-read-token-0123456789abcdef";

std::string desk(int accounts) {
  std::string y =
      "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
      "models:\n  - {id: m, weights: {AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}, cash_buffer: 0.1}\n"
      "accounts:\n";
  for (int i = 0; i < accounts; ++i) {
    y += "  - {id: A" + std::to_string(i) + ", model: m, cash: 100000.00, positions: {AAPL: 10}}\n";
  }
  y += "compliance: {max_adv_share: off}\njournal: {enabled: false}\n"
       "operator:\n  http: {port: 0, read_token_env: BENCH_READ}\n";
  return y;
}

/// Requests a second of `path` over one kept-alive connection for `seconds`; exits on an
/// unexpected status.
double rate(std::uint16_t port, const std::string& path, int expect, double seconds,
            std::size_t& bytes) {
  test::Client c(port);
  if (!c.connected()) {
    std::fprintf(stderr, "cannot connect to port %u\n", port);
    std::exit(1);
  }
  const std::string req = test::get(path, kRead, false);
  const auto t0 = std::chrono::steady_clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  std::size_t n = 0;
  while (std::chrono::steady_clock::now() < end) {
    c.send(req);
    const std::string r = c.read_response();
    if (test::status_of(r) != expect) {
      std::fprintf(stderr, "%s answered %d, not %d\n", path.c_str(), test::status_of(r), expect);
      std::exit(1);
    }
    bytes = r.size();
    ++n;
  }
  return static_cast<double>(n) /
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: operator_bench [--seconds S] [--runs N]\n");
      return 2;
    }
  }
  auto loaded =
      config::load_string(desk(1'000), "bench desk",
                          [](const std::string&) -> std::optional<std::string> { return kRead; });
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics)
      std::fprintf(stderr, "%s\n", config::format(d).c_str());
    return 1;
  }
  auto k = test::offline_kernel(*loaded.settings,
                                test::context_of(Eigen::MatrixXd::Identity(3, 3) * 0.04));
  if (!k) {
    std::fprintf(stderr, "kernel: %s\n", k.error().message.c_str());
    return 1;
  }
  auto api = ops::OperatorService::start(*k.value());
  if (!api) {
    std::fprintf(stderr, "operator API: %s\n", api.error().message.c_str());
    return 1;
  }
  const std::uint16_t port = api.value()->port();
  std::printf(
      "operator API throughput on loopback (issue 17): one kept-alive client, %.1f s per "
      "measure, %d runs, alternating\n",
      seconds, runs);
  std::vector<double> floor_r, metrics_r, status_r;
  std::size_t floor_b = 0, metrics_b = 0, status_b = 0;
  for (int run = 0; run < runs; ++run) {
    floor_r.push_back(rate(port, "/no-such-endpoint", 404, seconds, floor_b));
    metrics_r.push_back(rate(port, "/metrics", 200, seconds, metrics_b));
    status_r.push_back(rate(port, "/api/v1/status", 200, seconds, status_b));
    std::printf(" run %d: floor (404) %.0f/s   /metrics %.0f/s   /api/v1/status %.0f/s\n", run + 1,
                floor_r.back(), metrics_r.back(), status_r.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double f = median(floor_r), m = median(metrics_r), st = median(status_r);
  std::printf(
      " median: floor %.0f/s (%zu bytes)   /metrics %.0f/s (%zu bytes, %.2f of the floor)   "
      "/api/v1/status %.0f/s (%zu bytes, %.2f of the floor)\n",
      f, floor_b, m, metrics_b, m / f, st, status_b, st / f);
  std::printf(" target /metrics >= 5,000 requests/s: %s (%.0f)\n", m >= 5'000 ? "PASS" : "FAIL", m);
  api.value()->stop();
  return 0;
}
