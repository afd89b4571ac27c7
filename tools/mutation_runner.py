"""Running the mutants of one module (tools/mutation.py): the unmutated baseline under coverage,
each mutant applied in place with cosmic-ray and tested in a child forked from a process that has
preloaded the third-party libraries (not ganbench), and the recheck of recorded survivors."""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from mutation_config import MODULES, OUT, PYTEST, ROOT, test_command, test_files, wanted
from mutation_equivalent import EQUIVALENT
from mutation_report import ModuleResult


def baseline(name: str, path: str, files: list[str]) -> tuple[float, set[int]]:
    """Run the tests unmutated under coverage; return (seconds, executed lines of `path`)."""
    data = OUT / f"{name}.coverage"
    if data.exists():
        data.unlink()
    cmd = [sys.executable, "-m", "coverage", "run", f"--data-file={data}", f"--include={ROOT / path}"]
    cmd += shlex.split(PYTEST) + files
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"{name}: the unmutated tests fail; fix them first:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    import coverage

    cov = coverage.Coverage(data_file=str(data))
    cov.load()
    if not cov.get_data().measured_files():
        sys.exit(f"{name}: coverage saw no line of {path}: the tests do not import it from here")
    _, statements, _, missing, _ = cov.analysis2(str(ROOT / path))
    return elapsed, set(missing)


# Third-party libraries the tests import, loaded once in this process so that each forked test
# run starts without paying for them (importing torch alone takes seconds on the 2-core VM).
# Nothing from ganbench or its plugins is imported here: every child imports them afresh from
# the mutated sources.
PRELOAD = ["numpy", "scipy", "scipy.linalg", "torch", "torch.nn", "torchvision", "gin", "pluggy",
           "PIL.Image", "pytest", "_pytest.python", "matplotlib", "matplotlib.pyplot", "sklearn"]


def preload() -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for mod in PRELOAD:
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    leaked = [m for m in sys.modules if m.split(".")[0].startswith("ganbench")]
    if leaked:
        sys.exit(f"preloading imported project modules, mutants would not be seen: {leaked[:5]}")


def run_forked(files: list[str], timeout: float) -> str:
    """Run pytest on `files` in a forked child; 'killed', 'survived' or 'timeout'."""
    import signal

    pid = os.fork()
    if pid == 0:  # child
        code = 70
        try:
            os.setsid()
            sys.dont_write_bytecode = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = int(pytest.main(shlex.split(PYTEST)[2:] + files))
        except BaseException:  # noqa: BLE001 - any failure in the child kills the mutant
            code = 71
        finally:
            os._exit(code)
    t_end = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        if time.monotonic() > t_end:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)


