#!/usr/bin/env python3
"""Which keys of docs/configuration.md do the tests mention?

Lists every key of the reference tables in docs/configuration.md (tables whose header starts
`| key | type |`) with its full dotted path (`execution.retention`,
`compliance.kill_switch.order_rate_runaway`, `fix.sessions[].heartbeat_s`), and for each the
first test lines under tests/ that mention it:

- the dotted path itself, with or without list indexes (`fix.sessions[0].heartbeat_s` in an
  expected diagnostic, `s.compliance.kill_switch.order_rate_runaway` in code);
- the YAML key `leaf:` with its parent key `parent:` earlier on the same line or within the
  previous 15 lines (`kill_switch: {order_rate_runaway: 5}`, a block mapping);
- the typed field `parent.leaf` / `parent[0].leaf` / `parent.front().leaf`, or `.leaf` in a
  file that names the parent's config struct (`ExecutionConfig e; e.retention = ...`);
- for a leaf name no other key has (`cool_down`), `leaf:` or `.leaf` alone.

A mention is not proof of an effect: this is the floor, the review is by hand (see the
generated page's notes). Deterministic (files and lines in sorted order), standard library only.

  scripts/config_key_coverage.py            # print the table (markdown)
  scripts/config_key_coverage.py --write    # write docs/config_key_coverage.md
  scripts/config_key_coverage.py --check    # exit 1 naming every key no test mentions
"""
from __future__ import annotations

import argparse
import bisect
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
OUT = ROOT / "docs" / "config_key_coverage.md"
TEST_DIRS = ["tests"]
SKIP_DIRS = {"node_modules", "data", "__pycache__"}
EXTS = {".cpp", ".hpp", ".h", ".py", ".sh", ".yaml", ".yml"}
WINDOW = 15  # lines a YAML key may sit below its parent key

# Section headings (the text between backticks) -> the dotted prefix of their table's keys.
SECTIONS = {
    "engine": "engine",
    "instruments": "instruments[]",
    "triggers": "triggers",
    "models": "models[]",
    "accounts": "accounts[]",
    "market_data_quality": "market_data_quality",
    "optimizer": "optimizer",
    "approval": "approval",
    "execution": "execution",
    "compliance": "compliance",
    "fix.sessions": "fix.sessions[]",
    "fix.routing": "fix.routing",
    "market_data.adv": "market_data.adv",
    "market_data.sources": "market_data.sources[]",
    "journal": "journal",
    "logging": "logging",
    "operator.http": "operator.http",
}

# A key's parent (last path segment before the leaf) -> typed config structs holding its fields.
STRUCTS = {
    "engine": ["CoreLoopConfig", "EngineConfig"],
    "back_off": ["BackOffConfig"],
    "triggers": ["TriggerConfig"],
    "models": ["ModelConfig"],
    "accounts": ["AccountConfig"],
    "market_data_quality": ["MarketDataQualityConfig"],
    "optimizer": ["OptimizerConfig"],
    "approval": ["ApprovalConfig"],
    "risk_model": ["RiskModelConfig", "RiskModelOptions"],
    "execution": ["ExecutionConfig"],
    "jitter": ["JitterConfig"],
    "pov": ["PovConfig"],
    "limit": ["LimitConfig"],
    "compliance": ["ComplianceConfig"],
    "kill_switch": ["KillSwitchConfig"],
    "sessions": ["FixSessionConfig"],
    "tls": ["TlsConfig"],
    "reconnect": ["ReconnectConfig"],
    "routing": ["RoutingConfig"],
    "journal": ["JournalConfig"],
    "logging": ["LoggingConfig"],
    "http": ["HttpConfig"],
}

# YAML key -> the typed field's name where they differ.
FIELD_ALIASES = {"compliance.max_weight.default": "default_max"}

