// The desk the order-manager tests trade on: a 60/40 model and one account, every instrument
// priced at 10:00 New York (tests/engine/drift_fixtures.hpp).
#pragma once

#include "engine/drift_fixtures.hpp"

namespace ballast::test {

struct OrderManagerDesk {
  Desk d;
  ModelId model;
  AccountId acct;

  explicit OrderManagerDesk(const char* cash)
      : model((d.price_all(ny(10, 0)), d.model_60_40())), acct(d.account(model, "0", "0", cash)) {}
};

}  // namespace ballast::test