def annotation_spans(path: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Source spans of the annotations in `path`, if it has `from __future__ import annotations`
    (then annotations are strings that nothing in ganbench evaluates: a mutant inside one is
    equivalent, so none is generated there). Empty without the future import."""
    import ast

    tree = ast.parse((ROOT / path).read_text())
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not future:
        return []
    spans = []
    for node in ast.walk(tree):
        anns = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            anns.append(node.returns)
            a = node.args
            anns += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs]
            anns += [x.annotation for x in (a.vararg, a.kwarg) if x is not None]
        elif isinstance(node, ast.AnnAssign):
            anns.append(node.annotation)
        for ann in anns:
            if ann is not None:
                spans.append(((ann.lineno, ann.col_offset), (ann.end_lineno, ann.end_col_offset)))
    return spans


def in_spans(pos: tuple[int, int], spans) -> bool:
    return any(a <= tuple(pos) < b for a, b in spans)


def sha1(path: str) -> str:
    import hashlib

    return hashlib.sha1((ROOT / path).read_bytes()).hexdigest()


def recheck_module(name: str, old: dict) -> ModuleResult:
    """Re-run only the survivors of an earlier full run of `name` (build/mutation/report.json)
    against the current tests (e.g. a new tests/<area>/test_mutants_<name>.py), and re-apply
    EQUIVALENT. Killed mutants stay killed: tests are only ever added."""
    import cosmic_ray.plugins
    from cosmic_ray.mutating import use_mutation

    path, tests = MODULES[name]
    if old.get("sha1") and old["sha1"] != sha1(path):
        sys.exit(f"[{name}] {path} changed since the full run; run it again without --recheck")
    files = test_files(name, tests)
    keep = {k: v for k, v in old.items() if k in ModuleResult.__dataclass_fields__}
    res = ModuleResult(**{**keep, "tests": files, "survivors": []})
    t_start = time.monotonic()
    t_fork = time.monotonic()
    if run_forked(files, 600) != "survived":
        sys.exit(f"{name}: the unmutated tests fail when forked from this process")
    timeout = max(30.0, 4 * (time.monotonic() - t_fork))
    print(f"[{name}] recheck of {len(old['survivors'])} survivors with {' '.join(files)}", flush=True)
    for entry in old["survivors"]:
        key = (name, entry["line"], entry["operator"], entry["mutant"])
        if entry["status"] == "equivalent":
            res.survivors.append(entry)
            continue
        res.survived -= 1
        res.uncovered -= entry["status"] == "uncovered"
        if key in EQUIVALENT:
            res.equivalent += 1
            res.survivors.append(dict(entry, status="equivalent", reason=EQUIVALENT[key]))
            continue
        operator = cosmic_ray.plugins.get_operator("core/" + entry["operator"])()
        if line_text(path, entry["line"]) != entry["source"]:
            sys.exit(f"[{name}] line {entry['line']} changed since the full run")
        with use_mutation(Path(path), operator, entry["occurrence"]) as (_, mutated):
            if mutated is None or mutated.splitlines()[entry["line"] - 1].strip() != entry["mutant"]:
                sys.exit(f"[{name}] mutant {entry} no longer applies as recorded")
            outcome = run_forked(files, timeout)
        if outcome == "survived":
            res.survived += 1
            res.survivors.append(dict(entry, status="survived"))
            print(f"[{name}] still survives: line {entry['line']} {entry['operator']}: {entry['mutant']}", flush=True)
        else:
            setattr(res, outcome, getattr(res, outcome) + 1)
            res.rechecked_killed += 1
    if subprocess.run(["git", "diff", "--quiet", "--", path], cwd=ROOT).returncode != 0:
        sys.exit(f"[{name}] {path} differs from git after the recheck; restore it with git checkout")
    res.wall_s = old["wall_s"] + time.monotonic() - t_start
    return res


def line_text(path: str, line: int) -> str:
    lines = (ROOT / path).read_text().splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def run_module(name: str, deadline: float | None) -> ModuleResult:
    import cosmic_ray.plugins
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.work_db import WorkDB, use_db

    path, tests = MODULES[name]
    files = test_files(name, tests)
    res = ModuleResult(name, path, files, sha1=sha1(path))
    t_start = time.monotonic()
    res.baseline_s, missing = baseline(name, path, files)
    command = test_command(files)
    t_fork = time.monotonic()
    if run_forked(files, 600) != "survived":
        sys.exit(f"{name}: the unmutated tests fail when forked from this process: {command}")
    fork_s = time.monotonic() - t_fork
    timeout = max(30.0, 4 * fork_s)
    db_path = OUT / f"{name}.sqlite"
    if db_path.exists():
        db_path.unlink()
    print(f"[{name}] baseline {res.baseline_s:.1f}s (forked {fork_s:.1f}s), timeout {timeout:.0f}s: {command}", flush=True)
    spans = annotation_spans(path)
    with use_db(str(db_path), WorkDB.Mode.create) as db:
        init([Path(path)], db, {})
        items = [it for it in db.pending_work_items if wanted(it.mutations[0].operator_name)]
        res.annotation = sum(in_spans(it.mutations[0].start_pos, spans) for it in items)
        items = [it for it in items if not in_spans(it.mutations[0].start_pos, spans)]
        print(f"[{name}] {len(items)} mutants ({res.annotation} in annotations skipped)", flush=True)
        for i, item in enumerate(items, 1):
            m = item.mutations[0]
            line = m.start_pos[0]
            res.total += 1
            entry = {
                "line": line,
                "operator": m.operator_name.removeprefix("core/"),
                "occurrence": m.occurrence,
                "source": line_text(path, line),
            }
            if deadline is not None and time.time() > deadline:
                sys.exit(f"[{name}] deadline passed; module not finished")
            operator = cosmic_ray.plugins.get_operator(m.operator_name)()
            with use_mutation(Path(path), operator, m.occurrence) as (original, mutated):
                if mutated is None:
                    res.total -= 1
                    continue
                outcome = "uncovered" if line in missing else run_forked(files, timeout)
            diff = "".join(difflib.unified_diff(
                original.splitlines(True), mutated.splitlines(True), path, path, n=0))
            mutated_lines = mutated.splitlines()
            entry["mutant"] = mutated_lines[line - 1].strip() if line <= len(mutated_lines) else ""
            key = (name, line, entry["operator"], entry["mutant"])
            if outcome in ("survived", "uncovered") and key in EQUIVALENT:
                res.equivalent += 1
                entry.update(status="equivalent", reason=EQUIVALENT[key], diff=diff)
                res.survivors.append(entry)
            elif outcome in ("survived", "uncovered"):
                res.survived += 1
                res.uncovered += outcome == "uncovered"
                entry.update(status=outcome, diff=diff)
                res.survivors.append(entry)
            else:
                setattr(res, outcome, getattr(res, outcome) + 1)
            if outcome in ("survived", "uncovered"):
                print(f"[{name}] {i}/{len(items)} {outcome}: line {line} {entry['operator']}: {entry['source']}", flush=True)
    # Restore guard: the module must be byte-identical to the committed one again.
    diff = subprocess.run(["git", "diff", "--quiet", "--", path], cwd=ROOT)
    if diff.returncode != 0:
        sys.exit(f"[{name}] {path} differs from git after the run; restore it with git checkout")
    covered = res.total - res.uncovered
    if covered > 0 and res.killed_all == 0:
        sys.exit(f"[{name}] no mutant was killed: the tests do not reach the mutated file")
    res.wall_s = time.monotonic() - t_start
    return res
