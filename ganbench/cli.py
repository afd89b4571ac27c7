"""The ``ganbench`` command line. Heavy modules are imported inside commands so --help is fast."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from . import cli_cache, cli_list

EPILOG = "Docs: README.md and docs/. Set GANBENCH_DEBUG=1 for full tracebacks."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganbench", description="Benchmark GANs with pluggable, "
                                     "gin-configured components.", epilog=EPILOG)
    parser.add_argument("--strict", action="store_true", help="fail if any plugin fails to load")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="train and evaluate every cell of a benchmark; resumes")
    run.add_argument("benchmark", help="benchmark gin file, e.g. benchmarks/label_efficiency.gin")
    run.add_argument("--out", default="runs", help="output root (default: runs)")
    run.add_argument("--gin-param", "-p", action="append", default=[], metavar="BINDING",
                     help="extra gin binding for every cell, e.g. 'Experiment.steps = 100' (repeatable)")
    run.add_argument("--executor", help="override Benchmark.executor (inprocess, pool, ...)")
    run.add_argument("--workers", type=int, help="override Benchmark.workers")
    run.add_argument("--dry-run", action="store_true", help="list the cells and their status, run nothing")
    run.add_argument("--rerun-changed", action="store_true",
                     help="runs made with a different configuration or different data than the "
                          "benchmark gives now are moved to <study>/stale/ and rerun (default: stop "
                          "with an error)")

    table = sub.add_parser("table", help="print a study's tables from its results (no training)")
    table.add_argument("study_dir", help="directory written by `ganbench run`, e.g. runs/label_efficiency")
    table.add_argument("--format", choices=["markdown", "latex", "csv", "html"], default="markdown")
    table.add_argument("--metric", action="append", help="only these metrics (default: the study's)")

    ev = sub.add_parser("eval", help="score image set A against reference B (folders, .npz, "
                        "dataset splits like shapes:test, run directories)")
    ev.add_argument("a", help="the evaluated images: folder, .npz, NAME:SPLIT or a run directory")
    ev.add_argument("b", help="the reference images, same forms")
    ev.add_argument("--metric", action="append", required=True, help="e.g. fid, kid (repeatable)")
    ev.add_argument("--extractor", choices=["inception_v3", "domain_classifier"],
                    help="feature extractor (default: each metric's own)")
    ev.add_argument("--train-on", metavar="SOURCE",
                    help="labelled images the domain classifier is trained on: a folder with one "
                         "subfolder per class (its train/ split, or a hashed 90%%), or NAME:SPLIT "
                         "(default: the dataset behind A or B when one is NAME:SPLIT)")
    ev.add_argument("--num-samples", type=int, default=2000, help="samples drawn from run directories")
    ev.add_argument("--resize", choices=["legacy", "clean"], default="legacy",
                    help="Inception resize: legacy = TF1 bilinear as torch-fidelity (default); clean = "
                         "clean-fid's PIL bicubic (results get the suffix _clean)")
    ev.add_argument("--gin-param", "-p", action="append", default=[], metavar="BINDING",
                    help="gin binding, e.g. 'datasets.shapes.resolution = 16'")
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    plot = sub.add_parser("plot", help="regenerate a study's plots and training curves (PNG and PDF)")
    plot.add_argument("study_dir")

    report = sub.add_parser("report", help="write a self-contained HTML report of a study")
    report.add_argument("study_dir")

    sample = sub.add_parser("sample", help="write a grid of samples from a run's checkpoint")
    sample.add_argument("run_dir", help="a seed directory, e.g. runs/label_efficiency/biggan-100/seed-0")
    sample.add_argument("--class", dest="class_", type=int, help="class id to sample (conditional models)")
    sample.add_argument("--truncation", type=float, help="truncation threshold (default: the run's)")
    sample.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("--seed", type=int, default=0, help="latent noise seed (default 0)")
    sample.add_argument("--interpolate", action="store_true", help="an interpolation strip between two latents")
    sample.add_argument("--steps", type=int, default=8, help="images in the interpolation strip")
    sample.add_argument("--out", help="PNG file (default: RUN_DIR/samples.png)")

    tb = sub.add_parser("tensorboard", help="export runs' metrics.jsonl as TensorBoard event files")
    tb.add_argument("run_dirs", nargs="+")

    cli_list.add_parser(sub)
    cli_cache.add_parser(sub)

    plugins = sub.add_parser("plugins", help="list plugins: version, components, load errors")
    plugins.add_argument("--json", action="store_true")
    plugins.add_argument("--check", action="store_true",
                         help="also import every component's factory (slower: imports torch)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__
        print(f"ganbench {__version__}")
        return 0
    if not args.command:
        parser.print_help()
        return 0
    if args.strict:
        os.environ["GANBENCH_STRICT"] = "1"
    # SIGTERM (kill, a scheduler's preemption) stops like Ctrl-C: executors then stop their
    # workers, and the same command resumes.
    _received.clear()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        # The reader of our output went away (`ganbench run --dry-run | head`): not an error.
        # Point stdout at devnull so that Python's flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:
        if _caused_by_interrupt(err):
            # The interrupt landed inside library code that then failed while unwinding (seen:
            # threading's lock release in concurrent.futures.as_completed raised RuntimeError).
            return _interrupted()
        from .errors import describe_error, is_user_error
        if not is_user_error(err) or os.environ.get("GANBENCH_DEBUG"):
            raise
        print(f"ganbench: error: {describe_error(err)}", file=sys.stderr)
        return 2


_received: list[int] = []   # the signal that interrupted us (Ctrl-C raises directly: SIGINT)


def _interrupt(signum, frame) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def _interrupted() -> int:
    """Exit status of an interrupted command: 128 + the signal, the shell's convention (130 for
    Ctrl-C, 143 for SIGTERM), so schedulers and scripts can tell a preemption from a failure."""
    print("ganbench: interrupted; run the same command again to resume", file=sys.stderr)
    return 128 + (_received[-1] if _received else signal.SIGINT)


def _caused_by_interrupt(err: BaseException) -> bool:
    """True when a KeyboardInterrupt is somewhere in the chain of exceptions that led to err."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def cmd_run(args: argparse.Namespace) -> int:
    from . import distributed, study
    distributed.init_from_env()   # under torchrun: every rank trains each cell together
    _, study_dir, cells, tasks = study.plan(args.benchmark, args.out, args.gin_param)
    if args.dry_run:
        from .results import read_done
        changed = study.changed_runs(study_dir, tasks, study.validate(args.benchmark, cells, args.gin_param))
        for task in tasks:
            done = read_done(Path(task.run_dir))
            state = done["status"] if done else "todo"
            note = ""
            if task.run_dir in changed:
                from .config.fingerprint import is_data_change
                note = " (data changed)" if is_data_change(changed[task.run_dir]) else " (configuration changed)"
                if is_data_change(changed[task.run_dir]) and any(
                        not line[1:].startswith("data ") for line in changed[task.run_dir].splitlines()):
                    note = " (configuration and data changed)"
            print(f"{task.label}: {state}{note}")
        return 0
    # run_study validates every cell before writing anything
    status = study.run_study(args.benchmark, args.out, args.gin_param, executor=args.executor,
                             workers=args.workers, rerun_changed=args.rerun_changed)
    if distributed.rank() != 0:
        return 0
    print((study_dir / "tables.md").read_text())
    print(f"results: {study_dir}")
    busy = [label for label, s in status.items() if s == "busy"]
    if busy:
        print(f"ganbench: {len(busy)} cell(s) are being trained by another ganbench process right now "
              f"(busy), so the tables above do not have them yet: {', '.join(busy)}. Run the same "
              "command again once that process has finished (or `ganbench table` to rebuild the tables).",
              file=sys.stderr)
    failed = [label for label, s in status.items() if s == "failed"]
    if failed:
        print(f"ganbench: {len(failed)} cell(s) failed (see error.txt in their directories): "
              + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from .report import tables
    from .results import load_results, read_study_manifest
    from .config.fingerprint import data_facts
    info = read_study_manifest(Path(args.study_dir))
    info["data_facts"] = data_facts(args.study_dir, info)
    summaries = load_results(args.study_dir)
    if args.metric:
        info = {**info, "table_metrics": args.metric, "extra_tables": []}
    print(tables.render_all(info, summaries, args.format), end="")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .report import plots
    from .results import load_results, read_study_manifest
    from .report.curves import write_curves
    study_dir = Path(args.study_dir)
    for path in plots.write_all(study_dir, read_study_manifest(study_dir), load_results(study_dir)):
        print(path)
    for path in write_curves(study_dir):
        print(path)
    return 0


def resize_bindings(metrics: list[str], resize: str) -> list[str]:
    """gin bindings that give every asked-for metric with a ``resize`` parameter that mode."""
    if resize == "legacy":
        return []
    import inspect
    from .registry import get_registry
    registry, bindings = get_registry(), []
    for name in metrics:
        if name not in registry.names("metrics"):
            continue
        if "resize" in inspect.signature(registry.get("metrics", name).load()).parameters:
            bindings.append(f"metrics.{name}.resize = {resize!r}")
    if not bindings:
        raise ValueError(f"--resize {resize} applies to Inception metrics (fid, kid, precision_recall, "
                         f"density_coverage, prd, intra_fid...); none of {', '.join(metrics)} has it")
    return bindings


def cmd_eval(args: argparse.Namespace) -> int:
    from . import config
    from .evaluate.sources import compare
    config.parse([], args.gin_param + resize_bindings(args.metric, args.resize))
    results = compare(args.a, args.b, args.metric, args.extractor, args.num_samples, train_on=args.train_on)
    if args.json:
        print(json.dumps(results, sort_keys=True))
    else:
        for key, value in sorted(results.items()):
            print(f"{key:<28} {value:.6g}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report.html import write_report
    print(write_report(Path(args.study_dir)))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .report import samples
    if args.n <= 0 or args.steps < 2:
        raise ValueError("--n must be positive and --steps at least 2")
    if args.interpolate:
        grid = samples.interpolation_strip(args.run_dir, steps=args.steps, class_id=args.class_,
                                           truncation=args.truncation, seed=args.seed)
    else:
        grid = samples.sample_grid(args.run_dir, n=args.n, class_id=args.class_,
                                   truncation=args.truncation, seed=args.seed)
    out = Path(args.out) if args.out else Path(args.run_dir) / "samples.png"
    samples.save_png(grid, out)
    print(out)
    return 0


def cmd_tensorboard(args: argparse.Namespace) -> int:
    from .report.tensorboard import export_run
    for run_dir in args.run_dirs:
        print(export_run(run_dir))
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from .registry import get_plugins
    plugins = get_plugins()
    if args.check:
        plugins.check_components()
    infos = list(plugins.infos.values())
    if args.json:
        print(json.dumps([{"name": i.name, "distribution": i.dist, "version": i.version,
                           "builtin": i.builtin, "components": i.components, "errors": i.errors}
                          for i in infos] + [{"name": i.name, "distribution": i.dist, "version": i.version,
                                              "skipped": "GANBENCH_LOAD_PLUGINS"} for i in plugins.skipped],
                         indent=2))
        return 0
    for i in infos:
        state = "ERROR" if i.errors else "ok"
        print(f"{i.name:<18} {i.dist} {i.version}  {state}  {len(i.components)} components")
        for err in i.errors:
            print(f"    error: {err}")
    for i in plugins.skipped:
        print(f"{i.name:<18} {i.dist} {i.version}  not loaded (GANBENCH_LOAD_PLUGINS)")
    return 1 if any(i.errors for i in infos) else 0


COMMANDS = {"run": cmd_run, "eval": cmd_eval, "table": cmd_table, "plot": cmd_plot, "report": cmd_report,
            "sample": cmd_sample, "tensorboard": cmd_tensorboard, "list": cli_list.cmd_list, "plugins": cmd_plugins,
            "cache": cli_cache.cmd_cache}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
