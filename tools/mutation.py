"""Mutation testing of ganbench's science modules with cosmic-ray (`make mutation`).

For each science module this script

1. runs the module's covering fast tests once, unmutated, under coverage (they must pass; the
   wall time sets the per-mutant timeout);
2. builds the module's mutants with cosmic-ray's operators, restricted to one representative
   replacement per operator (see OPERATORS below);
3. skips mutants inside annotations (every science module has `from __future__ import
   annotations` and nothing evaluates them; counted in the last column), and marks mutants on
   lines those tests never execute as survived without running them (a mutant in code that
   never runs cannot be killed; they are listed so a test can be added);
4. applies every other mutant in place, one at a time (cosmic-ray's operators and its
   apply/restore), runs only the covering tests (`pytest -x -q -p no:cacheprovider FILES`) in a
   child forked from this process, which has already imported torch and the other third-party
   libraries but nothing from ganbench (so the child imports the mutated source; no bytecode is
   written), with a per-mutant timeout, and restores the file;
5. prints and writes a per-module table (build/mutation/report.md, build/mutation/report.json)
   and the surviving mutants with their diffs (build/mutation/survivors.md).

Mutating in place is why cosmic-ray was chosen: the project is installed in editable mode and
plugins load through entry points, so a tool that copies the sources elsewhere may test the
unmutated originals. A module whose covering tests kill no mutant at all is reported as an error
(it would mean the mutants never reach the imported code).

Known equivalent mutants (the mutated program behaves identically) are listed in EQUIVALENT with
the reason; they are left out of the score: score = killed / (total - equivalent). The reasons
are also in docs/testing.md.

Usage: python tools/mutation.py [--module NAME ...] [--list] [--recheck] [--deadline HH:MM] [--jobs N]
--recheck re-runs only the survivors recorded in build/mutation/report.json (after adding tests).
--jobs N (N > 1) runs the modules in N private copies of the checkout (mutation_parallel.py) and
leaves this one untouched. Otherwise, run it from a checkout that nobody else is using: the
mutants are applied in place, one at a time, and restored after each test run (also on SIGINT/SIGTERM; after a SIGKILL, repair with
`git checkout -- <module>`). It refuses to start when a module it would mutate has uncommitted
changes. To run several checkouts side by side, point PYTHONPATH at each (`PYTHONPATH=$PWD:$PWD/plugins`)
so that its imports do not go to the editable install's checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the mutation_* modules beside this file

from mutation_config import MODULES, OUT, ROOT, test_files, wanted  # noqa: E402
from mutation_report import fmt_table, write  # noqa: E402
from mutation_runner import annotation_spans, in_spans, preload, recheck_module, run_module  # noqa: E402

# Where each part lives: mutation_config.py (MODULES, OPERATORS, the test command),
# mutation_equivalent.py (EQUIVALENT), mutation_runner.py (baseline, forked runs, run_module,
# recheck_module), mutation_report.py (ModuleResult, report.md/json, survivors.md).


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", action="append", choices=sorted(MODULES), help="only these (repeatable)")
    ap.add_argument("--list", action="store_true", help="list modules, test files and mutant counts")
    ap.add_argument("--deadline", help="stop (exit 3) if a module is still running at this UTC time, HH:MM")
    ap.add_argument("--recheck", action="store_true",
                    help="re-run only the survivors recorded in build/mutation/report.json")
    ap.add_argument("--min-score", type=float, default=0.9, help="exit 1 if a module scores below (0.9)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="share the modules out over this many private copies of the checkout, one "
                         "process each (default 1: mutate this checkout in place); not with --recheck")
    args = ap.parse_args(argv)
    names = args.module or list(MODULES)
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)

    if args.list:
        for n in names:
            path, tests = MODULES[n]
            print(f"{n:18} {count_mutants(n):5d}  {path}  <- {' '.join(test_files(n, tests))}")
        return 0

    dirty = subprocess.run(["git", "status", "--porcelain", "--"] + [MODULES[n][0] for n in names],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if dirty:
        sys.exit(f"refusing to mutate modules with uncommitted changes:\n{dirty}")

    deadline = None
    if args.deadline:
        hh, mm = map(int, args.deadline.split(":"))
        now = time.gmtime()
        deadline = time.mktime(time.struct_time((now.tm_year, now.tm_mon, now.tm_mday, hh, mm, 0, 0, 0, 0))) - time.timezone

    exit_on_signals()
    if args.jobs > 1 and not args.recheck:
        return run_jobs(names, args)

    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    preload()
    t0 = time.monotonic()
    results = []
    previous = {}
    if args.recheck:
        previous = {r["name"]: r for r in json.loads((OUT / "report.json").read_text())}
        missing = [n for n in names if n not in previous]
        if missing:
            sys.exit(f"--recheck: no full run recorded for {missing}")
    for n in names:
        results.append(recheck_module(n, previous[n]) if args.recheck else run_module(n, deadline))
        print(fmt_table(results[-1:]).splitlines()[-1], flush=True)
        write(results, time.monotonic() - t0)
    return finish(results, time.monotonic() - t0, args.min_score)


def exit_on_signals() -> None:
    """Turn SIGTERM (and a SIGINT that a non-interactive shell set to "ignore" for a background
    job) into exceptions, so that an interrupted run still restores the module being mutated
    (--jobs 1) or stops its workers and removes their copies (--jobs N)."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)


def count_mutants(name: str) -> int:
    """The mutants run_module would run for a module (annotations left out)."""
    from cosmic_ray.commands.init import _all_work_items

    path, _ = MODULES[name]
    spans = annotation_spans(path)
    return sum(wanted(w.mutations[0].operator_name) and not in_spans(w.mutations[0].start_pos, spans)
               for w in _all_work_items([Path(path)], {}))


def run_jobs(names: list[str], args: argparse.Namespace) -> int:
    from mutation_parallel import longest_first, run_parallel

    t0 = time.monotonic()
    order = longest_first({n: count_mutants(n) for n in names})
    extra = ["--min-score", str(args.min_score)] + (["--deadline", args.deadline] if args.deadline else [])
    results = run_parallel(ROOT, order, args.jobs, extra)
    position = {n: i for i, n in enumerate(MODULES)}      # print the table in MODULES order
    return finish(sorted(results, key=lambda r: position[r.name]), time.monotonic() - t0, args.min_score)


def finish(results: list, wall: float, min_score: float) -> int:
    write(results, wall)
    print(fmt_table(results))
    print(f"wall time {wall / 60:.1f} min; report in {OUT.relative_to(ROOT)}/report.md, survivors in survivors.md")
    low = [r.name for r in results if r.score is not None and r.score < min_score]
    if low:
        print(f"below {100 * min_score:.0f}%: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
