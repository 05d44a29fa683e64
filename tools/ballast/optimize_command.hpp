// `ballast optimize --input problem.json`: one rebalancing problem in, the solution as JSON out.
#pragma once

#include <iosfwd>
#include <string>

namespace ballast::tools {

/// Reads the problem (schema in docs/optimize.md), solves it, prints the JSON result to `out`.
/// Returns 0 when solved, 1 when the problem is infeasible (the JSON says why), 2 for bad input
/// (the message on `err` names the file, the JSON path and what was expected).
int optimize_main(const std::string& input_path, std::ostream& out, std::ostream& err);

}  // namespace ballast::tools
