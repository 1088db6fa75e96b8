"""The bounded mutation check (`make mutation`): mutmut on the core modules, a score per module, and a failure
only for a surviving mutant that tests/mutation/explained.md does not explain.

Each mutant runs only the tests that cover the function it mutates (mutmut's per-test coverage, gathered over
the test files in [tool.mutmut] pytest_add_cli_args_test_selection). Every mutant's pytest session copies a
database migrated and loaded once here (RUECOMMUNE_TEST_TEMPLATE, see tests/conftest.py) instead of
migrating its own: that setup would otherwise cost more than the tests.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from core.pgcluster import ManagedCluster

EXPLAINED = ROOT / "tests" / "mutation" / "explained.md"
TEMPLATE = "rc_mutation_template"
# mutmut's exit codes (mutmut.stats.status_by_exit_code); a timeout counts as killed: the mutant hung the tests.
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}


def modules() -> list[str]:
    """The files mutmut mutates, from pyproject's [tool.mutmut] only_mutate."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return list(config["only_mutate"])


def explained() -> dict[str, str]:
    """Mutant name -> why it may survive, from the `- `name`: reason` lines of tests/mutation/explained.md."""
    found = {}
    for line in EXPLAINED.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*-\s+`([\w.]+__mutmut_\d+)`\s*:?\s*(.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def template_database(cluster: ManagedCluster) -> str:
    """Make, on our own cluster, the migrated and loaded database every mutant's session copies."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from core import migrate
    from core.pgcluster import create_database
    from geo.demo import load_territory

    server = f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres"
    create_database(server, TEMPLATE, fresh=True)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{cluster.port}/{TEMPLATE}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_territory(session=session)
        session.commit()
    engine.dispose()  # CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to
    return f"postgresql+psycopg2://postgres@127.0.0.1:{cluster.port}/postgres"


def results() -> dict[str, dict[str, int | None]]:
    """Module file -> mutant name -> mutmut's exit code, read from mutants/<file>.meta."""
    out = {}
    for module in modules():
        meta = ROOT / "mutants" / f"{module}.meta"
        out[module] = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
    return out


def diff(name: str) -> str:
    shown = subprocess.run([str(ROOT / ".venv" / "bin" / "mutmut"), "show", name], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    return shown.stdout.strip()


def main(patterns: list[str]) -> int:
    """Run every mutant, or those whose names match `patterns` (`geo.service.*`), and report."""
    os.environ.setdefault("RUECOMMUNE_PG_FAST", "1")  # throwaway data: no fsync
    from core.pgcluster import ManagedCluster, free_port, resolve_data_dir

    started = time.monotonic()
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # every run starts afresh: no stale verdicts
    cluster = ManagedCluster(resolve_data_dir(ROOT / ".data" / "pg-mutation"), free_port())
    cluster.start()
    try:
        env = {**os.environ, "TEST_DATABASE_URL": template_database(cluster), "RUECOMMUNE_TEST_TEMPLATE": TEMPLATE}
        ready = time.monotonic()
        log = ROOT / ".data" / "mutmut.log"
        with log.open("w") as out:
            command = [str(ROOT / ".venv" / "bin" / "mutmut"), "run", "--max-children", str(os.cpu_count() or 2),
                       *patterns]
            run = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
        finished = time.monotonic()
    finally:
        cluster.stop()
    return report(run.returncode, log, setup_s=ready - started, run_s=finished - ready, patterns=patterns)


def report(returncode: int, log: Path, *, setup_s: float, run_s: float, patterns: list[str]) -> int:
    """Print the score per module and every unexplained survivor; 1 when one is left or mutmut failed."""
    by_module = {module: {name: code for name, code in codes.items()
                          if not patterns or any(fnmatch.fnmatch(name, p) for p in patterns)}
                 for module, codes in results().items()}
    if returncode != 0 or not any(by_module.values()):
        print(log.read_text(errors="replace")[-4000:])
        print(f"mutmut run failed (exit {returncode}); its log: {log}", file=sys.stderr)
        return 1
    reasons = explained()
    unexplained: list[str] = []
    print(f"\nmutation check: {len(by_module)} modules, setup {setup_s:.0f} s, mutmut {run_s:.0f} s "
          f"(log: {log.relative_to(ROOT)})")
    for module, codes in by_module.items():
        if not codes:
            continue  # not asked for this run
        tally = Counter("killed" if c in KILLED else "survived" if c in SURVIVED else
                        "no tests" if c in NO_TESTS else "other" for c in codes.values())
        alive = sorted(n for n, c in codes.items() if c not in KILLED)
        checked = len(codes) - tally["other"]
        score = 100.0 * tally["killed"] / checked if checked else 0.0
        explained_here = [n for n in alive if n in reasons]
        print(f"  {module}: {score:.1f}% killed ({tally['killed']}/{checked}; survived {tally['survived']}, "
              f"no covering test {tally['no tests']}, not run {tally['other']}); explained {len(explained_here)}")
        unexplained += [n for n in alive if n not in reasons]
    asked = {n for n in reasons if not patterns or any(fnmatch.fnmatch(n, p) for p in patterns)}
    stale = sorted(asked - {n for codes in by_module.values() for n, c in codes.items() if c not in KILLED})
    if stale:
        print(f"\nexplained but no longer surviving (remove from {EXPLAINED.relative_to(ROOT)}): {', '.join(stale)}")
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutant(s) nobody explained: kill each with a test, or explain it in "
              f"{EXPLAINED.relative_to(ROOT)} as  - `name`: why no test can tell\n")
        for name in unexplained:
            print(f"--- {name}\n{diff(name)}\n")
        return 1
    print("\nno unexplained surviving mutant")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
