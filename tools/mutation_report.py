"""The results of `make mutation` (tools/mutation.py): per module counts and score, and the
files in build/mutation/ (report.md, report.json, survivors.md)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from mutation_config import MODULES, OUT


@dataclass
class ModuleResult:
    name: str
    path: str
    tests: list[str]
    total: int = 0
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    uncovered: int = 0
    equivalent: int = 0
    incompetent: int = 0
    annotation: int = 0  # not generated: inside an annotation that is never evaluated
    baseline_s: float = 0.0
    wall_s: float = 0.0
    survivors: list[dict] = field(default_factory=list)
    sha1: str = ""  # of the module's source, so that --recheck refuses a changed module
    rechecked_killed: int = 0  # survivors of the full run that --recheck found killed

    @property
    def score(self) -> float | None:
        denom = self.total - self.equivalent
        return None if denom == 0 else self.killed_all / denom

    @property
    def killed_all(self) -> int:
        return self.killed + self.timeout + self.incompetent


def fmt_table(results: list[ModuleResult]) -> str:
    rows = [
        "| module | path | mutants | killed | timeout | survived (of which not executed) | equivalent | score | wall | in annotations (not run) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        score = "n/a" if r.score is None else f"{100 * r.score:.1f}%"
        rows.append(
            f"| {r.name} | `{r.path}` | {r.total} | {r.killed + r.incompetent} | {r.timeout} | "
            f"{r.survived} ({r.uncovered}) | {r.equivalent} | {score} | {r.wall_s:.0f} s | {r.annotation} |"
        )
    return "\n".join(rows)


def from_json(d: dict) -> ModuleResult:
    return ModuleResult(**{k: v for k, v in d.items() if k in ModuleResult.__dataclass_fields__})


def write(results: list[ModuleResult], wall: float) -> None:
    # Merge with modules recorded by earlier invocations (a module run again replaces its row).
    merged: dict[str, dict] = {}
    if (OUT / "report.json").exists():
        merged = {r["name"]: r for r in json.loads((OUT / "report.json").read_text())}
    merged.update({r.name: dict(vars(r), score=r.score) for r in results})
    order = [n for n in MODULES if n in merged]
    (OUT / "report.json").write_text(json.dumps([merged[n] for n in order], indent=1, default=str))
    results = [from_json(merged[n]) for n in order]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (OUT / "report.md").write_text(
        f"Mutation testing, cosmic-ray, {stamp}, this invocation's wall time {wall / 60:.1f} min\n\n"
        f"{fmt_table(results)}\n"
    )
    lines = ["# Surviving mutants", ""]
    for r in results:
        for s in r.survivors:
            lines.append(f"## {r.path}:{s['line']} {s['operator']} ({s['status']})")
            lines.append(f"`{s['source']}` -> `{s.get('mutant', '')}`")
            if s.get("reason"):
                lines.append(f"equivalent: {s['reason']}")
            if s.get("diff"):
                lines += ["```diff", s["diff"].rstrip(), "```"]
            lines.append("")
    (OUT / "survivors.md").write_text("\n".join(lines))
