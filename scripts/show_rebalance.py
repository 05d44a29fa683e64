#!/usr/bin/env python3
"""Prints the JSON of `ballast optimize` (stdin) as a short table."""
import json
import sys

r = json.load(sys.stdin)
if r["status"] not in ("optimal", "optimal_after_rounding"):
    print("status", r["status"], "-", r.get("reason", ""))
    sys.exit(1)
for v in r.get("rounding_violations", []):
    where = f" {v['symbol']}" if "symbol" in v else ""
    print(f"whole lots break {v['constraint']}{where}: {v['value']:.6g} against {v['limit']:.6g}"
          f" (by {v['by']:.3g} of NAV)")
rm = r["risk_model"]
print(f"status {r['status']}, solved in {r['solve_time_us']:.0f} us, KKT residual {r['kkt_residual']:.1e}")
print(f"risk model: {rm.get('estimator', 'given')} over {rm.get('observations', '-')} days")
print(f"NAV {r['nav']}, turnover {r['turnover']:.4f}, cash after trades {r['cash_after_trades']}")
print(f"{'symbol':8} {'current':>8} {'target':>8} {'after':>8} {'trade':>10}")
for i in r["instruments"]:
    print(f"{i['symbol']:8} {i['current']:8.4f} {i['target']:8.4f} {i['weight']:8.4f} {i['trade_shares']:>10}")
