// The per-bar EWMA update and the drift monitor's tracking-error call do not allocate.
//
// This test binary replaces malloc/calloc/realloc/free with counting wrappers around glibc's own
// allocator (glibc supports replacing malloc this way). Eigen allocates with malloc, the C++
// runtime's operator new too, so the counter sees every heap allocation. Sanitizer builds bring
// their own allocator, so there the counting (and the test) is skipped.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <vector>

#include "ballast/risk/covariance.hpp"
#include "ballast/risk/risk_model.hpp"
#include "ballast/risk/risk_tracking_error.hpp"
#include "etf_data.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BALLAST_COUNT_ALLOCATIONS 0
#else
#define BALLAST_COUNT_ALLOCATIONS 1
#endif

#if BALLAST_COUNT_ALLOCATIONS
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

extern "C" {
void* __libc_malloc(std::size_t size) noexcept;
void* __libc_calloc(std::size_t count, std::size_t size) noexcept;
void* __libc_realloc(void* p, std::size_t size) noexcept;
void __libc_free(void* p) noexcept;

void* malloc(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
void free(void* p) noexcept {
  __libc_free(p);
}
}
#endif

namespace ballast {
namespace {

long allocations() {
#if BALLAST_COUNT_ALLOCATIONS
  return g_allocations.load(std::memory_order_relaxed);
#else
  return 0;
#endif
}

class NoAllocation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!BALLAST_COUNT_ALLOCATIONS) GTEST_SKIP() << "sanitizer allocator: not counted";
  }
};

TEST_F(NoAllocation, CounterSeesEigenAllocations) {
  const long before = allocations();
  Eigen::VectorXd v(1000);
  v.setZero();
  asm volatile("" : : "g"(v.data()) : "memory");  // keep the allocation from being elided
  EXPECT_GT(allocations(), before);
}

TEST_F(NoAllocation, EwmaUpdateAndReadOut) {
  const Eigen::MatrixXd& r = test::classic12_returns_2016_2019();
  for (bool demean : {false, true}) {
    auto est = EwmaCovariance::create(12, EwmaOptions{0.94, demean}).value();
    Eigen::VectorXd bar(12);
    Eigen::MatrixXd out(12, 12);
    const long before = allocations();
    for (Eigen::Index t = 0; t < r.rows(); ++t) {
      for (Eigen::Index i = 0; i < 12; ++i) bar[i] = r(t, i);
      const Status st = est.update(bar);
      if (!st.ok()) break;
      est.covariance_into(out);
    }
    const long used = allocations() - before;
    EXPECT_EQ(used, 0);
    EXPECT_EQ(est.observations(), r.rows());
  }
}

TEST_F(NoAllocation, TrackingErrorModelActiveVariance) {
  for (CovarianceEstimator e : {CovarianceEstimator::kLedoitWolf, CovarianceEstimator::kFactor}) {
    RiskModelOptions o;
    o.config.estimator = e;
    o.config.factors = 3;
    const RiskModel m = RiskModel::estimate(test::classic12_returns_2016_2019(), o).value();
    std::vector<InstrumentId> ids;
    for (std::uint32_t i = 0; i < 12; ++i) ids.push_back(InstrumentId{i});
    const RiskModelTrackingError te = RiskModelTrackingError::create(m, ids, 12).value();
    const std::vector<double> active = {0.01, -0.01, 0.0, 0.02,   -0.005, 0.0,
                                        0.0,  0.003, 0.0, -0.018, 0.0,    0.0};
    double sum = 0.0;
    const long before = allocations();
    for (int k = 0; k < 1000; ++k) sum += te.active_variance(ids.data(), active.data(), 12);
    const long used = allocations() - before;
    EXPECT_EQ(used, 0);
    EXPECT_GT(sum, 0.0);
  }
}

}  // namespace
}  // namespace ballast