# Keys whose component takes the setting under another name (the kernel maps the key to it, see
# kernel/src/kernel.cpp): a test of the component with that name shows the key's effect.
COMPONENT_NAMES = {
    "engine.max_cascade": [r"\.max_cascade\s*="],  # CoreLoop options
    "triggers.calendar.day": [r"\bPeriodDay::k"],  # DriftMonitor calendar
    "execution.jitter.fraction": [r"\.jitter\s*=\s*\{"],  # ExecutionConfig aggregate
    "fix.sessions[].stale_resend_max_age": [r"\bstale_resend_max_age_ns\b"],  # initiator
    "fix.sessions[].reconnect.min_backoff": [r"\breconnect_min_ms\b"],
    "fix.sessions[].reconnect.max_backoff": [r"\breconnect_max_ms\b"],
    # fix::SessionConfig, as the kernel fills it from a session (tests/fix: the logon carries
    # them, the TLS handshake uses the CA, a dictionary that does not load is refused).
    "fix.sessions[].username_env": [r"\bcfg\.username\s*="],
    "fix.sessions[].password_env": [r"\bcfg\.password\s*="],
    "fix.sessions[].tls.enabled": [r"\bcfg\.tls\s*=\s*true"],
    "fix.sessions[].tls.ca_file": [r"\bcfg\.ca_file\s*="],
    "fix.sessions[].data_dictionary": [r"\bs\.data_dictionary\s*="],
}


def set_root(root: Path) -> None:
    global ROOT, DOC, OUT
    ROOT = root.resolve()
    DOC = ROOT / "docs" / "configuration.md"
    OUT = ROOT / "docs" / "config_key_coverage.md"


def doc_keys() -> list[str]:
    """Every key of the reference tables, in document order."""
    keys: list[str] = []
    prefix = None
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        h = re.match(r"^#{2,3} (.*)$", line)
        if h:
            title = h.group(1)
            m = re.match(r"`([a-z_.]+)`", title)
            prefix = SECTIONS.get(m.group(1)) if m else ("" if title == "Top level" else None)
            in_table = False
            continue
        if re.match(r"^\| key \| type \|", line):
            in_table = prefix is not None
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if prefix == "" and cells[1] in ("mapping", "list"):
            continue  # a section: its keys have their own table
        for name in re.findall(r"`([a-z_][a-z0-9_.\[\]]*)`", cells[0]):
            keys.append(f"{prefix}.{name}" if prefix else name)
    return keys


def segments(key: str) -> list[str]:
    return [s.replace("[]", "") for s in key.split(".")]


def test_files() -> list[Path]:
    files = []
    for d in TEST_DIRS:
        for dirpath, dirnames, filenames in os.walk(ROOT / d):
            dirnames[:] = sorted(n for n in dirnames if n not in SKIP_DIRS)
            for n in sorted(filenames):
                p = Path(dirpath) / n
                if p.suffix in EXTS:
                    files.append(p)
    return sorted(files)


class Matcher:
    def __init__(self, key: str, unique_leaf: bool):
        segs = segments(key)
        self.key = key
        self.leaf = FIELD_ALIASES.get(key, segs[-1])
        self.yaml_leaf = segs[-1]
        self.parent = segs[-2] if len(segs) > 1 else None
        # A leaf no other key has, and distinctive (`cool_down`, not `start`), counts alone.
        self.distinct = unique_leaf and "_" in self.yaml_leaf
        idx = r"(?:\[\w*\]|\.front\(\)|\.back\(\)|\.at\(\w*\))?"
        self.dotted = re.compile(
            r"(?<![\w])" + (idx + r"\.").join(re.escape(s) for s in segs) + r"(?!\w)"
        ) if len(segs) > 1 else None
        self.extra = [re.compile(x) for x in COMPONENT_NAMES.get(key, [])]
        # A top-level key counts at the start of a line or of a string: `"version: 2\n"`.
        self.top_re = re.compile(r"(?:^\s*|\\n|\")" + re.escape(self.yaml_leaf) + r"\s*:(?!:)")
        self.yaml_re = re.compile(r"(?<![\w.-])[\"']?" + re.escape(self.yaml_leaf) + r"[\"']?\s*:(?!:)")
        self.field_re = re.compile(r"(?:\.|->)" + re.escape(self.leaf) + r"(?!\w)")
        if self.parent:
            self.parent_yaml = re.compile(r"(?<![\w.-])[\"']?" + re.escape(self.parent) + r"[\"']?\s*:(?!:)")
            self.parent_field = re.compile(
                r"(?<![\w])" + re.escape(self.parent) + idx + r"(?:\.|->)" + re.escape(self.leaf) + r"(?!\w)"
            )
            self.structs = STRUCTS.get(self.parent, [])

    def hits(self, text: str, lines: list[str]) -> list[int]:
        """0-based line numbers mentioning the key (only lines holding a name are looked at)."""
        names = {self.leaf, self.yaml_leaf}
        if self.extra:
            cand = range(len(lines))
        else:
            cand = [i for i, line in enumerate(lines) if any(n in line for n in names)]
        file_has_struct = self.parent is not None and any(s in text for s in self.structs)
        parents = []
        if self.parent is not None:
            parents = [i for i, line in enumerate(lines)
                       if self.parent in line and self.parent_yaml.search(line)]
        out = []
        for i in cand:
            line = lines[i]
            found = False
            if self.dotted is not None and self.dotted.search(line):
                found = True
            elif any(x.search(line) for x in self.extra):
                found = True
            elif self.parent is None:
                found = bool(self.top_re.search(line)) or (
                    bool(self.yaml_re.search(line)) and self.distinct)
            else:
                m = self.yaml_re.search(line)
                if m:
                    p = self.parent_yaml.search(line)
                    k = bisect.bisect_left(parents, i) - 1  # the nearest parent line above
                    near = k >= 0 and i - parents[k] <= WINDOW
                    if (p and p.start() < m.start()) or near or self.distinct:
                        found = True
                if not found and self.parent_field.search(line):
                    found = True
                if not found and self.field_re.search(line) and file_has_struct:
                    found = True
            if found:
                out.append(i)
        return out


