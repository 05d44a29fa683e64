// broker-sim internals for the fuzz harness (tests/fuzz): a sim with its sessions and worker but
// no listening socket, and connections fed by hand through the same InboundStream a socket
// thread drives. C++14, private to adapters/fix and its tests.
#pragma once

#include <memory>
#include <string>

#include "ballast/fix/broker_sim.hpp"
#include "sim/acceptor.hpp"

namespace ballast {
namespace fix {
namespace sim {

/// Starts `sim` (from BrokerSim::create) like start(), but listens on no port.
bool start_without_socket(BrokerSim& sim, std::string& error);
/// A new connection to a sim started either way; bytes go in through on_bytes(), what the sim
/// sends comes out through `transport`. Null if `sim` is not broker-sim.
std::unique_ptr<InboundStream> open_stream(BrokerSim& sim, Transport& transport);
/// Waits until the sim's worker has applied every request received and sent every report.
void wait_idle(BrokerSim& sim);

}  // namespace sim
}  // namespace fix
}  // namespace ballast
