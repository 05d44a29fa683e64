#!/usr/bin/env python3
"""scripts/config_key_coverage.py on made-up trees: it finds the keys a test mentions in each
form (flow and block YAML, dotted path, typed field), reports the others MISSING (also when
their name appears under another parent), and --check
fails exactly when one is missing. A randomised run (fixed seed) checks it against the set of
keys the generated tests mention."""
import random
import string
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "config_key_coverage.py"

# Sections the script knows (its SECTIONS table), and the path prefix of their keys.
SECTIONS = {"execution": "execution", "compliance": "compliance", "journal": "journal",
            "fix.sessions": "fix.sessions[]", "market_data.adv": "market_data.adv"}


def make_tree(root: Path, keys_by_section: dict, tests: dict) -> None:
    (root / "docs").mkdir(parents=True)
    doc = ["# Configuration", ""]
    for sec, keys in keys_by_section.items():
        doc += [f"## `{sec}`", "", "| key | type | default | range | meaning |",
                "| --- | --- | --- | --- | --- |"]
        doc += [f"| `{k}` | integer | `1` | | made up |" for k in keys]
        doc.append("")
    (root / "docs" / "configuration.md").write_text("\n".join(doc))
    for rel, text in tests.items():
        p = root / "tests" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def run(root: Path, *args):
    return subprocess.run([sys.executable, str(SCRIPT), "--root", str(root), *args],
                          capture_output=True, text=True)


def missing(out: str) -> set:
    return {line.split("`")[1] for line in out.splitlines() if "**MISSING**" in line}


class Forms(unittest.TestCase):
    def test_each_form_is_found_and_the_rest_is_missing(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            make_tree(root, {"execution": ["horizon", "limit.policy", "jitter.seed", "unused"],
                             "fix.sessions": ["heartbeat_s", "port"]},
                      {"kernel/a_test.cpp": 'auto y = "execution: {horizon: 5m}\\n";\n'
                                            'EXPECT_NE(m.find("execution.jitter.seed"), npos);\n',
                       "config/b.yaml": "fix:\n  sessions:\n    - name: x\n      port: 5\n",
                       "fix/c_test.cpp": "FixSessionConfig s;\ns.heartbeat_s = 5;\n",
                       "execution/d_test.cpp": "cfg.limit.policy = LimitPolicy::kMid;\n"})
            r = run(root)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(missing(r.stdout), {"execution.unused"})
            self.assertIn("config only", [l for l in r.stdout.splitlines()
                                          if "`fix.sessions[].port`" in l][0])
            c = run(root, "--check")
            self.assertEqual(c.returncode, 1)
            self.assertIn("execution.unused: no test mentions it", c.stderr)
            (root / "tests" / "kernel" / "e_test.cpp").write_text('"execution: {unused: 3}"\n')
            self.assertEqual(run(root, "--check").returncode, 0)

    def test_a_same_named_key_of_another_section_does_not_count(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            make_tree(root, {"journal": ["enabled"], "execution": ["jitter.enabled"]},
                      {"kernel/a_test.cpp": '"journal: {enabled: false}\\n"\n'})
            self.assertEqual(missing(run(root).stdout), {"execution.jitter.enabled"})

    def test_no_document_or_no_table_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(run(Path(d), "--check").returncode, 2)
            (Path(d) / "docs").mkdir()
            (Path(d) / "docs" / "configuration.md").write_text("# nothing\n")
            self.assertEqual(run(Path(d), "--check").returncode, 2)


def word(rng: random.Random, used: set) -> str:
    while True:
        w = "k" + "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        if w not in used:
            used.add(w)
            return w


class Randomised(unittest.TestCase):
    def test_found_keys_are_exactly_the_mentioned_ones(self):
        rng = random.Random(14)
        for _ in range(15):
            used: set = set()
            keys_by_section: dict = {}
            full = []
            for sec, prefix in SECTIONS.items():
                keys = []
                for _ in range(rng.randint(1, 6)):
                    k = word(rng, used)
                    if rng.random() < 0.4:
                        k = word(rng, used) + "." + k
                    keys.append(k)
                    full.append((sec, prefix, k))
                keys_by_section[sec] = keys
            mentioned = set()
            tests = {}
            for n, (sec, prefix, k) in enumerate(full):
                if rng.random() < 0.35:
                    if rng.random() < 0.5:  # a decoy: the leaf under a parent it does not have
                        tests[f"d/f{n}_test.cpp"] = f'"logging: {{{k.split(".")[-1]}: 1}}\\n"\n'
                    continue
                segs = prefix.replace("[]", "").split(".") + k.split(".")
                form = rng.randrange(4)
                if form == 0:  # flow YAML in a C++ string
                    text = "".join(s + ": {" for s in segs[:-1]) + segs[-1] + ": 1" + "}" * (
                        len(segs) - 1)
                    text = f'const char* y = "{text}\\n";\n'
                elif form == 1:  # block YAML file
                    text = ""
                    for depth, s in enumerate(segs[:-1]):
                        text += "  " * depth + s + ":\n"
                    text += "  " * (len(segs) - 1) + segs[-1] + ": 1\n"
                elif form == 2:  # a diagnostic's dotted path
                    text = f'EXPECT_NE(m.find("{".".join(segs)}"), npos);\n'
                else:  # a typed field through its parent
                    text = f"cfg.{segs[-2]}.{segs[-1]} = 1;\n"
                ext = ".yaml" if form == 1 else "_test.cpp"
                tests[f"t{n % 5}/f{n}{ext}"] = "// filler\n" * rng.randint(0, 30) + text
                mentioned.add(f"{prefix}.{k}")
            with tempfile.TemporaryDirectory() as d:
                root = Path(d)
                make_tree(root, keys_by_section, tests)
                r = run(root)
                self.assertEqual(r.returncode, 0, r.stderr)
                every = {f"{p}.{k}" for _, p, k in full}
                self.assertEqual(missing(r.stdout), every - mentioned)
                self.assertEqual(run(root, "--check").returncode,
                                 1 if every - mentioned else 0)


if __name__ == "__main__":
    unittest.main()