def coverage() -> list[tuple[str, list[str], list[str]]]:
    """(key, tests outside tests/config, tests in tests/config), at most two of each."""
    keys = doc_keys()
    leaf_count: dict[str, int] = {}
    for k in keys:
        leaf_count[segments(k)[-1]] = leaf_count.get(segments(k)[-1], 0) + 1
    matchers = [Matcher(k, leaf_count[segments(k)[-1]] == 1) for k in keys]
    files = []
    for p in test_files():
        text = p.read_text(encoding="utf-8", errors="replace")
        files.append((p.relative_to(ROOT).as_posix(), text, text.splitlines()))
    result = []
    for m in matchers:
        effect: list[str] = []
        parse: list[str] = []
        for rel, text, lines in files:
            if m.yaml_leaf not in text and m.leaf not in text and not m.extra:
                continue
            bucket = parse if rel.startswith("tests/config/") else effect
            if len(bucket) == 2:
                continue
            hs = m.hits(text, lines)
            if hs:
                bucket.append(f"{rel}:{hs[0] + 1}")
        result.append((m.key, effect, parse))
    return result


def render(result) -> str:
    missing = [k for k, e, c in result if not e and not c]
    config_only = [k for k, e, c in result if not e and c]
    out = [
        "# Configuration keys and the tests that mention them",
        "",
        "Generated by `scripts/config_key_coverage.py --write`; do not edit by hand. "
        "`scripts/config_key_coverage.py --check` (ctest `config_key_coverage`) fails when a key "
        "of [configuration.md](configuration.md) is mentioned by no test.",
        "",
        "A mention is found by text (the dotted path, the YAML key under its parent key, or the "
        "typed field); it is not proof that the test shows the key's effect. *config only*: only "
        "`tests/config/` mentions it (parsing, validation ranges, `check-config` refusals). The "
        "tests written to show effects through the kernel `ballast run` builds are in "
        "`tests/kernel/config_effect_test.cpp` and `tests/kernel/kernel_settings_test.cpp`.",
        "",
        f"{len(result)} keys: {len(result) - len(missing) - len(config_only)} mentioned outside "
        f"tests/config, {len(config_only)} config only, {len(missing)} missing.",
        "",
        "| key | tests outside tests/config | tests/config | status |",
        "| --- | --- | --- | --- |",
    ]
    for k, e, c in result:
        status = "**MISSING**" if not e and not c else ("config only" if not e else "")
        out.append(f"| `{k}` | {', '.join(e)} | {', '.join(c)} | {status} |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write docs/config_key_coverage.md")
    ap.add_argument("--check", action="store_true", help="exit 1 if a key has no test")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="tree holding docs/configuration.md and tests/ (default: this one)")
    a = ap.parse_args()
    set_root(a.root)
    if not DOC.is_file():
        print(f"config_key_coverage: {DOC}: no such file", file=sys.stderr)
        return 2
    result = coverage()
    if not result:
        print(f"config_key_coverage: {DOC}: no key table found ('| key | type |')",
              file=sys.stderr)
        return 2
    text = render(result)
    if a.write:
        OUT.write_text(text, encoding="utf-8")
    elif not a.check:
        sys.stdout.write(text)
    missing = [k for k, e, c in result if not e and not c]
    if a.check:
        for k in missing:
            print(f"config_key_coverage: {k}: no test mentions it (docs/configuration.md)",
                  file=sys.stderr)
        print(f"config_key_coverage: {len(result)} keys, {len(missing)} missing")
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
