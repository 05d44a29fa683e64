// A Listener that records everything (thread-safe) for the initiator tests.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "ballast/fix/initiator.hpp"

namespace ballast {
namespace fix {

class RecordingListener : public Listener {
 public:
  void on_execution_report(const ExecutionReport& r) override { add(ers_, r); }
  void on_cancel_reject(const CancelReject& r) override { add(cancel_rejects_, r); }
  void on_session_reject(const SessionReject& r) override { add(session_rejects_, r); }
  void on_business_reject(const BusinessReject& r) override { add(business_rejects_, r); }
  void on_session_status(const SessionStatus& s) override { add(statuses_, s); }
  void on_market_data(const MarketDataUpdate& m) override { add(md_, m); }

  std::vector<ExecutionReport> ers() const { return get(ers_); }
  std::vector<CancelReject> cancel_rejects() const { return get(cancel_rejects_); }
  std::vector<SessionReject> session_rejects() const { return get(session_rejects_); }
  std::vector<BusinessReject> business_rejects() const { return get(business_rejects_); }
  std::vector<SessionStatus> statuses() const { return get(statuses_); }
  std::vector<MarketDataUpdate> md() const { return get(md_); }

  int count_state(SessionState st) const {
    int n = 0;
    for (const SessionStatus& s : statuses()) n += s.state == st ? 1 : 0;
    return n;
  }
  /// The ExecutionReports for `cl_ord_id`, in arrival order.
  std::vector<ExecutionReport> ers_for(const std::string& cl_ord_id) const {
    std::vector<ExecutionReport> out;
    for (const ExecutionReport& r : ers()) {
      if (cl_ord_id == r.cl_ord_id) out.push_back(r);
    }
    return out;
  }

 private:
  template <typename T>
  void add(std::vector<T>& v, const T& x) {
    std::lock_guard<std::mutex> lk(mu_);
    v.push_back(x);
  }
  template <typename T>
  std::vector<T> get(const std::vector<T>& v) const {
    std::lock_guard<std::mutex> lk(mu_);
    return v;
  }

  mutable std::mutex mu_;
  std::vector<ExecutionReport> ers_;
  std::vector<CancelReject> cancel_rejects_;
  std::vector<SessionReject> session_rejects_;
  std::vector<BusinessReject> business_rejects_;
  std::vector<SessionStatus> statuses_;
  std::vector<MarketDataUpdate> md_;
};

}  // namespace fix
}  // namespace ballast
