"""Run every benchmark, save the results as JSON and print the performance table (Markdown) with the machine.

A benchmark is any module of this package (other than this one) with a `run(quick: bool) -> dict`.

    python -m benchmarks.run_all [--quick] [--out benchmarks/results.json] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import pkgutil
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import benchmarks

logger = logging.getLogger(__name__)

DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"
# Table order; benchmarks not named here follow in alphabetical order.
ORDER = ("trainer_throughput", "memory_format", "pipeline", "launch_latency", "event_latency")


class Row(NamedTuple):
    """One line of the performance table."""

    benchmark: str
    measure: str
    result: str
    target: str
    status: str  # "met", "missed", "" (no target) or "failed"


# --------------------------------------------------------------------------------------------- discovery


def benchmark_names() -> list[str]:
    """Modules of the benchmarks package that define run(quick), in table order."""
    found = []
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name == "run_all" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if callable(getattr(module, "run", None)):
            found.append(info.name)
    return sorted(found, key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))


def run_benchmarks(names: list[str], quick: bool) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Each benchmark's results (or {"error": ...} if it raised) and its wall time in seconds."""
    results, seconds = {}, {}
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        logger.info("running %s%s", name, " (quick)" if quick else "")
        started = time.perf_counter()
        try:
            results[name] = module.run(quick)
        except Exception as exc:  # one broken benchmark must not hide the others' results
            logger.exception("%s failed", name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        seconds[name] = time.perf_counter() - started
    return results, seconds


# ----------------------------------------------------------------------------------------------- machine


def describe_machine() -> dict[str, Any]:
    """CPU model and cores, memory, OS, Python and torch versions, and the accelerator, if any."""
    import torch

    machine: dict[str, Any] = {
        "cpu": _cpuinfo_field("model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        machine.update(device=", ".join(names), cuda=torch.version.cuda)
    else:
        machine["device"] = "cpu (no CUDA device)"
    return machine


def _cpuinfo_field(key: str) -> str | None:
    """The first value of `key` in /proc/cpuinfo (Linux), or None."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def _memory_gib() -> float | None:
    """MemTotal from /proc/meminfo in GiB, or None."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)  # the file counts KiB
    except (OSError, ValueError, IndexError):
        pass
    return None


# ------------------------------------------------------------------------------------------------- table


def _status(met: bool) -> str:
    return "met" if met else "missed"


def _trainer_rows(r: dict[str, Any]) -> list[Row]:
    rows = []
    for c in r["cases"]:
        result = f"{c['trainer_images_per_s']:,.0f} / {c['bare_images_per_s']:,.0f} img/s = {c['ratio']:.3f}x"
        if "aa_ratio" in c:  # the interleaved method's floor: a bare loop on both sides
            result += f" (A/A {c['aa_ratio']:.3f}x)"
        measure = f"{c['model']} batch {c['batch_size']} on {c['device']}, trainer / bare loop"
        rows.append(Row("trainer throughput", measure, result, f">= {r['target_ratio']:.2f}x",
                        _status(c["ratio"] >= r["target_ratio"])))
    return rows


def _pipeline_rows(r: dict[str, Any]) -> list[Row]:
    best = max(r["torchvision_workers_0"], r["torchvision_workers_2"])
    rows = []
    for key, ratio_key, label in [
        ("device_loader_cpu_1_thread", "speedup_cpu_vs_best_torchvision", "DeviceLoader cpu (1 thread)"),
        ("device_loader_cuda", "speedup_cuda_vs_best_torchvision", "DeviceLoader cuda"),
    ]:
        if key in r:
            rows.append(Row("data pipeline", f"{label} / torchvision PIL DataLoader, batch {r['batch_size']}",
                            f"{r[key]:,.0f} / {best:,.0f} img/s = {r[ratio_key]:.1f}x", ">= 5x",
                            _status(r[ratio_key] >= 5)))
    return rows


def _latency_rows(r: dict[str, Any]) -> list[Row]:
    return [Row("event latency", f"worker -> backend -> SSE, {r['clients']} clients, {r['batches']} batches",
                f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, {r['missing']} missing",
                f"p95 < {r['target_p95_ms']:.0f} ms", _status(bool(r["meets_target"])))]


def _launch_rows(r: dict[str, Any]) -> list[Row]:
    rows = [Row("launch latency", f"POST -> first loss point on the run's SSE stream, warm worker, {r['launches']} launches",
                f"median {r['first_loss_median_ms']:.0f} ms, p95 {r['first_loss_p95_ms']:.0f} ms "
                f"(running after {r['running_median_ms']:.0f} ms)",
                f"median < {r['target_median_ms']:.0f} ms", _status(bool(r["meets_target"])))]
    if "slow_first_loss_median_ms" in r:  # results from before the case was added lack it
        rows.append(Row(
            "first loss point at log_every 10,000",
            f"POST -> first loss point, seed_resnet batch 2 ({r['slow_steps_per_epoch']:,} steps per epoch), "
            f"{r['launches']} launches",
            f"median {r['slow_first_loss_median_ms']:.0f} ms, p95 {r['slow_first_loss_p95_ms']:.0f} ms, "
            f"at step {r['slow_first_step_median']:.0f} (max {r['slow_first_step_max']}); "
            f"`running` -> first loss point median {r['slow_running_to_first_loss_median_ms']:.0f} ms",
            f"median < {r['slow_target_median_ms']:.0f} ms", _status(bool(r["slow_meets_target"]))))
    return rows


def _page_load_rows(r: dict[str, Any]) -> list[Row]:
    cases = [("run_page", f"run page with {r['loss_points']:,} loss points"),
             ("runs_page", f"runs page with {r['runs']:,} runs")]
    if "filtered_runs_page_s" in r:  # results from before the case was added lack it
        cases.append(("filtered_runs_page", f"runs page with {r['many_runs']:,} runs, {r['filtered_page']}"))
    return [
        Row("page load", f"{label}, Chromium, best of {r['tries']} loads after a warm-up",
            f"{r[f'{key}_s']:.3f} s (median {r[f'{key}_median_s']:.3f} s)",
            f"< {r['target_s']:.0f} s", _status(r[f"{key}_s"] < r["target_s"]))
        for key, label in cases
    ]


def _generic_rows(name: str, r: dict[str, Any]) -> list[Row]:
    """One row per scalar result, for benchmarks without a formatter here."""
    rows = []
    for key, value in r.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        shown = str(value)
        if isinstance(value, float):
            shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        rows.append(Row(name.replace("_", " "), key, shown, "", ""))
    if "meets_target" in r:
        rows.append(Row(name.replace("_", " "), "target", "", "", _status(bool(r["meets_target"]))))
    return rows


_VARIANT_LABELS = {"eager": "eager", "channels_last": "channels-last", "compiled": "compiled",
                   "compiled_channels_last": "compiled + channels-last"}


def _memory_format_rows(r: dict[str, Any]) -> list[Row]:
    rows = []
    for c in r["cases"]:
        names = list(c["variants"])
        rates = " / ".join(f"{c['variants'][n]['images_per_s']:,.0f}" for n in names)
        ratios = " / ".join(f"{c['speedup'][n]:.2f}" for n in names)
        result = f"{rates} img/s = {ratios}x"
        compiles = [f"{c['variants'][n]['compile_s']:.0f} s" for n in names if "compile_s" in c["variants"][n]]
        if compiles:
            result += f"; compile {' / '.join(compiles)}"
        measure = f"{c['model']} batch {c['batch_size']} on {c['device']}: {' / '.join(_VARIANT_LABELS.get(n, n) for n in names)}"
        target, status = "", ""
        if c["model"] == "seed_resnet" and c["device_type"] == "cpu":
            target, status = f">= {r['target_speedup']:.1f}x", _status(max(c["speedup"].values()) >= r["target_speedup"])
        rows.append(Row("memory format and compile", measure, result, target, status))
    return rows


def _sweep_value_rows(r: dict[str, Any]) -> list[Row]:
    measure = (f"{r['dataset']} {r['train_limit']:,}/{r['test_limit']:,} images, {r['budget_trial_epochs']} trial-epochs, "
               f"{len(r['seeds'])} seeds: random search (no pruning) / TPE + ASHA")
    to_best = r["tpe_asha_seconds_to_random_best"]
    epochs = ", ".join("-" if e is None else f"{e:g}" for e in r["tpe_asha_trial_epochs_to_random_best"])
    result = (f"best test acc {100 * r['random_best_test_acc']:.1f} % / {100 * r['tpe_asha_best_test_acc']:.1f} %; "
              f"{r['random_seconds']:.0f} s / {r['tpe_asha_seconds']:.0f} s; TPE + ASHA ran {r['tpe_asha_trials']:.1f} trials "
              f"({r['tpe_asha_pruned']:.1f} pruned), reached random's best in "
              f"{r['tpe_asha_seeds_reaching_random_best']} of {len(r['seeds'])} seeds"
              + (f", after {to_best:.0f} s" if to_best is not None else "")
              + f"; trial-epochs to it: random {r['random_trial_epochs_to_its_best']:.1f}, TPE + ASHA {epochs}")
    return [Row("sweep value", measure, result, "same accuracy in < 0.8x the time", _status(bool(r["meets_target"])))]


def _sdk_overhead_rows(r: dict[str, Any]) -> list[Row]:
    return [Row("SDK overhead", f"run.log of 2 metrics every step, {r['steps_per_side']:,} steps, interleaved with a bare loop",
                f"{r['log_call_us']:.1f} us a call = {100 * r['share_of_1ms_step']:.2f} % of a 1 ms step "
                f"(process CPU {r['cpu_per_call_us']:.1f} us; {r['ingest_requests']} requests)",
                f"< {100 * r['target_share']:.0f} % of a 1 ms step", _status(bool(r["meets_target"])))]


def _sdk_parallel_rows(r: dict[str, Any]) -> list[Row]:
    return [Row("SDK scripts in parallel", f"{r['scripts']} scripts x {r['steps_per_script']:,} steps of 1 ms, 2 metrics a step",
                f"{r['points_stored']:,} of {r['points_logged']:,} points stored, {r['scripts_with_errors']} scripts "
                f"with errors; requests per run mean {r['mean_requests_per_run_per_s']:.1f}/s, "
                f"max {r['max_requests_per_run_per_s']:.1f}/s",
                "no error, every point once", _status(bool(r["meets_target"])))]


FORMATTERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "trainer_throughput": _trainer_rows,
    "pipeline": _pipeline_rows,
    "event_latency": _latency_rows,
    "launch_latency": _launch_rows,
    "page_load": _page_load_rows,
    "memory_format": _memory_format_rows,
    "sweep_value": _sweep_value_rows,
    "sdk_overhead": _sdk_overhead_rows,
    "sdk_parallel": _sdk_parallel_rows,
}


def table_rows(name: str, results: dict[str, Any]) -> list[Row]:
    """The table rows of one benchmark's results (a failed one gets one 'failed' row)."""
    if "error" in results:
        return [Row(name.replace("_", " "), "did not complete", results["error"], "", "failed")]
    formatter = FORMATTERS.get(name)
    if formatter is not None:
        try:
            return formatter(results)
        except (KeyError, TypeError, ValueError):
            logger.warning("results of %s are not in the expected shape; listing them as they are", name)
    return _generic_rows(name, results)


def markdown_report(report: dict[str, Any]) -> str:
    """The machine line and the performance table, in Markdown."""
    machine = report["machine"]
    memory = f", {machine['memory_gib']} GiB RAM" if machine.get("memory_gib") else ""
    lines = [
        f"Machine: {machine['cpu']}, {machine['usable_cores']} of {machine['cores']} cores usable{memory}; "
        f"{machine['device']}; {machine['os']}; Python {machine['python']}, torch {machine['torch']} "
        f"({machine['torch_threads']} threads).",
        f"Run: {report['started_at']}, {'quick' if report['quick'] else 'full'} mode.",
        "",
        "| Benchmark | Measure | Result | Target | Status |",
        "|---|---|---|---|---|",
    ]
    for name, results in report["results"].items():
        for row in table_rows(name, results):
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write the JSON report, print the table; exit 1 if a benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short variant of every benchmark")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    available = benchmark_names()
    names = args.only or available
    unknown = sorted(set(names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results, seconds = run_benchmarks(names, args.quick)
    report = {
        "started_at": started_at,
        "quick": args.quick,
        "machine": describe_machine(),
        "results": results,
        "seconds": seconds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown_report(report))
    print(f"\nResults written to {args.out}")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
