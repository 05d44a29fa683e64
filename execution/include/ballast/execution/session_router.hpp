// Order routing: which FIX session an account's order in an instrument goes to. Rules match an
// account and/or an instrument (invalid id = any); the first matching rule wins, else the default.
#pragma once

#include <vector>

#include "ballast/core/ids.hpp"

namespace ballast {

class SessionRouter {
 public:
  struct Rule {
    AccountId account{};        ///< invalid: any account
    InstrumentId instrument{};  ///< invalid: any instrument
    SessionId session{};
  };

  explicit SessionRouter(SessionId default_session = SessionId{0}) : default_(default_session) {}
  void add_rule(const Rule& r) { rules_.push_back(r); }

  /// Cold path (one call per parent order): a linear scan over the few rules a desk has.
  SessionId route(AccountId a, InstrumentId i) const noexcept {
    for (const Rule& r : rules_) {
      if ((!r.account.valid() || r.account == a) && (!r.instrument.valid() || r.instrument == i)) {
        return r.session;
      }
    }
    return default_;
  }
  SessionId default_session() const noexcept { return default_; }

 private:
  SessionId default_;
  std::vector<Rule> rules_;
};

}  // namespace ballast
