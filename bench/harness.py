"""What every benchmark shares: its own database, timings, the report and its output.

Nothing here imports Django at module level: `configure_environment()` must run before
Django reads its settings, so the benchmark can never touch the dev or test databases.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/marketplace_bench"


def database_url() -> str:
    """The benchmark database: BENCH_DATABASE_URL, whose name must contain "bench"."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to benchmark in database {name!r}: its name lacks 'bench'")
    return url


def configure_environment() -> None:
    """Point this process (and every manage.py it starts) at the benchmark database."""
    os.environ["DATABASE_URL"] = database_url()
    os.environ["MARKETPLACE_ENV"] = "development"
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def recreate_database() -> None:
    """Drop and create the benchmark database, connected to the `postgres` database."""
    import psycopg
    from psycopg import sql

    url = urlparse(database_url())
    name = url.path.lstrip("/")
    admin_url = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(*args: str) -> float:
    """Run `manage.py <args>` in a subprocess; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return elapsed


@contextmanager
def stopwatch(samples_ms: list[float]) -> Iterator[None]:
    """Append the block's wall time in milliseconds to `samples_ms`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        samples_ms.append((time.perf_counter() - started) * 1000)


@dataclass(frozen=True)
class Distribution:
    """Per-item timings of one operation, in milliseconds."""

    label: str
    samples_ms: list[float]

    def summary(self) -> dict[str, float]:
        samples = self.samples_ms
        if len(samples) > 1:
            p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
        else:
            p95 = samples[0]
        return {
            "n": len(samples),
            "median_ms": statistics.median(samples),
            "p95_ms": p95,
            "mean_ms": statistics.fmean(samples),
            "max_ms": max(samples),
        }


@dataclass(frozen=True)
class Figure:
    """One measured quantity (a total, a wall time, a count)."""

    label: str
    value: float
    unit: str
    note: str = ""
    digits: int = 2


@dataclass(frozen=True)
class Target:
    """A goal from the issue: `measured` must stay under `limit`."""

    label: str
    measured: float
    limit: float
    unit: str

    @property
    def passed(self) -> bool:
        return self.measured < self.limit


@dataclass
class Report:
    name: str
    distributions: list[Distribution] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def machine() -> dict[str, str]:
    """The facts docs/benchmarks.md records about where the figures were measured."""
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    memory = next((line.split()[1] for line in free.splitlines() if line.startswith("Mem:")), "?")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory_total": memory,
        "cpu": cpu,
        "postgresql": postgres,
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_at_start": load_average(),
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews timings."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: range) -> str:
    """A plain-text table; the columns whose index is in `right` are right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def render(report: Report) -> str:
    """The report as plain-text tables."""
    parts = [f"== {report.name} =="]
    if report.distributions:
        rows = []
        for dist in report.distributions:
            s = dist.summary()
            rows.append(
                [dist.label, f"{s['n']:.0f}"]
                + [f"{s[k]:.1f}" for k in ("median_ms", "p95_ms", "mean_ms", "max_ms")]
            )
        headers = ["per item", "n", "median ms", "p95 ms", "mean ms", "max ms"]
        parts.append(_table(headers, rows, right=range(1, 6)))
    if report.figures:
        rows = [[f.label, f"{f.value:.{f.digits}f} {f.unit}", f.note] for f in report.figures]
        parts.append(_table(["figure", "value", "note"], rows, right=range(1, 2)))
    if report.targets:
        rows = [
            [t.label, f"{t.measured:.2f} {t.unit}", f"< {t.limit:g} {t.unit}",
             "PASS" if t.passed else "FAIL"]
            for t in report.targets
        ]  # fmt: skip
        parts.append(_table(["target", "measured", "limit", "result"], rows, right=range(1, 3)))
    return "\n\n".join(parts)


def write_json(report: Report, *, machine_facts: dict[str, str], quick: bool) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{report.name}.json"
    payload = {
        "benchmark": report.name,
        "quick": quick,
        "machine": machine_facts,
        "distributions": [
            {"label": d.label, **d.summary(), "samples_ms": [round(x, 3) for x in d.samples_ms]}
            for d in report.distributions
        ],
        "figures": [vars(f) for f in report.figures],
        "targets": [{**vars(t), "passed": t.passed} for t in report.targets],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
