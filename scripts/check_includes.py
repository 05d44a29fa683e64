#!/usr/bin/env python3
"""Include-direction check: fails when a module includes a module it must not.

Rules (docs/architecture.md, "Module dependencies"):
  * QuickFIX headers (<quickfix/...>) only under adapters/fix/ (and in tests/ and bench/, whose
    C++14 targets drive real QuickFIX peers).
  * yaml-cpp headers (<yaml-cpp/...>) only under config/.
  * Boost.Beast and Boost.Asio headers (<boost/beast...>, <boost/asio...>) only under http/src/:
    the HTTP module's public headers name no Boost type.
  * Each module includes only project headers of the modules below it:
      base (base/, header-only, C++14) -> base; every module may include base
      core       -> core
      engine     -> core, engine
      journal    -> core, engine, journal
      risk       -> core, engine, risk
      execution  -> core, engine, risk, execution
      adapters   -> core, engine, risk, execution, adapters, fix, journal
      fix (adapters/fix/, C++14) -> fix only (engine headers are C++20)
      http       -> core, engine, http
      config     -> everything except kernel, operator and tools
      kernel     -> everything except operator and tools (yaml-cpp and QuickFIX headers stay out)
      operator   -> everything except tools
      tools, tests, bench -> anything
Usage: check_includes.py [ROOT]      check the tree at ROOT (default: the repository)
       check_includes.py --self-test  prove the check catches each kind of violation
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
SOURCE_EXT = ('.hpp', '.cpp', '.h', '.cc', '.hh', '.ipp')

ALLOWED = {
    'base': set(),
    'core': {'core'},
    'engine': {'core', 'engine'},
    'journal': {'core', 'engine', 'journal'},
    'risk': {'core', 'engine', 'risk'},
    'execution': {'core', 'engine', 'risk', 'execution'},
    'adapters': {'core', 'engine', 'risk', 'execution', 'adapters', 'fix', 'journal'},
    'fix': {'fix'},
    'http': {'core', 'engine', 'http'},
    'config': {'core', 'engine', 'risk', 'execution', 'adapters', 'fix', 'config', 'journal',
               'http'},
    'kernel': {'core', 'engine', 'risk', 'execution', 'adapters', 'fix', 'config', 'journal',
               'kernel', 'http'},
    'operator': {'core', 'engine', 'risk', 'execution', 'adapters', 'fix', 'config', 'journal',
                 'kernel', 'http', 'operator', 'generated'},
}


def module_of(rel):
    if rel.startswith('base/'):
        return 'base'
    if rel.startswith('engine/core/'):
        return 'core'
    if rel.startswith('adapters/fix/'):
        return 'fix'
    top = rel.split('/', 1)[0]
    if top in ('engine', 'journal', 'risk', 'execution', 'adapters', 'config', 'kernel', 'http',
               'operator'):
        return top
    if top in ('tools', 'tests', 'bench'):
        return 'free'
    return None


def check(root):
    problems = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames
                       if not d.startswith('.') and not d.startswith('build') and d != 'node_modules']
        for name in filenames:
            if not name.endswith(SOURCE_EXT):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            mod = module_of(rel)
            if mod is None:
                continue
            with open(os.path.join(dirpath, name), encoding='utf-8', errors='replace') as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    where = f'{rel}:{lineno}: includes <{inc}>'
                    if inc.startswith('quickfix/') and mod not in ('fix', 'free'):
                        problems.append(f'{where}: QuickFIX headers belong in adapters/fix/ only '
                                        '(tests and benchmarks may use them to drive a peer)')
                    if inc.startswith('yaml-cpp/') and mod != 'config':
                        problems.append(f'{where}: yaml-cpp headers belong in config/ only')
                    if (inc.startswith(('boost/beast', 'boost/asio')) and mod != 'free' and
                            not rel.startswith('http/src/')):
                        problems.append(f'{where}: Boost.Beast and Asio headers belong in '
                                        'http/src/ only')
                    if inc.startswith('ballast/') and mod != 'free':
                        target = inc.split('/')[1]
                        if target.endswith('.hpp'):
                            target = 'generated'
                        if target != 'base' and target not in ALLOWED[mod] | {mod}:
                            problems.append(f'{where}: module {mod} may include only '
                                            f'{", ".join(sorted(ALLOWED[mod] | {mod, "base"}))}')
    return problems


def self_test():
    cases = {
        'engine/core/include/ballast/core/x.hpp': '#include "ballast/engine/queue.hpp"\n',
        'engine/src/x.cpp': '#include <yaml-cpp/yaml.h>\n',
        'risk/src/x.cpp': '#include "ballast/execution/order.hpp"\n',
        'execution/src/x.cpp': '#include <quickfix/Session.h>\n',
        'adapters/src/x.cpp': '#include "ballast/config/config.hpp"\n',
        'journal/src/x.cpp': '#include "ballast/risk/compliance.hpp"\n',
        'engine/src/y.cpp': '#include "ballast/journal/journal_writer.hpp"\n',
        'config/src/z.cpp': '#include <quickfix/Session.h>\n',
        'config/src/k.cpp': '#include "ballast/kernel/kernel.hpp"\n',
        'kernel/src/x.cpp': '#include <yaml-cpp/yaml.h>\n',
        'kernel/src/y.cpp': '#include <quickfix/Session.h>\n',
        'base/include/ballast/base/x.hpp': '#include "ballast/core/ids.hpp"\n',
        'http/include/ballast/http/x.hpp': '#include <boost/beast/http.hpp>\n',
        'kernel/src/w.cpp': '#include <boost/asio.hpp>\n',
        'http/src/k.cpp': '#include "ballast/kernel/kernel.hpp"\n',
        'kernel/src/o.cpp': '#include "ballast/operator/operator_service.hpp"\n',
    }
    fine = {
        'adapters/fix/src/y.cpp': '#include "ballast/base/counters.hpp"\n',
        'engine/core/src/y.cpp': '#include "ballast/base/counters.hpp"\n',
        'adapters/fix/src/x.cpp': '#include <quickfix/Session.h>\n',
        'tests/fix/x_test.cpp': '#include <quickfix/Session.h>\n',
        'config/src/x.cpp': '#include <yaml-cpp/yaml.h>\n#include "ballast/adapters/a.hpp"\n',
        'tools/ballast/x.cpp': '#include "ballast/config/config.hpp"\n',
        'journal/src/y.cpp': '#include "ballast/engine/queue.hpp"\n#include "ballast/journal/format.hpp"\n',
        'config/src/y.cpp': '#include "ballast/journal/journal_writer.hpp"\n',
        'adapters/src/y.cpp': '#include "ballast/journal/journal_reader.hpp"\n',
        'kernel/src/z.cpp': '#include "ballast/config/config.hpp"\n#include "ballast/fix/initiator.hpp"\n',
        'http/src/s.cpp': '#include <boost/beast/http.hpp>\n#include "ballast/http/server.hpp"\n',
        'operator/src/o.cpp': '#include "ballast/kernel/kernel.hpp"\n#include "ballast/http/server.hpp"\n',
        'config/src/h.cpp': '#include "ballast/http/http_config.hpp"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in {**cases, **fine}.items():
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
        found = check(d)
    flagged = {p.split(':', 1)[0] for p in found}
    expected = set(cases)
    if flagged != expected:
        print('check_includes self-test FAILED')
        print('  expected violations in:', sorted(expected))
        print('  reported violations in:', sorted(flagged))
        return 1
    print(f'check_includes self-test: all {len(cases)} planted violations caught, '
          f'{len(fine)} allowed includes passed')
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--self-test':
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print(f'check_includes: {len(problems)} include-direction violation(s)')
        return 1
    print('check_includes: include directions OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
